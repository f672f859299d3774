"""What the commands print in an 80-column terminal: help without Typer's type artefacts
(``<str>``, ``{MESSAGE}``), tables that fit and never cut an id, ``--json`` on every list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

from openbrain.cli import admin, admin_dlq, admin_profiles, chat, ob, tuner
from openbrain.settings import get_settings
from tests.cli.conftest import Cli

APPS = {"ob": ob.ask_app, "ob serve": ob.serve_app, "ob-chat": chat.app,
        "ob-admin": admin.app, "ob-tuner": tuner.tuner_app}
# Python types, braces around a required argument, reStructuredText literals.
ARTEFACTS = re.compile(r"<[a-z][\w\[\], ]*>|\{[A-Z_]+\}|``")
LONG_TENANT = "acme-corporation-international-holdings"  # 39 of 40 characters
LONG_PROFILE = "support-agent-for-the-north-american-enterprise-customers-v2-xyz"  # 64


def _command_paths(name: str, app: typer.Typer) -> Iterator[tuple[str, list[str]]]:
    def walk(command: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, sub_name])

    for path in walk(get_command(app), []):
        yield name, path


HELP_PAGES = [page for name, app in APPS.items() for page in _command_paths(name, app)]


@pytest.mark.parametrize(("name", "path"), HELP_PAGES,
                         ids=[" ".join([n, *p]) for n, p in HELP_PAGES])
def test_help_reads_as_written_and_fits_80_columns(name: str, path: list[str]) -> None:
    result = CliRunner().invoke(APPS[name], [*path, "--help"], prog_name=name,
                                env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == 0, result.output
    assert not ARTEFACTS.findall(result.output), result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80, result.output
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert usage.split("Usage: ", 1)[1].startswith(" ".join([name, *path]))


def test_arguments_are_named_in_capitals_in_usage_and_errors() -> None:
    runner = CliRunner()
    shown = runner.invoke(admin.app, ["keys", "revoke", "--help"], prog_name="ob-admin",
                          env={"COLUMNS": "80"})
    assert "Usage: ob-admin keys revoke [OPTIONS] KEY_ID" in shown.output
    asked = runner.invoke(ob.ask_app, ["--help"], prog_name="ob", env={"COLUMNS": "80"})
    assert "Usage: ob [OPTIONS] MESSAGE" in asked.output
    redrive = runner.invoke(admin.app, ["dlq", "redrive", "--help"], prog_name="ob-admin",
                            env={"COLUMNS": "80"})
    assert "[OPTIONS] [ID]" in redrive.output, "an optional argument in one pair of brackets"
    missing = runner.invoke(admin.app, ["keys", "revoke", "--tenant", "demo"],
                            prog_name="ob-admin", env={"COLUMNS": "80"})
    assert missing.exit_code == 2
    assert "Missing argument 'KEY_ID'" in missing.output


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _fits(text: str) -> None:
    assert max(map(len, _lines(text))) <= 80, text
    assert "…" not in text, f"a value was cut:\n{text}"


@pytest.fixture(name="narrow")
def fx_narrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """``ob-admin`` in-process with an 80-column console, a long tenant id and name, a long
    profile name and a key with every scope (the subprocess test below shows a real
    terminal's COLUMNS reaches the same width)."""
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "demo.toml").write_text('clientId = "demo"\nname = "Demo"\n')
    (tenants / f"{LONG_TENANT}.toml").write_text(
        f'clientId = "{LONG_TENANT}"\n'
        'name = "Acme Corporation International Holdings, a tenant with a long name"\n'
    )
    for name, value in {"OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}",
                        "OB_TENANTS_DIR": str(tenants), "OB_DATA_DIR": str(tmp_path / "data"),
                        "OB_LOG_LEVEL": "WARNING"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OB_EVENT_BUS", raising=False)
    get_settings.cache_clear()
    for module in (admin, admin_dlq, admin_profiles):
        monkeypatch.setattr(module, "console", Console(width=80, highlight=False))
    runner = CliRunner()
    assert runner.invoke(admin.app, ["tenants", "sync"]).exit_code == 0
    export = tmp_path / "profiles.json"
    export.write_text(json.dumps({"profiles": {LONG_PROFILE: {
        "systemMessage": "Be brief.", "model": "gpt-4o-mini-2024-07-18",
        "tools": ["capture_lead", "update_lead", "connect_with_agent"],
    }}}))
    imported = runner.invoke(admin.app, ["profiles", "import", str(export), "--tenant", "demo"])
    assert imported.exit_code == 0, imported.output
    created = runner.invoke(admin.app, ["keys", "create", "--tenant", "demo", "--name",
                                        "the backend of the marketing website, production"])
    assert created.exit_code == 0, created.output
    yield runner
    get_settings.cache_clear()


def _run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(admin.app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_tenants_list_fits_and_has_json(narrow: CliRunner) -> None:
    table = _run(narrow, "tenants", "list")
    _fits(table)
    assert LONG_TENANT in table, "a tenant id is never wrapped or cut"

    listed = json.loads(_run(narrow, "tenants", "list", "--json"))
    assert {t["clientId"] for t in listed} == {"demo", LONG_TENANT}
    assert {"clientId", "name", "plan", "widgetOrigins", "routes", "disabled"} <= set(listed[0])


def test_keys_list_fits_and_has_json(narrow: CliRunner) -> None:
    (key,) = json.loads(_run(narrow, "keys", "list", "-t", "demo", "--json"))
    assert {"keyId", "kind", "name", "scopes", "revokedAt"} <= set(key)
    assert "secretHash" not in key

    table = _run(narrow, "keys", "list", "-t", "demo")
    _fits(table)
    assert key["keyId"] in table
    assert all(scope in table for scope in key["scopes"])


def test_profiles_list_fits_and_has_json(narrow: CliRunner) -> None:
    table = _run(narrow, "profiles", "list", "--tenant", "demo")
    _fits(table)
    # A name wider than its column folds onto the next lines, whole.
    first_cells = "".join(line.split("│")[1].strip() for line in _lines(table)
                          if line.startswith("│"))
    assert LONG_PROFILE in first_cells

    listed = json.loads(_run(narrow, "profiles", "list", "--tenant", "demo", "--json"))
    assert {p["profileName"] for p in listed} == {"default", LONG_PROFILE}
    assert {"profileName", "version", "model", "tools"} <= set(listed[0])


def test_a_terminal_of_80_columns_gets_tables_of_80(cli: Cli) -> None:
    """As a user runs it: the terminal's COLUMNS is the table's width."""
    (cli.data_dir.parent / "tenants" / f"{LONG_TENANT}.toml").write_text(
        f'clientId = "{LONG_TENANT}"\nname = "{"A long name " * 6}"\n'
    )
    cli.env["COLUMNS"] = "80"
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    table = cli.run("ob-admin", "tenants", "list").stdout
    assert LONG_TENANT in table
    assert max(map(len, _lines(table))) == 80, table
