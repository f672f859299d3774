"""Errors as one readable line and an exit code. Imports neither rich nor the runtime until a
line is printed: ``ob serve`` runs through here and starts without them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import msgspec
import typer

from openbrain.domain import OpenBrainError
from openbrain.domain.validation import explain
from openbrain.settings import SettingsError

T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    from rich.markup import escape

    from openbrain.cli.console import err_console

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
