"""HTTP API benchmark: the platform's own server CPU per chat turn, measured from the outside,
beside the bare route of the same server and (``--peers``) LangGraph's server, in one run.

Servers are pinned to one core with ``taskset`` (core 0); this process (the load, raw HTTP/1.1
over keep-alive sockets) and the loopback model server (``bench/model_server.py``, a process
of its own: its CPU is never counted) run on the other core. Figures:

* the bare Litestar JSON route served by the same process (the floor);
* a chat turn with the offline model (the model's own CPU, read from a bench-only counter, is
  also shown apart) and with the OpenAI-compatible path against the loopback model server
  (3 tools bound, a 20-message window), each plain JSON and streamed (SSE, 35 token events
  from the model server);
* cost growth over one session of ``--long`` turns (offline), RSS after warm-up and after;
* cold start: 5 fresh processes of the deployed factory (``uvicorn --factory``) and of
  ``ob serve``, process start to the first 200 on ``/healthz``, with the RSS then and 3 s
  later; and process start to the answer of ``ob serve``'s first offline turn;
* ``--peers``: LangGraph's server (``langgraph dev``, in-memory, from the venv that
  ``bench/peers/setup.sh`` builds; never a project dependency) with a fixed-answer model and
  with a ``ChatOpenAI`` graph against the same model server, and the ratios.

Server CPU is ``utime + stime`` from ``/proc`` (the whole process tree, exited threads
included; clock ticks, so phases last seconds). Logging runs as in production (JSON at INFO,
to /dev/null). Prints figures; never asserts on speed.

    .venv/bin/python bench/api.py [--turns 3000] [--clients 4] [--long 510] [--peers [VENV]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

TOOLS = ["capture_lead", "update_lead", "calculator"]
ROOT = Path(__file__).resolve().parent.parent


# -- the server (child process) -------------------------------------------------------------


def serve(port: int, data_dir: str, log_level: str, model_url: str) -> None:
    """Child process: the real app plus a bare route and the model-time counter, on uvicorn;
    the offline model, or the OpenAI-compatible path to ``model_url`` (unless ``-``)."""
    import threading
    from typing import Any

    import uvicorn
    from litestar import get

    from openbrain.agent.offline import OfflineChatModel
    from openbrain.api.app import create_app
    from openbrain.api.guards import public
    from openbrain.api.services import services_of
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain import AgentSettings
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

    online = model_url != "-"
    dynamodb = os.environ.get("OB_BENCH_DYNAMODB")  # moto's server: the DynamoDB driver
    settings = Settings(store="dynamodb://bench" if dynamodb else f"sqlite:///{data_dir}/bench.db",
                        dynamodb_endpoint=dynamodb, stage="local",
                        openai_api_key="bench" if online else None,
                        openai_base_url=model_url if online else None, host=HOST, port=port)
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
    store = TenantStore(services_of(app.state).driver, "demo")
    store.configs.save("default", AgentSettings(
        system_message="You help the visitors of a shop.", ice_breaker="Hi! How can I help?",
        model="bench-model" if online else "offline", tools=TOOLS, memory_window=20))
    store.api_keys.create(ApiKey(
        client_id="demo", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    (Path(data_dir) / "key").write_text(token)
    uvicorn.run(app, host=HOST, port=port, access_log=False, log_config=None, proxy_headers=False,
                log_level="warning")


# -- reading the server's CPU and memory ----------------------------------------------------


def cpu_ticks_seconds(pid: int) -> float:
    """utime + stime of the process and its live descendants (exited threads included), in
    seconds: ``langgraph dev`` may run its server in a child process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / CLK_TCK
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError):
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
                total += cpu_ticks_seconds(int(child))
    return total


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
    """(VmRSS, VmHWM) in MiB, of the process and its live descendants."""
    found = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in found:
            found[name] = int(value.split()[0]) / 1024
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError):
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
                rss, hwm = rss_mb(int(child))
                found["VmRSS"] += rss
                found["VmHWM"] += hwm
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
        """Send ``raw``, read the whole response (``content-length`` or chunked)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"content-length:")
        if at >= 0:
            length = int(lower[at + 15:lower.index(b"\r\n", at)])
            return status, await self.reader.readexactly(length)
        if b"transfer-encoding: chunked" not in lower:
            raise RuntimeError(f"neither content-length nor chunked in {head!r}")
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return status, b"".join(parts)
            parts.append((await self.reader.readexactly(size + 2))[:-2])

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


def stream_chat(auth: dict[str, str], session_id: str) -> bytes:
    return build("POST", f"/v1/sessions/{session_id}/messages",
                 {**auth, "accept": "text/event-stream"}, {"message": MESSAGE})


# -- orchestration --------------------------------------------------------------------------


def pin(core: int) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(core)] if taskset else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def up(port: int, path: str = "/healthz") -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(build("GET", path))
            return sock.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def wait_up(proc: subprocess.Popen[bytes], port: int, path: str = "/healthz",
            limit: float = 120.0) -> float:
    """Seconds from now until ``path`` answers 200 (polled every 10 ms)."""
    started = time.perf_counter()
    while not up(port, path):
        if time.perf_counter() - started > limit or proc.poll() is not None:
            raise SystemExit(f"the server on port {port} did not start")
        time.sleep(0.01)
    return time.perf_counter() - started


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class OpenBrainServer(msgspec.Struct):
    proc: subprocess.Popen[bytes]
    port: int
    token: str
    data_dir: str

    def stop(self) -> None:
        stop(self.proc)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_openbrain(args: argparse.Namespace, env: dict[str, str], core: int,
                    model_url: str) -> OpenBrainServer:
    port, data_dir = free_port(), tempfile.mkdtemp(prefix="ob-bench-")
    proc = subprocess.Popen(
        [*pin(core), sys.executable, __file__, "--serve", str(port), data_dir, args.log_level,
         model_url], env=env, stderr=subprocess.DEVNULL)  # production logging, written nowhere
    key = Path(data_dir) / "key"
    wait_up(proc, port)
    while not key.exists():
        time.sleep(0.05)
    return OpenBrainServer(proc, port, key.read_text(), data_dir)


class Figures(msgspec.Struct):
    turn: Phase
    stream: Phase
    events: int  # token events in one streamed reply
    bare: Phase | None = None


async def openbrain_phases(args: argparse.Namespace, server: OpenBrainServer, *,
                           offline: bool) -> Figures:
    port, pid = server.port, server.proc.pid
    auth = {"authorization": f"Bearer {server.token}"}
    c, per = args.clients, max(1, args.turns // args.clients)
    sessions = [await start_session(port, auth) for _ in range(c)]
    bare_raw = build("GET", "/bare")
    # Warm-up: imports on first use, caches, the thread pool, SQLite pages, full windows.
    await closed_loop("warm-up", port, pid, [[bare_raw] * 200 for _ in range(c)])
    await closed_loop("warm-up", port, pid, [[chat(auth, s)] * 30 for s in sessions],
                      model=offline)
    await closed_loop("warm-up", port, pid, [[stream_chat(auth, s)] * 5 for s in sessions])
    bare = await closed_loop("bare Litestar JSON route", port, pid,
                             [[bare_raw] * args.bare for _ in range(c)])
    turn = await closed_loop("turn", port, pid, [[chat(auth, s)] * per for s in sessions],
                             model=offline)
    stream = await closed_loop("streamed turn", port, pid,
                               [[stream_chat(auth, s)] * (per // 2) for s in sessions],
                               model=offline)
    conn = await Connection.open(port)
    _, body = await conn.request(stream_chat(auth, sessions[0]))
    await conn.close()
    return Figures(turn, stream, body.count(b"event: token"), bare)


async def one_connection_turns(args: argparse.Namespace, server: OpenBrainServer) -> Phase:
    """Turns over one keep-alive connection, one session (moto's server loses concurrent
    transactions: the DynamoDB phase runs one turn at a time, and so does its SQLite pair)."""
    port, pid = server.port, server.proc.pid
    auth = {"authorization": f"Bearer {server.token}"}
    session = await start_session(port, auth)
    await closed_loop("warm-up", port, pid, [[chat(auth, session)] * 30])
    return await closed_loop("turn, one connection", port, pid,
                             [[chat(auth, session)] * args.store_turns])


async def offline_extras(args: argparse.Namespace, server: OpenBrainServer,
                         served: int) -> Phase:
    """Growth over one long session, RSS, the soak to ``--soak`` turns and the one-connection
    pair of the DynamoDB phase, on the offline server (``served``: turns so far)."""
    port, pid = server.port, server.proc.pid
    auth = {"authorization": f"Bearer {server.token}"}
    single = await one_connection_turns(args, server)
    served += 30 + args.store_turns
    rss0, _ = rss_mb(pid)
    config = await closed_loop("GET /v1/configs/default", port, pid,
                               [[build("GET", "/v1/configs/default", auth)] * (args.bare // 4)
                                for _ in range(args.clients)])
    cpu, _ = await growth(port, pid, auth, args.long)
    rss1, hwm = rss_mb(pid)
    late = args.long - 10
    early_cpu, late_cpu = around(cpu, 11), around(cpu, late)
    print(f"\n  GET /v1/configs/default: {config.cpu_ms:.3f} ms CPU, {config.per_s:,.0f}/s")
    print(f"  growth, one session of {args.long} turns (median CPU of 21 turns): "
          f"turn ~10 {early_cpu:.3f} ms, turn ~{late} {late_cpu:.3f} ms "
          f"({late_cpu / early_cpu:.2f}x)")
    print(f"  RSS {rss0:.0f} MiB after the phases above, {rss1:.0f} MiB after "
          f"{args.long} more turns (peak {hwm:.0f} MiB)")
    served += args.long
    left = max(0, args.soak - served)
    if left:
        sessions = [await start_session(port, auth) for _ in range(args.clients)]
        await closed_loop("soak", port, pid, [[chat(auth, s)] * (left // args.clients)
                                              for s in sessions])
        served += left // args.clients * args.clients
    rss2, hwm = rss_mb(pid)
    print(f"  RSS {rss2:.0f} MiB after {served:,} turns in all (peak {hwm:.0f} MiB)")
    return single


def start_moto(core: int, kind: str = "keepalive") -> tuple[subprocess.Popen[bytes], str]:
    """moto's DynamoDB on loopback, a process of its own on the load core (not counted),
    behind ``bench/moto_keepalive.py``: connections are kept as DynamoDB keeps them, so the
    phase measures the driver, not a TCP connect per call (``moto_server``, ``kind``
    ``werkzeug``, closes each)."""
    port = free_port()
    command = ([sys.executable, str(ROOT / "bench" / "moto_keepalive.py"), str(port), HOST]
               if kind == "keepalive" else
               [str(Path(sys.executable).parent / "moto_server"), "-H", HOST, "-p", str(port)])
    proc = subprocess.Popen([*pin(core), *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(proc, port, "/moto-api/")
    return proc, f"http://{HOST}:{port}"


# -- LangGraph's server ---------------------------------------------------------------------


def peer_dir() -> Path:
    """A copy of ``bench/peers`` to run ``langgraph dev`` in: it writes its in-memory state
    (hundreds of MiB of pickles) into its working directory, never into the repository."""
    target = Path(tempfile.mkdtemp(prefix="ob-bench-peers-"))
    for name in ("graph.py", "langgraph.json"):
        shutil.copy(ROOT / "bench" / "peers" / name, target / name)
    return target


def start_langgraph(venv: Path, core: int, model_url: str
                    ) -> tuple[subprocess.Popen[bytes], int, Path]:
    port, cwd = free_port(), peer_dir()
    env = {**os.environ, "OPENAI_BASE_URL": model_url, "OPENAI_API_KEY": "bench",
           "LANGSMITH_TRACING": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1",
           "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [*pin(core), str(venv / "bin" / "langgraph"), "dev", "--no-browser", "--no-reload",
         "--port", str(port), "--config", str(cwd / "langgraph.json"),
         "--server-log-level", "WARNING"],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    return proc, port, cwd


async def langgraph_phases(args: argparse.Namespace, proc: subprocess.Popen[bytes], port: int,
                           graph: str) -> Figures:
    async def thread() -> str:
        conn = await Connection.open(port)
        status, body = await conn.request(build("POST", "/threads", {}, {}))
        await conn.close()
        return str(msgspec.json.decode(ok(status, body, "thread"))["thread_id"])

    def run(thread_id: str, stream: bool) -> bytes:
        body: dict[str, object] = {
            "assistant_id": graph,
            "input": {"messages": [{"role": "user", "content": MESSAGE}]}}
        if stream:
            body["stream_mode"] = "messages-tuple"
        return build("POST", f"/threads/{thread_id}/runs/{'stream' if stream else 'wait'}",
                     {}, body)

    c, per = args.clients, max(1, args.peer_turns // args.clients)
    threads = [await thread() for _ in range(c)]
    await closed_loop("warm-up", port, proc.pid, [[run(t, False)] * 15 for t in threads])
    turn = await closed_loop("turn", port, proc.pid, [[run(t, False)] * per for t in threads])
    stream = await closed_loop("streamed", port, proc.pid,
                               [[run(t, True)] * (per // 2) for t in threads])
    conn = await Connection.open(port)
    _, body = await conn.request(run(threads[0], True))
    await conn.close()
    return Figures(turn, stream, body.count(b"event: messages"))


# -- cold start -----------------------------------------------------------------------------


class ColdStart(msgspec.Struct):
    """Medians over the fresh processes (the first one, warming the page cache, left out)."""

    seconds: float  # process start -> the first 200
    cpu: float  # the process tree's CPU seconds by then
    rss: float  # MiB at the first 200
    rss_settled: float  # MiB ``SETTLE`` seconds after the first 200 (turn path imported)


SETTLE = 3.0


def cold_starts(label: str, command: list[str], env: dict[str, str], port: int, runs: int,
                path: str = "/healthz", cwd: Path | None = None) -> ColdStart:
    """Process start to the first 200 on ``path``: wall seconds, the process tree's CPU
    seconds by then (wall time suffers from a busy machine) and RSS then; and RSS once the
    server has settled, ``SETTLE`` s after that (OpenBrain imports the turn path in the
    background after its first 200)."""
    times, rss, cpu, settled = [], [], [], []
    for _ in range(runs + 1):  # the first run warms the page cache and writes .pyc files
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_up(proc, port, path)
            times.append(time.perf_counter() - started)
            rss.append(rss_mb(proc.pid)[0])
            cpu.append(cpu_ticks_seconds(proc.pid))
            time.sleep(SETTLE)
            settled.append(rss_mb(proc.pid)[0])
        finally:
            stop(proc)
    found = ColdStart(statistics.median(times[1:]), statistics.median(cpu[1:]),
                      statistics.median(rss[1:]), statistics.median(settled[1:]))
    print(f"  {label:<40} {found.seconds:6.2f} s (min {min(times[1:]):.2f}), "
          f"CPU {found.cpu:5.2f} s, RSS {found.rss:4.0f} MiB, {found.rss_settled:4.0f} MiB "
          f"{SETTLE:.0f} s later")
    return found


def first_turns(label: str, command: list[str], env: dict[str, str], port: int, runs: int,
                token: str) -> float:
    """Median seconds from process start to the answer of its first chat turn (a session
    started, then one offline turn), sent as soon as ``/healthz`` answers."""
    auth = {"authorization": f"Bearer {token}"}
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_up(proc, port)
            asyncio.run(one_turn(port, auth))
            times.append(time.perf_counter() - started)
        finally:
            stop(proc)
    print(f"  {label:<40} {statistics.median(times[1:]):6.2f} s (min {min(times[1:]):.2f})")
    return statistics.median(times[1:])


async def one_turn(port: int, auth: dict[str, str]) -> None:
    session_id = await start_session(port, auth)
    conn = await Connection.open(port)
    try:
        status, body = await conn.request(chat(auth, session_id))
        ok(status, body, "first turn")
    finally:
        await conn.close()


def cold_key(env: dict[str, str]) -> str:
    """A secret key of tenant ``demo`` in the cold servers' store (the CLI, as a person)."""
    admin = str(Path(sys.executable).parent / "ob-admin")
    subprocess.run([admin, "tenants", "sync"], env=env, check=True, capture_output=True)
    done = subprocess.run([admin, "keys", "create", "--tenant", "demo"], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def cold_figures(args: argparse.Namespace, env: dict[str, str], core: int,
                 peers: Path | None) -> dict[str, ColdStart | float]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="ob-cold-")
    cold_env = {**env, "OB_STORE": f"sqlite:///{data_dir}/cold.db", "OB_PORT": str(port),
                "OB_LOG_LEVEL": args.log_level}
    ob_serve = [*pin(core), str(Path(sys.executable).parent / "ob"), "serve", "--port", str(port)]
    print(f"\ncold start, {args.cold} fresh processes each, pinned to one core "
          "(process start -> first 200):")
    found: dict[str, ColdStart | float] = {
        "factory": cold_starts(
            "uvicorn --factory app_from_environment", [
                *pin(core), sys.executable, "-m", "uvicorn", "--factory",
                "openbrain.api.app:app_from_environment", "--port", str(port),
                "--log-level", "warning", "--no-access-log"], cold_env, port, args.cold),
        "ob serve": cold_starts("ob serve", ob_serve, cold_env, port, args.cold),
    }
    print("first offline turn answered, from process start:")
    found["first turn"] = first_turns("ob serve", ob_serve, cold_env, port, args.cold,
                                      cold_key(cold_env))
    if peers is not None:
        cwd = peer_dir()
        found["langgraph"] = cold_starts(
            "langgraph dev (peer)", [
                *pin(core), str(peers / "bin" / "langgraph"), "dev", "--no-browser",
                "--no-reload", "--port", str(port), "--config", str(cwd / "langgraph.json")],
            {**os.environ, "OPENAI_API_KEY": "bench", "LANGSMITH_TRACING": "false",
             "PATH": f"{peers / 'bin'}:{os.environ['PATH']}"}, port, args.cold, "/ok", cwd)
        shutil.rmtree(cwd, ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    return found


# -- the report -----------------------------------------------------------------------------


def row(label: str, ours: float, bare: float | None, peer: float | None, unit: str = "ms"
        ) -> None:
    vs_bare = f"{ours / bare:8.1f}x" if bare else " " * 9
    vs_peer = f"{peer:10.2f} {unit}  {peer / ours:6.1f}x" if peer else ""
    print(f"  {label:<40}{ours:8.2f} {unit}{vs_bare}   {vs_peer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=3000, help="chat turns, throughput phase")
    parser.add_argument("--bare", type=int, default=2000, help="bare requests per connection")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections")
    parser.add_argument("--long", type=int, default=510, help="turns of the growth session")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per cold start")
    parser.add_argument("--cold-only", action="store_true",
                        help="only the cold start figures (no model server, no peers' phases)")
    parser.add_argument("--peer-turns", type=int, default=400, help="turns per LangGraph phase")
    parser.add_argument("--store-turns", type=int, default=400,
                        help="turns of the one-connection phases (SQLite, DynamoDB on moto)")
    parser.add_argument("--dynamodb-server", choices=("keepalive", "werkzeug"),
                        default="keepalive", help="moto behind bench/moto_keepalive.py, or "
                        "moto_server itself (a TCP connect per call)")
    parser.add_argument("--soak", type=int, default=10_000,
                        help="turns the offline server has served when RSS is read last")
    parser.add_argument("--peers", nargs="?", const=str(ROOT / ".bench-peers"), default=None,
                        metavar="VENV", help="also measure LangGraph's server from VENV "
                        "(bench/peers/setup.sh builds it)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--serve", nargs=4, metavar=("PORT", "DIR", "LEVEL", "MODEL_URL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.serve[2], args.serve[3])
        return
    if args.long < 30:
        parser.error("--long must be at least 30")
    peers = Path(args.peers) if args.peers else None
    if peers is not None and not (peers / "bin" / "langgraph").exists():
        parser.error(f"no langgraph in {peers}: run bench/peers/setup.sh first")

    tenants = Path(tempfile.mkdtemp(prefix="ob-bench-tenants-"))
    # The demo tenant, with limits high enough not to throttle the benchmark itself.
    (tenants / "demo.toml").write_text(
        'clientId = "demo"\nname = "Bench"\n[plan]\nrequestsPerMinute = 10000000\n'
        "keyRequestsPerMinute = 10000000\ntokensPerDay = 1000000000\n"
    )
    env = {**os.environ, "OB_TENANTS_DIR": str(tenants), "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    cores = sorted(os.sched_getaffinity(0))
    server_core, load_core = cores[0], cores[-1]
    if args.cold_only:
        os.sched_setaffinity(0, {load_core})
        try:
            print_cold(cold_figures(args, env, server_core, peers))
        finally:
            shutil.rmtree(tenants, ignore_errors=True)
        return
    model_port = free_port()
    model = subprocess.Popen([*pin(load_core), sys.executable,
                              str(ROOT / "bench" / "model_server.py"), str(model_port)])
    model_url = f"http://{HOST}:{model_port}/v1"
    os.sched_setaffinity(0, {load_core})
    print(f"OpenBrain API bench: {args.turns} turns per phase over {args.clients} sessions; "
          f"server on core {server_core}, load and model server on core {load_core}; "
          f"server log level {args.log_level}")
    try:
        server = start_openbrain(args, env, server_core, "-")
        try:
            offline = asyncio.run(openbrain_phases(args, server, offline=True))
            served = 4 * 30 + args.clients * (args.turns // args.clients) * 3 // 2 + 1
            sqlite_single = asyncio.run(offline_extras(args, server, served))
        finally:
            server.stop()
        moto, moto_url = start_moto(load_core, args.dynamodb_server)
        try:
            server = start_openbrain(args, {**env, "OB_BENCH_DYNAMODB": moto_url},
                                     server_core, "-")
            try:
                dynamo_single = asyncio.run(one_connection_turns(args, server))
            finally:
                server.stop()
        finally:
            stop(moto)
        server = start_openbrain(args, env, server_core, model_url)
        try:
            online = asyncio.run(openbrain_phases(args, server, offline=False))
        finally:
            server.stop()
        lg: dict[str, Figures] = {}
        if peers is not None:
            for graph in ("offline", "openai"):
                proc, port, cwd = start_langgraph(peers, server_core, model_url)
                try:
                    wait_up(proc, port, "/ok")
                    lg[graph] = asyncio.run(langgraph_phases(args, proc, port, graph))
                finally:
                    stop(proc)
                    shutil.rmtree(cwd, ignore_errors=True)
        cold = cold_figures(args, env, server_core, peers)
    finally:
        stop(model)
        shutil.rmtree(tenants, ignore_errors=True)

    assert offline.bare is not None
    bare = offline.bare.cpu_ms
    print(f"\nserver CPU per request (ms), {args.clients} keep-alive connections; "
          "x bare = ours / bare route; LangGraph column: its figure and LangGraph / ours")
    print(f"  {'figure':<40}{'OpenBrain':>11}{'x bare':>9}   {'LangGraph':>13} {'ratio':>7}")
    row("bare Litestar JSON route", bare, None, None)
    peer = lg.get("offline")
    row("turn, offline model", offline.turn.cpu_ms, bare, peer and peer.turn.cpu_ms)
    row("  of which the offline model itself", offline.turn.model_ms, None, None)
    row("turn, OpenAI-compatible (3 tools, 20 msgs)", online.turn.cpu_ms, bare,
        lg["openai"].turn.cpu_ms if "openai" in lg else None)
    row(f"streamed turn, offline ({offline.events} tokens)", offline.stream.cpu_ms, bare,
        peer and peer.stream.cpu_ms)
    row(f"streamed turn, OpenAI-compat. ({online.events} tokens)", online.stream.cpu_ms, bare,
        lg["openai"].stream.cpu_ms if "openai" in lg else None)
    row("turn, offline, one connection, SQLite", sqlite_single.cpu_ms, bare, None)
    row("turn, offline, one connection, DynamoDB", dynamo_single.cpu_ms, bare, None)
    print(f"  {'  DynamoDB / SQLite':<40}{dynamo_single.cpu_ms / sqlite_single.cpu_ms:8.2f}x")
    print(f"\n  turns/s on one core: offline {offline.turn.per_s:,.0f}, OpenAI-compatible "
          f"{online.turn.per_s:,.0f}, streamed {offline.stream.per_s:,.0f} / "
          f"{online.stream.per_s:,.0f}; bare route {offline.bare.per_s:,.0f}/s"
          + "".join(f"; LangGraph {g} {f.turn.per_s:,.0f}/s" for g, f in lg.items()))
    print(f"  p50 latency, OpenAI-compatible turn: {online.turn.p50_ms:.2f} ms "
          f"(p99 {online.turn.p99_ms:.2f})")
    print_cold(cold)


def print_cold(cold: dict[str, ColdStart | float]) -> None:
    serve, turn, lg_cold = cold["ob serve"], cold["first turn"], cold.get("langgraph")
    assert isinstance(serve, ColdStart)
    assert isinstance(turn, float)
    print(f"  cold start (ob serve) {serve.seconds:.2f} s to the first 200 ({serve.cpu:.2f} s "
          f"CPU), first offline turn at {turn:.2f} s; RSS {serve.rss:.0f} MiB at the first "
          f"200, {serve.rss_settled:.0f} MiB {SETTLE:.0f} s later"
          + (f"; LangGraph {lg_cold.seconds:.2f} s, RSS {lg_cold.rss:.0f} MiB"
             if isinstance(lg_cold, ColdStart) else ""))


if __name__ == "__main__":
    main()
