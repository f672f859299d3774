"""Benchmark retry policies for DynamoDB under injected throttling (prints, never asserts).

One moto server behind the fault proxy of the test suite (``tests/faults/proxy.py``) throttles
30 % of ``PutItem`` and ``TransactWriteItems`` calls (transactions cancelled with
``ThrottlingError`` reasons). Through one shared client, a writer thread does puts and
two-item transactions (the throttled calls) while a reader thread does ``GetItem`` calls that
are never throttled themselves ("unaffected" calls: what a throttled neighbour costs them).

Policies compared:
* ``adaptive-8``: botocore's adaptive mode (client-side rate limiter), 8 retries, the driver
  retrying nothing (the configuration before issue 23);
* ``standard-8``: botocore's standard mode, 8 retries, the driver retrying nothing;
* ``legacy-10``: botocore's legacy mode (DynamoDB's own 50 ms base, no jitter);
* ``driver``: botocore retries off, the driver's :class:`RetryPolicy` (full jitter, 25 ms
  base, 1 s cap, 8 attempts) on every call, transactions included (the chosen one);
  ``driver-4`` with 4 attempts, ``driver-100ms`` with a 100 ms base.

Run: ``.venv/bin/python bench/faults.py`` (about a minute).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from openbrain.store.driver import Item, MustNotExist, Put
from openbrain.store.dynamodb import DynamoDBDriver, RetryPolicy, client_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.faults.proxy import FaultProxy, Rule

WRITES = 120
RATE = 0.3


def _config(retries: dict[str, Any]) -> Config:
    return Config(retries=retries, connect_timeout=3, read_timeout=10,  # type: ignore[arg-type]
                  max_pool_connections=50)


POLICIES: dict[str, tuple[Config, RetryPolicy]] = {
    "adaptive-8": (_config({"mode": "adaptive", "max_attempts": 8}), RetryPolicy(attempts=1)),
    "standard-8": (_config({"mode": "standard", "max_attempts": 8}), RetryPolicy(attempts=1)),
    "legacy-10": (_config({"mode": "legacy", "max_attempts": 10}), RetryPolicy(attempts=1)),
    "driver-4": (client_config(), RetryPolicy(attempts=4)),
    "driver-100ms": (client_config(), RetryPolicy(base=0.1)),
    "driver": (client_config(), RetryPolicy()),
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(name: str, proxy: FaultProxy) -> dict[str, Any]:
    config, policy = POLICIES[name]
    client = boto3.client("dynamodb", endpoint_url=proxy.url, region_name="us-east-1",
                          config=config)
    driver = DynamoDBDriver(client, f"bench-{uuid.uuid4().hex[:8]}", retry=policy)
    proxy.clear()
    driver.setup()
    driver.put(Item(pk="P#read", sk="S", data=b"x"))
    proxy.inject(Rule("dynamodb", "throttle", RATE, "PutItem"),
                 Rule("dynamodb", "throttle", RATE, "TransactWriteItems"), seed=7)
    writes: list[float] = []
    reads: list[float] = []
    failed = 0
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            started = time.perf_counter()
            driver.get("P#read", "S")
            reads.append(time.perf_counter() - started)

    thread = threading.Thread(target=reader)
    began = time.perf_counter()
    thread.start()
    for i in range(WRITES):
        started = time.perf_counter()
        try:
            if i % 2:
                driver.put(Item(pk=f"P#{i}", sk="S", data=b"x"))
            else:
                driver.transact([Put(Item(pk=f"P#{i}", sk="A"), MustNotExist()),
                                 Put(Item(pk=f"P#{i}", sk="B"), MustNotExist())])
        except Exception:
            failed += 1
        writes.append(time.perf_counter() - started)
    done.set()
    thread.join()
    wall = time.perf_counter() - began
    proxy.clear()
    driver.drop()
    return {"policy": name, "failed": failed, "wall_s": wall,
            "write_p50": _pct(writes, 0.5), "write_p99": _pct(writes, 0.99),
            "write_max": max(writes) * 1000, "read_p50": _pct(reads, 0.5),
            "read_p99": _pct(reads, 0.99), "reads": len(reads)}


def main() -> None:
    logging.disable(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    proxy = FaultProxy(f"http://{host}:{port}").start()
    print(f"{WRITES} writes (half puts, half 2-item transactions), {RATE:.0%} of them "
          "throttled; a reader thread's GetItem calls are never throttled")
    print(f"{'policy':<14}{'failed':>7}{'wall s':>8}{'write p50':>11}{'p99':>8}{'max':>8}"
          f"{'read p50':>10}{'p99':>8}{'reads':>7}  (ms)")
    try:
        for name in POLICIES:
            r = run(name, proxy)
            print(f"{r['policy']:<14}{r['failed']:>7}{r['wall_s']:>8.1f}{r['write_p50']:>11.1f}"
                  f"{r['write_p99']:>8.0f}{r['write_max']:>8.0f}{r['read_p50']:>10.1f}"
                  f"{r['read_p99']:>8.0f}{r['reads']:>7}")
    finally:
        proxy.stop()
        server.stop()
    print("medians of one run; run twice to see the spread", file=sys.stderr)


if __name__ == "__main__":
    main()
