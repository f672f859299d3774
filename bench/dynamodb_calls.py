"""The DynamoDB driver's own CPU per call, for each kind of call a chat turn makes.

Runs chat turns in process (the real :class:`TurnExecutor`, offline model, profile with 3
tools and a 20-message window) on :class:`DynamoDBDriver` against moto's server in a process
of its own, and times each driver call with this thread's CPU clock (``time.thread_time``:
moto's work, in the other process, is never counted). Prints per kind of call (query: the
session with its window, a second one only when the window needs more items than the first
read; transact; increment) the calls per turn and the median and mean client CPU per call, the
TCP connections urllib3 opened, and with ``--profile`` where the time goes (cProfile).

``--server keepalive`` (the default) runs moto behind ``bench/moto_keepalive.py`` (HTTP/1.1,
connections kept, as DynamoDB's are); ``--server werkzeug`` runs ``moto_server`` itself,
which closes the connection after every answer. Prints figures; asserts nothing.

Run: ``.venv/bin/python bench/dynamodb_calls.py [--turns 500] [--server werkzeug] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

import structlog
import urllib3.connection

from moto_keepalive import moto_process
from openbrain.agent.executor import TurnExecutor
from openbrain.domain import AgentSettings, ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore
from openbrain.store.driver import Condition, Item, Page, TableDriver, WriteOp
from openbrain.store.dynamodb import DynamoDBDriver

R = TypeVar("R")


class TimedDriver(TableDriver):
    """Delegates to ``inner``, adding each call's CPU (this thread's) under its kind."""

    def __init__(self, inner: TableDriver) -> None:
        self.inner = inner
        self.spent: dict[str, list[float]] = defaultdict(list)

    def _timed(self, kind: str, call: Callable[[], R]) -> R:
        started = time.thread_time()
        try:
            return call()
        finally:
            self.spent[kind].append(time.thread_time() - started)

    def setup(self) -> None:
        self.inner.setup()

    def get(self, pk: str, sk: str) -> Item | None:
        return self._timed("get", lambda: self.inner.get(pk, sk))

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self._timed("put", lambda: self.inner.put(item, condition))

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self._timed("delete", lambda: self.inner.delete(pk, sk, condition))

    def query(self, pk: str, prefix: str = "", *, newest_first: bool = False,
              limit: int = 100, cursor: str | None = None) -> Page:
        return self._timed("query", lambda: self.inner.query(
            pk, prefix, newest_first=newest_first, limit=limit, cursor=cursor))

    def query_index(self, gsi1pk: str, prefix: str = "", *, newest_first: bool = False,
                    limit: int = 100, cursor: str | None = None) -> Page:
        return self._timed("query_index", lambda: self.inner.query_index(
            gsi1pk, prefix, newest_first=newest_first, limit=limit, cursor=cursor))

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        return self._timed("query", lambda: self.inner.query_range(
            pk, low, high, newest_first=newest_first, limit=limit))

    def transact(self, ops: Sequence[WriteOp]) -> None:
        self._timed("transact", lambda: self.inner.transact(ops))

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        return self._timed("increment", lambda: self.inner.increment(pk, sk, counters))

    def add_capped(self, pk: str, sk: str, name: str, amount: int, *, at_most: int,
                   expires_at: int) -> int | None:
        return self._timed("add_capped", lambda: self.inner.add_capped(
            pk, sk, name, amount, at_most=at_most, expires_at=expires_at))


class ConnectCounter:
    """Counts the TCP connections urllib3 opens (each ``connect`` of an HTTP connection)."""

    def __init__(self) -> None:
        self.count = 0
        self._connect = urllib3.connection.HTTPConnection.connect

    def __enter__(self) -> ConnectCounter:
        original = self._connect

        def connect(conn: urllib3.connection.HTTPConnection) -> None:
            self.count += 1
            original(conn)

        urllib3.connection.HTTPConnection.connect = connect  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        urllib3.connection.HTTPConnection.connect = self._connect  # type: ignore[method-assign]


def run(turns: int, server: str, profile: bool) -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with moto_process(server) as url:
        settings = Settings(store="dynamodb://bench", dynamodb_endpoint=url,
                            aws_region="us-east-1", openai_api_key=None, openai_base_url=None)
        inner = DynamoDBDriver.from_settings(settings, table_name=f"bench-{uuid.uuid4().hex[:8]}")
        inner.setup()
        driver = TimedDriver(inner)
        store = TenantStore(driver, "bench")
        store.configs.save("default", AgentSettings(
            model="offline", tools=["capture_lead", "update_lead", "calculator"],
            memory_window=20))
        executor = TurnExecutor(settings=settings)
        session_id = executor.chat(store, ChatMessage(reset=True)).session_id
        for n in range(30):  # a full window, warm caches
            executor.chat(store, ChatMessage(session_id=session_id, message=f"warm {n}"))
        driver.spent.clear()
        profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU, not waits
        with ConnectCounter() as connects:
            started = time.thread_time()
            if profiler:
                profiler.enable()
            for n in range(turns):
                executor.chat(store, ChatMessage(session_id=session_id,
                                                 message=f"What are your opening hours? {n}"))
            if profiler:
                profiler.disable()
            cpu = time.thread_time() - started
        print(f"moto's server: {server}; {turns} turns, {cpu / turns * 1000:.2f} ms CPU per "
              f"turn in all; {connects.count} TCP connections opened")
        print(f"  {'call':<12}{'per turn':>9}{'median':>10}{'mean':>10}{'total/turn':>12}")
        for kind, spent in sorted(driver.spent.items()):
            print(f"  {kind:<12}{len(spent) / turns:>9.2f}{statistics.median(spent) * 1000:>8.3f}"
                  f"ms{statistics.fmean(spent) * 1000:>8.3f}ms"
                  f"{sum(spent) / turns * 1000:>10.3f}ms")
        if profiler:
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--server", choices=("keepalive", "werkzeug"), default="keepalive")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries")
    args = parser.parse_args()
    run(args.turns, args.server, args.profile)


if __name__ == "__main__":
    main()
