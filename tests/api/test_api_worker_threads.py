"""OB_TURN_THREADS: one long-lived API process runs that many blocking calls at once.

A turn waits on the LLM in a worker thread (``sync_to_thread`` handlers through anyio's
limiter, streamed turns through the loop's default executor); without the setting a process
holds 40 and ``min(32, CPUs + 4)`` of them, far below what one vCPU can keep waiting.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import anyio.to_thread
import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings, SettingsError

WAITING = 60  # more than anyio's 40 and than asyncio's min(32, CPUs + 4)


def _app(tmp_path: Path, threads: int | None) -> TestClient:  # type: ignore[type-arg]
    settings = Settings(store=f"sqlite:///{tmp_path / 'ob.db'}", tenants_dir=tmp_path,
                        openai_api_key=None, openai_base_url=None, turn_threads=threads)
    return TestClient(create_app(Runtime(settings, profile=EMBEDDED)))


async def _all_wait_at_once() -> bool:
    """Whether ``WAITING`` blocking calls of each kind are in flight together."""
    barrier = threading.Barrier(WAITING, timeout=5)

    def wait() -> bool:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    handlers = await asyncio.gather(*(anyio.to_thread.run_sync(wait) for _ in range(WAITING)))
    barrier.reset()
    loop = asyncio.get_running_loop()
    streams = await asyncio.gather(*(loop.run_in_executor(None, wait) for _ in range(WAITING)))
    return all(handlers) and all(streams)


def test_a_service_process_keeps_many_turns_waiting(tmp_path: Path) -> None:
    with _app(tmp_path, WAITING) as client:
        assert client.get("/healthz").status_code == 200
        assert client.blocking_portal.call(_all_wait_at_once)


def test_without_the_setting_the_pools_stay_as_they_were(tmp_path: Path) -> None:
    with _app(tmp_path, None) as client:
        assert client.blocking_portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 40


def test_the_setting_is_a_positive_whole_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OB_TURN_THREADS", "0")
    with pytest.raises(SettingsError, match="OB_TURN_THREADS"):
        Settings()
    monkeypatch.setenv("OB_TURN_THREADS", "lots")
    with pytest.raises(SettingsError, match="OB_TURN_THREADS"):
        Settings()
    monkeypatch.setenv("OB_TURN_THREADS", "400")
    assert Settings().turn_threads == 400
