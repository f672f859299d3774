"""Partition heat: one tenant at 10,000 turns a second over 10,000 sessions, in virtual time.

The store calls a turn makes, in the order the API and the executor make them (the key read
through a process's key cache, the shared rate limits and token budget, the session read, the
window, the commit, the usage count), driven through the real repositories and limiters on
an in-memory SQLite store charged by DynamoDB's capacity rules. Twenty API processes share
the load; the clock is virtual (turn ``n`` happens at ``n / 10,000`` s). One second starts
10,000 sessions, the next takes 10,000 turns on them, one in four capturing a lead and
emitting an event in its transaction, which the publisher then marks published. No partition
key, of the table or the index, may take more than DynamoDB's per-partition 1,000 WCU or
3,000 RCU in either second.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from openbrain.api.key_cache import KeyCache
from openbrain.api.limits import SharedLimiter, TokenBudget, check_limits
from openbrain.auth.api_keys import mint_key
from openbrain.domain import ChatSession
from openbrain.domain.api_key import ApiKey
from openbrain.domain.tenant import Plan
from openbrain.store.capacity import CapacityMeter
from openbrain.store.metered import MeteredDriver
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import T0, event, lead, new_session, next_turn

RATE = 10_000  # turns (and, the first second, session starts) a second
SESSIONS = 10_000
PROCESSES = 20
WINDOW = 10
CAPTURING = 4  # one turn in this many captures a lead and emits an event (2,500 a second)
MAX_WCU, MAX_RCU = 1_000, 3_000
PLAN = Plan(name="scale", requests_per_minute=2_000_000, key_requests_per_minute=2_000_000,
            tokens_per_day=10**12)

class Process:
    """What one API process keeps between requests, on a virtual clock."""

    def __init__(self, driver: MeteredDriver, clock: Callable[[], float]) -> None:
        self.keys = KeyCache(driver, clock=clock)
        self.limiter = SharedLimiter(clock=clock)
        self.budget = TokenBudget(clock=clock)


def _second(meter: CapacityMeter) -> tuple[tuple[str, str, float], tuple[str, str, float]]:
    hottest = meter.hottest()
    meter.reset()
    return hottest


def test_one_tenant_at_10000_turns_a_second_heats_no_partition() -> None:
    meter = CapacityMeter()
    driver = MeteredDriver(SQLiteDriver.from_path(":memory:"), meter)
    driver.setup()
    store = TenantStore(driver, "acme")
    key_id, _, digest = mint_key("acme", "secret")
    store.api_keys.create(ApiKey(client_id="acme", key_id=key_id, kind="secret",
                                 scopes=["chat"], secret_hash=digest, created_at=T0))
    now = [T0.timestamp()]
    processes = [Process(driver, lambda: now[0]) for _ in range(PROCESSES)]
    meter.reset()

    def request(n: int) -> Process:
        """Request ``n`` of the second reaches its process: key, limits, budget."""
        now[0] += 1 / RATE
        process = processes[n % PROCESSES]
        assert process.keys.get("acme", key_id) is not None
        check_limits(process.limiter, store, PLAN, key_id, visitor=False)
        return process

    sessions: list[ChatSession] = []
    for n in range(SESSIONS):  # second 1: every session starts
        request(n)
        first = next_turn(new_session(), texts=1)
        store.sessions.commit_turn(first)
        sessions.append(first.session)
    started = _second(meter)

    for n in range(RATE):  # second 2: a turn on every session
        process = request(n)
        settle = process.budget.reserve(store, PLAN, 2_000)
        session = store.sessions.require(sessions[n].session_id)
        window = store.sessions.window(session.session_id, WINDOW,
                                       count=session.message_count)
        assert [m.seq for m in window] == [0]
        turn = next_turn(session)
        if n % CAPTURING == 0:
            lead_id = f"lead{n:05d}"
            turn = msgspec.structs.replace(
                turn, lead=lead("acme", lead_id, session.session_id),
                events=[event("acme", f"evt{n:05d}", object_id=lead_id)])
        store.sessions.commit_turn(turn)
        for published in turn.events:  # the publisher, once EventBridge took them
            store.outbox.mark_published(published)
        settle(500)
        store.usage.record("2025-01-01", "default", turns=1, input_tokens=400,
                           output_tokens=100, spread=session.session_id)
    turned = _second(meter)

    for label, ((_, read_key, read), (_, write_key, write)) in (("starts", started),
                                                                ("turns", turned)):
        assert write <= MAX_WCU, f"{label}: {write_key} takes {write} WCU/s"
        assert read <= MAX_RCU, f"{label}: {read_key} takes {read} RCU/s"
    # The simulation measured something: the hottest keys are the shared ones.
    assert turned[1][2] > 100  # a usage shard: 10,000 WRU over 32 shards
    assert [u.turns for u in store.usage.list()] == [RATE]
    assert store.outbox.pending() == []
    last = RATE - CAPTURING
    assert store.leads.require(f"lead{last:05d}").session_id == sessions[last].session_id
