"""``ob-admin profiles``: list and show a tenant's profiles, export them as one JSON document,
import it back (unchanged profiles left alone, changed ones a new version), bad files refused
with one line and nothing saved."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli


def _versions(cli: Cli) -> dict[str, int]:
    listed = cli.run("ob-admin", "profiles", "list", "--tenant", "demo", "--json")
    assert listed.returncode == 0, listed.stderr
    return {c["profileName"]: c["version"] for c in json.loads(listed.stdout)}


def test_export_edit_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    assert _versions(cli) == {"default": 1}
    table = cli.run("ob-admin", "profiles", "list", "--tenant", "demo")
    assert "default" in table.stdout
    assert "capture_lead" in table.stdout

    shown = cli.run("ob-admin", "profiles", "show", "default", "--tenant", "demo")
    assert json.loads(shown.stdout)["model"] == "gpt-4o-mini"

    exported = tmp_path / "profiles.json"
    out = cli.run("ob-admin", "profiles", "export", "--tenant", "demo", "-o", str(exported))
    assert out.returncode == 0, out.stderr
    document = json.loads(exported.read_text())
    assert set(document["profiles"]) == {"default"}
    assert "version" not in document["profiles"]["default"]  # settings only, no identity

    # Unchanged: nothing saved.
    same = cli.run("ob-admin", "profiles", "import", str(exported), "--tenant", "demo")
    assert same.returncode == 0, same.stderr
    assert "default: unchanged (version 1)" in same.stdout
    # One profile changed, one new: a dry run reports, the import saves.
    document["profiles"]["default"]["temperature"] = 0.4
    document["profiles"]["sales"] = {"systemMessage": "You sell bikes.", "model": "offline"}
    exported.write_text(json.dumps(document))
    dry = cli.run("ob-admin", "profiles", "import", str(exported), "--tenant", "demo",
                  "--dry-run")
    assert "default: would be updated" in dry.stdout
    assert "sales: would be created" in dry.stdout
    assert _versions(cli) == {"default": 1}
    done = cli.run("ob-admin", "profiles", "import", str(exported), "--tenant", "demo")
    assert done.returncode == 0, done.stderr
    assert _versions(cli) == {"default": 2, "sales": 1}


def test_bad_import_files_are_one_line_and_save_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.run("ob-admin", "tenants", "sync")
    cases = {
        "not json {": "is not JSON",
        '{"profiles": {"x": {"temperature": 9}}}': "temperature must be a number at most 2.0",
        '{"profiles": {"x": {"tools": ["nope"]}}}': "unknown tool(s) nope",
        '{"profiles": {"bad name!": {}}}': "'bad name!' is not a profile name",
        '{"profiles": {}, "extra": 1}': "extra is not a field of this request",
    }
    for i, (text, message) in enumerate(cases.items()):
        source = tmp_path / f"bad{i}.json"
        source.write_text(text)
        result = cli.run("ob-admin", "profiles", "import", str(source), "--tenant", "demo")
        assert result.returncode == 1, text
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert message in result.stderr, (text, result.stderr)
    missing = cli.run("ob-admin", "profiles", "import", str(tmp_path / "none.json"))
    assert "cannot read" in missing.stderr
    assert _versions(cli) == {"default": 1}
