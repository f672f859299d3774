"""Helpers of the events tests: a real HTTP receiver on 127.0.0.1, events and tenants."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec

from openbrain.domain import Event, Plan, Route, Tenant, new_id
from openbrain.events import EventDeliverer, RouteResolver
from openbrain.events.backoff import Backoff
from openbrain.events.targets import default_targets
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import RoutingPlan

FAST = Backoff(base=0.01, cap=0.05)


class Received(msgspec.Struct):
    headers: dict[str, str]
    body: bytes
    path: str = "/hook"


class Receiver:
    """A webhook receiver: answers ``fail_status`` to the first ``fail_first`` calls, then
    ``status``; it dedupes on ``webhook-id`` like a well-behaved consumer. ``stop()`` closes
    the port (connection refused) and ``start()`` reopens the same one."""

    def __init__(self) -> None:
        self.calls: list[Received] = []
        self.fail_first = 0
        self.fail_status = 503
        self.status = 200
        self.lock = threading.Lock()
        self.port = _free_port()
        self._server: ThreadingHTTPServer | None = None
        self.arrived = threading.Condition(self.lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.calls.append(
                        Received(headers={k.lower(): v for k, v in self.headers.items()},
                                 body=body, path=self.path)
                    )
                    status = (receiver.fail_status if len(receiver.calls) <= receiver.fail_first
                              else receiver.status)
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered_ids(self) -> list[str]:
        """``webhook-id``s answered with 2xx, in order (what the consumer kept)."""
        with self.lock:
            ok: list[str] = []
            for i, call in enumerate(self.calls, start=1):
                if i > self.fail_first and 200 <= self.status < 300:
                    ok.append(call.headers["webhook-id"])
            return ok

    def unique_ids(self) -> set[str]:
        return set(self.delivered_ids())

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.calls) >= count, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_event(client_id: str, detail_type: str = "lead.created") -> Event:
    return Event(
        event_id=new_id(), client_id=client_id, detail_type=detail_type,  # type: ignore[arg-type]
        session_id="s1", object_type="lead", object_id=new_id(),
        object={"firstName": "Jane"}, occurred_at=datetime.now(UTC),
    )


def wire_detail(event: Event) -> dict[str, Any]:
    """The ``detail`` consumers receive, written out by hand: the published format, which
    the envelope Structs must keep (``+00:00`` times included)."""
    return {
        "eventId": event.event_id,
        "clientId": event.client_id,
        "sessionId": event.session_id,
        "objectType": event.object_type,
        "objectId": event.object_id,
        "object": event.object,
        "occurredAt": event.occurred_at.isoformat(),
    }


def webhook_tenant(client_id: str, url: str, *, attempts: int = 3) -> Tenant:
    return Tenant(
        client_id=client_id, name=client_id, plan=Plan(max_delivery_attempts=attempts),
        routes=[Route(route_id="hook", event_types=["lead.created", "lead.updated"], url=url)],
    )


def deliverer_for(driver: TableDriver, plan: RoutingPlan, *, aws_mode: bool = False
                  ) -> EventDeliverer:
    return EventDeliverer(driver, RouteResolver(driver, plan),
                          default_targets(aws_mode=aws_mode, timeout=2.0))


def commit_events(driver: TableDriver, *events: Event) -> None:
    for event in events:
        TenantStore(driver, event.client_id).outbox.add(event)


class HangingEndpoint:
    """A webhook endpoint on 127.0.0.1 that reads each request and never answers (until
    ``stop()``): what a stuck receiver looks like to the worker. ``requests`` counts them."""

    def __init__(self) -> None:
        self.requests = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                with endpoint._lock:
                    endpoint.requests += 1
                endpoint._release.wait()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
