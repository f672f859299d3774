"""Committed events handed on to the publisher: a publisher's failure is logged and stops
there (the events stay pending for the sweeper), and nothing is published when there is no
publisher or nothing to publish."""

from __future__ import annotations

from collections.abc import Sequence

from structlog.testing import capture_logs

from openbrain.domain.base import utcnow
from openbrain.domain.event import Event
from openbrain.events.publisher import hand_on


class Recording:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.published: list[list[Event]] = []

    def publish(self, events: Sequence[Event]) -> list[str]:
        self.published.append(list(events))
        if self.fail:
            raise ConnectionError("EventBridge is unreachable")
        return [e.event_id for e in events]


def _event(n: int) -> Event:
    return Event(event_id=f"ev{n}", client_id="acme", detail_type="lead.created",
                 session_id="s1", object_type="lead", object_id="l1", object={},
                 occurred_at=utcnow())


def test_the_events_are_handed_on_as_committed() -> None:
    publisher = Recording()
    events = [_event(1), _event(2)]
    hand_on(publisher, "acme", events)
    assert publisher.published == [events]


def test_a_failing_publisher_is_logged_and_goes_no_further() -> None:
    publisher = Recording(fail=True)
    with capture_logs() as logs:
        hand_on(publisher, "acme", [_event(1), _event(2)])  # raises nothing
    assert [len(batch) for batch in publisher.published] == [2]
    assert [(e["event"], e["client_id"], e["events"], e["error"]) for e in logs] == [
        ("events.publish_failed", "acme", 2, "ConnectionError")]
    assert all("unreachable" not in str(e) for e in logs)  # the message is not logged


def test_nothing_is_published_without_a_publisher_or_events() -> None:
    publisher = Recording(fail=True)
    with capture_logs() as logs:
        hand_on(publisher, "acme", [])
        hand_on(None, "acme", [_event(1)])
    assert publisher.published == []
    assert logs == []
