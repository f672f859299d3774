"""The outbox: events written in a turn's transaction, then published and marked.

Unpublished events sit in a sparse index per tenant (``T#{id}#PENDING``); marking an event
published rewrites it without the index attributes, which removes it from that index.
"""

from __future__ import annotations

import contextlib

import msgspec

from openbrain.domain.base import utcnow
from openbrain.domain.errors import ForbiddenError
from openbrain.domain.event import Event
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import ConditionFailedError, Item, MustExist, MustNotExist, TableDriver


def event_item(event: Event) -> Item:
    pending = event.published_at is None
    return Item(
        pk=keys.events_pk(event.client_id),
        sk=keys.event_sk(event.event_id),
        data=encode(event),
        gsi1pk=keys.pending_events_index(event.client_id) if pending else None,
        gsi1sk=event.event_id if pending else None,
    )


class OutboxRepository:
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        self._driver = driver
        self._client_id = client_id

    def add(self, event: Event) -> None:
        """Add an event outside a turn (e.g. a test event sent from the dashboard)."""
        if event.client_id != self._client_id:
            raise ForbiddenError("record belongs to another tenant")
        self._driver.put(event_item(event), MustNotExist())

    def get(self, event_id: str) -> Event | None:
        item = self._driver.get(keys.events_pk(self._client_id), keys.event_sk(event_id))
        return decode(item.data, Event) if item else None

    def pending(self, *, limit: int = 100) -> list[Event]:
        """Unpublished events, oldest first."""
        page = self._driver.query_index(keys.pending_events_index(self._client_id), limit=limit)
        return [decode(i.data, Event) for i in page.items]

    def mark_published(self, event: Event) -> Event:
        published = msgspec.structs.replace(event, published_at=utcnow())
        with contextlib.suppress(ConditionFailedError):  # erased meanwhile: nothing to mark
            self._driver.put(event_item(published), MustExist())
        return published

    def list(
        self, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Event], str | None]:
        """Events newest first."""
        page = self._driver.query(
            keys.events_pk(self._client_id), "E#", newest_first=True, limit=limit, cursor=cursor
        )
        return [decode(i.data, Event) for i in page.items], page.cursor
