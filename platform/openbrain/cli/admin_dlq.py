"""``ob-admin dlq``: list, inspect and redrive dead letters on the configured (embedded) store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec
import typer
from rich.console import Console
from rich.table import Column, Table

from openbrain.cli import tables
from openbrain.cli.app import App
from openbrain.cli.common import fail, one_line_errors
from openbrain.domain.delivery import DeadLetter
from openbrain.events.service import EventsService
from openbrain.runtime import ADMIN, Runtime
from openbrain.settings import get_settings
from openbrain.store import TenantStore

app = App(help="Dead letters: events a route could not take.", no_args_is_help=True)
console = Console(highlight=False)

TenantOpt = typer.Option(None, "--tenant", "-t", help="Tenant id (default: every tenant).")
REDRIVE_TIMEOUT = 30.0  # seconds the embedded dispatcher has to deliver before the exit


class _Context:
    def __init__(self, runtime: Runtime, *, deliver: bool) -> None:
        self.runtime = runtime
        self.deliver = deliver

    def service(self, client_id: str) -> EventsService:
        runtime = self.runtime
        return EventsService(TenantStore(runtime.driver, client_id), resolver=runtime.resolver,
                             publisher=runtime.publisher if self.deliver else None,
                             aws_mode=runtime.settings.aws_mode)

    def tenants(self, tenant: str | None) -> list[str]:
        ids = self.runtime.resolver.client_ids()
        if tenant is None:
            return ids
        if tenant not in ids:
            raise fail(f"tenant {tenant!r} does not exist")
        return [tenant]


@contextmanager
def _opened(*, deliver: bool) -> Iterator[_Context]:
    """The runtime and, to redrive, its started publisher (the embedded dispatcher delivers
    before the command exits)."""
    with one_line_errors():
        runtime = Runtime(get_settings(), profile=ADMIN)
        try:
            if deliver:
                runtime.start()
            yield _Context(runtime, deliver=deliver)
        finally:
            runtime.close(timeout=REDRIVE_TIMEOUT)


@app.command("list")
def dlq_list(
    tenant: str | None = TenantOpt,
    all_: bool = typer.Option(False, "--all", help="Include redriven dead letters."),
    limit: int = typer.Option(50, "--limit", min=1, max=200,
                               help="At most this many per tenant."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Dead letters, newest first (one table per tenant; the error is in `show`)."""
    found: list[DeadLetter] = []
    shown: list[Table] = []
    with _opened(deliver=False) as ctx:
        for client_id in ctx.tenants(tenant):
            service = ctx.service(client_id)
            letters, _ = service.list_dead_letters(include_redriven=all_, limit=limit)
            found += letters
            if letters:
                shown.append(_letters_table(client_id, letters))
    if as_json:
        sys.stdout.write(msgspec.json.encode(found).decode() + "\n")
        return
    for table in shown:
        console.print(table)
    if not shown:
        console.print("no dead letters")


def _letters_table(client_id: str, letters: list[DeadLetter]) -> Table:
    """Fits 80 columns: the id (what `show` and `redrive` take: never cut) with its time
    below it, the tenant as the title."""
    table = tables.table(Column("dead letter", no_wrap=True, min_width=26), "type", "route",
                         "tries", "state", title=f"tenant {client_id}", title_justify="left")
    for d in letters:
        created = d.created_at.strftime("%Y-%m-%d %H:%M UTC")
        table.add_row(f"{d.dead_letter_id}\n{created}", d.detail_type, d.route_id,
                      str(d.attempts), d.state)
    return table


@app.command("show")
def dlq_show(
    dead_letter_id: str = typer.Argument(..., metavar="ID"),
    tenant: str | None = TenantOpt,
) -> None:
    """One dead letter with its event and the route's attempts, as JSON."""
    with _opened(deliver=False) as ctx:
        for client_id in ctx.tenants(tenant):
            service = ctx.service(client_id)
            if service.find_dead_letter(dead_letter_id) is not None:
                detail = service.get_dead_letter(dead_letter_id)
                console.print_json(msgspec.json.encode(detail).decode())
                return
        raise fail(f"dead letter {dead_letter_id!r} does not exist")


@app.command("redrive")
def dlq_redrive(
    dead_letter_id: str | None = typer.Argument(None, metavar="ID"),
    all_: bool = typer.Option(False, "--all", help="Redrive every open dead letter."),
    tenant: str | None = TenantOpt,
) -> None:
    """Deliver a dead letter (or, with --all, every open one) again."""
    if (dead_letter_id is None) == (not all_):
        raise fail("give a dead letter ID or --all (not both)")
    with _opened(deliver=True) as ctx:
        if all_:
            total = 0
            for client_id in ctx.tenants(tenant):
                count = ctx.service(client_id).redrive_all()
                total += count
                console.print(f"{client_id}: redriven {count}")
            console.print(f"redriven {total} dead letter(s)")
            return
        assert dead_letter_id is not None
        for client_id in ctx.tenants(tenant):
            service = ctx.service(client_id)
            if service.find_dead_letter(dead_letter_id) is not None:
                letter = service.redrive(dead_letter_id)
                console.print(f"redriven {letter.dead_letter_id} (event {letter.event_id}, "
                              f"route {letter.route_id})")
                return
        raise fail(f"dead letter {dead_letter_id!r} does not exist")
