"""Concurrent turns on one session: optimistic versions lose and duplicate nothing."""

from __future__ import annotations

import threading

from openbrain.domain.errors import ConflictError
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import new_session, next_turn

THREADS = 20
PER_TURN = 2


def test_twenty_threads_append_to_one_session(driver: TableDriver) -> None:
    """20 threads each read the session, build the next turn (version + 1) and commit it.

    Every commit either lands whole or fails with ``ConflictError`` and writes nothing: the
    session's messages are exactly the winners' messages, with contiguous seqs, and the
    session's counters agree with them.
    """
    store = TenantStore(driver, "acme")
    session = new_session()
    store.sessions.commit_turn(next_turn(session, PER_TURN))
    barrier = threading.Barrier(THREADS)
    wins: list[int] = []
    losses: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        current = store.sessions.require(session.session_id)
        turn = next_turn(current, PER_TURN)
        barrier.wait()
        try:
            store.sessions.commit_turn(turn)
        except Exception as exc:
            with lock:
                losses.append(exc)
        else:
            with lock:
                wins.append(turn.session.version)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(wins) + len(losses) == THREADS
    assert wins, "at least one turn commits"
    assert all(isinstance(e, ConflictError) for e in losses), losses
    assert len(set(wins)) == len(wins), "no two winners committed the same version"

    messages, cursor = store.sessions.transcript(session.session_id, limit=1000)
    assert cursor is None
    committed_turns = 1 + len(wins)
    assert len(messages) == committed_turns * PER_TURN
    assert [m.seq for m in messages] == list(range(len(messages)))
    final = store.sessions.require(session.session_id)
    assert final.message_count == len(messages)
    assert final.version == committed_turns


def test_stale_turn_is_refused_and_writes_nothing(driver: TableDriver) -> None:
    """A turn built on an old read fails with ``ConflictError``; its messages are not stored."""
    store = TenantStore(driver, "acme")
    session = new_session()
    store.sessions.commit_turn(next_turn(session))
    read = store.sessions.require(session.session_id)
    store.sessions.commit_turn(next_turn(read))
    stale = next_turn(read, texts=3)
    try:
        store.sessions.commit_turn(stale)
    except ConflictError:
        pass
    else:
        raise AssertionError("a stale turn must not commit")
    messages, _ = store.sessions.transcript(session.session_id)
    assert len(messages) == 4
    assert store.sessions.require(session.session_id).version == 2
