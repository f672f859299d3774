"""Rate limits (per tenant, per key or user, per widget visitor or address) and the daily token
budget, shared by every process through the store's atomic counters.

**Rate limits** count fixed one-minute windows; each window of each bucket is its own item,
changed only by a capped atomic addition, so N instances admit at most the plan's number of
requests in a window between them. An instance leases a slice of a window (1/50 of the limit,
at least one request) with one conditional update and spends it locally: a bucket's item is
written at most about 50 times a window however busy it is (a tenant-wide item is never
written per request). A slice an instance leased and did not spend is lost to that window, so
across instances up to one slice each may go unused. The narrowest bucket is charged first:
a request it refuses spends nothing of its tenant's window.

**The token budget** (per UTC day) is leased the same way: an instance takes a slice (1/50 of
the budget, at least the turn's need) that fits under the budget, and each turn reserves its
worst case from the slice, settling the real count into it after. Near the end (no slice
fits) the instance hands its slice back and each turn reserves straight from the shared
count, admitted only while the count is under the budget, and returns what it did not use:
concurrent turns overshoot the budget by at most one turn's reservation.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

import structlog

from openbrain.agent.budget import Settle
from openbrain.domain.errors import RateLimitedError
from openbrain.domain.tenant import Plan
from openbrain.store import Counters, TenantStore

log = structlog.get_logger("openbrain.api.limits")

WINDOW_SECONDS = 60
LEASES_PER_WINDOW = 50
"""A slice is this fraction of a limit or budget: writes per window vs. what can go unused."""
SPENT_HOLD_SECONDS = 5.0
"""How long a process refuses on its own once it saw the budget spent (no store call)."""
_DAY = 86_400
_TOKENS = "tokens"
_MAX_ENTRIES = 100_000
Clock = Callable[[], float]


class Limiter(Protocol):
    def hit(self, counters: Counters, bucket: str, per_minute: int, what: str) -> None:
        """Count one request against ``bucket`` of ``counters`` (``per_minute`` capacity).

        Raises:
            RateLimitedError: the bucket is used up (``what`` names it in the message).
        """
        ...


class SharedLimiter:
    """Fixed-window rate limits shared through the store (thread-safe; one per process)."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._leased: dict[tuple[str, str, int], int] = {}  # requests left in a local slice
        self._full: set[tuple[str, str, int]] = set()  # windows known to be used up

    def hit(self, counters: Counters, bucket: str, per_minute: int, what: str) -> None:
        """Count one request against ``bucket`` of ``counters`` (``per_minute`` a window).

        Raises:
            RateLimitedError: the window is used up; ``retry_after`` is when the next begins.
        """
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        key = (counters.prefix, bucket, window)
        with self._lock:
            left = self._leased.get(key, 0)
            if left > 0:
                self._leased[key] = left - 1
                return
            full = key in self._full
        leased = 0 if full else self._lease(counters, bucket, window, per_minute)
        with self._lock:
            if len(self._leased) + len(self._full) >= _MAX_ENTRIES:
                self._forget_before(window)
            if leased:
                self._leased[key] = self._leased.get(key, 0) + leased - 1
                return
            self._full.add(key)
        raise _refusal(per_minute, what, window, now)

    def hit_leased(self, counters: Counters, hits: Sequence[Hit]) -> bool:
        """What :meth:`hit` of each of ``hits`` in turn does, when none of them needs the
        store: every bucket spends from its leased slice, or the first one known to be used
        up refuses (those before it counted, as in :meth:`hit`). ``False``: a bucket needs a
        store call (a new slice); nothing was counted, call :meth:`hit` for each instead.

        Raises:
            RateLimitedError: a window known to be used up.
        """
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        with self._lock:
            keys = [(counters.prefix, hit.bucket, window) for hit in hits]
            for at, key in enumerate(keys):
                if self._leased.get(key, 0) > 0:
                    continue
                if key not in self._full:
                    return False
                for earlier in keys[:at]:
                    self._leased[earlier] -= 1
                raise _refusal(hits[at].per_minute, hits[at].what, window, now)
            for key in keys:
                self._leased[key] -= 1
        return True

    @staticmethod
    def _lease(counters: Counters, bucket: str, window: int, per_minute: int) -> int:
        """Take a slice of the window that fits under the limit (halving it near the end)."""
        size = max(1, per_minute // LEASES_PER_WINDOW)
        expires = (window + 2) * WINDOW_SECONDS
        while True:
            if counters.take(bucket, str(window), size, at_most=per_minute - size,
                             expires_at=expires) is not None:
                return size
            if size == 1:
                return 0
            size //= 2

    def _forget_before(self, window: int) -> None:
        self._leased = {k: v for k, v in self._leased.items() if k[2] >= window}
        self._full = {k for k in self._full if k[2] >= window}


def _refusal(per_minute: int, what: str, window: int, now: float) -> RateLimitedError:
    return RateLimitedError(
        f"rate limit of {per_minute} requests per minute reached for this {what}",
        retry_after=max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)),
    )


class Hit(NamedTuple):
    bucket: str
    per_minute: int
    what: str


def plan_hits(plan: Plan, subject: str, *, visitor: bool) -> tuple[Hit, Hit]:
    """The buckets one request from ``subject`` (a key, user, visitor or address) counts
    against: its own first, so a caller over its limit never spends the tenant's."""
    own = (Hit(f"v:{subject}", plan.widget_requests_per_minute, "widget visitor") if visitor
           else Hit(f"k:{subject}", plan.key_requests_per_minute, "key"))
    return own, Hit("t", plan.requests_per_minute, "tenant")


def check_limits(limiter: Limiter, store: TenantStore, plan: Plan, subject: str, *,
                 visitor: bool) -> None:
    """Apply the tenant's plan to one request from ``subject`` (:func:`plan_hits`)."""
    for hit in plan_hits(plan, subject, visitor=visitor):
        limiter.hit(store.counters, hit.bucket, hit.per_minute, hit.what)


def check_limits_leased(limiter: Limiter, store: TenantStore, plan: Plan, subject: str, *,
                        visitor: bool) -> bool:
    """:func:`check_limits` when it needs no store call (see
    :meth:`SharedLimiter.hit_leased`); ``False``: nothing counted, call :func:`check_limits`
    (in a thread)."""
    if not isinstance(limiter, SharedLimiter):
        return False
    return limiter.hit_leased(store.counters, plan_hits(plan, subject, visitor=visitor))


class _Pool:
    """One tenant-day as seen by this process: tokens leased and not yet reserved."""

    def __init__(self) -> None:
        self.tokens = 0
        self.tight = False  # no slice fits any more: turns reserve from the shared count
        self.spent_until = 0.0  # the shared count was at the budget: refuse locally until


class TokenBudget:
    """The tenant's daily token budget, shared through the store (thread-safe)."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int], _Pool] = {}

    def check(self, store: TenantStore, plan: Plan) -> None:
        """Refuse early (no store call) when this process saw the budget spent moments ago
        (turns still running elsewhere may hand back what they did not use).

        Raises:
            RateLimitedError: the budget is used up.
        """
        now = self._clock()
        with self._lock:
            pool = self._pools.get((store.client_id, int(now // _DAY)))
            spent = pool is not None and now < pool.spent_until
        if spent:
            self._refuse(plan)

    def for_tenant(self, store: TenantStore, plan: Plan) -> _TenantBudget:
        """The budget as a turn sees it (:class:`~openbrain.agent.budget.TurnBudget`)."""
        return _TenantBudget(self, store, plan)

    def reserve(self, store: TenantStore, plan: Plan, estimate: int) -> Settle:
        """Hold ``estimate`` tokens of today's budget for one turn.

        Raises:
            RateLimitedError: the budget is used up.
        """
        estimate = max(1, estimate)
        day = int(self._clock() // _DAY)
        pool = self._pool(store.client_id, day)
        with self._lock:
            if not pool.tight and pool.tokens >= estimate:
                pool.tokens -= estimate
                return self._settle_local(pool, estimate)
            need = estimate - max(0, pool.tokens)
            tight = pool.tight
        counters, window = store.counters, str(day)
        expires = (day + 2) * _DAY
        if not tight:
            size = max(need, plan.tokens_per_day // LEASES_PER_WINDOW)
            if counters.take(_TOKENS, window, size, at_most=plan.tokens_per_day - size,
                             expires_at=expires) is not None:
                with self._lock:
                    pool.tokens += size - estimate
                return self._settle_local(pool, estimate)
            with self._lock:  # hand the slice's rest back (or charge what it overspent)
                pool.tight, rest, pool.tokens = True, pool.tokens, 0
            if rest:
                counters.give_back(_TOKENS, window, rest)
        # The final turns: admitted while the shared count is under the budget.
        if counters.take(_TOKENS, window, estimate, at_most=plan.tokens_per_day - 1,
                         expires_at=expires) is None:
            with self._lock:
                pool.spent_until = self._clock() + SPENT_HOLD_SECONDS
            self._refuse(plan)
        return self._settle_shared(counters, window, estimate)

    def _settle_local(self, pool: _Pool, reserved: int) -> Settle:
        def settle(used: int) -> None:
            with self._lock:
                pool.tokens += reserved - used
        return settle

    @staticmethod
    def _settle_shared(counters: Counters, window: str, reserved: int) -> Settle:
        def settle(used: int) -> None:
            if used == reserved:
                return
            try:
                counters.give_back(_TOKENS, window, reserved - used)
            except Exception as exc:  # a lost refund costs the tenant tokens, not the turn
                log.warning("budget.settle_failed", error=type(exc).__name__)
        return settle

    def _pool(self, client_id: str, day: int) -> _Pool:
        with self._lock:
            pool = self._pools.get((client_id, day))
            if pool is None:
                if len(self._pools) >= _MAX_ENTRIES:
                    self._pools = {k: v for k, v in self._pools.items() if k[1] >= day}
                pool = self._pools[(client_id, day)] = _Pool()
            return pool

    def _refuse(self, plan: Plan) -> None:
        now = self._clock()
        raise RateLimitedError(
            f"the daily token budget of {plan.tokens_per_day} tokens is used up",
            retry_after=max(1, math.ceil((int(now // _DAY) + 1) * _DAY - now)),
        )


class _TenantBudget:
    def __init__(self, budget: TokenBudget, store: TenantStore, plan: Plan) -> None:
        self._budget, self._store, self._plan = budget, store, plan

    def reserve(self, estimate: int) -> Settle:
        return self._budget.reserve(self._store, self._plan, estimate)

