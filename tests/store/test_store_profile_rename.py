"""Renaming a profile moves its whole history; a taken name is a conflict; a save that lands
during the rename is moved too (nothing lost)."""

from __future__ import annotations

import pytest

from openbrain.domain.agent_config import AgentConfig, AgentSettings
from openbrain.domain.errors import ConflictError, NotFoundError
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore


def test_a_renamed_profile_keeps_its_history(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    for tokens in (100, 200, 300):
        store.configs.save("sales", AgentSettings(max_tokens=tokens))
    renamed = store.configs.rename("sales", "support")
    assert (renamed.profile_name, renamed.version, renamed.max_tokens) == ("support", 3, 300)
    assert store.configs.get("sales") is None
    versions, _ = store.configs.versions("support")
    assert [(v.version, v.max_tokens, v.profile_name) for v in versions] == [
        (3, 300, "support"), (2, 200, "support"), (1, 100, "support")]
    assert store.configs.versions("sales")[0] == []
    # Saving under the old name starts a new profile; the renamed one goes on.
    assert store.configs.save("sales", AgentSettings()).version == 1
    assert store.configs.save("support", AgentSettings(), expected_version=3).version == 4


def test_a_taken_or_missing_name_changes_nothing(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    store.configs.save("sales", AgentSettings(max_tokens=100))
    store.configs.save("support", AgentSettings(max_tokens=200))
    with pytest.raises(ConflictError, match="already exists"):
        store.configs.rename("sales", "support")
    with pytest.raises(NotFoundError):
        store.configs.rename("nope", "other")
    assert store.configs.require("sales").max_tokens == 100
    assert store.configs.require("support").max_tokens == 200
    assert len(store.configs.versions("support")[0]) == 1


def test_a_save_during_the_rename_is_moved_too(driver: TableDriver,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = TenantStore(driver, "acme")
    store.configs.save("sales", AgentSettings(max_tokens=100))
    copy = store.configs._copy_versions
    saved: list[AgentConfig] = []

    def copy_then_someone_saves(old: str, new: str, *, after: int) -> int:
        newest = copy(old, new, after=after)
        if not saved:  # another admin saves the old name right after the first copy
            saved.append(TenantStore(driver, "acme").configs.save(
                "sales", AgentSettings(max_tokens=555)))
        return newest

    monkeypatch.setattr(store.configs, "_copy_versions", copy_then_someone_saves)
    renamed = store.configs.rename("sales", "support")
    assert (renamed.version, renamed.max_tokens) == (2, 555)
    assert store.configs.require("support").max_tokens == 555
    assert [v.max_tokens for v in store.configs.versions("support")[0]] == [555, 100]
    assert store.configs.get("sales") is None
