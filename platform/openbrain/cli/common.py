"""What every CLI command shares: the runtime, choosing a backend, errors as one line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import msgspec

from openbrain.cli.console import err_console
from openbrain.cli.errors import fail, one_line_errors, run_guarded
from openbrain.cli.options import ApiKeyOption, ApiUrlOption, TenantOption
from openbrain.runtime import ADMIN, LOCAL_CHAT, Runtime
from openbrain.settings import get_settings

if TYPE_CHECKING:
    from openbrain.cli.backends import ChatBackend

__all__ = (
    "ApiKeyOption", "ApiUrlOption", "TenantOption", "admin_runtime", "err_console", "fail",
    "key_values", "one_line_errors", "open_backend", "run_guarded", "stdout_is_tty",
)


def open_backend(api_url: str | None, api_key: str | None, tenant: str) -> ChatBackend:
    """Remote when an API URL is given, else embedded on the local store."""
    # Imported here: the remote client (httpx) only for the commands that open a backend.
    from openbrain.cli.backends import LocalBackend, RemoteBackend

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
