"""``ob-admin profiles``: list, show, export and import a tenant's agent profiles.

An export is one JSON document, ``{"profiles": {name: settings}}``, with each profile's
editable settings by their API names (what ``PUT /v1/configs/{name}`` takes): it moves
profiles between stages or tenants, and goes under version control. Importing saves each
profile that differs as a new version (history is kept; an unchanged one is left alone).
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import typer
from rich.console import Console
from rich.table import Column

from openbrain.cli import tables
from openbrain.cli.app import App
from openbrain.cli.common import TenantOption, admin_runtime, fail
from openbrain.domain.agent_config import AgentConfig, AgentSettings
from openbrain.domain.ids import PROFILE_NAME
from openbrain.domain.validation import explain
from openbrain.runtime import Runtime
from openbrain.store import TenantRepository, TenantStore

app = App(help="Agent profiles of a tenant: list, show, export, import.",
                  no_args_is_help=True)
console = Console(highlight=False)


class ProfileExport(msgspec.Struct, forbid_unknown_fields=True):
    """The export format: profiles by name (a Request-like shape: unknown fields refused)."""

    profiles: dict[str, AgentSettings]


def _tenant_store(runtime: Runtime, tenant: str) -> TenantStore:
    if TenantRepository(runtime.driver).get(tenant) is None:
        raise fail(f"tenant {tenant!r} does not exist (run `ob-admin tenants sync`)")
    return runtime.store(tenant)


@app.command("list")
def profiles_list(
    tenant: str = TenantOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The tenant's profiles (latest version of each)."""
    with admin_runtime() as runtime:
        configs = _tenant_store(runtime, tenant).configs.list()
    if as_json:
        sys.stdout.write(msgspec.json.encode(configs).decode() + "\n")
        return
    table = tables.table("profile", "version", "model", "tools", Column("saved", no_wrap=True))
    for config in configs:
        saved = config.created_at.strftime("%Y-%m-%d %H:%M") if config.created_at else ""
        table.add_row(config.profile_name, str(config.version), config.model,
                      ", ".join(config.tools) or "-", saved)
    console.print(table)


@app.command("show")
def profiles_show(
    name: str = typer.Argument(..., metavar="NAME", help="The profile's name."),
    tenant: str = TenantOption,
) -> None:
    """One profile's latest version, as JSON."""
    with admin_runtime() as runtime:
        config = _tenant_store(runtime, tenant).configs.require(name)
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(config)).decode() + "\n")


@app.command("export")
def profiles_export(
    names: list[str] = typer.Argument(  # noqa: B008 (typer declares arguments this way)
        None, metavar="[NAME]...", help="Profiles to export (default: all)."),
    tenant: str = TenantOption,
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",  # noqa: B008
                                       help="Write to FILE instead of standard output."),
) -> None:
    """The profiles' settings as one JSON document (what `profiles import` reads)."""
    with admin_runtime() as runtime:
        store = _tenant_store(runtime, tenant).configs
        configs: list[AgentConfig] = ([store.require(n) for n in names] if names
                                      else store.list())
    document = ProfileExport(profiles={c.profile_name: c.settings for c in configs})
    text = msgspec.json.format(msgspec.json.encode(document)).decode() + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        console.print(f"{len(configs)} profile(s) written to {output}", style="dim")


@app.command("import")
def profiles_import(
    source: Path = typer.Argument(  # noqa: B008
        ..., metavar="FILE", help="A `profiles export` document."),
    tenant: str = TenantOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; save nothing."),
) -> None:
    """Save each profile of FILE that differs from the tenant's as a new version."""
    try:
        document = msgspec.json.decode(source.read_bytes(), type=ProfileExport)
    except OSError as exc:
        raise fail(f"cannot read {source}: {exc.strerror or exc}") from None
    except msgspec.ValidationError as exc:
        raise fail(f"{source}: {explain(str(exc)).sentence}") from None
    except msgspec.DecodeError:
        raise fail(f"{source} is not JSON (expected a `profiles export` document)") from None
    bad = [n for n in document.profiles if not PROFILE_NAME.fullmatch(n)]
    if bad:
        raise fail(f"{source}: {bad[0]!r} is not a profile name")
    with admin_runtime() as runtime:
        store = _tenant_store(runtime, tenant).configs
        for settings in document.profiles.values():
            runtime.tools.check(settings.tools)  # all refused before any is saved
        for name, settings in sorted(document.profiles.items()):
            current = store.get(name)
            if current is not None and current.settings == settings:
                console.print(f"{name}: unchanged (version {current.version})")
            elif dry_run:
                console.print(f"{name}: would be {'updated' if current else 'created'}")
            else:
                saved = store.save(name, settings,
                                   expected_version=current.version if current else 0)
                verb = "updated" if current else "created"
                console.print(f"{name}: {verb}, version {saved.version}")
