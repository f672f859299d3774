"""Publishing committed outbox events to EventBridge (``PutEvents``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from openbrain.domain.event import EVENT_SOURCE, Event
from openbrain.events.backoff import Backoff
from openbrain.events.envelope import detail_json
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore

log = structlog.get_logger(__name__)

MAX_BATCH = 10  # PutEvents takes at most 10 entries
MAX_BATCH_BYTES = 256 * 1024  # ... and at most 256 KB per request


class EventBridgePublisher:
    """``publish`` sends events in batches, retries only the entries EventBridge refused
    (``FailedEntryCount``), and marks published in the outbox only what was accepted; the
    rest stays pending for the sweeper."""

    def __init__(
        self,
        client: Any,
        bus_name: str,
        driver: TableDriver,
        *,
        attempts: int = 4,
        backoff: Backoff = Backoff(base=0.1, cap=2.0),  # noqa: B008 - immutable Struct
    ) -> None:
        self._client = client
        self._bus = bus_name
        self._driver = driver
        self._attempts = attempts
        self._backoff = backoff

    def publish(self, events: Sequence[Event]) -> list[str]:
        published: list[str] = []
        for batch in _batches([(e, self._entry(e)) for e in events]):
            for event in self._put(batch):
                TenantStore(self._driver, event.client_id).outbox.mark_published(event)
                published.append(event.event_id)
        return published

    def stop(self, timeout: float = 0.0) -> None:
        """Nothing runs in the background; here so every publisher can be stopped alike."""

    def _entry(self, event: Event) -> dict[str, Any]:
        return {
            "Source": EVENT_SOURCE,
            "DetailType": event.detail_type,
            "Detail": detail_json(event),
            "EventBusName": self._bus,
        }

    def _put(self, batch: list[tuple[Event, dict[str, Any]]]) -> list[Event]:
        accepted: list[Event] = []
        todo = batch
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                time.sleep(self._backoff.delay(attempt - 1))
            try:
                response = self._client.put_events(Entries=[entry for _, entry in todo])
            except (ClientError, BotoCoreError) as exc:
                log.warning("events.put_failed", error=type(exc).__name__, attempt=attempt)
                continue
            results = response.get("Entries", [])
            failed: list[tuple[Event, dict[str, Any]]] = []
            for pair, result in zip(todo, results, strict=False):
                if result.get("EventId") and not result.get("ErrorCode"):
                    accepted.append(pair[0])
                else:
                    failed.append(pair)
            failed += todo[len(results):]  # entries without a result were not accepted
            if response.get("FailedEntryCount", 0) or failed:
                log.warning(
                    "events.entries_failed", failed=len(failed), attempt=attempt,
                    event_ids=[e.event_id for e, _ in failed],
                )
            todo = failed
            if not todo:
                break
        return accepted


def _batches(
    pairs: list[tuple[Event, dict[str, Any]]],
) -> list[list[tuple[Event, dict[str, Any]]]]:
    batches: list[list[tuple[Event, dict[str, Any]]]] = []
    current: list[tuple[Event, dict[str, Any]]] = []
    size = 0
    for pair in pairs:
        entry = pair[1]
        entry_size = sum(len(str(v).encode()) for v in entry.values())
        if current and (len(current) == MAX_BATCH or size + entry_size > MAX_BATCH_BYTES):
            batches.append(current)
            current, size = [], 0
        current.append(pair)
        size += entry_size
    if current:
        batches.append(current)
    return batches
