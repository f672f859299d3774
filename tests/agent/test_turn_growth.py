"""A turn's work does not grow with its session's length: once the window is full, turn #300
makes the same storage calls, reads the same items, sends the model the same request and
costs SQLite the same steps as turn #15.

(A benchmark comparing turn #10 with turn #1,000 compares a window of 18 messages with one
of 20: turn #10 of a profile with an ice breaker and a 20-message window has not filled it.)
"""

from __future__ import annotations

from typing import Any

import msgspec

from openbrain.agent.executor import TurnExecutor
from openbrain.domain import ChatMessage
from openbrain.store import TenantStore
from openbrain.store.sqlite import SQLiteDriver
from tests.agent.conftest import CountingDriver, save_profile
from tests.agent.fake_llm import FakeLLM

EARLY, LATE = 15, 300


def _turn(online: TurnExecutor, store: TenantStore, driver: CountingDriver, llm: FakeLLM,
          session_id: str) -> dict[str, Any]:
    sqlite = driver.inner
    assert isinstance(sqlite, SQLiteDriver)
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    driver.reset()
    sqlite._conn.set_progress_handler(count, 1)
    try:
        online.chat(store, ChatMessage(session_id=session_id, message="Tell me more."))
    finally:
        sqlite._conn.set_progress_handler(None, 0)
    request = llm.requests[-1]
    return {
        "calls": dict(driver.calls), "items read": driver.items_read,
        "items written": driver.items_written, "sqlite steps": steps,
        "prompt messages": len(request["messages"]),
        "request bytes": len(msgspec.json.encode(request)),
    }


def test_turn_300_costs_what_turn_15_costs(online: TurnExecutor, store: TenantStore,
                                           driver: CountingDriver, llm: FakeLLM) -> None:
    save_profile(store, memory_window=20)
    session_id = online.chat(store, ChatMessage(reset=True)).session_id
    costs: dict[int, dict[str, Any]] = {}
    for n in range(1, LATE + 1):
        if n in (EARLY, LATE):
            costs[n] = _turn(online, store, driver, llm, session_id)
        else:
            online.chat(store, ChatMessage(session_id=session_id, message="Tell me more."))

    assert costs[EARLY]["prompt messages"] == 22  # system, the 20-message window, the message
    # one query reads the session with its window; the commit; the usage
    assert costs[EARLY]["calls"] == {"query_range": 1, "transact": 1, "increment": 1}
    assert costs[LATE] == costs[EARLY]
