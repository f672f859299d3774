"""``ob "message"``: one answer from an agent; ``ob serve``: run the HTTP API."""

from __future__ import annotations

import sys

import msgspec
import typer

# Only typer at the top: ``ob serve`` starts the server without the chat command's rich,
# runtime and remote client, which ``ask`` imports when it runs.
from openbrain.cli.app import App
from openbrain.cli.errors import fail, one_line_errors
from openbrain.cli.options import ApiKeyOption, ApiUrlOption, TenantOption
from openbrain.cli.version import VersionOption
from openbrain.domain import ChatMessage

ask_app = App(add_completion=False, help=__doc__)


@ask_app.command()
def ask(
    message: str = typer.Argument(..., metavar="MESSAGE", help="What to say to the agent."),
    profile: str | None = typer.Option(None, "--profile", "-p", metavar="NAME",
                                       help="Agent profile name."),
    session: str | None = typer.Option(
        None, "--session", "-s", metavar="ID",
        help="Continue this session (its id is printed on stderr).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the whole reply as JSON."),
    override: list[str] = typer.Option(  # noqa: B008 (typer declares options this way)
        [], "--override", "-o", metavar="SETTING=VALUE",
        help="Override a profile setting for the new session, e.g. temperature=0.2 "
             "(only settings the profile lists as overridable; repeatable).",
    ),
    context: list[str] = typer.Option(  # noqa: B008
        [], "--context", "-c", metavar="KEY=VALUE",
        help="A fact the agent's tools receive with the message, e.g. plan=gold (repeatable).",
    ),
    api_url: str | None = ApiUrlOption,
    api_key: str | None = ApiKeyOption,
    tenant: str = TenantOption,
    _version: bool = VersionOption,
) -> None:
    """Send MESSAGE and print the agent's answer. Without --session a new session starts."""
    from openbrain.cli.common import err_console, key_values, open_backend

    with one_line_errors():
        if not message.strip():
            raise typer.BadParameter("the message is empty")
        if override and session is not None:
            raise fail("--override applies when a session starts: leave out --session")
        overrides = key_values("--override", override)
        facts = key_values("--context", context)
        backend = open_backend(api_url, api_key, tenant)
        try:
            # Converted, not constructed: the same limits as the API (message length, ids).
            request = msgspec.convert(
                {"message": message, "sessionId": session, "agentConfig": profile,
                 "reset": session is None, "agentConfigOverrides": overrides,
                 "context": facts, "channel": "cli" if session is None else None},
                ChatMessage,
            )
            reply = backend.chat(request)
        finally:
            backend.close()
    if as_json:
        sys.stdout.write(msgspec.json.encode(reply).decode() + "\n")
        return
    if reply.notice:
        err_console.print(reply.notice, style="dim", highlight=False)
    sys.stdout.write(reply.message + "\n")
    err_console.print(f"session: {reply.session_id}", style="dim")


serve_app = App(add_completion=False)


@serve_app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="Interface to bind (OB_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (OB_PORT)."),
    _version: bool = VersionOption,
) -> None:
    """Run the HTTP API: embedded store and dispatcher unless AWS is configured."""
    start_server(host, port)


def start_server(host: str | None, port: int | None) -> None:
    """What ``ob serve`` runs: the settings with ``host``/``port`` given, then the server."""
    from dataclasses import replace

    from openbrain.api.server import serve as run_server
    from openbrain.settings import get_settings

    with one_line_errors():
        settings = get_settings()
        settings = replace(
            settings, host=host or settings.host,
            port=port if port is not None else settings.port,
        )
        run_server(settings)


_SERVE_OPTIONS = ("--host", "--port")


def plain_serve_options(args: list[str]) -> tuple[str | None, int | None] | None:
    """``--host NAME`` and ``--port DIGITS`` (or ``--opt=value``), each at most once: the
    values ``serve`` receives from typer for them. ``None`` for anything else (no
    arguments to read here: help, ``--version``, anything typer must check or explain).

    Typer coerces every parameter through pydantic, whose import is a tenth of the server's
    start; the plain forms every deployment and person uses need none of it."""
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        name, sep, value = rest.pop(0).partition("=")
        if name not in _SERVE_OPTIONS or name in found:
            return None
        if not sep:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        found[name] = value
    port = found.get("--port")
    if port is not None and not (port.isascii() and port.isdigit() and len(port) <= 5
                                 and str(int(port)) == port):
        return None
    return found.get("--host"), None if port is None else int(port)


def main() -> None:
    """Entry point of ``ob``: ``ob serve ...`` runs the server, anything else is a message."""
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        options = plain_serve_options(sys.argv[2:])
        if options is None:
            serve_app(args=sys.argv[2:], prog_name="ob serve")
            return
        try:
            start_server(*options)
        except typer.Exit as exc:  # as typer's standalone mode ends a command
            sys.exit(exc.exit_code)
    else:
        ask_app(prog_name="ob")
