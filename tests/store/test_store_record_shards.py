"""Leads and outbox events are spread over shard partitions by id, so a tenant whose every
turn captures a lead or emits an event writes no partition with all of them; listings merge
the shards (and the partitions written before sharding) as one."""

from __future__ import annotations

import msgspec

from openbrain.domain.lead import LeadFields
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import Item, TableDriver
from openbrain.store.outbox import event_item
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import dead_letter, event, lead, new_session, next_turn

COUNT = 40


def _all_pages(fetch: object, limit: int) -> list[str]:
    """Every id of a listing, page by page (``fetch(limit, cursor)``)."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        records, cursor = fetch(limit, cursor)  # type: ignore[operator]
        seen += [getattr(r, "lead_id", None) or r.event_id for r in records]
        if cursor is None:
            return seen


def test_leads_and_events_spread_over_shards_and_list_as_one(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    for n in range(COUNT):
        store.leads.save(lead("acme", f"lead{n:03d}", email=f"p{n}@example.com"))
        store.outbox.add(event("acme", f"evt{n:03d}", object_id=f"lead{n:03d}"))
    used = {keys.lead_shard_pk("acme", f"lead{n:03d}") for n in range(COUNT)}
    assert len(used) > keys.RECORD_SHARDS // 2  # spread, not piled on one
    assert not driver.query(keys.leads_pk("acme")).items  # nothing in the unsharded one
    assert not driver.query(keys.events_pk("acme")).items

    newest_first = [f"lead{n:03d}" for n in reversed(range(COUNT))]
    assert _all_pages(lambda limit, cursor: store.leads.list(limit=limit, cursor=cursor),
                      7) == newest_first
    assert _all_pages(lambda limit, cursor: store.outbox.list(limit=limit, cursor=cursor),
                      9) == [i.replace("lead", "evt") for i in newest_first]
    odd = store.leads.list(limit=5, where=lambda lead: int(lead.lead_id[4:]) % 2 == 1)[0]
    assert [x.lead_id for x in odd] == newest_first[0:10:2]
    assert [e.event_id for e in store.outbox.pending(limit=5)] == [
        f"evt{n:03d}" for n in range(5)]  # oldest first across the shards

    published = store.outbox.mark_published(store.outbox.get("evt000"))  # type: ignore[arg-type]
    assert published.published_at is not None
    assert [e.event_id for e in store.outbox.pending(limit=2)] == ["evt001", "evt002"]


def test_a_turn_writes_its_lead_and_event_into_their_shards(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    session = new_session()
    turn = msgspec.structs.replace(next_turn(session),
                                   lead=lead("acme", "lead7", session.session_id),
                                   events=[event("acme", "evt7", object_id="lead7")])
    store.sessions.commit_turn(turn)
    assert driver.get(keys.lead_shard_pk("acme", "lead7"), keys.lead_sk("lead7")) is not None
    stored = driver.get(keys.event_shard_pk("acme", "evt7"), keys.event_sk("evt7"))
    assert stored is not None
    assert stored.gsi1pk == keys.pending_events_shard("acme", "evt7")


def _legacy(driver: TableDriver) -> None:
    """What an earlier version wrote: one lead and one pending event, unsharded."""
    driver.put(Item(pk=keys.leads_pk("acme"), sk=keys.lead_sk("lead000"),
                    data=encode(lead("acme", "lead000", email="old@example.com"))))
    old = event("acme", "evt000", object_id="lead000")
    driver.put(msgspec.structs.replace(event_item(old), pk=keys.events_pk("acme"),
                                       gsi1pk=keys.pending_events_index("acme")))


def test_records_from_before_sharding_read_list_and_move_when_rewritten(
    driver: TableDriver,
) -> None:
    _legacy(driver)
    store = TenantStore(driver, "acme")
    store.leads.save(lead("acme", "lead001"))
    store.outbox.add(event("acme", "evt001"))
    assert store.leads.require("lead000").email == "old@example.com"
    assert [x.lead_id for x in store.leads.list()[0]] == ["lead001", "lead000"]
    assert [e.event_id for e in store.outbox.list()[0]] == ["evt001", "evt000"]
    assert [e.event_id for e in store.outbox.pending()] == ["evt000", "evt001"]

    store.leads.update("lead000", LeadFields(full_name="Old Timer"))
    assert driver.get(keys.leads_pk("acme"), keys.lead_sk("lead000")) is None
    assert store.leads.require("lead000").full_name == "Old Timer"
    assert [x.lead_id for x in store.leads.list()[0]] == ["lead001", "lead000"]

    store.outbox.mark_published(store.outbox.get("evt000"))  # type: ignore[arg-type]
    assert driver.get(keys.events_pk("acme"), keys.event_sk("evt000")) is None
    assert store.outbox.get("evt000").published_at is not None  # type: ignore[union-attr]
    assert [e.event_id for e in store.outbox.pending()] == ["evt001"]


def test_a_redrive_puts_an_unsharded_event_back_among_the_pending(driver: TableDriver) -> None:
    _legacy(driver)
    store = TenantStore(driver, "acme")
    letter = dead_letter("acme", "dl1", event_id="evt000")
    store.dead_letters.add(letter)
    stored = store.outbox.get("evt000")
    assert stored is not None
    done = store.dead_letters.redrive(letter, msgspec.structs.replace(stored, published_at=None))
    assert done is not None
    assert [e.event_id for e in store.outbox.pending()] == ["evt000"]
    assert driver.get(keys.events_pk("acme"), keys.event_sk("evt000")) is None


def test_erasing_a_lead_reaches_both_layouts(driver: TableDriver) -> None:
    _legacy(driver)
    store = TenantStore(driver, "acme")
    store.outbox.add(event("acme", "evt005", object_id="lead000"))
    store.erase_lead("lead000")
    assert store.leads.get("lead000") is None
    assert store.outbox.get("evt000") is None
    assert store.outbox.get("evt005") is None
    assert store.leads.list()[0] == []
