"""The embedded dispatcher: delivers committed events in-process, through the same
:class:`~openbrain.events.delivery.EventDeliverer` (and targets) as the SQS Lambda handler,
with the same attempt limit, backoff and dead letters.

An event stays pending in the outbox until every route is settled (delivered or dead-
lettered); only then is it marked published. So a process that dies with events queued or
waiting for a retry loses nothing: the sweeper (run at start and periodically) finds them
pending and queues them again, and routes already settled are skipped.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import structlog

from openbrain.domain.event import Event
from openbrain.events.backoff import Backoff
from openbrain.events.delivery import EventDeliverer
from openbrain.events.sweeper import sweep
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore

log = structlog.get_logger(__name__)

_Job = tuple[float, int, Event, int]  # (due, tie-breaker, event, attempt)


class LocalDispatcher:
    def __init__(
        self,
        driver: TableDriver,
        deliverer: EventDeliverer,
        *,
        backoff: Backoff = Backoff(base=1.0, cap=300.0),  # noqa: B008 - immutable Struct
        workers: int = 4,
        sweep_interval: float | None = 30.0,
        tenants: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._driver = driver
        self._deliverer = deliverer
        self._backoff = backoff
        self._sweep_interval = sweep_interval
        self._tenants = tenants or deliverer.resolver.client_ids
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self._in_flight: set[tuple[str, str]] = set()
        self._running = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ob-deliver")
        self._threads: list[threading.Thread] = []

    # -- publisher interface -------------------------------------------------------------

    def publish(self, events: Sequence[Event]) -> list[str]:
        """Queue events for delivery (those already queued are skipped); their ids."""
        queued: list[str] = []
        with self._cond:
            for event in events:
                key = (event.client_id, event.event_id)
                if key in self._in_flight:
                    continue
                self._in_flight.add(key)
                heapq.heappush(self._queue, (time.monotonic(), next(self._seq), event, 1))
                queued.append(event.event_id)
            self._cond.notify_all()
        return queued

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalDispatcher:
        """Start the scheduler (and the periodic sweeper, which first runs at once)."""
        self._threads.append(threading.Thread(target=self._schedule, name="ob-dispatch",
                                              daemon=True))
        if self._sweep_interval is not None:
            self._threads.append(threading.Thread(target=self._sweep_loop, name="ob-sweep",
                                                  daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def sweep_now(self) -> int:
        return sweep(self._driver, self._tenants(), self)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running; ``False`` if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Deliver what is due within ``timeout``, then stop. Anything left stays pending in
        the outbox for the next sweep."""
        self.drain(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def queued(self) -> int:
        with self._cond:
            return len(self._in_flight)

    # -- internals ---------------------------------------------------------------------------

    def _schedule(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _, _, event, attempt = heapq.heappop(self._queue)
                self._running += 1
            self._pool.submit(self._run, event, attempt)

    def _run(self, event: Event, attempt: int) -> None:
        retry = True
        try:
            outcome = self._deliverer.deliver(event, attempt)
            retry = outcome.needs_retry
            if not retry:
                TenantStore(self._driver, event.client_id).outbox.mark_published(event)
        except Exception:  # the store failed: try again later, the event is still pending
            log.exception("events.dispatch_failed", event_id=event.event_id)
        with self._cond:
            self._running -= 1
            if retry and not self._stopping:
                due = time.monotonic() + self._backoff.delay(attempt)
                heapq.heappush(self._queue, (due, next(self._seq), event, attempt + 1))
            else:
                self._in_flight.discard((event.client_id, event.event_id))
            self._cond.notify_all()

    def _sweep_loop(self) -> None:
        assert self._sweep_interval is not None
        while True:
            try:
                self.sweep_now()
            except Exception:
                log.exception("events.sweep_loop_failed")
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, timeout=self._sweep_interval)
                if self._stopping:
                    return
