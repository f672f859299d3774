"""Shared counters: windows (a minute, a day) of a bucket, each window one item expiring by
TTL, changed only by the driver's atomic capped addition, so every process sees one count."""

from __future__ import annotations

from openbrain.store import keys
from openbrain.store.driver import TableDriver
from openbrain.store.scoped import ScopedRepository

_COUNT = "n"


class Counters:
    """The buckets under one partition prefix (a tenant's, or the platform's)."""

    def __init__(self, driver: TableDriver, prefix: str) -> None:
        self._driver = driver
        self.prefix = prefix

    def take(self, bucket: str, window: str, amount: int, *, at_most: int,
             expires_at: int) -> int | None:
        """Add ``amount`` to the window if its count is at most ``at_most`` before; the new
        count, or ``None`` when refused (nothing is written then)."""
        return self._driver.add_capped(
            keys.counter_pk(self.prefix, bucket), keys.window_sk(window), _COUNT, amount,
            at_most=at_most, expires_at=expires_at,
        )

    def give_back(self, bucket: str, window: str, amount: int) -> None:
        """Return ``amount`` (negative: charge it) to a window taken from before."""
        self._driver.increment(keys.counter_pk(self.prefix, bucket), keys.window_sk(window),
                               {_COUNT: -amount})

    def count(self, bucket: str, window: str) -> int:
        item = self._driver.get(keys.counter_pk(self.prefix, bucket), keys.window_sk(window))
        return item.counters.get(_COUNT, 0) if item else 0


class CounterRepository(ScopedRepository, Counters):
    """One tenant's shared counters."""

    def __init__(self, driver: TableDriver, client_id: str) -> None:
        ScopedRepository.__init__(self, driver, client_id)
        Counters.__init__(self, driver, keys.counters_prefix(client_id))


def platform_counters(driver: TableDriver) -> Counters:
    """Counters that belong to no tenant (sign-in attempts per client address)."""
    return Counters(driver, keys.PLATFORM_COUNTERS)
