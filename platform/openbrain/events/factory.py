"""Publishers with a lifecycle: the embedded dispatcher runs threads, EventBridge runs nothing
in the background; :class:`ManagedPublisher` lets the composition root start, drain and stop
either one alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from openbrain.domain.event import Event
from openbrain.events.eventbridge import EventBridgePublisher
from openbrain.events.publisher import EventPublisher
from openbrain.store.driver import TableDriver


class ManagedPublisher(EventPublisher, Protocol):
    """A publisher with a lifecycle. ``start`` may return the publisher itself (the
    dispatcher does, for chaining); callers ignore the value."""

    def start(self) -> object: ...

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until what was published has been handed on; ``False`` on timeout."""
        ...

    def stop(self, timeout: float = 10.0) -> None:
        """Hand on what it can within ``timeout``, then stop."""
        ...


class SynchronousPublisher:
    """The lifecycle of a publisher whose ``publish`` is done when it returns (EventBridge):
    there is nothing to start, wait for or stop."""

    def __init__(self, publisher: EventPublisher) -> None:
        self.publisher = publisher

    def publish(self, events: Sequence[Event]) -> list[str]:
        return self.publisher.publish(events)

    def start(self) -> SynchronousPublisher:
        return self

    def drain(self, timeout: float = 10.0) -> bool:
        return True

    def stop(self, timeout: float = 10.0) -> None:
        return None


def bus_publisher(
    bus_name: str, driver: TableDriver, *, region: str, endpoint: str | None = None
) -> SynchronousPublisher:
    """EventBridge on ``bus_name`` (``endpoint``: moto or another compatible one)."""
    import boto3  # only deployed stages pay for it

    client = boto3.client("events", region_name=region, endpoint_url=endpoint)
    return SynchronousPublisher(EventBridgePublisher(client, bus_name, driver))
