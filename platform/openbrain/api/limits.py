"""Rate limits (token buckets per tenant, per key and per widget visitor) and token budgets.

:class:`RateLimiter` keeps its buckets in the process: on one server they are exact; behind
several instances each instance enforces the plan on its share, which bounds abuse without a
write per request. Callers depend on the :class:`Limiter` protocol, so a counter shared by
every instance can take its place.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from openbrain.domain.errors import RateLimitedError
from openbrain.domain.tenant import Plan
from openbrain.store import TenantStore

_MAX_BUCKETS = 100_000
BUDGET_CACHE_SECONDS = 5.0


class Limiter(Protocol):
    def hit(self, name: str, per_minute: int, what: str) -> None:
        """Count one request against bucket ``name`` (``per_minute`` capacity).

        Raises:
            RateLimitedError: the bucket is empty (``what`` names it in the message).
        """
        ...


class RateLimiter:
    """The in-process :class:`Limiter`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, name: str, per_minute: int, what: str) -> None:
        """Take one request from bucket ``name`` (``per_minute`` capacity, refilled evenly).

        Raises:
            RateLimitedError: the bucket is empty; ``retry_after`` is when one request is back.
        """
        now = time.monotonic()
        rate = per_minute / 60.0
        with self._lock:
            tokens, stamp = self._buckets.get(name, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - stamp) * rate)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                retry = max(1, math.ceil((1.0 - tokens) / rate))
                raise RateLimitedError(
                    f"rate limit of {per_minute} requests per minute reached for this {what}",
                    retry_after=retry,
                )
            if len(self._buckets) >= _MAX_BUCKETS and name not in self._buckets:
                self._buckets.clear()  # bounded memory; a reset only ever lets callers through
            self._buckets[name] = (tokens - 1.0, now)


def check_limits(
    limiter: Limiter, plan: Plan, client_id: str, subject: str, *, visitor: bool
) -> None:
    """Apply the tenant's plan to one request from ``subject`` (a key, user or visitor)."""
    limiter.hit(f"t:{client_id}", plan.requests_per_minute, "tenant")
    if visitor:
        limiter.hit(f"v:{client_id}:{subject}", plan.widget_requests_per_minute, "widget visitor")
    else:
        limiter.hit(f"k:{client_id}:{subject}", plan.key_requests_per_minute, "key")


class TokenBudget:
    """The tenant's daily token budget (UTC days), read from usage at most every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def check(self, store: TenantStore, plan: Plan) -> None:
        now = datetime.now(UTC)
        day = now.date().isoformat()
        key = (store.client_id, day)
        with self._lock:
            seen = self._seen.get(key)
        if seen is None or time.monotonic() - seen[0] > BUDGET_CACHE_SECONDS:
            used = store.usage.tokens_on(day)
            with self._lock:
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[key] = (time.monotonic(), used)
        else:
            used = seen[1]
        if used >= plan.tokens_per_day:
            midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
            raise RateLimitedError(
                f"the daily token budget of {plan.tokens_per_day} tokens is used up",
                retry_after=max(1, int((midnight - now).total_seconds())),
            )
