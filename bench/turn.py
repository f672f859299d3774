"""Benchmark a chat turn with the offline model over a SQLite store in a temp dir.

Prints (never asserts):
* the median platform overhead of a turn: wall time of ``chat()`` minus the time spent in the
  model's ``invoke``/``stream`` calls (measured by wrapping the model);
* the cost of turn #1,000 against turn #10 of one session, as a ratio of medians over a few
  turns around each point (a turn must not get slower as its session grows);
* storage calls per turn;
* a 2,050-turn session under the ``summary`` memory policy: CPU of the turn's thread at turn
  #10 against turn #2,000 (paired, see :func:`summary_session`), storage calls per turn,
  prompt size in tokens at both points and the largest, and the compaction work per 100
  turns (summary steps, storage calls, CPU, tokens), compactions run between turns so their
  CPU is counted apart; then the same session under ``window`` as the control.

Run: ``.venv/bin/python bench/turn.py`` (about two minutes); ``--summary-only`` runs the
last part alone.
"""

from __future__ import annotations

import logging
import statistics
import sys
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
from openbrain.domain.agent_config import MemoryPolicy
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
from openbrain.store.counting import CountingDriver

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The compactor the memory tests run between turns: the bench runs it the same way (CPU apart).
from tests.agent.memory_support import ManualCompactor

LONG_SESSION = 1_007
SUMMARY_SESSION = 2_050
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


def summary_session(tmp: Path, policy: MemoryPolicy = "summary") -> None:
    """A 2,050-turn session under ``policy`` (window 20, threshold 20), offline model; its
    first turn gives a name its last turn asks for. ``window`` is the control: the same
    measurement without summaries.

    Turn #10 is measured on 101 short sessions, each turn #10 run right after one of the
    long session's turns #1,950 to #2,050, so both points meet the same machine noise; the
    figures are medians of those 101 pairs (CPU of the turn's own thread).
    """
    settings = Settings(store=f"sqlite:///{tmp / f'{policy}.db'}",
                        openai_api_key=None, openai_base_url=None)
    driver = CountingDriver(open_driver(settings))
    driver.setup()
    store = TenantStore(driver, "bench")
    store.configs.save("default", AgentSettings(model="offline", memory_policy=policy,
                                                memory_window=20, summary_threshold=20))
    factory = TimedFactory(settings)
    compactor = ManualCompactor(factory)
    executor = TurnExecutor(settings=settings, models=factory, compactor=compactor)

    def turn(session_id: str | None, text: str) -> tuple[float, dict[str, int], int, str]:
        driver.reset()
        before = time.thread_time()
        request = (ChatMessage(session_id=session_id, message=text) if session_id
                   else ChatMessage(reset=True, message=text))
        reply = executor.chat(store, request)
        return (time.thread_time() - before, dict(driver.calls), reply.input_tokens,
                reply.session_id)

    short: list[str] = []
    for _ in range(101):  # sessions waiting for their turn #10
        session_id = turn(None, "My name is Ann Lee")[3]
        for n in range(2, 10):
            turn(session_id, f"Tell me about plan {n}.")
            compactor.run()
        short.append(session_id)
    first = turn(None, "My name is Robert Paulson")[3]
    pairs: list[tuple[float, float]] = []
    calls: dict[int, dict[str, int]] = {}
    prompt: dict[int, int] = {}
    steps = compaction_calls = compaction_tokens = 0
    compaction_cpu = 0.0
    started = time.perf_counter()
    for n in range(2, SUMMARY_SESSION + 1):
        cpu, calls[n], prompt[n], _ = turn(first, f"Tell me about plan {n}.")
        if n >= SUMMARY_SESSION - 100:
            early_cpu, calls[10], prompt[10], _ = turn(short.pop(), "Tell me about plan 10.")
            # only the long session's compactions are counted
            compactor.queued = [q for q in compactor.queued if q[1].session_id == first]
            pairs.append((early_cpu, cpu))
        driver.reset()
        before = time.thread_time()
        made = compactor.run()
        compaction_cpu += time.thread_time() - before
        steps += len(made)
        compaction_calls += sum(driver.calls.values())
        compaction_tokens += sum(s.input_tokens + s.output_tokens for s in made)
    elapsed = time.perf_counter() - started
    asked = executor.chat(store, ChatMessage(session_id=first, message="What is my name?"))

    turns = SUMMARY_SESSION - 1
    per_100 = 100 / turns
    early = statistics.median(e for e, _ in pairs)
    late = statistics.median(lt for _, lt in pairs)
    session = store.sessions.require(first)
    summary = store.memory.latest(first)
    covered = f"messages 1 to {summary.through_seq + 1}" if summary else "nothing"
    print(f"{policy} session: {SUMMARY_SESSION} turns, {session.message_count} messages, "
          f"{elapsed:.1f} s; the summary covers {covered}")
    print(f"  CPU per turn (turn's thread): #10 {_ms(early)}, #2,000 {_ms(late)}, "
          f"ratio {late / early:.2f}")
    print(f"  storage calls per turn: #10 {calls[10]}, #2,000 {calls[2_000]}")
    print(f"  prompt tokens: #10 {prompt[10]}, #2,000 {prompt[2_000]}, "
          f"largest after #10 {max(prompt[n] for n in range(10, SUMMARY_SESSION + 1))}")
    print(f"  compaction per 100 turns: {steps * per_100:.1f} summary steps, "
          f"{compaction_calls * per_100:.1f} storage calls, "
          f"{_ms(compaction_cpu * per_100)} CPU, {compaction_tokens * per_100:.0f} tokens")
    print(f"  last turn, 'What is my name?': {asked.message!r}")


def main() -> None:
    # Per-turn info lines would measure the terminal; keep warnings only.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    if "--summary-only" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            summary_session(Path(tmp))
            summary_session(Path(tmp), "window")
        return
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

        # 3. One 2,000-turn session under the summary policy, and the window policy's.
        summary_session(Path(tmp))
        summary_session(Path(tmp), "window")


if __name__ == "__main__":
    main()
