"""Session summaries (``summary`` memory policy), on every driver: one item per session,
replaced only from the version it was made from, erased with the session."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from openbrain.domain import AgentSettings
from openbrain.domain.errors import ConflictError
from openbrain.settings import Settings
from openbrain.store.counting import CountingDriver
from openbrain.store.tenant_store import TenantStore
from tests.agent.memory_support import converse, manual_executor
from tests.store.store_builders import memory_summary, message, new_session, next_turn


def test_a_summary_is_stored_once_per_version(store: TenantStore) -> None:
    """Two workers that read the same summary store one: the second is a conflict."""
    session = new_session()
    assert store.memory.latest(session.session_id) is None
    first = memory_summary("acme", session.session_id, 9, text="first")
    store.memory.save(first, session.expires_at)
    with pytest.raises(ConflictError, match="another worker"):
        store.memory.save(memory_summary("acme", session.session_id, 11, text="rival"), None)
    second = memory_summary("acme", session.session_id, 19, version=2, text="second")
    store.memory.save(second, session.expires_at)
    with pytest.raises(ConflictError):
        store.memory.save(memory_summary("acme", session.session_id, 19, version=2), None)
    assert store.memory.latest(session.session_id) == second


def test_messages_between_two_seqs_across_turn_items(store: TenantStore) -> None:
    """A range that starts and ends inside items holding several messages is read whole."""
    session = new_session()
    for texts in (3, 5, 2, 4):
        turn = next_turn(session, texts)
        store.sessions.commit_turn(turn)
        session = turn.session
    for first, last in ((0, 13), (2, 9), (4, 4), (3, 8), (10, 13)):
        found = store.memory.messages(session.session_id, first, last)
        assert [m.seq for m in found] == list(range(first, last + 1))


def test_reading_a_range_costs_one_query(driver: CountingDriver) -> None:
    store = TenantStore(driver, "acme")
    session = new_session()
    for _ in range(30):
        turn = next_turn(session)
        store.sessions.commit_turn(turn)
        session = turn.session
    driver.reset()
    assert len(store.memory.messages(session.session_id, 40, 49)) == 10
    assert dict(driver.calls) == {"query": 1}


def test_erasing_the_session_erases_its_summary(store: TenantStore) -> None:
    session = new_session()
    turn = next_turn(session)
    store.sessions.commit_turn(turn)
    store.memory.save(memory_summary("acme", session.session_id, 1), session.expires_at)
    store.sessions.delete(session.session_id)
    assert store.memory.latest(session.session_id) is None


def test_a_message_record_is_unchanged_by_a_summary(store: TenantStore) -> None:
    """The transcript keeps every message: storing a summary deletes or rewrites none."""
    session = new_session()
    turn = next_turn(session, 4)
    store.sessions.commit_turn(turn)
    store.memory.save(memory_summary("acme", session.session_id, 3), None)
    messages, _ = store.sessions.transcript(session.session_id)
    stored = msgspec.structs.replace(turn.session)
    assert messages == [message(stored, i, ("user", "assistant")[i % 2]) for i in range(4)]


def test_a_long_conversation_recalls_its_first_fact(driver: CountingDriver,
                                                    tmp_path: Path) -> None:
    """Turns, summaries and recall through the executor on this driver; a turn's storage
    calls are the same at turn 10 and turn 40."""
    store = TenantStore(driver, "acme")
    settings = Settings(store=f"sqlite:///{tmp_path / 'unused.db'}", openai_api_key=None,
                        openai_base_url=None)
    executor, compactor = manual_executor(settings)
    store.configs.save("default", AgentSettings(model="offline", memory_policy="summary",
                                                memory_window=4, summary_threshold=6))
    session_id = converse(executor, store, ["My name is Robert Paulson"],
                          compactor=compactor)[0].session_id
    calls = []
    for i in range(40):
        driver.reset()
        converse(executor, store, [f"Tell me about plan {i}"], session_id)
        calls.append(dict(driver.calls))
        compactor.run()
    # session, summary and window in one query
    assert calls[10] == calls[39] == {"query_range": 1, "transact": 1, "increment": 1}
    asked = converse(executor, store, ["What is my name?"], session_id)[0]
    assert asked.message == "Your name is Robert Paulson."
    summary = store.memory.latest(session_id)
    assert summary is not None
    assert summary.version >= 10
