"""Instructions of one plain offline turn over HTTP, counted by valgrind (deterministic, so
it can be measured on a machine other work is using).

One process: the app as ``bench/api.py`` serves it (API-key auth, SQLite, JSON logs at INFO
written to a file) on uvicorn in the main thread, and a raw keep-alive HTTP/1.1 client in a
second thread sending ``POST /v1/sessions/{id}/messages``. Run it under cachegrind with
``--turns 0`` and ``--turns N``: the difference over N is one turn's instructions, client
included (a socket send and a read of a pre-built request: a few thousand instructions).

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        .venv/bin/python bench/turn_instructions.py --turns 0
    valgrind ... --turns 200      # (total_200 - total_0) / 200 per turn

Set ``PYTHONHASHSEED=0`` for both runs: with random hashing the runs without turns alone
differ by up to 9 M instructions (45k a turn over 200 turns); with it, two pairs of the same
tree agree within 1k a turn over 400 turns.

``--profile FILE`` runs the measured turns under cProfile instead (both threads) and writes
its stats to FILE, to attribute the instructions to layers.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

import msgspec

HOST = "127.0.0.1"
MESSAGE = "What are your opening hours?"
TOOLS = ["capture_lead", "update_lead", "calculator"]


def build(method: str, path: str, headers: dict[str, str], body: object) -> bytes:
    payload = msgspec.json.encode(body)
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}", *(f"{k}: {v}" for k, v in
             headers.items()), "content-type: application/json",
             f"content-length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def request(sock: socket.socket, raw: bytes) -> bytes:
    sock.sendall(raw)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lower = head.lower()
    at = lower.index(b"content-length:")
    length = int(lower[at + 15:lower.index(b"\r\n", at) if b"\r\n" in lower[at:] else None])
    while len(body) < length:
        body += sock.recv(65536)
    if head[9:12] != b"200" and head[9:12] != b"201":
        raise SystemExit(f"HTTP {head[9:12]!r}: {body[:300]!r}")
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=200, help="measured turns")
    parser.add_argument("--warm", type=int, default=30, help="turns before the measured ones")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the measured turns")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()

    import uvicorn

    from openbrain.api.app import create_app
    from openbrain.api.services import services_of
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain import AgentSettings
    from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
    from openbrain.domain.base import utcnow
    from openbrain.logs import LogSetup
    from openbrain.runtime import EMBEDDED, Runtime
    from openbrain.settings import Settings
    from openbrain.store import TenantStore

    work = Path(tempfile.mkdtemp(prefix="ob-turn-instr-"))
    tenants = work / "tenants"
    tenants.mkdir()
    (tenants / "demo.toml").write_text(
        'clientId = "demo"\nname = "Bench"\n[plan]\nrequestsPerMinute = 10000000\n'
        "keyRequestsPerMinute = 10000000\ntokensPerDay = 1000000000\n")
    os.environ["OB_TENANTS_DIR"] = str(tenants)
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    log = (work / "server.log").open("w")
    settings = Settings(store=f"sqlite:///{work}/bench.db", stage="local", openai_api_key=None,
                        openai_base_url=None, host=HOST, port=port, tenants_dir=tenants)
    app = create_app(Runtime(settings, profile=EMBEDDED, logs=LogSetup(level=args.log_level,
                                                                        stream=log)))
    key_id, token, digest = mint_key("demo", "secret")
    store = TenantStore(services_of(app.state).driver, "demo")
    store.configs.save("default", AgentSettings(
        system_message="You help the visitors of a shop.", ice_breaker="Hi! How can I help?",
        model="offline", tools=TOOLS, memory_window=20))
    store.api_keys.create(ApiKey(
        client_id="demo", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    auth = {"authorization": f"Bearer {token}"}
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_config=None,
                                           proxy_headers=False, log_level="warning"))
    profilers: dict[int, cProfile.Profile] = {}
    measuring = threading.Event()
    if args.profile:
        # cProfile sees one thread: one profiler per thread, started in the loop's thread and
        # in each worker thread on its first measured turn, merged at the end.
        from openbrain.api.controllers import sessions

        answer = sessions._answer

        def profiled_answer(*a: object) -> object:
            if measuring.is_set() and threading.get_ident() not in profilers:
                profilers[threading.get_ident()] = profiler = cProfile.Profile()
                profiler.enable()
            return answer(*a)  # type: ignore[arg-type]

        sessions._answer = profiled_answer  # type: ignore[assignment]

    def profile_loop() -> None:
        profilers[threading.get_ident()] = profiler = cProfile.Profile()
        profiler.enable()

    def client() -> None:
        while not server.started:
            threading.Event().wait(0.01)
        conn = socket.create_connection((HOST, port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session_id = msgspec.json.decode(request(conn, build("POST", "/v1/sessions", auth,
                                                             {})))["sessionId"]
        raw = build("POST", f"/v1/sessions/{session_id}/messages", auth, {"message": MESSAGE})
        for _ in range(args.warm):
            request(conn, raw)
        if args.profile:
            measuring.set()
            assert server.servers
            loop.call_soon_threadsafe(profile_loop)
        for _ in range(args.turns):
            request(conn, raw)
        measuring.clear()
        conn.close()
        server.should_exit = True

    import asyncio

    loop = asyncio.new_event_loop()
    threading.Thread(target=client, daemon=True).start()
    loop.run_until_complete(server.serve(sockets=[sock]))
    log.close()
    if profilers:
        import pstats

        stats = [p.create_stats() or p for p in profilers.values()]
        merged = pstats.Stats(stats[0])
        for more in stats[1:]:
            merged.add(more)
        merged.dump_stats(args.profile)
    print(f"{args.turns} turns; log {(work / 'server.log').stat().st_size} bytes",
          file=sys.stderr)


if __name__ == "__main__":
    main()
