"""``ob-admin inbox``: answer hand-offs without the dashboard (list, take, reply, release, close).

With ``--api-url`` (``OB_API_URL``) the commands go through the API with ``--api-key``, a
credential holding the ``handoff`` scope (the key is the operator). Without, they run on the
configured store for ``--tenant``, as the operator named by ``--as``.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import msgspec
import typer
from rich.console import Console
from rich.table import Column

from openbrain.cli import tables
from openbrain.cli.app import App
from openbrain.cli.common import (
    ApiKeyOption,
    ApiUrlOption,
    TenantOption,
    admin_runtime,
    fail,
    one_line_errors,
)
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.session import ChatSession, Message
from openbrain.runtime import Runtime
from openbrain.store import TenantRepository

app = App(help="Hand-offs: list, take, reply, release, close.", no_args_is_help=True)
console = Console(highlight=False)
SessionArg = typer.Argument(..., metavar="SESSION", help="The session's id.")
OperatorOption = typer.Option(None, "--as", metavar="NAME",
                              help="Who answers (embedded mode; default: cli:<your login>).")


class Desk(Protocol):
    def list(self) -> list[InboxEntry]: ...
    def take(self, session_id: str) -> ChatSession: ...
    def reply(self, session_id: str, text: str) -> Message: ...
    def release(self, session_id: str) -> ChatSession: ...
    def close(self, session_id: str) -> ChatSession: ...


class _LocalDesk:
    def __init__(self, runtime: Runtime, tenant: str, operator: str) -> None:
        if TenantRepository(runtime.driver).get(tenant) is None:
            raise fail(f"tenant {tenant!r} does not exist (run `ob-admin tenants sync`)")
        self._inbox, self._store, self._operator = runtime.inbox, runtime.store(tenant), operator

    def list(self) -> list[InboxEntry]:
        return self._inbox.list(self._store)

    def take(self, session_id: str) -> ChatSession:
        return self._inbox.take(self._store, session_id, self._operator)

    def reply(self, session_id: str, text: str) -> Message:
        return self._inbox.reply(self._store, session_id, self._operator, text)

    def release(self, session_id: str) -> ChatSession:
        return self._inbox.release(self._store, session_id, self._operator)

    def close(self, session_id: str) -> ChatSession:
        return self._inbox.close(self._store, session_id, self._operator)


@contextmanager
def _desk(api_url: str | None, api_key: str | None, tenant: str,
          operator: str | None) -> Iterator[Desk]:
    if api_url:
        if not api_key:
            raise fail("remote mode needs an API key with the handoff scope (--api-key)")
        # The API client (httpx) only in remote mode: help and embedded mode start without it.
        from openbrain.cli.admin_inbox_remote import RemoteDesk
        from openbrain.client import Client

        with one_line_errors(), Client(api_url, api_key) as client:
            yield RemoteDesk(client)
        return
    with admin_runtime() as runtime:
        yield _LocalDesk(runtime, tenant, operator or f"cli:{getpass.getuser()}")


@app.command("list")
def inbox_list(
    tenant: str = TenantOption, api_url: str | None = ApiUrlOption,
    api_key: str | None = ApiKeyOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Sessions waiting for an operator or held by one, oldest hand-off first."""
    with _desk(api_url, api_key, tenant, None) as desk:
        entries = desk.list()
    if as_json:
        sys.stdout.write(msgspec.json.encode(entries).decode() + "\n")
        return
    if not entries:
        console.print("no hand-offs")
        return
    table = tables.table(Column("session", no_wrap=True, min_width=26), "state", "operator",
                         "lead", Column("since", no_wrap=True))
    for entry in entries:
        s, lead = entry.session, entry.lead
        who = " ".join(filter(None, (lead.full_name, lead.email, lead.phone))) if lead else ""
        since = (s.handoff_at or s.updated_at).strftime("%Y-%m-%d %H:%M")
        table.add_row(s.session_id, s.control, s.operator or "-", who or "-", since)
    console.print(table)


@app.command("take")
def inbox_take(session_id: str = SessionArg, tenant: str = TenantOption,
               operator: str | None = OperatorOption, api_url: str | None = ApiUrlOption,
               api_key: str | None = ApiKeyOption) -> None:
    """Hold a session: the agent stops answering it (refused if another operator has it)."""
    with _desk(api_url, api_key, tenant, operator) as desk:
        session = desk.take(session_id)
    console.print(f"taken: {session.session_id} (by {session.operator})")


@app.command("reply")
def inbox_reply(session_id: str = SessionArg,
                message: str = typer.Argument(..., metavar="MESSAGE",
                                              help="What to say to the visitor."),
                tenant: str = TenantOption, operator: str | None = OperatorOption,
                api_url: str | None = ApiUrlOption, api_key: str | None = ApiKeyOption) -> None:
    """Say something to the visitor of a session you hold."""
    with _desk(api_url, api_key, tenant, operator) as desk:
        said = desk.reply(session_id, message)
    console.print(f"sent (message {said.seq})")


@app.command("release")
def inbox_release(session_id: str = SessionArg, tenant: str = TenantOption,
                  operator: str | None = OperatorOption, api_url: str | None = ApiUrlOption,
                  api_key: str | None = ApiKeyOption) -> None:
    """Hand a session back to the agent (it sees your exchange with the visitor)."""
    with _desk(api_url, api_key, tenant, operator) as desk:
        session = desk.release(session_id)
    console.print(f"released: {session.session_id} (the agent answers again)")


@app.command("close")
def inbox_close(session_id: str = SessionArg, tenant: str = TenantOption,
                operator: str | None = OperatorOption, api_url: str | None = ApiUrlOption,
                api_key: str | None = ApiKeyOption) -> None:
    """End a conversation: the visitor's further messages are refused."""
    with _desk(api_url, api_key, tenant, operator) as desk:
        session = desk.close(session_id)
    console.print(f"closed: {session.session_id}")
