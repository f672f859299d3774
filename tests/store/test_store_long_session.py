"""A long session: 10,000 messages work, and a turn's reads do not grow with them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from openbrain.domain import ChatSession
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.counting import CountingDriver
from openbrain.store.driver import Item
from openbrain.store.sessions import TURN_READ_ITEMS, turn_read_limit
from openbrain.store.tenant_store import TenantStore
from tests.store.conftest import DRIVERS, open_driver
from tests.store.store_builders import message, new_session, next_turn

LONG = 10_000
SHORT = 10
WINDOW = 8


def _seed(driver: CountingDriver, length: int) -> ChatSession:
    """A session of ``length`` messages, bulk-loaded (not turn by turn) to stay fast."""
    session = new_session()
    stored = msgspec.structs.replace(session, version=1, message_count=length)
    pk = keys.session_pk("acme", session.session_id)
    items = [Item(pk=pk, sk=keys.message_sk(i), data=encode(message(stored, i)))
             for i in range(length)]
    items.append(Item(pk=pk, sk=keys.SESSION_SK, data=encode(stored), version=1))
    items.append(Item(pk=pk, sk=keys.SESSION_LISTED_SK,
                      gsi1pk=keys.sessions_index_shard("acme", stored.session_id),
                      gsi1sk=keys.session_index_sk(stored.created_at, stored.session_id)))
    driver.put_many(items)
    return stored


class Sessions(msgspec.Struct):
    driver: CountingDriver
    short: ChatSession
    long: ChatSession


@pytest.fixture(name="sessions", scope="module", params=DRIVERS)
def fx_sessions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sessions]:
    """One driver per module holding a 10-message and a 10,000-message session (seeding
    10,000 items once per driver keeps the suite fast)."""
    directory: Path = tmp_path_factory.mktemp("long")
    with open_driver(request.param, directory, request) as raw:
        driver = CountingDriver(raw)
        yield Sessions(driver, _seed(driver, SHORT), _seed(driver, LONG))


def _window_cost(driver: CountingDriver, session: ChatSession) -> tuple[dict[str, int], int]:
    store = TenantStore(driver, "acme")
    driver.reset()
    window = store.sessions.window(session.session_id, WINDOW)
    last = store.sessions.require(session.session_id).message_count
    assert [m.seq for m in window] == list(range(last - WINDOW, last))
    return dict(driver.calls), driver.items_read


def test_window_cost_does_not_grow_with_session_length(sessions: Sessions) -> None:
    """Reading the last N messages of a 10,000-message session takes the same driver calls
    and reads the same number of items as for a 10-message session."""
    short_cost = _window_cost(sessions.driver, sessions.short)
    long_cost = _window_cost(sessions.driver, sessions.long)
    assert short_cost == long_cost
    assert short_cost == ({"query": 1, "get": 1}, WINDOW + 1)


def test_turn_read_cost_does_not_grow_with_session_length(sessions: Sessions) -> None:
    """A turn's read of the 10,000-message session (one message per item, as earlier versions
    stored them) is one query of a bounded number of items: the default at first, then the
    items the last window took, one to spare."""
    store = TenantStore(sessions.driver, "acme")
    costs = []
    for _ in range(2):
        sessions.driver.reset()
        read = store.sessions.for_turn(sessions.long.session_id)
        last = read.session.message_count
        window = store.sessions.window_of(read, WINDOW)
        assert [m.seq for m in window] == list(range(last - WINDOW, last))
        costs.append((dict(sessions.driver.calls), sessions.driver.items_read))
    assert costs == [({"query_range": 1}, turn_read_limit(TURN_READ_ITEMS)),
                     ({"query_range": 1}, 1 + 1 + WINDOW)]


def test_long_session_takes_a_turn(sessions: Sessions) -> None:
    """A turn commits on a 10,000-message session with the same writes as on a short one."""
    store = TenantStore(sessions.driver, "acme")
    written = []
    for session in (sessions.short, sessions.long):
        turn = next_turn(store.sessions.require(session.session_id))
        sessions.driver.reset()
        store.sessions.commit_turn(turn)
        written.append((dict(sessions.driver.calls), sessions.driver.items_written))
        last = store.sessions.window(session.session_id, 2)[-1]
        assert last.seq == turn.session.message_count - 1
    # the session item and one item holding the turn's two messages
    assert written[0] == written[1] == ({"transact": 1}, 2)


def test_long_transcript_pages_through_everything(sessions: Sessions) -> None:
    """The transcript of a 10,000-message session pages through every message once."""
    store = TenantStore(sessions.driver, "acme")
    total = store.sessions.require(sessions.long.session_id).message_count
    seen = 0
    cursor: str | None = None
    while True:
        messages, cursor = store.sessions.transcript(
            sessions.long.session_id, limit=1000, cursor=cursor
        )
        assert [m.seq for m in messages] == list(range(seen, seen + len(messages)))
        seen += len(messages)
        if cursor is None:
            break
    assert seen == total >= LONG
