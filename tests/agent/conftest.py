"""Fixtures for the agent runtime: a fresh SQLite store, a fake OpenAI-compatible server on
127.0.0.1, a counting driver wrapper and a recording publisher."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.domain import AgentSettings, Event
from openbrain.settings import Settings
from openbrain.store import TableDriver, TenantStore, open_driver
from openbrain.store.counting import CountingDriver as BaseCountingDriver
from openbrain.store.driver import Item, Page, WriteOp
from tests.agent.fake_llm import FakeLLM, serving

CLIENT = "acme"


class CountingDriver(BaseCountingDriver):
    """The store's counting wrapper, plus the limits queries asked for and a hook that runs
    just before a transaction (to make two turns race)."""

    def __init__(self, inner: TableDriver) -> None:
        super().__init__(inner)
        self.query_limits: list[int] = []
        self.before_transact: Callable[[Sequence[WriteOp]], None] | None = None

    def reset(self) -> None:
        super().reset()
        self.query_limits.clear()

    def query(self, pk: str, prefix: str = "", **kwargs: Any) -> Page:
        self.query_limits.append(kwargs.get("limit", 100))
        return super().query(pk, prefix, **kwargs)

    def query_range(self, pk: str, low: str, high: str, **kwargs: Any) -> list[Item]:
        self.query_limits.append(kwargs.get("limit", 100))
        return super().query_range(pk, low, high, **kwargs)

    def transact(self, ops: Sequence[WriteOp]) -> None:
        if self.before_transact is not None:
            self.before_transact(ops)
        super().transact(ops)


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[Event] = []
        self.fail = fail

    def publish(self, events: Sequence[Event]) -> list[str]:
        if self.fail:
            raise RuntimeError("bus unavailable")
        self.published.extend(events)
        return [e.event_id for e in events]


@pytest.fixture(name="driver")
def fx_driver(tmp_path: Path) -> Iterator[CountingDriver]:
    inner = open_driver(Settings(store=f"sqlite:///{tmp_path / 'ob.db'}"))
    inner.setup()
    driver = CountingDriver(inner)
    yield driver
    driver.close()


@pytest.fixture(name="store")
def fx_store(driver: CountingDriver) -> TenantStore:
    return TenantStore(driver, CLIENT)


@pytest.fixture(name="llm")
def fx_llm() -> Iterator[FakeLLM]:
    with serving(FakeLLM()) as fake:
        yield fake


@pytest.fixture(name="online_settings")
def fx_online_settings(tmp_path: Path, llm: FakeLLM) -> Settings:
    return Settings(
        store=f"sqlite:///{tmp_path / 'ob.db'}",
        openai_base_url=llm.url,
        openai_api_key="test-key",
        llm_max_retries=0,
        llm_timeout=5.0,
    )


@pytest.fixture(name="offline_settings")
def fx_offline_settings(tmp_path: Path) -> Settings:
    return Settings(store=f"sqlite:///{tmp_path / 'ob.db'}", openai_api_key=None,
                    openai_base_url=None)


@pytest.fixture(name="publisher")
def fx_publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture(name="online")
def fx_online(online_settings: Settings, publisher: RecordingPublisher) -> TurnExecutor:
    return TurnExecutor(settings=online_settings, publisher=publisher)


@pytest.fixture(name="offline")
def fx_offline(offline_settings: Settings, publisher: RecordingPublisher) -> TurnExecutor:
    return TurnExecutor(settings=offline_settings, publisher=publisher)


def save_profile(store: TenantStore, name: str = "default", **fields: Any) -> None:
    settings = {
        "system_message": "You help people.",
        "ice_breaker": "Hi! How can I help?",
        "model": "test-model",
        "tools": ["capture_lead", "update_lead", "calculator"],
        **fields,
    }
    store.configs.save(name, AgentSettings(**settings))


def snapshot(store: TenantStore, session_id: str) -> tuple[Any, ...]:
    """Everything a failed turn must leave as it was."""
    session = store.sessions.require(session_id)
    messages, _ = store.sessions.transcript(session_id, limit=1000)
    leads, _ = store.leads.list()
    events, _ = store.outbox.list()
    return session, messages, leads, events, store.sessions.tool_actions(session_id)


def run_threads(*targets: Callable[[], None]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
