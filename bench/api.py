"""HTTP API benchmark: one uvicorn server process on 127.0.0.1, embedded store, offline model.

Measures requests/s and p50/p99 latency for
  * a chat turn (``POST /v1/chat`` continuing one session per client, offline model),
  * ``GET /v1/configs/default``,
each next to a bare Litestar JSON route served by the same process in the same run (the
ratio is the API's own cost), plus server CPU per request from ``/proc/<pid>/stat``.
Prints figures; never asserts on speed.

    .venv/bin/python bench/api.py [--requests 400] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


def serve(port: int, data_dir: str) -> None:
    """Child process: the real app plus a bare route, on uvicorn."""
    import uvicorn
    from litestar import get

    from openbrain.api.app import create_app
    from openbrain.api.guards import public
    from openbrain.api.logs import configure_logging
    from openbrain.api.services import services_of
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
    from openbrain.domain.base import utcnow
    from openbrain.settings import Settings
    from openbrain.store import TenantStore

    configure_logging("WARNING")
    settings = Settings(store=f"sqlite:///{data_dir}/bench.db", openai_api_key=None,
                        openai_base_url=None, host="127.0.0.1", port=port)
    app = create_app(settings, embedded=True)

    @get("/bare", guards=[public], sync_to_thread=False, include_in_schema=False)
    def bare() -> dict[str, str]:
        return {"status": "ok"}

    app.register(bare)
    key_id, token, digest = mint_key("demo", "secret")
    TenantStore(services_of(app.state).driver, "demo").api_keys.create(ApiKey(
        client_id="demo", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    (Path(data_dir) / "key").write_text(token)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_config=None,
                log_level="warning")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def run(label: str, n: int, clients: int, make: Callable[[httpx.Client, int], httpx.Response],
        url: str, pid: int) -> tuple[float, float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = n // clients

    def worker(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            make(http, -1 - index)  # warm-up (and per-client setup)
            mine = []
            for _i in range(per_client):
                started = time.perf_counter()
                response = make(http, index)
                mine.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    raise RuntimeError(f"{label}: HTTP {response.status_code} {response.text}")
            with lock:
                latencies.extend(mine)

    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            worker(index)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(clients)]
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    if errors:
        raise SystemExit(f"{label}: {errors[0]}")
    latencies.sort()
    rps = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    cpu_ms = cpu / max(1, len(latencies)) * 1000
    print(f"  {label:<28} {rps:9.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
          f"server CPU {cpu_ms:6.2f} ms/req")
    return rps, p50, p99, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
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
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), data_dir], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not (Path(data_dir) / "key").exists() or not _up(url):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        token = (Path(data_dir) / "key").read_text()
        auth = {"Authorization": f"Bearer {token}"}
        sessions: dict[int, str] = {}

        def chat(http: httpx.Client, index: int) -> httpx.Response:
            if index < 0:  # warm-up: start this client's session
                r = http.post("/v1/sessions", headers=auth, json={})
                sessions[-1 - index] = r.json()["sessionId"]
                return r
            return http.post("/v1/chat", headers=auth, json={
                "sessionId": sessions[index], "message": "What are your opening hours?"})

        def config(http: httpx.Client, _: int) -> httpx.Response:
            return http.get("/v1/configs/default", headers=auth)

        def bare(http: httpx.Client, _: int) -> httpx.Response:
            return http.get("/bare")

        print(f"OpenBrain API bench: {args.requests} requests per case, {args.clients} clients, "
              f"one uvicorn process on {url}")
        bare1 = run("bare JSON route", args.requests, args.clients, bare, url, server.pid)
        turn = run("chat turn (offline model)", args.requests, args.clients, chat, url,
                   server.pid)
        bare2 = run("bare JSON route", args.requests, args.clients, bare, url, server.pid)
        get_config = run("GET /v1/configs/default", args.requests, args.clients, config, url,
                         server.pid)
        print(f"  ratio chat turn / bare:  {bare1[0] / turn[0]:5.1f}x slower (req/s), "
              f"p50 {turn[1] / bare1[1]:5.1f}x")
        print(f"  ratio GET config / bare: {bare2[0] / get_config[0]:5.1f}x slower (req/s), "
              f"p50 {get_config[1] / bare2[1]:5.1f}x")
    finally:
        server.terminate()
        server.wait(10)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
