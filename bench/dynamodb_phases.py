"""Where the client CPU of one DynamoDB call goes, for each kind of call a chat turn makes,
and botocore's floor: the same calls with the network answered in process.

Runs chat turns in process (the real :class:`TurnExecutor`, offline model, 3 tools, a
20-message window) on :class:`DynamoDBDriver` against moto kept alive in a process of its own
(``bench/moto_keepalive.py``: moto's CPU is never counted), plus one ``GetItem`` of the
session item per turn. Each call is cut into phases by this thread's CPU clock read in
handlers of botocore's own events (registered first or last around botocore's handlers):

* ``driver in``: our driver's checks and conversion to wire form, to botocore's method;
* ``params``: boto3's method and ``provide-client-params``/``before-parameter-build``
  hooks (idempotency token, validation-mode member);
* ``rules+serialise``: endpoint rules, the JSON serialiser, the user agent;
* ``request``: ``before-call`` hooks, compression and checksum checks, the retry context,
  the request object;
* ``signing``: ``request-created`` (SigV4 with the credentials lookup, the user agent rebuilt,
  retry headers);
* ``prepare``: the prepared request (headers encoded);
* ``http``: the send and receive (botocore's urllib3 session: urllib3, http.client, the
  socket, the kernel), the response dict, checksum handling of the body;
* ``decode``: our msgspec decoding of the answer (``before-parse``);
* ``parse``: botocore's parser (of the emptied body) and ``response-received``;
* ``retry``: ``needs-retry`` (the retry handler) and the retry bookkeeping;
* ``driver out``: ``after-call`` hooks, boto3's return, our conversion to :class:`Item`.

Modes, in rounds that alternate in one process (paired): ``moto`` (botocore sends);
``floor``: a ``before-send`` handler (botocore's public hook) answers every call with the
answer moto gave the same kind of call, byte for byte: what botocore and the driver cost per
call with zero network; ``floor+wait``: the same answer after sleeping 1.5 ms (about moto's
answer time): what blocking alone adds (the thread's caches go cold while it waits, as
they do waiting for any network); ``http.client``: the same handler sends botocore's signed
request over one kept-alive ``http.client`` connection (a figure for the judgement only: the
driver never does this). A SQLite world's turn runs beside each DynamoDB turn: the whole
executor turn on each, and the CPU of SQLite's store calls (what a DynamoDB turn replaces).
Then per turn: requests of each kind times their cost. ``--api``: the requests of HTTP turns
(Litestar's TestClient, the checkout's demo plan) by what sent them.

``--configs`` compares ``client_config()`` with variants of botocore's ``Config`` (checksum
settings, retry mode, endpoint mode, compression, host prefix, and botocore's defaults for
validation and retries, which the driver turns off), a turn of each in turn
(``--floor``: all answered in process). ``--profile`` prints cProfile's self time grouped by
library. Prints figures; asserts nothing.

Run: ``.venv/bin/python bench/dynamodb_phases.py [--rounds 12] [--turns 40]
[--modes moto,floor,floor+wait,http.client] [--configs [--floor]] [--api] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import logging
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import structlog
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config

from moto_keepalive import moto_process
from openbrain.agent.executor import TurnExecutor
from openbrain.domain import AgentSettings, ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore, keys
from openbrain.store.driver import Item, TableDriver, WriteOp
from openbrain.store.dynamodb import DynamoDBDriver, client_config
from openbrain.store.sqlite import SQLiteDriver

PHASES = ("driver in", "params", "rules+serialise", "request", "signing", "prepare", "http",
          "decode", "parse", "retry", "driver out")
# (event, registered first?) read in order; the phase ending at each stamp is PHASES[i].
STAMPS = (
    ("provide-client-params.dynamodb", True),
    ("before-endpoint-resolution.dynamodb", True),
    ("before-call.dynamodb", True),
    ("request-created.dynamodb", True),
    ("request-created.dynamodb", False),
    ("before-send.dynamodb", False),
    ("before-parse.dynamodb", True),
    ("before-parse.dynamodb", False),
    ("response-received.dynamodb", True),
    ("after-call.dynamodb", True),
)
KINDS = ("GetItem", "Query", "TransactWriteItems", "UpdateItem")
TOOLS = ["capture_lead", "update_lead", "calculator"]
R = TypeVar("R")


class _Raw:
    """What an ``AWSResponse`` reads its body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


MODES = ("moto", "floor", "floor+wait", "http.client")
WAIT_SECONDS = 0.0015  # about what moto kept alive takes to answer on this VM


class Probe:
    """Reads this thread's CPU clock at botocore's events of one client. ``mode``: ``moto``
    (botocore sends), ``floor`` (``before-send`` answers with the last real answer of the
    call's kind), ``floor+wait`` (the same after sleeping as long as moto takes to answer:
    what blocking alone costs), or ``http.client`` (``before-send`` sends botocore's signed
    request over one kept-alive ``http.client`` connection: a figure for the judgement
    only, the driver never does this)."""

    def __init__(self, client: Any, url: str) -> None:
        self.mode = "moto"
        self._direct = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.spent: dict[tuple[str, str], list[list[int]]] = defaultdict(list)  # (mode, kind)
        self.sent: Counter[str] = Counter()
        self._stamps: list[int] = []
        self._kind = ""
        events = client.meta.events
        for at, (event, first) in enumerate(STAMPS):
            handler = self._stamper(at)
            (events.register_first if first else events.register_last)(event, handler)
        events.register_first("before-parse.dynamodb", self._keep_answer)

    def _stamper(self, at: int) -> Callable[..., Any]:
        def stamp(**kwargs: Any) -> Any:
            if at == 0:
                self._kind = kwargs["event_name"].rsplit(".", 1)[1]
                self.sent[self._kind] += 1
            if len(self._stamps) == at + 1:  # a call in progress, this stamp in order
                self._stamps.append(time.thread_time_ns())
            if at == 5 and self.mode.startswith("floor"):
                if self.mode == "floor+wait":
                    time.sleep(WAIT_SECONDS)
                status, headers, body = self.answers[self._kind]
                return AWSResponse(kwargs["request"].url, status,
                                   HTTPHeaders.from_dict(headers), _Raw(body))
            if at == 5 and self.mode == "http.client":
                return self._send(kwargs["request"])
            return None
        return stamp

    def _send(self, request: Any) -> AWSResponse:
        target = urlsplit(request.url)
        self._direct.request(request.method, target.path or "/", body=request.body,
                             headers=dict(request.headers.items()))
        reply = self._direct.getresponse()
        body = reply.read()
        return AWSResponse(request.url, reply.status, HTTPHeaders.from_pairs(reply.getheaders()),
                           _Raw(body))

    def _keep_answer(self, response_dict: dict[str, Any], **_: Any) -> None:
        if not self.mode.startswith("floor") and response_dict["status_code"] < 300:
            self.answers[self._kind] = (response_dict["status_code"],
                                        dict(response_dict["headers"]), response_dict["body"])

    @contextmanager
    def call(self) -> Iterator[None]:
        """Around one driver call: its first and last stamps."""
        self._stamps = [time.thread_time_ns()]
        yield
        self._stamps.append(time.thread_time_ns())
        if len(self._stamps) == len(STAMPS) + 2:
            steps = [b - a for a, b in zip(self._stamps, self._stamps[1:], strict=False)]
            self.spent[(self.mode, self._kind)].append(steps)


class ProbedDriver(DynamoDBDriver):
    """The driver with each table call wrapped in :meth:`Probe.call`."""

    probe: Probe

    def _call(self, operation: Callable[..., Any], answer: Any, **params: Any) -> Any:
        with self.probe.call():
            return super()._call(operation, answer, **params)


class TimedSQLite(SQLiteDriver):
    """The SQLite driver adding the CPU of the calls a turn makes (for the budget's
    arithmetic: what a DynamoDB turn replaces)."""

    spent = 0.0

    def _timed(self, call: Callable[[], R]) -> R:
        started = time.thread_time()
        try:
            return call()
        finally:
            self.spent += time.thread_time() - started

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        return self._timed(lambda: super(TimedSQLite, self).query_range(
            pk, low, high, newest_first=newest_first, limit=limit))

    def transact(self, ops: Sequence[WriteOp]) -> None:
        self._timed(lambda: super(TimedSQLite, self).transact(ops))

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        return self._timed(lambda: super(TimedSQLite, self).increment(pk, sk, counters))


def make_driver(url: str, config: Config, table: str) -> ProbedDriver:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=url, config=config)
    driver = ProbedDriver(client, table)
    driver.probe = Probe(client, url)
    return driver


class World:
    """A tenant with the bench profile and one session warmed to a full window."""

    def __init__(self, driver: TableDriver) -> None:
        driver.setup()
        self.driver = driver
        self.store = TenantStore(driver, "bench")
        self.store.configs.save("default", AgentSettings(model="offline", tools=TOOLS,
                                                         memory_window=20))
        settings = Settings(store="sqlite:///unused", openai_api_key=None, openai_base_url=None)
        self.executor = TurnExecutor(settings=settings)
        self.session_id = self.executor.chat(self.store, ChatMessage(reset=True)).session_id
        for n in range(24):
            self.turn(f"warm {n}")

    @property
    def probe(self) -> Probe:
        assert isinstance(self.driver, ProbedDriver)
        return self.driver.probe

    def turn(self, text: str) -> float:
        """One turn; the CPU of the executor's turn (not the bench's own ``GetItem``)."""
        started = time.thread_time()
        self.executor.chat(self.store, ChatMessage(session_id=self.session_id, message=text))
        spent = time.thread_time() - started
        self.driver.get(keys.session_pk("bench", self.session_id), keys.SESSION_SK)
        return spent


def median_steps(rows: list[list[int]]) -> list[float]:
    """Per phase, the median in µs (and the total's median last)."""
    columns = [statistics.median(col) / 1000 for col in zip(*rows, strict=True)]
    return [*columns, statistics.median(sum(r) for r in rows) / 1000]


def print_split(probe: Probe) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {mode: {} for mode in MODES}
    width = 10
    print(f"  {'call':<20}{'mode':<12}" + "".join(f"{p:>{width}}" for p in PHASES)
          + f"{'total':>{width}}   (median µs of this thread's CPU)")
    for kind in KINDS:
        for mode in MODES:
            rows = probe.spent.get((mode, kind))
            if not rows:
                continue
            medians = median_steps(rows)
            totals[mode][kind] = medians[-1]
            print(f"  {kind:<20}{mode:<12}" + "".join(f"{m:>{width}.1f}" for m in medians))
    return totals


def per_turn(totals: dict[str, dict[str, float]], per: dict[str, float]) -> None:
    print("  per turn (requests x median cost):")
    for mode in (m for m in MODES if totals[m]):
        cost = sum(per[k] * totals[mode].get(k, 0.0) for k in per)
        parts = ", ".join(f"{k} {per[k]:.3g} x {totals[mode].get(k, 0):.0f}" for k in per)
        print(f"    {mode:<12}{cost / 1000:.2f} ms  ({parts} µs)")


def run_split(url: str, rounds: int, turns: int, modes: tuple[str, ...]) -> None:
    """Rounds of each mode alternate on one DynamoDB world; a SQLite world (a file in a temp
    dir) turns between its turns, for the ratio of whole executor turns."""
    dynamo = World(make_driver(url, client_config(), f"bench-{uuid.uuid4().hex[:8]}"))
    with tempfile.TemporaryDirectory() as tmp:
        timed = TimedSQLite.from_path(Path(tmp) / "bench.db")
        assert isinstance(timed, TimedSQLite)
        sqlite = World(timed)
        probe = dynamo.probe
        probe.spent.clear()
        probe.sent.clear()
        timed.spent = 0.0
        counted = 0
        cpu: dict[str, list[float]] = defaultdict(list)
        for r in range(rounds):
            for mode in modes:
                probe.mode = mode
                for n in range(turns):
                    text = f"What are your opening hours? {r}.{n}"
                    cpu["sqlite"].append(sqlite.turn(text))
                    cpu[mode].append(dynamo.turn(text))
                    counted += 1
        probe.mode = "moto"
    print(f"{counted} turns, {rounds} rounds of {turns} turns in each mode: {', '.join(modes)}")
    totals = print_split(probe)
    per = {k: v / counted for k, v in probe.sent.items()}
    per["GetItem"] = per.get("GetItem", 0) - 1  # the bench's own read of each turn
    print(f"  requests per executor turn: {per}")
    print("  an executor turn, the store's client CPU:")
    per_turn(totals, per)
    api_turn = dict(per) | {"UpdateItem": per.get("UpdateItem", 0) + 0.26, "GetItem": 0.045}
    print("  an HTTP turn on the demo plan (UpdateItem +0.26: rate-limit and budget leases; "
          "GetItem 0.045: key and tenant reads; see --api):")
    per_turn(totals, api_turn)
    print(f"  SQLite's store calls of a turn (mean CPU): {timed.spent / counted * 1000:.2f} ms")
    base = statistics.median(cpu["sqlite"])
    print("  a whole executor turn (median CPU, paired turn by turn with SQLite):")
    for name, spent in cpu.items():
        median = statistics.median(spent)
        print(f"    {name:<12}{median * 1000:.2f} ms ({median / base:.2f}x SQLite)")


CONFIGS: dict[str, Callable[[], Config]] = {
    "client_config()": client_config,
    "checksums when_required": lambda: client_config().merge(Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required")),
    "retries legacy, 1 attempt": lambda: client_config().merge(Config(
        retries={"mode": "legacy", "total_max_attempts": 1})),
    "account_id_endpoint_mode disabled": lambda: client_config().merge(Config(
        account_id_endpoint_mode="disabled")),
    "request compression off": lambda: client_config().merge(Config(
        disable_request_compression=True)),
    "no host prefix": lambda: client_config().merge(Config(inject_host_prefix=False)),
    "parameter_validation on (default)": lambda: client_config().merge(Config(
        parameter_validation=True)),
    "retries standard, 3 attempts (default)": lambda: client_config().merge(Config(
        retries={"mode": "standard", "total_max_attempts": 3})),
}


def run_configs(url: str, rounds: int, turns: int, floor: bool) -> None:
    """Each variant against ``client_config()`` on a table of its own, a turn of each in
    turn, the order rotated every round (a variant never always follows the same one)."""
    base = "client_config()"
    worlds = [World(make_driver(url, make(), f"bench-{uuid.uuid4().hex[:8]}"))
              for make in CONFIGS.values()]
    names = list(CONFIGS)
    mode = "floor" if floor else "moto"
    for world in worlds:
        world.turn("first")  # a real answer of each kind, for the floor
        world.probe.spent.clear()
        world.probe.mode = mode
    for r in range(rounds):
        order = worlds[r % len(worlds):] + worlds[:r % len(worlds)]
        for n in range(turns):
            for world in order:
                world.turn(f"What are your opening hours? {r}.{n}")
    print(f"{rounds} rounds of {turns} turns per variant, interleaved turn by turn ({mode}); "
          "median µs per call (ratio to client_config())")
    print(f"  {'variant':<36}" + "".join(f"{k:>22}" for k in KINDS))
    medians = {name: {kind: median_steps(w.probe.spent[(mode, kind)])[-1]
                      for kind in KINDS} for name, w in zip(names, worlds, strict=True)}
    for name in names:
        print(f"  {name:<36}" + "".join(
            f"{medians[name][k]:>13.0f} ({medians[name][k] / medians[base][k]:.3f})"
            for k in KINDS))


def run_api(url: str, turns: int) -> None:
    """Turns through the API in process (Litestar's TestClient) on DynamoDB, the checkout's
    demo tenant and its plan (300 requests a minute per key, 600 per tenant, 2M tokens a
    day): every request counted by operation and by what sent it."""
    from litestar.testing import TestClient

    from openbrain.api.app import create_app
    from openbrain.api.services import services_of
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
    from openbrain.domain.base import utcnow
    from openbrain.logs import LogSetup
    from openbrain.runtime import EMBEDDED, Runtime

    sent: Counter[str] = Counter()
    counting = [False]

    def record(params: dict[str, Any], event_name: str, **_: Any) -> None:
        if counting[0]:
            sent[f"{event_name.rsplit('.', 1)[1]}: {_origin(params)}"] += 1

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("provide-client-params.dynamodb", record)
    settings = Settings(store=f"dynamodb://bench-{uuid.uuid4().hex[:8]}",
                        dynamodb_endpoint=url, aws_region="us-east-1",
                        openai_api_key=None, openai_base_url=None)
    app = create_app(Runtime(settings, profile=EMBEDDED, logs=LogSetup(level="WARNING")))
    with TestClient(app) as http:
        store = TenantStore(services_of(app.state).driver, "demo")
        store.configs.save("default", AgentSettings(model="offline", tools=TOOLS,
                                                    memory_window=20))
        key_id, token, digest = mint_key("demo", "secret")
        store.api_keys.create(ApiKey(client_id="demo", key_id=key_id, kind="secret",
                                     scopes=list(ALL_TENANT_SCOPES), secret_hash=digest,
                                     created_at=utcnow()))
        http.headers["Authorization"] = f"Bearer {token}"
        session = http.post("/v1/chat", json={"message": "hello"}).json()["sessionId"]
        counting[0] = True
        for n in range(turns):
            reply = http.post(f"/v1/sessions/{session}/messages", json={"message": f"hi {n}"})
            assert reply.status_code == 200, reply.text
    print(f"{turns} HTTP turns on the demo plan, requests per turn by what sent them:")
    for name, count in sorted(sent.items()):
        print(f"  {name:<48}{count / turns:>7.3f}")


def _origin(params: dict[str, Any]) -> str:
    pk = str(params.get("Key", {}).get("pk", {}).get("S", ""))
    sk = str(params.get("Key", {}).get("sk", {}).get("S", ""))
    if "#COUNTERS#" in pk:
        bucket = pk.split("#COUNTERS#", 1)[1]
        return {"t": "tenant rate limit", "tokens": "token budget"}.get(
            bucket, "key rate limit" if bucket.startswith("k:") else bucket)
    if "#USAGE" in pk:
        return "usage counter"
    if sk.startswith("KEY#"):
        return "API key"
    if sk.startswith("TENANT"):
        return "tenant"
    if "TransactItems" in params:
        return "the turn's commit"
    values = params.get("ExpressionAttributeValues", {})
    if values.get(":low") == {"S": keys.MESSAGE_PREFIX} and values.get(":high") == {
            "S": keys.SESSION_SK}:
        return "the turn's read"
    partition = str(values.get(":h", {}).get("S", pk))
    if "#PENDING#" in partition:
        return "outbox sweep (a timer's, not the turn's)"
    return f"other ({partition.split('#', 2)[-1][:30]})"


def run_profile(url: str, turns: int) -> None:
    world = World(make_driver(url, client_config(), f"bench-{uuid.uuid4().hex[:8]}"))
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for n in range(turns):
        world.turn(f"What are your opening hours? {n}")
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_library: Counter[str] = Counter()
    for (path, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        by_library[_library(path)] += row[2]  # self time
    total = sum(by_library.values())
    print(f"cProfile, {turns} turns (+1 GetItem each), self time by library "
          "(cProfile inflates call-heavy code):")
    for name, spent in by_library.most_common(16):
        print(f"  {name:<28}{spent / turns * 1e6:>9.0f} µs/turn {spent / total:>7.1%}")


def _library(path: str) -> str:
    for name in ("botocore", "boto3", "urllib3", "openbrain", "langchain_core", "msgspec",
                 "structlog", "pydantic", "jmespath", "dateutil"):
        if f"/{name}/" in path:
            return name
    if path.endswith(("http/client.py", "socket.py", "ssl.py", "selectors.py")):
        return "http.client, socket"
    if path == "~":
        return "builtins (C)"
    return "stdlib, other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--turns", type=int, default=40, help="turns per round")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--configs", action="store_true", help="compare Config variants")
    parser.add_argument("--floor", action="store_true",
                        help="with --configs: every call answered in process")
    parser.add_argument("--profile", action="store_true", help="cProfile by library")
    parser.add_argument("--api", action="store_true",
                        help="requests of HTTP turns (demo plan) by what sent them")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with moto_process() as url:
        if args.api:
            run_api(url, args.rounds * args.turns)
        elif args.profile:
            run_profile(url, args.rounds * args.turns)
        elif args.configs:
            run_configs(url, args.rounds, args.turns, floor=args.floor)
        else:
            run_split(url, args.rounds, args.turns, tuple(args.modes.split(",")))


if __name__ == "__main__":
    main()
