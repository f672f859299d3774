"""Embedded event delivery: events per second from the in-process dispatcher to a local
webhook receiver, and latency from commit (outbox write) to receipt, p50/p99.

Run: ``.venv/bin/python bench/events.py [--events 2000]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import structlog

from openbrain.domain import Event, Route, Tenant, new_id
from openbrain.events import EventDeliverer, LocalDispatcher, RouteResolver
from openbrain.events.targets import default_targets
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import build_routing_plan


class Receiver:
    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.expected = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                now = time.perf_counter()
                with receiver.lock:
                    receiver.received.setdefault(self.headers["webhook-id"], now)
                    if len(receiver.received) >= receiver.expected:
                        receiver.done.set()
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(receiver: Receiver, count: int, workers: int, *, pause: float) -> tuple[float, list[float]]:
    """Commit and publish ``count`` events (``pause`` seconds apart); the elapsed time until
    the last is received and each event's commit-to-receipt latency in ms."""
    with receiver.lock:
        receiver.received.clear()
        receiver.expected = count
        receiver.done.clear()
    with tempfile.TemporaryDirectory() as tmp:
        driver = SQLiteDriver.from_path(Path(tmp) / "bench.db")
        tenant = Tenant(client_id="bench", name="Bench", routes=[
            Route(route_id="hook", url=receiver.url, event_types=["lead.created"])])
        plan = build_routing_plan([tenant], stage="bench")
        deliverer = EventDeliverer(driver, RouteResolver(driver, plan),
                                   default_targets(aws_mode=False))
        dispatcher = LocalDispatcher(driver, deliverer, workers=workers,
                                     sweep_interval=None).start()
        outbox = TenantStore(driver, "bench").outbox
        committed: dict[str, float] = {}
        started = time.perf_counter()
        for i in range(count):
            event = Event(event_id=new_id(), client_id="bench", detail_type="lead.created",
                          object_type="lead", object_id=f"l{i}", object={"n": i},
                          occurred_at=datetime.now(UTC))
            outbox.add(event)  # the commit
            committed[event.event_id] = time.perf_counter()
            dispatcher.publish([event])
            if pause:
                time.sleep(pause)
        receiver.done.wait(timeout=50)
        elapsed = time.perf_counter() - started
        dispatcher.stop(timeout=5)
        driver.close()
    latencies = [(receiver.received[i] - t) * 1000 for i, t in committed.items()
                 if i in receiver.received]
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000, help="burst size (throughput)")
    parser.add_argument("--paced", type=int, default=300, help="paced events (latency)")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    receiver = Receiver()

    elapsed, burst = run(receiver, args.events, args.workers, pause=0.0)
    print(f"burst of {args.events} events ({args.workers} delivery workers, SQLite store, "
          f"HTTP keep-alive): {len(burst)} delivered in {elapsed:.2f} s")
    print(f"  throughput            : {len(burst) / elapsed:,.0f} events/s "
          "(commit + publish + signed POST + delivery log)")
    print(f"  commit -> receipt p50 : {statistics.median(burst):.1f} ms (queueing included)")
    _, paced = run(receiver, args.paced, args.workers, pause=0.01)
    print(f"paced, {args.paced} events 10 ms apart: {len(paced)} delivered")
    print(f"  commit -> receipt p50 : {statistics.median(paced):.1f} ms")
    print(f"  commit -> receipt p99 : {percentile(paced, 0.99):.1f} ms")
    receiver.server.shutdown()


if __name__ == "__main__":
    main()
