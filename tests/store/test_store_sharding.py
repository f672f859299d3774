"""No item is written by every turn of a tenant: sharded counters still add up exactly."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from openbrain.domain import ChatSession
from openbrain.store import keys
from openbrain.store.capacity import CapacityMeter
from openbrain.store.codec import encode
from openbrain.store.counting import CountingDriver
from openbrain.store.driver import Item, TableDriver
from openbrain.store.metered import MeteredDriver
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import T0, new_session, next_turn


def test_usage_spreads_over_shards_and_sums_exactly(driver: CountingDriver) -> None:
    store = TenantStore(driver, "acme")
    for n in range(40):
        store.usage.record("2025-01-01", "default", turns=1, input_tokens=n, output_tokens=1,
                           spread=f"session-{n}")
    shards = [keys.usage_shard_pk("acme", s) for s in range(keys.USAGE_SHARDS)]
    used = [pk for pk in shards if driver.inner.query(pk).items]
    assert len(used) > keys.USAGE_SHARDS // 2  # 40 sessions land on most shards

    [row] = store.usage.list()
    assert (row.turns, row.input_tokens, row.output_tokens) == (40, sum(range(40)), 40)
    assert store.usage.tokens_on("2025-01-01") == sum(range(40)) + 40


def test_usage_counted_before_sharding_still_counts(driver: CountingDriver) -> None:
    """Rows an earlier version wrote to the unsharded partition are added in (no migration)."""
    driver.increment(keys.usage_pk("acme"), keys.usage_sk("2025-01-01", "default"),
                     {"turns": 5, "inputTokens": 50, "outputTokens": 7})
    store = TenantStore(driver, "acme")
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=1, output_tokens=1,
                       spread="s")
    store.usage.record("2025-01-02", "sales", turns=1, input_tokens=2, output_tokens=2)
    rows = store.usage.list()
    assert [(u.day, u.profile_name, u.turns, u.input_tokens, u.output_tokens) for u in rows] == [
        ("2025-01-01", "default", 6, 51, 8),
        ("2025-01-02", "sales", 1, 2, 2),
    ]


def _started(store: TenantStore, minute: int) -> ChatSession:
    """A session started ``minute`` minutes after T0, committed by its first turn."""
    session = msgspec.structs.replace(new_session(), created_at=T0 + timedelta(minutes=minute))
    commit = next_turn(session)
    store.sessions.commit_turn(commit)
    return commit.session


def test_a_turn_on_a_started_session_writes_no_index(raw_driver: TableDriver) -> None:
    meter = CapacityMeter()
    store = TenantStore(MeteredDriver(raw_driver, meter), "acme")
    session = _started(store, 0)
    assert meter.total().index_write == 1  # the listing entry, once
    meter.reset()
    for _ in range(3):
        session = store.sessions.require(session.session_id)
        store.sessions.commit_turn(next_turn(session))
    assert meter.total().index_write == 0
    assert [k for k in meter.by_key if k[0] == "index"] == []


@pytest.mark.parametrize("limit", [1, 4, 50])
def test_the_listing_merges_its_shards_newest_first_exactly_once(
    driver: CountingDriver, limit: int
) -> None:
    store = TenantStore(driver, "acme")
    started = [_started(store, minute) for minute in range(12)]
    shards = {keys.sessions_index_shard("acme", s.session_id) for s in started}
    assert len(shards) > 1

    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = store.sessions.list(limit=limit, cursor=cursor)
        assert len(page) <= limit
        seen += [s.session_id for s in page]
        if cursor is None:
            break
    assert seen == [s.session_id for s in reversed(started)]
    assert store.sessions.list(limit=50)[0][0].message_count == 2  # the current record


@pytest.mark.parametrize("read", ["require", "for_turn"])
def test_a_session_stored_before_sharding_stays_listed_once(driver: CountingDriver,
                                                            read: str) -> None:
    """An earlier version listed a session by index keys on the session item itself; its next
    turn rewrites that item without them, and the session stays listed, once (whether the
    session was read alone or with its window, as a turn reads it)."""
    store = TenantStore(driver, "acme")
    newer = _started(store, 5)
    old = msgspec.structs.replace(new_session(), version=1, message_count=2)
    driver.put(Item(pk=keys.session_pk("acme", old.session_id), sk=keys.SESSION_SK,
                    data=encode(old), version=1, gsi1pk=keys.sessions_index("acme"),
                    gsi1sk=keys.session_index_sk(old.created_at, old.session_id)))

    def listed() -> list[str]:
        return [s.session_id for s in store.sessions.list(limit=1)[0] +
                store.sessions.list(limit=1, cursor=store.sessions.list(limit=1)[1])[0]]

    assert listed() == [newer.session_id, old.session_id]
    session = (store.sessions.require(old.session_id) if read == "require"  # the turn's read
               else store.sessions.for_turn(old.session_id).session)
    assert listed() == [newer.session_id, old.session_id]
    store.sessions.commit_turn(next_turn(session))
    assert listed() == [newer.session_id, old.session_id]
    assert store.sessions.list(limit=50)[0][1].turn_count == 1


def test_an_entry_whose_session_is_gone_is_dropped(driver: CountingDriver) -> None:
    store = TenantStore(driver, "acme")
    gone, kept = _started(store, 0), _started(store, 1)
    driver.delete(keys.session_pk("acme", gone.session_id), keys.SESSION_SK)  # as TTL does
    assert [s.session_id for s in store.sessions.list()[0]] == [kept.session_id]
    assert driver.get(keys.session_pk("acme", gone.session_id), keys.SESSION_LISTED_SK) is None


def test_get_many_answers_in_the_order_asked(raw_driver: TableDriver) -> None:
    """The listing reads a page's sessions through ``get_many``."""
    raw_driver.put_many([Item(pk=f"T#a#S#{n}", sk="SESSION", data=str(n).encode())
                         for n in range(150)])
    asked = [(f"T#a#S#{n}", "SESSION") for n in (149, 3, 3, 77)] + [("T#a#S#none", "SESSION")]
    asked += [(f"T#a#S#{n}", "SESSION") for n in range(120)]
    found = raw_driver.get_many(asked)
    assert [i.data.decode() if i else None for i in found[:5]] == ["149", "3", "3", "77", None]
    assert [i.data.decode() if i else None for i in found[5:]] == [str(n) for n in range(120)]
