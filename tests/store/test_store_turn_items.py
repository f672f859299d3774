"""A turn's messages are one item; windows and transcripts read them message by message."""

from __future__ import annotations

import msgspec
import pytest

from openbrain.domain import ChatSession
from openbrain.domain.errors import InvalidError
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.counting import CountingDriver
from openbrain.store.driver import Item, encode_cursor
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import item_ends, message, new_session, next_turn

TURNS = (2, 3, 1, 4, 2, 1)  # messages per turn


@pytest.fixture(name="session")
def fx_session(driver: CountingDriver) -> ChatSession:
    """A session whose first messages were stored one item each (as earlier versions did),
    followed by turns of several messages each."""
    store = TenantStore(driver, "acme")
    session = new_session()
    pk = keys.session_pk("acme", session.session_id)
    driver.put_many([Item(pk=pk, sk=keys.message_sk(i), data=encode(message(session, i)))
                     for i in range(3)])
    session = msgspec.structs.replace(session, message_count=3)
    for texts in TURNS:
        commit = next_turn(session, texts)
        store.sessions.commit_turn(commit)
        session = commit.session
    return session


def test_a_turn_writes_its_messages_as_one_item(driver: CountingDriver,
                                                 session: ChatSession) -> None:
    items = driver.inner.query(keys.session_pk("acme", session.session_id), keys.MESSAGE_PREFIX)
    assert len(items.items) == 3 + len(TURNS)
    assert session.message_count == 3 + sum(TURNS)


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 100])
def test_transcript_pages_every_message_once_in_order(
    driver: CountingDriver, session: ChatSession, limit: int, newest_first: bool
) -> None:
    store = TenantStore(driver, "acme")
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = store.sessions.transcript(session.session_id, limit=limit,
                                                 cursor=cursor, newest_first=newest_first)
        assert 0 < len(page) <= limit
        seen += [m.seq for m in page]
        pages += 1
        if cursor is None:
            break
    expected = list(range(session.message_count))
    assert seen == (expected[::-1] if newest_first else expected)
    assert pages == -(-session.message_count // limit)  # no empty last page


@pytest.mark.parametrize("size", [1, 2, 4, 7, 50])
def test_the_window_reads_only_the_items_holding_it(
    driver: CountingDriver, session: ChatSession, size: int
) -> None:
    store = TenantStore(driver, "acme")
    expected = list(range(session.message_count))[-size:]
    assert [m.seq for m in store.sessions.window(session.session_id, size)] == expected
    driver.reset()
    window = store.sessions.window(session.session_id, size, count=session.message_count)
    assert [m.seq for m in window] == expected
    holding = {k for k, n in enumerate(item_ends(TURNS)) if n >= expected[0]}
    assert driver.calls == {"query": 1}
    assert driver.items_read == len(holding)


def test_a_forged_transcript_cursor_is_invalid(driver: CountingDriver,
                                               session: ChatSession) -> None:
    store = TenantStore(driver, "acme")
    pk = keys.session_pk("acme", session.session_id)
    with pytest.raises(InvalidError):
        store.sessions.transcript(session.session_id,
                                  cursor=encode_cursor(Item(pk=pk, sk="M#x~y"), index=False))
