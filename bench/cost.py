"""Cost and ceiling model from the real code path: units and dollars per million chat turns.

The real app (``create_app(Runtime(...))``, every middleware and guard) on the DynamoDB
driver against moto's server on 127.0.0.1, with the offline model: one tenant with a plan
sized for scale, ``--sessions`` sessions, ``--turns`` turns, through HTTP requests with an
API key (litestar's in-process client). Every store call is charged by DynamoDB's size
rules (:class:`MeteredDriver`); what moto reports (``ReturnConsumedCapacity``: constants)
is printed beside them. Session starts are counted apart: a turn here continues a session.

Prints (never asserts): per operation, calls and units per turn; the turn's WRU and RRU
(table and index); dollars per million turns on demand; the hottest partition key per turn;
compute cost per million turns per compute option at ``--latency`` seconds of LLM wait and
``--memory`` MB; and the platform's monthly bill and one tenant's ceiling at 1 M, 100 M and
1 B turns a month. Prices and assumptions: docs/scale.md.

    .venv/bin/python bench/cost.py [--sessions 20] [--turns 60] [--latency 3] [--memory 1024]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import boto3
import structlog
from litestar.testing import TestClient
from moto.server import ThreadedMotoServer

from openbrain.api.app import create_app
from openbrain.auth.api_keys import mint_key
from openbrain.domain import AgentSettings
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
from openbrain.domain.tenant import Plan, Tenant
from openbrain.runtime import SERVICE, Parts, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantRepository, TenantStore
from openbrain.store.capacity import CapacityMeter, Totals
from openbrain.store.dynamodb import DynamoDBDriver, client_config
from openbrain.store.metered import MeteredDriver

CLIENT = "bench"
MESSAGE = "Hello, could you tell me what your opening hours are on Saturdays, please?"
MONTHS = {"1 M": 1e6, "100 M": 1e8, "1 B": 1e9}
SECONDS_PER_MONTH = 30 * 86_400

# us-east-1 list prices (docs/scale.md).
WRU_PRICE = 0.625 / 1e6  # on-demand, per write request unit
RRU_PRICE = 0.125 / 1e6  # on-demand, per read request unit
LAMBDA_GB_S = 0.0000133334  # arm64, per GB-second
LAMBDA_REQUEST = 0.20 / 1e6
FARGATE_VCPU_HOUR = 0.03238  # Linux/ARM (Graviton)
FARGATE_GB_HOUR = 0.00356
ALB_HOUR = 0.0225
ALB_LCU_HOUR = 0.008
PARTITION_WCU, PARTITION_RCU = 1_000, 3_000

# Long-lived compute: one 1 vCPU / 2 GB Graviton task serves this many turns a second at
# ~30 % CPU (2 ms of platform CPU per turn, bench/api.py); at least two tasks for availability.
TASK_TURNS_PER_S = 150
MIN_TASKS = 2
# Requests per turn on the ALB: one LCU holds 25 new connections/s, 3,000 active, 1 GB/h;
# chat turns are small, so new connections bound it (one per turn, no keep-alive assumed).
LCU_TURNS_PER_S = 25


def _setup(endpoint: str, meter: CapacityMeter) -> MeteredDriver:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint,
                          aws_access_key_id="bench", aws_secret_access_key="bench",
                          config=client_config())
    driver = MeteredDriver(DynamoDBDriver(client, "cost-bench", meter=meter), meter)
    driver.setup()
    plan = Plan(name="scale", requests_per_minute=1_000_000, key_requests_per_minute=1_000_000,
                widget_requests_per_minute=1_000, tokens_per_day=10**12)
    TenantRepository(driver).save(Tenant(client_id=CLIENT, name="Bench", plan=plan))
    TenantStore(driver, CLIENT).configs.save("default", AgentSettings(
        system_message="You are the front desk of a small hotel. Answer briefly.",
        memory_window=10))
    return driver


def _key(driver: MeteredDriver) -> str:
    key_id, token, digest = mint_key(CLIENT, "secret")
    TenantStore(driver, CLIENT).api_keys.create(ApiKey(
        client_id=CLIENT, key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=datetime.now(UTC)))
    return token


def _per_turn(meter: CapacityMeter, turns: int) -> Totals:
    total = meter.total()
    print(f"\nper turn ({turns} turns continuing sessions), by operation:")
    print(f"  {'operation':<22}{'calls':>7}{'RRU':>8}{'WRU':>8}{'idx RRU':>9}{'idx WRU':>9}")
    for op, t in sorted(meter.by_operation.items()):
        print(f"  {op:<22}{t.calls / turns:>7.2f}{t.read / turns:>8.2f}{t.write / turns:>8.2f}"
              f"{t.index_read / turns:>9.2f}{t.index_write / turns:>9.2f}")
    rru = (total.read + total.index_read) / turns
    wru = (total.write + total.index_write) / turns
    print(f"  {'total':<22}{total.calls / turns:>7.2f}{total.read / turns:>8.2f}"
          f"{total.write / turns:>8.2f}{total.index_read / turns:>9.2f}"
          f"{total.index_write / turns:>9.2f}")
    reported = ", ".join(f"{op} {units / turns:.2f}" for op, units in
                         sorted(meter.reported.items()))
    print(f"  the endpoint reported (ReturnConsumedCapacity; moto: constants): {reported}")
    print(f"\nturn: {wru:.2f} WRU and {rru:.2f} RRU (table + index); "
          f"on demand ${(wru * WRU_PRICE + rru * RRU_PRICE) * 1e6:.2f} per million turns")
    return Totals(calls=total.calls, read=rru, write=wru)


def _hottest(meter: CapacityMeter, turns: int) -> float:
    """Turns a second one tenant can run before its hottest shared partition key is at the
    cap (a session's own partition takes that session's turns only, so it is left out)."""
    shared = {k: v for k, v in meter.by_key.items() if "#S#" not in k[1]}
    (rkind, rkey), rru = max(((k, v[0]) for k, v in shared.items()), key=lambda r: r[1])
    (wkind, wkey), wru = max(((k, v[1]) for k, v in shared.items()), key=lambda r: r[1])
    print(f"hottest shared partition per turn: writes {wru / turns:.3f} WRU on {wkind} "
          f"{wkey!r}; reads {rru / turns:.3f} RRU on {rkind} {rkey!r}")
    caps = [PARTITION_WCU / (wru / turns) if wru else float("inf"),
            PARTITION_RCU / (rru / turns) if rru else float("inf")]
    return min(caps)


def _compute(turn: Totals, latency: float, memory: int) -> None:
    table = (turn.write * WRU_PRICE + turn.read * RRU_PRICE) * 1e6
    lambda_cost = (latency + 0.05) * memory / 1024 * LAMBDA_GB_S * 1e6 + LAMBDA_REQUEST * 1e6
    print(f"\ncompute per million turns at {latency:g} s of LLM wait, {memory} MB:")
    print(f"  Lambda (one request per environment, billed for the wait): ${lambda_cost:,.2f}")
    task_hour = FARGATE_VCPU_HOUR + 2 * FARGATE_GB_HOUR
    busy = task_hour / TASK_TURNS_PER_S + ALB_LCU_HOUR / LCU_TURNS_PER_S
    print(f"  Fargate Graviton 1 vCPU/2 GB + ALB, busy ({TASK_TURNS_PER_S} turns/s a task): "
          f"${busy / 3600 * 1e6:,.2f}")
    print(f"\nplatform per month (DynamoDB ${table:.2f}/M turns + compute; the LLM excluded):")
    print(f"  {'turns/month':<12}{'turns/s':>9}{'Lambda':>12}{'Fargate':>12}{'Fargate/M':>11}")
    for label, turns in MONTHS.items():
        per_s = turns / SECONDS_PER_MONTH
        tasks = max(MIN_TASKS, -(-per_s // TASK_TURNS_PER_S))
        lcus = max(1.0, per_s / LCU_TURNS_PER_S)
        fargate = (tasks * task_hour + ALB_HOUR + lcus * ALB_LCU_HOUR) * 720
        fargate += table * turns / 1e6
        lam = (lambda_cost + table) * turns / 1e6
        print(f"  {label:<12}{per_s:>9.1f}{lam:>12,.0f}{fargate:>12,.0f}"
              f"{fargate / (turns / 1e6):>11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--latency", type=float, default=3.0)
    parser.add_argument("--memory", type=int, default=1024)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    meter = CapacityMeter()
    try:
        driver = _setup(f"http://{host}:{port}", meter)
        token = _key(driver)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(store="dynamodb://cost-bench", openai_api_key=None,
                                openai_base_url=None, tenants_dir=Path(tmp))
            app = create_app(Runtime(settings, profile=SERVICE, parts=Parts(driver=driver)))
            with TestClient(app) as http:
                headers = {"Authorization": f"Bearer {token}"}
                meter.reset()
                sessions = []
                for _ in range(args.sessions):
                    answer = http.post("/v1/chat", headers=headers, json={"reset": True})
                    answer.raise_for_status()
                    sessions.append(answer.json()["sessionId"])
                start = meter.total()
                print(f"session start (ice breaker, listing entry): "
                      f"{(start.write + start.index_write) / args.sessions:.2f} WRU, "
                      f"{(start.read + start.index_read) / args.sessions:.2f} RRU")
                # One turn each first: the process takes its slices of the rate limits and
                # the token budget (a few writes a minute per process, whatever the traffic).
                for session_id in sessions:
                    http.post("/v1/chat", headers=headers, json={
                        "sessionId": session_id, "message": MESSAGE}).raise_for_status()
                meter.reset()
                for n in range(args.turns):
                    answer = http.post("/v1/chat", headers=headers, json={
                        "sessionId": sessions[n % len(sessions)], "message": MESSAGE})
                    answer.raise_for_status()
        turn = _per_turn(meter, args.turns)
        ceiling = _hottest(meter, args.turns)
        print(f"one tenant's ceiling from this run: ~{ceiling:,.0f} turns/s (its hottest "
              f"shared key at {PARTITION_WCU:,} WCU/s or {PARTITION_RCU:,} RCU/s; with "
              f"{args.sessions} sessions the 32 usage shards are uneven, and the key and "
              "tenant reads are per process and second: tests/store/test_store_heat.py "
              "drives 10,000 sessions)")
        _compute(turn, args.latency, args.memory)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
