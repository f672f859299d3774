"""The OpenAI-compatible turn against the offline one, in process (no HTTP server in front).

The executor runs turns of 16 sessions (3 tools, a 20-message window, SQLite) with the offline
model and with the OpenAI-compatible provider against ``bench/model_server.py`` (its own
process, pinned to core 1 when ``taskset`` exists), one after the other, then 16 threads at
once as a server's workers would: the pool of keep-alive connections then holds 16. Prints
CPU per turn (the turn's thread; all of the process's for the 16 threads) and the provider's
cost above the offline model, paired round by round (it survives a shared machine better than
absolute figures). Prints figures, never asserts.

    .venv/bin/python bench/provider_turn.py [--rounds 6] [--turns 60]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import structlog

from openbrain.agent.executor import TurnExecutor
from openbrain.domain import AgentSettings, ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 16
TOOLS = ["capture_lead", "update_lead", "calculator"]


class Kind:
    """One executor and its sessions, each with a full window."""

    def __init__(self, data: Path, url: str | None) -> None:
        settings = Settings(store=f"sqlite:///{data / ('online' if url else 'offline')}.db",
                            openai_api_key="bench" if url else None, openai_base_url=url)
        driver = open_driver(settings)
        driver.setup()
        self.store = TenantStore(driver, "bench")
        self.store.configs.save("default", AgentSettings(
            system_message="You help the visitors of a shop.", ice_breaker="Hi! How can I help?",
            model="bench-model" if url else "offline", tools=TOOLS, memory_window=20))
        self.executor = TurnExecutor(settings=settings)
        self.sessions = [self.executor.chat(self.store, ChatMessage(reset=True)).session_id
                         for _ in range(SESSIONS)]
        for session_id in self.sessions:
            for n in range(12):
                self.turn(session_id, f"warm-up {n}")

    def turn(self, session_id: str, text: str) -> None:
        self.executor.chat(self.store, ChatMessage(session_id=session_id, message=text))

    def sequential(self, turns: int) -> float:
        """ms of this thread's CPU per turn, one session."""
        started = time.thread_time()
        for n in range(turns):
            self.turn(self.sessions[0], f"Hello there, what do you offer? {n}")
        return (time.thread_time() - started) / turns * 1000

    def concurrent(self, turns: int) -> float:
        """ms of the process's CPU per turn, every session in a thread of its own."""
        start = threading.Barrier(SESSIONS)

        def run(session_id: str) -> None:
            start.wait()
            for n in range(turns):
                self.turn(session_id, f"Hello there, what do you offer? {n}")

        threads = [threading.Thread(target=run, args=(s,)) for s in self.sessions]
        started = time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return (time.process_time() - started) / (turns * SESSIONS) * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _report(label: str, offline: list[float], online: list[float]) -> None:
    above = [b - a for a, b in zip(offline, online, strict=True)]
    print(f"{label}: offline {statistics.median(offline):.3f} ms, OpenAI-compatible "
          f"{statistics.median(online):.3f} ms, above offline {statistics.median(above):.3f} ms "
          f"(per round: {', '.join(f'{x:.3f}' for x in above)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--turns", type=int, default=60, help="turns per session per round")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    port = _free_port()
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    server = subprocess.Popen([*pin, sys.executable, str(ROOT / "bench" / "model_server.py"),
                               str(port)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp:
            offline = Kind(Path(tmp), None)
            online = Kind(Path(tmp), f"http://127.0.0.1:{port}/v1")
            figures: dict[str, list[float]] = {k: [] for k in ("seq-off", "seq-on", "con-off",
                                                               "con-on")}
            for _ in range(args.rounds):
                figures["seq-off"].append(offline.sequential(args.turns * 4))
                figures["seq-on"].append(online.sequential(args.turns * 4))
                figures["con-off"].append(offline.concurrent(args.turns))
                figures["con-on"].append(online.concurrent(args.turns))
        _report("one session", figures["seq-off"], figures["seq-on"])
        _report(f"{SESSIONS} threads", figures["con-off"], figures["con-on"])
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
