"""The publisher interface the turn executor hands committed outbox events to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from openbrain.domain.event import Event


class EventPublisher(Protocol):
    """Publishes events already committed to the outbox.

    ``publish`` returns the ids it published; events it could not publish stay pending in the
    outbox and the sweeper retries them, so a failure here never loses an event.
    """

    def publish(self, events: Sequence[Event]) -> list[str]: ...
