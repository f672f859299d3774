"""Exponential backoff with jitter, shared by the publishers and the local dispatcher."""

from __future__ import annotations

import random

import msgspec


class Backoff(msgspec.Struct, frozen=True, kw_only=True):
    """Delay before retry ``n`` (1-based): ``base * 2**(n-1)`` capped at ``cap``, then
    "equal jitter" (half fixed, half random) so retries of many events spread out."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, retry: int) -> float:
        ceiling: float = min(self.cap, self.base * 2.0 ** max(0, retry - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)
