"""The capped atomic addition (``add_capped``) and the shared counters built on it: the same
semantics on both drivers, and exact under concurrency (N writers never pass the cap)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from openbrain.domain.errors import InvalidError
from openbrain.store import TenantStore, platform_counters
from openbrain.store.driver import TableDriver

LATER = int(time.time()) + 3600


def test_adds_while_within_the_cap_and_refuses_without_writing(driver: TableDriver) -> None:
    add = driver.add_capped
    assert add("T#x#C#b", "W#1", "n", 3, at_most=7, expires_at=LATER) == 3
    assert add("T#x#C#b", "W#1", "n", 4, at_most=7 - 4, expires_at=LATER) == 7
    assert add("T#x#C#b", "W#1", "n", 1, at_most=7 - 1, expires_at=LATER) is None
    item = driver.get("T#x#C#b", "W#1")
    assert item is not None
    assert (item.counters, item.expires_at, item.version) == ({"n": 7}, LATER, 0)


def test_a_negative_cap_refuses_even_a_missing_counter(driver: TableDriver) -> None:
    assert driver.add_capped("T#x#C#b", "W#1", "n", 5, at_most=-1, expires_at=LATER) is None
    assert driver.get("T#x#C#b", "W#1") is None


def test_refunds_bring_a_counter_back_under_its_cap(driver: TableDriver) -> None:
    """``increment`` with a negative amount is how a reservation is settled."""
    assert driver.add_capped("T#x#C#b", "W#1", "n", 10, at_most=0, expires_at=LATER) == 10
    driver.increment("T#x#C#b", "W#1", {"n": -6})
    assert driver.add_capped("T#x#C#b", "W#1", "n", 5, at_most=5, expires_at=LATER) == 9


@pytest.mark.parametrize("amount", [0, -1])
def test_adds_at_least_one(driver: TableDriver, amount: int) -> None:
    with pytest.raises(InvalidError):
        driver.add_capped("T#x#C#b", "W#1", "n", amount, at_most=10, expires_at=LATER)


def test_concurrent_takers_never_pass_the_cap(driver: TableDriver) -> None:
    """40 takers race for a window of 25: exactly 25 succeed (one atomic step each)."""
    counters = TenantStore(driver, "acme").counters

    def take(_: int) -> bool:
        return counters.take("t", "w1", 1, at_most=24, expires_at=LATER) is not None

    with ThreadPoolExecutor(8) as pool:
        taken = sum(pool.map(take, range(40)))
    assert taken == 25
    assert counters.count("t", "w1") == 25


def test_tenant_and_platform_counters_are_apart(driver: TableDriver) -> None:
    acme, globex = TenantStore(driver, "acme").counters, TenantStore(driver, "globex").counters
    platform = platform_counters(driver)
    for counters in (acme, globex, platform):
        assert counters.take("b", "w", 2, at_most=0, expires_at=LATER) == 2
    acme.give_back("b", "w", 1)
    assert [c.count("b", "w") for c in (acme, globex, platform)] == [1, 2, 2]


@pytest.mark.parametrize("bucket", ["", "a#b"])
def test_bucket_names_cannot_alias_keys(driver: TableDriver, bucket: str) -> None:
    with pytest.raises(InvalidError):
        TenantStore(driver, "acme").counters.take(bucket, "w", 1, at_most=0, expires_at=LATER)
