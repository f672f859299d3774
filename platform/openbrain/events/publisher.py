"""The publisher interface the turn executor hands committed outbox events to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog

from openbrain.domain.event import Event

log = structlog.get_logger("openbrain.events.publisher")


class EventPublisher(Protocol):
    """Publishes events already committed to the outbox.

    ``publish`` returns the ids it published; events it could not publish stay pending in the
    outbox and the sweeper retries them, so a failure here never loses an event.
    """

    def publish(self, events: Sequence[Event]) -> list[str]: ...


def hand_on(publisher: EventPublisher | None, client_id: str, events: Sequence[Event]) -> None:
    """Hand events a commit just stored on to ``publisher``. A failure is logged and goes no
    further: the events stay pending in the outbox and the sweeper retries them, so what was
    committed (a turn, an operator's action) stands."""
    if not events or publisher is None:
        return
    try:
        publisher.publish(events)
    except Exception as exc:
        log.warning("events.publish_failed", client_id=client_id, events=len(events),
                    error=type(exc).__name__)
