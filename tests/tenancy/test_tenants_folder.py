"""The tenant specs' folder: the user's default is created with the shipped demo tenant on first
use (and says where, once); a configured folder that is missing is one error naming the setting.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from openbrain.settings import Settings, user_tenants_dir
from openbrain.tenancy import TenantSpecError, load_tenants
from openbrain.tenancy.folder import DEMO_SPEC, open_tenants_dir

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_demo_spec_is_the_repository_file() -> None:
    """One source: the package's demo.toml links to tenants/demo.toml (the wheel holds its
    bytes, tests/packaging compares them), so the two can never drift apart."""
    assert DEMO_SPEC.is_symlink()
    assert DEMO_SPEC.resolve() == (REPO / "tenants" / "demo.toml").resolve()


def test_first_use_creates_the_folder_with_the_demo_tenant_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "config" / "openbrain" / "tenants"
    assert open_tenants_dir(folder, user_default=True) == folder
    assert (folder / "demo.toml").read_bytes() == (REPO / "tenants" / "demo.toml").read_bytes()
    assert [t.client_id for t in load_tenants(folder)] == ["demo"]
    first = capsys.readouterr().err
    assert f"tenant specs are in {folder}" in first
    assert "OB_TENANTS_DIR" in first

    (folder / "demo.toml").write_text('clientId = "demo"\nname = "Mine"\n')
    open_tenants_dir(folder, user_default=True)
    assert capsys.readouterr().err == "", "only the first use says it"
    assert load_tenants(folder)[0].name == "Mine", "the user's edits are kept"


def test_processes_starting_together_create_it_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "tenants"
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        open_tenants_dir(folder, user_default=True)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenants"], "no staging left behind"
    assert [p.name for p in folder.iterdir()] == ["demo.toml"]
    assert capsys.readouterr().err.count("tenant specs are in") == 1


def test_a_configured_folder_that_is_missing_names_the_setting(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(TenantSpecError) as raised:
        open_tenants_dir(missing, user_default=False)
    assert raised.value.detail == (
        f"OB_TENANTS_DIR: tenant spec directory {str(missing)!r} does not exist"
    )
    assert not missing.exists()


def test_the_default_folder_in_the_checkout_and_when_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """From the source tree (editable install, scripts/run.sh) the default is the repository's
    tenants/; an installed wheel's is the user's config folder (tests/packaging)."""
    monkeypatch.delenv("OB_TENANTS_DIR", raising=False)
    assert Settings().tenants_dir == REPO / "tenants"
    monkeypatch.setenv("OB_TENANTS_DIR", str(tmp_path))
    assert Settings().tenants_dir == tmp_path
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_tenants_dir() == tmp_path / "xdg" / "openbrain" / "tenants"
