"""Hand-off state on both drivers: the inbox index, versioned takes (one operator wins) and
reading a session's messages after a given one (what a live stream resumes from)."""

from __future__ import annotations

import threading
from datetime import timedelta

import msgspec
import pytest

from openbrain.agent.inbox import Inbox
from openbrain.domain.errors import ConflictError
from openbrain.store.sessions import TurnCommit
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import T0, new_session, next_turn


def _waiting(store: TenantStore, session_id: str, minutes: int) -> None:
    """A session whose agent just handed it off, ``minutes`` after T0."""
    turn = next_turn(new_session(store.client_id, session_id))
    at = T0 + timedelta(minutes=minutes)
    store.sessions.commit_turn(msgspec.structs.replace(
        turn, session=msgspec.structs.replace(turn.session, control="waiting", handoff_at=at),
        control_changed=True))


def _inbox() -> Inbox:
    return Inbox(publisher=None, session_ttl_days=90)


def test_inbox_lists_hand_offs_oldest_first_and_forgets_released_ones(
        store: TenantStore, driver: object) -> None:
    _waiting(store, "late", 5)
    _waiting(store, "early", 1)
    store.sessions.commit_turn(next_turn(new_session(store.client_id, "agent-only")))
    other = TenantStore(store.driver, "other")
    _waiting(other, "theirs", 0)

    assert [s.session_id for s in store.sessions.inbox()] == ["early", "late"]
    inbox = _inbox()
    inbox.take(store, "early", "op-1")
    taken = store.sessions.inbox()
    assert [(s.session_id, s.control, s.operator) for s in taken] == [
        ("early", "human", "op-1"), ("late", "waiting", None)]
    inbox.release(store, "early", "op-1")
    inbox.close(store, "late", "op-2")
    assert store.sessions.inbox() == []
    assert store.sessions.require("late").control == "closed"
    assert [s.session_id for s in other.sessions.inbox()] == ["theirs"]


def test_of_operators_taking_one_session_at_once_exactly_one_wins(store: TenantStore) -> None:
    _waiting(store, "s1", 0)
    inbox = _inbox()
    barrier = threading.Barrier(6)
    outcomes: dict[str, str] = {}

    def take(operator: str) -> None:
        barrier.wait()
        try:
            inbox.take(store, "s1", operator)
            outcomes[operator] = "won"
        except ConflictError as exc:
            outcomes[operator] = str(exc)

    threads = [threading.Thread(target=take, args=(f"op-{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [op for op, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    assert all("another operator" in o for op, o in outcomes.items() if op not in winners)
    session = store.sessions.require("s1")
    assert (session.control, session.operator) == ("human", winners[0])


def test_a_take_racing_only_a_visitor_message_still_wins(store: TenantStore) -> None:
    """The visitor's message moves the version on; the operator's claim still holds, so the
    take is judged again on the new version instead of failing."""
    _waiting(store, "s1", 0)
    read = store.sessions.require("s1")
    store.sessions.commit_turn(TurnCommit(session=msgspec.structs.replace(
        read, version=read.version + 1)))
    assert _inbox().take(store, "s1", "op-1").control == "human"


def test_only_the_holder_answers_releases_or_closes(store: TenantStore) -> None:
    _waiting(store, "s1", 0)
    inbox = _inbox()
    with pytest.raises(ConflictError, match="take it first"):
        inbox.reply(store, "s1", "op-1", "hello")
    inbox.take(store, "s1", "op-1")
    for act in (lambda: inbox.reply(store, "s1", "op-2", "hi"),
                lambda: inbox.release(store, "s1", "op-2"),
                lambda: inbox.close(store, "s1", "op-2"),
                lambda: inbox.take(store, "s1", "op-2")):
        with pytest.raises(ConflictError, match="another operator"):
            act()
    said = inbox.reply(store, "s1", "op-1", "Hi, I am Sam")
    assert (said.role, said.operator, said.seq) == ("human_agent", "op-1", 2)
    assert store.sessions.window("s1", 10)[-1] == said


def test_messages_after_a_seq_span_items_holding_several(store: TenantStore) -> None:
    session = new_session(store.client_id, "s1")
    for _ in range(3):  # each turn's two messages share one item
        turn = next_turn(session)
        store.sessions.commit_turn(turn)
        session = turn.session
    assert [m.seq for m in store.sessions.after("s1", -1)] == [0, 1, 2, 3, 4, 5]
    assert [m.seq for m in store.sessions.after("s1", 2)] == [3, 4, 5]
    assert [m.seq for m in store.sessions.after("s1", 3)] == [4, 5]
    assert store.sessions.after("s1", 5) == []
