"""HTTP API benchmark: the platform's own server CPU per chat turn, measured from the outside.

One uvicorn server process (embedded SQLite store, offline model), pinned to one core with
``taskset`` (core 0); this process is the load generator, pinned to the other core, speaking
raw HTTP/1.1 over keep-alive sockets (a few microseconds of client work per request, so the
client does not steal the server's core). Figures:

* throughput (req/s) and server CPU per request for a bare Litestar JSON route served by the
  same process (the floor), a chat turn continuing a session, and ``GET /v1/configs/default``;
* the platform's own CPU per turn: server CPU minus the CPU the offline model spends in its
  ``invoke`` (LangChain layers included; that is the "LLM", excluded as the brief asks),
  read from a bench-only counter inside the server;
* cost growth: server CPU of turns ~10 and ~500 of one session (medians of 21 turns around
  each point, each turn measured from ``/proc/<pid>/task/*/schedstat``, nanoseconds);
* memory: the server's RSS after warm-up and after thousands of turns.

Server CPU for the throughput phases is ``utime + stime`` from ``/proc/<pid>/stat`` (whole
process, exited threads included; clock ticks, so phases last seconds). Logging runs as in
production (JSON at INFO, to /dev/null here). Prints figures; never asserts on speed.

    .venv/bin/python bench/api.py [--turns 3000] [--clients 4] [--long 510]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec

CLK_TCK = os.sysconf("SC_CLK_TCK")
HOST = "127.0.0.1"
MESSAGE = "What are your opening hours?"

# LangGraph's server (``langgraph dev``), same fake model, one core: the brief's figures.
LANGGRAPH_TURNS_PER_S = 90.0
LANGGRAPH_CPU_MS_PER_TURN = 10.7
LANGGRAPH_GROWTH_500_VS_10 = 4.4
LANGGRAPH_RSS = "past 1 GB after a few thousand turns"
BARE_LITESTAR_MS, BARE_LITESTAR_PER_S = 0.06, 17_000  # the brief's bare Litestar JSON route


# -- the server (child process) -------------------------------------------------------------


def serve(port: int, data_dir: str, log_level: str) -> None:
    """Child process: the real app plus a bare route and the model-time counter, on uvicorn."""
    import threading
    from typing import Any

    import uvicorn
    from litestar import get

    from openbrain.agent.offline import OfflineChatModel
    from openbrain.api.app import create_app
    from openbrain.api.guards import public
    from openbrain.api.services import services_of
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
    from openbrain.domain.base import utcnow
    from openbrain.logs import LogSetup
    from openbrain.runtime import EMBEDDED, Runtime
    from openbrain.settings import Settings
    from openbrain.store import TenantStore

    spent = [0.0, 0]  # model CPU seconds, calls
    lock = threading.Lock()
    invoke = OfflineChatModel.invoke

    def timed_invoke(self: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:
        started = time.thread_time()  # this thread's CPU: the model's own work only
        try:
            return invoke(self, input, config, **kwargs)
        finally:
            with lock:
                spent[0] += time.thread_time() - started
                spent[1] += 1

    OfflineChatModel.invoke = timed_invoke  # type: ignore[method-assign]

    settings = Settings(store=f"sqlite:///{data_dir}/bench.db", openai_api_key=None,
                        openai_base_url=None, host=HOST, port=port)
    app = create_app(Runtime(settings, profile=EMBEDDED, logs=LogSetup(level=log_level)))

    @get("/bare", guards=[public], sync_to_thread=False, include_in_schema=False)
    def bare() -> dict[str, str]:
        return {"status": "ok"}

    @get("/bench/model", guards=[public], sync_to_thread=False, include_in_schema=False)
    def model_time() -> dict[str, float]:
        with lock:
            return {"seconds": spent[0], "calls": spent[1]}

    app.register(bare)
    app.register(model_time)
    key_id, token, digest = mint_key("demo", "secret")
    TenantStore(services_of(app.state).driver, "demo").api_keys.create(ApiKey(
        client_id="demo", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    (Path(data_dir) / "key").write_text(token)
    uvicorn.run(app, host=HOST, port=port, access_log=False, log_config=None, proxy_headers=False,
                log_level="warning")


# -- reading the server's CPU and memory ----------------------------------------------------


def cpu_ticks_seconds(pid: int) -> float:
    """utime + stime of the whole process (exited threads included), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_ns(pid: int) -> int:
    """CPU time of the process's live threads, in nanoseconds (scheduler accounting)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread exited between listing and reading
    return total


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


# -- a minimal keep-alive HTTP/1.1 client ---------------------------------------------------


def build(method: str, path: str, headers: dict[str, str] | None = None,
          body: object | None = None) -> bytes:
    payload = msgspec.json.encode(body) if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body is not None:
        lines += ["content-type: application/json", f"content-length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"content-length:")
        if at < 0:
            raise RuntimeError(f"no content-length in {head!r}")
        length = int(lower[at + 15:lower.index(b"\r\n", at)])
        body = await self.reader.readexactly(length)
        return status, body

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def ok(status: int, body: bytes, what: str) -> bytes:
    if status >= 400:
        raise SystemExit(f"{what}: HTTP {status} {body[:300]!r}")
    return body


# -- phases ---------------------------------------------------------------------------------


class Phase(msgspec.Struct):
    label: str
    count: int
    per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    model_ms: float = 0.0

    @property
    def platform_ms(self) -> float:
        return self.cpu_ms - self.model_ms


async def model_seconds(port: int) -> float:
    conn = await Connection.open(port)
    try:
        status, body = await conn.request(build("GET", "/bench/model"))
        return float(msgspec.json.decode(ok(status, body, "model counter"))["seconds"])
    finally:
        await conn.close()


async def closed_loop(label: str, port: int, pid: int, requests: list[list[bytes]],
                      *, model: bool = False) -> Phase:
    """Each connection sends its own list of requests back to back."""
    conns = [await Connection.open(port) for _ in requests]
    latencies: list[float] = []

    async def drive(conn: Connection, raws: list[bytes]) -> None:
        for raw in raws:
            started = time.perf_counter()
            status, body = await conn.request(raw)
            latencies.append(time.perf_counter() - started)
            ok(status, body, label)

    model0 = await model_seconds(port) if model else 0.0
    cpu0, t0 = cpu_ticks_seconds(pid), time.perf_counter()
    await asyncio.gather(*(drive(c, r) for c, r in zip(conns, requests, strict=True)))
    elapsed, cpu = time.perf_counter() - t0, cpu_ticks_seconds(pid) - cpu0
    model_s = (await model_seconds(port) - model0) if model else 0.0
    for conn in conns:
        await conn.close()
    latencies.sort()
    n = len(latencies)
    return Phase(label, n, n / elapsed, statistics.median(latencies) * 1000,
                 latencies[min(n - 1, int(n * 0.99))] * 1000, cpu / n * 1000, model_s / n * 1000)


async def start_session(port: int, auth: dict[str, str]) -> str:
    conn = await Connection.open(port)
    try:
        status, body = await conn.request(build("POST", "/v1/sessions", auth, {}))
        return str(msgspec.json.decode(ok(status, body, "start session"))["sessionId"])
    finally:
        await conn.close()


def chat(auth: dict[str, str], session_id: str, text: str = MESSAGE) -> bytes:
    return build("POST", "/v1/chat", auth, {"sessionId": session_id, "message": text})


async def growth(port: int, pid: int, auth: dict[str, str], turns: int
                 ) -> tuple[dict[int, float], dict[int, float]]:
    """One session, turn after turn: each turn's server CPU and model CPU, in ms."""
    session_id = await start_session(port, auth)
    conn = await Connection.open(port)
    probe = await Connection.open(port)
    raw_model = build("GET", "/bench/model")
    cpu: dict[int, float] = {}
    model: dict[int, float] = {}
    try:
        for n in range(1, turns + 1):
            m0 = float(msgspec.json.decode((await probe.request(raw_model))[1])["seconds"])
            c0 = cpu_ns(pid)
            status, body = await conn.request(chat(auth, session_id, f"note {n}"))
            c1 = cpu_ns(pid)
            ok(status, body, "growth turn")
            m1 = float(msgspec.json.decode((await probe.request(raw_model))[1])["seconds"])
            cpu[n], model[n] = (c1 - c0) / 1e6, (m1 - m0) * 1000
    finally:
        await conn.close()
        await probe.close()
    return cpu, model


def around(values: dict[int, float], point: int, half: int = 10) -> float:
    return statistics.median(values[n] for n in range(point - half, point + half + 1))


# -- orchestration --------------------------------------------------------------------------


def pin(core: int) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(core)] if taskset else []


async def measure(args: argparse.Namespace, port: int, pid: int, token: str) -> None:
    auth = {"authorization": f"Bearer {token}"}
    c = args.clients
    per = max(1, args.turns // c)
    sessions = [await start_session(port, auth) for _ in range(c)]
    bare_raw = build("GET", "/bare")
    config_raw = build("GET", "/v1/configs/default", auth)

    # Warm-up: imports on first use, caches, the thread pool, SQLite pages.
    await closed_loop("warm-up", port, pid, [[bare_raw] * 200 for _ in range(c)])
    await closed_loop("warm-up", port, pid,
                      [[chat(auth, s)] * 50 for s in sessions], model=True)
    rss0, _ = rss_mb(pid)

    bare = await closed_loop("bare Litestar JSON route", port, pid,
                             [[bare_raw] * args.bare for _ in range(c)])
    turn = await closed_loop("chat turn (offline model)", port, pid,
                             [[chat(auth, s)] * per for s in sessions], model=True)
    config = await closed_loop("GET /v1/configs/default", port, pid,
                               [[config_raw] * (args.bare // 4) for _ in range(c)])
    cpu, model = await growth(port, pid, auth, args.long)
    rss1, hwm = rss_mb(pid)
    turns_done = 50 * c + per * c + args.long

    late = args.long - 10
    early_cpu, late_cpu = around(cpu, 11), around(cpu, late)
    early_pf = around({n: cpu[n] - model[n] for n in cpu}, 11)
    late_pf = around({n: cpu[n] - model[n] for n in cpu}, late)

    pinned = "pinned to one core by taskset" if pin(0) else "not pinned (no taskset)"
    print(f"\nserver: one uvicorn process, {pinned}; load: this process on the other core, "
          f"{c} keep-alive connections")
    print(f"\n{'case':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}"
          f"{'model ms':>10}{'platform ms':>13}")
    for p in (bare, turn, config):
        model_col = f"{p.model_ms:10.3f}{p.platform_ms:13.3f}" if p.model_ms else ""
        print(f"{p.label:<28}{p.per_s:9.0f}{p.p50_ms:9.2f}{p.p99_ms:9.2f}{p.cpu_ms:12.3f}"
              + model_col)
    print(f"\ngrowth, one session of {args.long} turns (server CPU per turn, median of 21):")
    print(f"  turn ~10:  {early_cpu:6.3f} ms  (platform {early_pf:6.3f} ms)")
    print(f"  turn ~{late}: {late_cpu:6.3f} ms  (platform {late_pf:6.3f} ms)")
    print(f"  ratio:     {late_cpu / early_cpu:6.2f}x    (platform {late_pf / early_pf:5.2f}x)")
    print(f"\nmemory: RSS {rss0:.0f} MiB after warm-up, {rss1:.0f} MiB after {turns_done:,} "
          f"turns (peak {hwm:.0f} MiB)")

    print("\n                         OpenBrain (measured)    LangGraph server (brief)")
    print(f"  turns/s, one core       {turn.per_s:12.0f}          {LANGGRAPH_TURNS_PER_S:12.0f}"
          f"     ({turn.per_s / LANGGRAPH_TURNS_PER_S:.1f}x)")
    print(f"  server CPU ms/turn      {turn.cpu_ms:12.2f}          "
          f"{LANGGRAPH_CPU_MS_PER_TURN:12.1f}     "
          f"({LANGGRAPH_CPU_MS_PER_TURN / turn.cpu_ms:.1f}x less)")
    print(f"  CPU/turn, #{late} vs #10 {late_cpu / early_cpu:11.2f}x"
          f"          {LANGGRAPH_GROWTH_500_VS_10:11.1f}x")
    print(f"  RSS                     {rss1:9.0f} MiB          {LANGGRAPH_RSS}")
    print(f"  bare Litestar route     {bare.cpu_ms:9.3f} ms, {bare.per_s:,.0f}/s "
          f"(brief: {BARE_LITESTAR_MS} ms, {BARE_LITESTAR_PER_S:,}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=3000, help="chat turns, throughput phase")
    parser.add_argument("--bare", type=int, default=2000, help="bare requests per connection")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--long", type=int, default=510, help="turns of the growth session")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "DIR", "LEVEL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.serve[2])
        return
    if args.long < 30:
        parser.error("--long must be at least 30")

    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="ob-bench-")
    tenants = Path(data_dir) / "tenants"
    tenants.mkdir()
    # The demo tenant, with limits high enough not to throttle the benchmark itself.
    (tenants / "demo.toml").write_text(
        'clientId = "demo"\nname = "Bench"\n[plan]\nrequestsPerMinute = 10000000\n'
        "keyRequestsPerMinute = 10000000\ntokensPerDay = 1000000000\n"
    )
    env = {**os.environ, "OB_TENANTS_DIR": str(tenants)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    cores = sorted(os.sched_getaffinity(0))
    server = subprocess.Popen(
        [*pin(cores[0]), sys.executable, __file__, "--serve", str(port), data_dir,
         args.log_level],
        env=env, stderr=subprocess.DEVNULL)  # production logging, written nowhere
    if len(cores) > 1:
        os.sched_setaffinity(0, {cores[1]})
    try:
        deadline = time.monotonic() + 60
        key = Path(data_dir) / "key"
        while not key.exists() or not _up(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        print(f"OpenBrain API bench on http://{HOST}:{port}: {args.turns} turns over "
              f"{args.clients} sessions, then one session of {args.long} turns; "
              f"server log level {args.log_level}")
        asyncio.run(measure(args, port, server.pid, key.read_text()))
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


def _up(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(build("GET", "/healthz"))
            return sock.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


if __name__ == "__main__":
    main()
