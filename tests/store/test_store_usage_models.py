"""Usage per model: counted on the turn's usage item (no other write), summed per model over
a period, with what no model was recorded for under ``unknown``."""

from __future__ import annotations

import pytest

from openbrain.store import keys
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.store.usage import MODEL_KEY_LENGTH, UNKNOWN_MODEL


def test_tokens_are_summed_per_model_over_the_days_asked(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    for n, (day, profile, model) in enumerate([
        ("2025-01-01", "default", "gpt-4o-mini"),
        ("2025-01-01", "sales", "gpt-4o-mini"),
        ("2025-01-01", "default", "offline"),
        ("2025-01-02", "default", "gpt-4o"),
    ]):
        store.usage.record(day, profile, turns=1, input_tokens=10 * (n + 1), output_tokens=n,
                           spread=f"s{n}", model=model)
    assert store.usage.by_model() == {
        "gpt-4o": (1, 40, 3), "gpt-4o-mini": (2, 30, 1), "offline": (1, 30, 2)}
    assert store.usage.by_model(since="2025-01-02") == {"gpt-4o": (1, 40, 3)}
    assert store.usage.by_model(until="2025-01-01") == {
        "gpt-4o-mini": (2, 30, 1), "offline": (1, 30, 2)}
    # The per-day rows are what they were.
    assert [(u.day, u.profile_name, u.turns) for u in store.usage.list()] == [
        ("2025-01-01", "default", 2), ("2025-01-01", "sales", 1), ("2025-01-02", "default", 1)]


def test_usage_counted_without_a_model_is_the_unknown_models(driver: TableDriver) -> None:
    """Rows an earlier version wrote (no model counters) still count, as ``unknown``."""
    driver.increment(keys.usage_pk("acme"), keys.usage_sk("2025-01-01", "default"),
                     {"turns": 5, "inputTokens": 50, "outputTokens": 7})
    store = TenantStore(driver, "acme")
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=1, output_tokens=2,
                       spread="s", model="gpt-4o-mini")
    assert store.usage.by_model() == {"gpt-4o-mini": (1, 1, 2), UNKNOWN_MODEL: (5, 50, 7)}


def test_a_long_model_name_is_counted_under_its_first_characters(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    long_name = "vendor/" + "x" * 90
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=3, output_tokens=4,
                       model=long_name)
    assert store.usage.by_model() == {long_name[:MODEL_KEY_LENGTH]: (1, 3, 4)}


def test_counting_a_turn_builds_only_the_key_it_writes(
    driver: TableDriver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A turn's one increment builds one shard key, not the 33 partitions only reads sum (a
    tenant's store is made per request, so building them up front cost every turn)."""
    built: list[int] = []
    shard_pk = keys.usage_shard_pk

    def counted(client_id: str, shard: int) -> str:
        built.append(shard)
        return shard_pk(client_id, shard)

    monkeypatch.setattr(keys, "usage_shard_pk", counted)
    store = TenantStore(driver, "acme")
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=3, output_tokens=4,
                       spread="s1", model="offline")
    assert len(built) == 1
    assert store.usage.by_model() == {"offline": (1, 3, 4)}  # reads still sum every shard
    assert len(built) == 1 + keys.USAGE_SHARDS
