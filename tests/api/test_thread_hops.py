"""One thread hop per chat turn: authentication with a key this process read moments ago and
rate limits spent from slices it already leased run on the event loop (a hash, a compare, a
counter), the store reads and writes in a worker thread, with the same answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from openbrain.api.limits import Hit, SharedLimiter, check_limits, check_limits_leased
from openbrain.auth.api_keys import parse_key
from openbrain.domain.errors import RateLimitedError
from openbrain.domain.tenant import Plan
from openbrain.store import Counters, TenantStore
from openbrain.store.sqlite import SQLiteDriver
from tests.api.conftest import World


class Hops:
    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    """Counts both ways a request reaches a worker thread: the loop's executor (Litestar's
    ``sync_to_thread``, sync handlers) and anyio's worker threads."""
    seen = Hops()
    run_in_executor = asyncio.BaseEventLoop.run_in_executor
    run_sync = anyio.to_thread.run_sync

    def counting_executor(self: asyncio.BaseEventLoop, *args: Any) -> Any:
        seen.count += 1
        return run_in_executor(self, *args)

    async def counting_run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.count += 1
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "run_in_executor", counting_executor)
    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    return seen


def test_a_turn_takes_one_thread_hop_once_key_and_limits_are_warm(world: World,
                                                                   hops: Hops) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    r = world.client.post("/v1/chat", headers=headers, json={"message": "hello"})
    assert r.status_code == 200, r.text
    session = r.json()["sessionId"]
    counts = []
    for _ in range(3):  # the key is cached for a second: one of these runs within it
        hops.count = 0
        r = world.client.post("/v1/chat", headers=headers,
                              json={"sessionId": session, "message": "and again"})
        assert r.status_code == 200, r.text
        counts.append(hops.count)
    assert min(counts) == 1


def test_a_cached_key_is_checked_on_the_loop_and_revocation_lands_at_once(world: World) -> None:
    token = world.key("alpha")
    headers = {"Authorization": f"Bearer {token}"}
    admin = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    assert world.client.get("/v1/me", headers=headers).status_code == 200
    # The same key id with another secret, while the key is cached: still a 401.
    wrong = {"Authorization": f"Bearer {token[:-4]}{'AAAA' if token[-4:] != 'AAAA' else 'BBBB'}"}
    assert world.client.get("/v1/me", headers=wrong).status_code == 401
    key = parse_key(token)
    assert key is not None
    assert world.services.authenticator.keys.cached("alpha", key.key_id) is not None
    r = world.client.delete(f"/v1/keys/{key.key_id}", headers=admin)
    assert r.status_code == 200, r.text
    assert world.client.get("/v1/me", headers=headers).status_code == 401


class Recorded(Counters):
    def __init__(self, inner: Counters) -> None:
        super().__init__(inner._driver, inner.prefix)
        self.calls = 0

    def take(self, bucket: str, window: str, amount: int, *, at_most: int,
             expires_at: int) -> int | None:
        self.calls += 1
        return super().take(bucket, window, amount, at_most=at_most, expires_at=expires_at)


def test_leased_limits_count_like_hit_and_never_call_the_store(tmp_path: Path) -> None:
    store = TenantStore(SQLiteDriver.from_path(str(tmp_path / "ob.db")), "acme")
    counters = Recorded(store.counters)
    now = [600.0]
    limiter = SharedLimiter(clock=lambda: now[0])
    own, tenant = Hit("k:key:1", 100, "key"), Hit("t", 3, "tenant")  # slices of 2 and 1
    assert not limiter.hit_leased(counters, [own, tenant])  # nothing leased yet
    assert counters.calls == 0
    limiter.hit(counters, own.bucket, own.per_minute, own.what)
    limiter.hit(counters, tenant.bucket, tenant.per_minute, tenant.what)
    assert counters.calls == 2
    assert not limiter.hit_leased(counters, [own, tenant])  # the tenant's slice is spent
    limiter.hit(counters, tenant.bucket, tenant.per_minute, tenant.what)  # a new one
    limiter.hit(counters, tenant.bucket, tenant.per_minute, tenant.what)  # the last one
    with pytest.raises(RateLimitedError):
        limiter.hit(counters, tenant.bucket, tenant.per_minute, tenant.what)  # used up
    calls = counters.calls
    # The key's slice has one request left; the tenant's window is known to be used up:
    # refused with hit's message, on the loop, and the key's bucket counted as hit counts it.
    with pytest.raises(RateLimitedError, match=r"3 requests per minute .* tenant") as refused:
        limiter.hit_leased(counters, [own, tenant])
    assert refused.value.retry_after == 60
    assert counters.calls == calls
    assert not limiter.hit_leased(counters, [own, tenant])  # the key's slice is spent now


def test_limits_of_a_plan_take_the_loop_path_only_with_the_shared_limiter(
        tmp_path: Path) -> None:
    store = TenantStore(SQLiteDriver.from_path(str(tmp_path / "ob.db")), "acme")
    plan = Plan(requests_per_minute=1000, key_requests_per_minute=1000)
    limiter = SharedLimiter()
    assert not check_limits_leased(limiter, store, plan, "key:1", visitor=False)
    check_limits(limiter, store, plan, "key:1", visitor=False)  # leases both slices
    assert check_limits_leased(limiter, store, plan, "key:1", visitor=False)

    class Counting:
        def hit(self, counters: Counters, bucket: str, per_minute: int, what: str) -> None:
            raise AssertionError("not reached")

    assert not check_limits_leased(Counting(), store, plan, "key:1", visitor=False)
