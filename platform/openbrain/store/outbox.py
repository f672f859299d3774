"""The outbox: events written in a turn's transaction, then published and marked.

Events are spread over :data:`~openbrain.store.keys.RECORD_SHARDS` partitions by id, and
unpublished ones sit in as many sparse index partitions (``T#{id}#PENDING#nn``); marking an
event published rewrites it without the index attributes, which removes it from the index.
Events written before sharding (``T#{id}#EVENTS``, ``T#{id}#PENDING``) are read and move to
their shard when they are next rewritten.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import msgspec

from openbrain.domain.base import utcnow
from openbrain.domain.event import Event
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import (
    MAX_TRANSACT_ITEMS,
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Put,
    TableDriver,
    WriteOp,
)
from openbrain.store.paging import filtered_page
from openbrain.store.scoped import ScopedRepository
from openbrain.store.shards import merged_index, merged_query


def event_item(event: Event) -> Item:
    pending = event.published_at is None
    return Item(
        pk=keys.event_shard_pk(event.client_id, event.event_id),
        sk=keys.event_sk(event.event_id),
        data=encode(event),
        gsi1pk=keys.pending_events_shard(event.client_id, event.event_id) if pending else None,
        gsi1sk=event.event_id if pending else None,
    )


def rewrite_ops(driver: TableDriver, event: Event) -> list[WriteOp] | None:
    """Operations rewriting a stored ``event`` as given: in its shard, or moved there from
    the unsharded partition. ``None`` if it is stored nowhere (erased)."""
    item = event_item(event)
    if driver.get(item.pk, item.sk) is not None:
        return [Put(item, MustExist())]
    legacy = keys.events_pk(event.client_id)
    if driver.get(legacy, item.sk) is not None:
        return [Put(item, MustNotExist()), Delete(legacy, item.sk, MustExist())]
    return None


class OutboxRepository(ScopedRepository):
    def add(self, event: Event) -> None:
        """Add an event outside a turn (e.g. a test event sent from the dashboard)."""
        self._check_tenant(event)
        self._driver.put(event_item(event), MustNotExist())

    def get(self, event_id: str) -> Event | None:
        sk = keys.event_sk(event_id)
        return (self._get(keys.event_shard_pk(self._client_id, event_id), sk, Event)
                or self._get(keys.events_pk(self._client_id), sk, Event))

    def pending(self, *, limit: int = 100) -> list[Event]:
        """Unpublished events, oldest first."""
        items = merged_index(self._driver, keys.pending_events_indexes(self._client_id),
                             limit=limit)
        return self._decode_all(items, Event)

    def mark_published(self, event: Event) -> Event:
        self._check_tenant(event)
        published = msgspec.structs.replace(event, published_at=utcnow())
        with contextlib.suppress(ConditionFailedError):  # erased meanwhile: nothing to mark
            self._rewrite(published)
        return published

    def mark_pending(self, event: Event) -> Event | None:
        """Put an event back among the pending ones (redrive), so a crash before it is
        delivered again loses nothing: the sweeper picks it up. ``None`` if it was erased."""
        self._check_tenant(event)
        pending = msgspec.structs.replace(event, published_at=None)
        try:
            self._rewrite(pending)
        except ConditionFailedError:
            return None
        return pending

    def _rewrite(self, event: Event) -> None:
        """One conditional put where the event lives (a turn's events: its shard); an event
        from before sharding is moved. Raises :class:`ConditionFailedError` if erased."""
        try:
            self._driver.put(event_item(event), MustExist())
        except ConditionFailedError:
            ops = rewrite_ops(self._driver, event)
            if ops is None:
                raise
            self._driver.transact(ops)

    def list(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        where: Callable[[Event], bool] | None = None,
    ) -> tuple[list[Event], str | None]:
        """Events newest first; with ``where``, only those that match."""
        return filtered_page(
            lambda after: merged_query(
                self._driver, keys.event_partitions(self._client_id), "E#", newest_first=True,
                limit=limit, cursor=after,
            ),
            Event,
            limit=limit,
            cursor=cursor,
            where=where,
            index=False,
        )

    def delete_about(self, object_id: str, session_id: str | None) -> int:
        """Delete every event about ``object_id`` or from ``session_id`` (their ``object``
        holds personal data). A full scan of the tenant's events: erasure is rare, and an index
        per object would cost every turn a write. Returns how many were deleted."""
        doomed: list[Delete] = []
        for partition in keys.event_partitions(self._client_id):
            cursor: str | None = None
            while True:
                page = self._driver.query(partition, "E#", limit=1000, cursor=cursor)
                for item in page.items:
                    event = decode(item.data, Event)
                    if event.object_id == object_id or (
                        session_id is not None and event.session_id == session_id
                    ):
                        doomed.append(Delete(item.pk, item.sk))
                cursor = page.cursor
                if cursor is None:
                    break
        for start in range(0, len(doomed), MAX_TRANSACT_ITEMS):
            self._driver.transact(doomed[start : start + MAX_TRANSACT_ITEMS])
        return len(doomed)
