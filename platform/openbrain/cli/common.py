"""What every CLI command shares: the runtime, choosing a backend, errors as one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from openbrain.cli.backends import ChatBackend, LocalBackend, RemoteBackend
from openbrain.domain import OpenBrainError
from openbrain.domain.validation import explain
from openbrain.runtime import ADMIN, LOCAL_CHAT, Runtime
from openbrain.settings import SettingsError, get_settings

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")

ApiUrlOption = typer.Option(None, "--api-url", envvar="OB_API_URL", metavar="URL",
                            help="Remote API base URL.")
ApiKeyOption = typer.Option(None, "--api-key", envvar="OB_API_KEY", metavar="KEY",
                            help="API key (remote mode).")
TenantOption = typer.Option("demo", "--tenant", envvar="OB_TENANT", metavar="TENANT",
                            help="Tenant (embedded mode).")


def open_backend(api_url: str | None, api_key: str | None, tenant: str) -> ChatBackend:
    """Remote when an API URL is given, else embedded on the local store."""
    if api_url:
        return RemoteBackend(api_url, api_key or "")
    runtime = Runtime(get_settings(), profile=LOCAL_CHAT)
    try:
        runtime.start()
        return LocalBackend(runtime, tenant)
    except BaseException:
        runtime.close()
        raise


@contextmanager
def admin_runtime() -> Iterator[Runtime]:
    """An operator command's runtime, closed on exit; known errors become one line."""
    with one_line_errors(), Runtime(get_settings(), profile=ADMIN) as runtime:
        yield runtime


def fail(message: str, code: int = 1) -> typer.Exit:
    # The message is text, not markup: "openbrain[admin]" or a path must print as written.
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    return typer.Exit(code)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Known errors become one readable line and a non-zero exit code, never a traceback."""
    try:
        yield
    except OpenBrainError as exc:
        raise fail(exc.detail) from None
    except msgspec.ValidationError as exc:
        raise fail(explain(str(exc)).sentence) from None
    except SettingsError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def run_guarded(func: Callable[[], T]) -> T:
    with one_line_errors():
        return func()


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def key_values(option: str, pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` options as a dict; a VALUE that is JSON (``0.2``, ``true``, ``["a"]``)
    is taken as such, anything else as text.

    Raises:
        typer.Exit: a pair without ``=`` or with an empty key (after a one-line message).
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"{option} takes KEY=VALUE, not {pair!r}")
        try:
            values[key.strip()] = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            values[key.strip()] = raw
    return values
