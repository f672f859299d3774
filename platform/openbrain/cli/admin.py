"""``ob-admin``: operator commands on the configured store (tenants, keys, tokens, dead letters)."""

from __future__ import annotations

import sys

import msgspec
import typer
from rich.console import Console
from rich.table import Column

from openbrain.auth import mint_token
from openbrain.auth.issuing import issue_key
from openbrain.auth.signin_codes import issue_signin_code
from openbrain.cli import tables
from openbrain.cli.admin_dlq import app as dlq_app
from openbrain.cli.admin_inbox import app as inbox_app
from openbrain.cli.admin_profiles import app as profiles_app
from openbrain.cli.admin_stage import app as stage_app
from openbrain.cli.app import App
from openbrain.cli.common import admin_runtime, err_console, fail
from openbrain.cli.version import VersionOption
from openbrain.domain import ALL_TENANT_SCOPES
from openbrain.domain.api_key import KeyKind, Scope
from openbrain.domain.tenant import Tenant
from openbrain.store import TenantRepository

app = App(add_completion=False, no_args_is_help=True,
          help="Operator commands on the configured store: tenants, keys, tokens, dead letters.")
tenants_app = App(help="Tenants (declared in tenants/*.toml).", no_args_is_help=True)
keys_app = App(help="API keys of a tenant.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")
app.add_typer(dlq_app, name="dlq", help="Dead letters: list, show, redrive.")
app.add_typer(profiles_app, name="profiles",
              help="Agent profiles: list, show, export, import.")
app.add_typer(stage_app, name="stage")
app.add_typer(inbox_app, name="inbox", help="Hand-offs: list, take, reply, release, close.")
console = Console(highlight=False)


@app.callback()
def _root(_version: bool = VersionOption) -> None:
    pass


def _require_tenant(tenants: TenantRepository, client_id: str) -> Tenant:
    tenant = tenants.get(client_id)
    if tenant is None:
        raise fail(f"tenant {client_id!r} does not exist (run `ob-admin tenants sync`)")
    return tenant


@tenants_app.command("sync")
def tenants_sync() -> None:
    """Write every spec in tenants/ into the store (and give each a default profile)."""
    with admin_runtime() as runtime:
        ids = runtime.sync_tenants()
    console.print(f"synced {len(ids)} tenant(s): {', '.join(ids)}")


@tenants_app.command("list")
def tenants_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the tenants in the store."""
    with admin_runtime() as runtime:
        tenants, _ = TenantRepository(runtime.driver).list(limit=1000)
    if as_json:
        sys.stdout.write(msgspec.json.encode(tenants).decode() + "\n")
        return
    table = tables.table(Column("clientId", no_wrap=True), "name", "plan", "disabled", "routes")
    for tenant in tenants:
        table.add_row(tenant.client_id, tenant.name, tenant.plan.name, str(tenant.disabled),
                      str(len(tenant.routes)))
    console.print(table)


@keys_app.command("create")
def keys_create(
    tenant: str = typer.Option(..., "--tenant", "-t", help="Tenant id."),
    kind: str = typer.Option("secret", "--kind", help="secret or publishable."),
    name: str = typer.Option("", "--name", help="A label for the key."),
    scope: list[str] = typer.Option(  # noqa: B008 - Typer declares options this way
        [], "--scope", help="Scope (repeat); default: every tenant scope for secret keys."
    ),
    origin: list[str] = typer.Option([], "--origin", help="Allowed origin (publishable)."),  # noqa: B008
    profile: list[str] = typer.Option([], "--profile", help="Allowed profile (publishable)."),  # noqa: B008
) -> None:
    """Create a key and print its token once: it is not stored and cannot be shown again."""
    with admin_runtime() as runtime:
        if kind not in ("secret", "publishable"):
            raise fail("--kind must be secret or publishable")
        key_kind: KeyKind = "secret" if kind == "secret" else "publishable"
        known = (*ALL_TENANT_SCOPES, "platform:admin")
        unknown = [s for s in scope if s not in known]
        if unknown:
            raise fail(f"--scope {unknown[0]!r} is not a scope; the scopes are "
                       + ", ".join(known))
        scopes: list[Scope] = msgspec.convert(
            scope or (list(ALL_TENANT_SCOPES) if key_kind == "secret" else ["chat"]),
            list[Scope],
        )
        key, token = issue_key(
            runtime.store(tenant), _require_tenant(TenantRepository(runtime.driver), tenant),
            kind=key_kind, name=name, scopes=scopes, allowed_origins=origin, profiles=profile,
        )
    console.print(f"key {key.key_id} created; its token (shown once):", style="dim")
    sys.stdout.write(token + "\n")


@keys_app.command("list")
def keys_list(
    tenant: str = typer.Option(..., "--tenant", "-t", help="Tenant id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List a tenant's keys (never their secrets)."""
    with admin_runtime() as runtime:
        keys = runtime.store(tenant).api_keys.list()
    if as_json:
        rows = [key.view() for key in keys]
        sys.stdout.write(msgspec.json.encode(rows).decode() + "\n")
        return
    # Ids are what operators copy into other commands: never cut them.
    table = tables.table(Column("keyId", no_wrap=True, min_width=26), "kind", "name", "scopes",
                         "revoked")
    for key in keys:
        table.add_row(key.key_id, key.kind, key.name, ", ".join(key.scopes),
                      "yes" if key.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: str = typer.Argument(..., help="The key id."),
    tenant: str = typer.Option(..., "--tenant", "-t", help="Tenant id."),
) -> None:
    """Revoke a key: it stops working at once."""
    with admin_runtime() as runtime:
        runtime.store(tenant).api_keys.revoke(key_id)
    console.print(f"key {key_id} revoked")


@app.command("token")
def token(
    tenant: str | None = typer.Option(None, "--tenant", "-t", help="Tenant id."),
    role: str = typer.Option("admin", "--role", help="admin, viewer or platform-admin."),
    ttl: int = typer.Option(3600, "--ttl", min=60, max=86_400, help="Lifetime in seconds."),
    link: str | None = typer.Option(
        None, "--link", help="Dashboard URL: print a one-time sign-in link instead."
    ),
) -> None:
    """Mint a local JWT (HS256, OB_JWT_SECRET or the local stage's secret).

    With --link, print a one-time sign-in link instead: it carries a code (valid 10 minutes,
    redeemable once) that the dashboard exchanges with the API for a JWT of this role and
    lifetime. The code is stored (hashed) in the tenant's partition of the configured store.
    """
    with admin_runtime() as runtime:
        if link is None:
            if tenant is not None:
                _require_tenant(TenantRepository(runtime.driver), tenant)
            jwt = mint_token(runtime.settings, client_id=tenant, role=role, ttl_seconds=ttl)
            sys.stdout.write(jwt + "\n")
            return
        if tenant is None:
            raise fail("a sign-in link needs --tenant")
        if not link.startswith(("http://", "https://")):
            raise fail("--link must be the dashboard's http(s) URL")
        _require_tenant(TenantRepository(runtime.driver), tenant)
        code = issue_signin_code(runtime.driver, client_id=tenant, role=role,
                                 token_ttl_seconds=ttl, subject="ob-admin")
    err_console.print("one-time sign-in link (valid 10 minutes, works once):", style="dim")
    sys.stdout.write(f"{link.rstrip('/')}/?code={code}\n")


def main() -> None:
    app(prog_name="ob-admin")
