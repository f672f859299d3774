"""A turn reads its session, summary and window in one query (``SessionRepository.for_turn``
over the drivers' ``query_range``), bounded by the items it needs, on both drivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from openbrain.domain import ChatSession
from openbrain.domain.errors import InvalidError, NotFoundError
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.counting import CountingDriver
from openbrain.store.driver import Item, TableDriver
from openbrain.store.sessions import TURN_READ_ITEMS, turn_read_limit
from openbrain.store.tenant_store import TenantStore
from tests.store.conftest import open_driver
from tests.store.store_builders import (
    config,
    item_ends,
    memory_summary,
    message,
    new_session,
    next_turn,
)

TURNS = (2, 3, 1, 4, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)  # messages per turn


def test_a_range_is_read_in_order_up_to_its_limit(raw_driver: TableDriver) -> None:
    raw_driver.put_many([Item(pk="p", sk=sk) for sk in ("a", "b", "c", "d", "e")]
                        + [Item(pk="q", sk="c")])
    read = raw_driver.query_range
    assert [i.sk for i in read("p", "b", "d")] == ["b", "c", "d"]  # both bounds included
    assert [i.sk for i in read("p", "b", "d", newest_first=True)] == ["d", "c", "b"]
    assert [i.sk for i in read("p", "a", "z", newest_first=True, limit=2)] == ["e", "d"]
    assert [i.sk for i in read("p", "a", "e", limit=2)] == ["a", "b"]
    assert [i.sk for i in read("p", "bb", "bz")] == []
    assert [i.pk for i in read("q", "a", "z")] == ["q"]
    with pytest.raises(InvalidError, match="key range"):
        read("p", "d", "b")
    with pytest.raises(InvalidError, match="limit"):
        read("p", "a", "b", limit=0)


def test_a_range_reads_no_item_past_its_limit(driver: CountingDriver) -> None:
    """No look-ahead item (``query`` reads one more for its cursor)."""
    driver.put_many([Item(pk="p", sk=f"k{n:02d}") for n in range(10)])
    driver.reset()
    assert len(driver.query_range("p", "k", "l", limit=3)) == 3
    assert driver.items_read == 3


def test_nothing_else_of_a_session_sorts_inside_its_turn_read() -> None:
    """The turn's read spans MESSAGE_PREFIX..SESSION_SK: the other keys of a session's
    partition sort below it, message keys below MEMORY, MEMORY below SESSION."""
    below = [keys.action_sk("z" * 40), keys.SESSION_INBOX_SK, keys.SESSION_LISTED_SK]
    assert all(sk < keys.MESSAGE_PREFIX for sk in below)
    assert keys.message_sk(0) > keys.MESSAGE_PREFIX
    assert keys.message_sk(10**keys.SEQ_WIDTH - 1) < keys.MEMORY_SK < keys.SESSION_SK


def test_the_default_read_expects_the_default_window() -> None:
    """Its items hold the default window when each holds a turn's two messages."""
    assert config().memory_window == TURN_READ_ITEMS * 2


@pytest.fixture(name="session")
def fx_session(driver: CountingDriver) -> ChatSession:
    """A session whose first messages were stored one item each (as earlier versions did),
    followed by turns of one to four messages, then many of two."""
    store = TenantStore(driver, "acme")
    session = new_session()
    pk = keys.session_pk("acme", session.session_id)
    driver.put_many([Item(pk=pk, sk=keys.message_sk(i), data=encode(message(session, i)))
                     for i in range(3)])
    session = msgspec.structs.replace(session, message_count=3, version=1)
    driver.put(Item(pk=pk, sk=keys.SESSION_SK, data=encode(session), version=1))
    for texts in TURNS:
        commit = next_turn(session, texts)
        store.sessions.commit_turn(commit)
        session = commit.session
    return session


@pytest.mark.parametrize("size", [1, 2, 4, 7, 20, 30, 50])
def test_the_window_equals_the_one_read_alone(driver: CountingDriver, session: ChatSession,
                                              size: int) -> None:
    """One query when the items read hold the window, a second for the rest otherwise; the
    same messages as ``window`` either way, and no item read twice."""
    store = TenantStore(driver, "acme")
    expected = store.sessions.window(session.session_id, size, count=session.message_count)
    driver.reset()
    read = store.sessions.for_turn(session.session_id)
    assert read.session == session
    assert read.summary is None
    assert driver.calls == {"query_range": 1}
    assert driver.items_read <= turn_read_limit(TURN_READ_ITEMS)
    window = store.sessions.window_of(read, size)
    assert [m.seq for m in window] == [m.seq for m in expected]
    assert window == expected
    holding = sum(1 for end in item_ends(TURNS) if end >= expected[0].seq)
    queries = driver.calls["query_range"]
    assert queries == (1 if holding <= turn_read_limit(TURN_READ_ITEMS) - 1 else 2)
    assert driver.items_read <= 1 + max(holding, turn_read_limit(TURN_READ_ITEMS) - 1)


def test_the_next_read_asks_for_what_the_last_turn_needed(driver: CountingDriver,
                                                          session: ChatSession) -> None:
    """A window of 30 takes a second query once; the session's next read asks for the items
    that held it (16), one to spare, and needs no second query."""
    store = TenantStore(driver, "acme")
    driver.reset()
    store.sessions.window_of(store.sessions.for_turn(session.session_id), 30)
    assert driver.calls == {"query_range": 2}
    driver.reset()
    window = store.sessions.window_of(store.sessions.for_turn(session.session_id), 30)
    assert len(window) == 30
    assert driver.calls == {"query_range": 1}
    assert driver.items_read == turn_read_limit(16) == 1 + 1 + 16


def test_the_summary_comes_with_the_session(driver: CountingDriver,
                                            session: ChatSession) -> None:
    store = TenantStore(driver, "acme")
    summary = memory_summary("acme", session.session_id, 9)
    store.memory.save(summary, None)
    driver.reset()
    read = store.sessions.for_turn(session.session_id)
    assert read.summary == summary
    assert driver.calls == {"query_range": 1}
    assert store.sessions.window_of(read, 4) == store.sessions.window(
        session.session_id, 4, count=session.message_count)


def test_messages_newer_than_the_session_read_are_left_out(driver: CountingDriver,
                                                           session: ChatSession) -> None:
    """A turn committed between reading SESSION and its messages (a DynamoDB query is no
    snapshot) adds nothing to the window: the window is the one the session names."""
    store = TenantStore(driver, "acme")
    pk = keys.session_pk("acme", session.session_id)
    later = [message(session, session.message_count), message(session, session.message_count + 1)]
    driver.put(Item(pk=pk, sk=keys.message_sk(later[-1].seq),
                    data=msgspec.json.encode(later)))
    read = store.sessions.for_turn(session.session_id)
    assert read.recent[-1].seq == session.message_count - 1
    assert store.sessions.window_of(read, 4)[-1].seq == session.message_count - 1


def test_a_missing_session_is_not_found(driver: CountingDriver, session: ChatSession) -> None:
    store = TenantStore(driver, "acme")
    with pytest.raises(NotFoundError, match="does not exist"):
        store.sessions.for_turn("nosuchsession")
    # messages without their session (the session item expired first): still not found
    driver.delete(keys.session_pk("acme", session.session_id), keys.SESSION_SK)
    with pytest.raises(NotFoundError, match="does not exist"):
        store.sessions.for_turn(session.session_id)


def test_a_new_session_s_read_has_no_messages(driver: CountingDriver) -> None:
    store = TenantStore(driver, "acme")
    commit = next_turn(new_session(), 0)
    store.sessions.commit_turn(commit)
    read = store.sessions.for_turn(commit.session.session_id)
    assert (read.recent, read.reaches) == ([], 0)
    assert store.sessions.window_of(read, 20) == []


@pytest.fixture(name="dynamo")
def fx_dynamo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TableDriver]:
    """A DynamoDB driver alone: the parameters it sends are DynamoDB's."""
    with open_driver("dynamodb", tmp_path, request) as driver:
        yield driver


@pytest.fixture(name="sent")
def fx_sent(dynamo: TableDriver,
            request: pytest.FixtureRequest) -> Iterator[list[dict[str, Any]]]:
    """The parameters of every DynamoDB query."""
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    events = request.getfixturevalue("dynamodb_client").meta.events
    events.register("provide-client-params.dynamodb.Query", record)
    yield sent
    events.unregister("provide-client-params.dynamodb.Query", record)


def test_the_turn_read_is_one_strongly_consistent_query(dynamo: TableDriver,
                                                        sent: list[dict[str, Any]]) -> None:
    store = TenantStore(dynamo, "acme")
    commit = next_turn(new_session(), 2)
    store.sessions.commit_turn(commit)
    store.sessions.for_turn(commit.session.session_id)
    assert len(sent) == 1
    assert sent[0]["ConsistentRead"] is True
    assert sent[0]["ScanIndexForward"] is False
    assert sent[0]["Limit"] == turn_read_limit(TURN_READ_ITEMS)
