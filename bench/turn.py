"""Benchmark a chat turn with the offline model over a SQLite store in a temp dir.

Prints (never asserts):
* the median platform overhead of a turn: wall time of ``chat()`` minus the time spent in the
  model's ``invoke``/``stream`` calls (measured by wrapping the model);
* the cost of turn #1,000 against turn #10 of one session, as a ratio of medians over a few
  turns around each point (a turn must not get slower as its session grows);
* storage calls per turn.

Run: ``.venv/bin/python bench/turn.py`` (about a minute).
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

from openbrain.agent.executor import TurnExecutor
from openbrain.agent.models import ModelChoice, ModelFactory
from openbrain.agent.offline import OfflineChatModel
from openbrain.domain import AgentConfig, AgentSettings, ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
from openbrain.store.counting import CountingDriver

LONG_SESSION = 1_007
AROUND = 7  # turns either side of each measuring point


class TimedModel(OfflineChatModel):
    """The offline model, adding the time of each whole call (LangChain layers included)."""

    spent: float = 0.0

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().invoke(input, config, **kwargs)
        finally:
            self.spent += time.perf_counter() - started

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Iterator[Any]:
        started = time.perf_counter()
        try:
            yield from super().stream(input, config, **kwargs)
        finally:
            self.spent += time.perf_counter() - started


class TimedFactory(ModelFactory):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.model = TimedModel()

    def for_config(self, config: AgentConfig) -> ModelChoice:
        return ModelChoice(self.model, "offline", offline=True)


def _turn(executor: TurnExecutor, factory: TimedFactory, store: TenantStore,
          request: ChatMessage) -> tuple[float, float, str]:
    factory.model.spent = 0.0
    started = time.perf_counter()
    reply = executor.chat(store, request)
    wall = time.perf_counter() - started
    return wall, wall - factory.model.spent, reply.session_id


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    # Per-turn info lines would measure the terminal; keep warnings only.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=f"sqlite:///{Path(tmp) / 'bench.db'}",
                            openai_api_key=None, openai_base_url=None)
        driver = CountingDriver(open_driver(settings))
        driver.setup()
        store = TenantStore(driver, "bench")
        store.configs.save("default", AgentSettings(
            model="offline", tools=["capture_lead", "update_lead", "calculator"],
            memory_window=20,
        ))
        factory = TimedFactory(settings)
        executor = TurnExecutor(settings=settings, models=factory)

        # 1. Overhead on fresh sessions: a plain answer, and a lead capture (tool round trip).
        for label, text in (("plain turn", "Hello there, what do you offer?"),
                            ("lead capture", "Hi, I am Jane Doe, jane@example.com, 555-0100")):
            overheads, walls = [], []
            for _ in range(150):
                wall, overhead, _ = _turn(executor, factory, store,
                                          ChatMessage(reset=True, message=text))
                walls.append(wall)
                overheads.append(overhead)
            print(f"{label:>13}: median chat() {_ms(statistics.median(walls))}, "
                  f"platform overhead {_ms(statistics.median(overheads))} "
                  f"(p90 {_ms(statistics.quantiles(overheads, n=10)[-1])})")

        # 2. One long session: turn #10 against turn #1,000.
        session_id = executor.chat(store, ChatMessage(reset=True)).session_id
        turn_walls: dict[int, float] = {}
        turn_overheads: dict[int, float] = {}
        calls: dict[int, dict[str, int]] = {}
        started = time.perf_counter()
        for n in range(1, LONG_SESSION + 1):
            driver.reset()
            wall, overhead, _ = _turn(executor, factory, store,
                                      ChatMessage(session_id=session_id, message=f"note {n}"))
            turn_walls[n], turn_overheads[n], calls[n] = wall, overhead, dict(driver.calls)
        elapsed = time.perf_counter() - started

        def around(values: dict[int, float], point: int) -> float:
            return statistics.median(values[n] for n in range(point - AROUND, point + AROUND + 1))

        early, late = around(turn_walls, 10), around(turn_walls, 1_000)
        early_o, late_o = around(turn_overheads, 10), around(turn_overheads, 1_000)
        messages = store.sessions.require(session_id).message_count
        print(f"long session: {LONG_SESSION} turns, {messages} messages, {elapsed:.1f} s")
        print(f"  turn #10:    chat() {_ms(early)}, overhead {_ms(early_o)}")
        print(f"  turn #1,000: chat() {_ms(late)}, overhead {_ms(late_o)}")
        print(f"  ratio #1,000 / #10: chat() {late / early:.2f}, overhead {late_o / early_o:.2f}")
        print(f"storage calls per turn: #10 {calls[10]}, #1,000 {calls[1_000]}")


if __name__ == "__main__":
    main()
