"""The Typer app every command is built on: help that reads as a person writes it.

Typer 0.29 prints each parameter's Python type (``<str>``, ``<bool>``, ``<list[str]>``) and a
required argument as ``{MESSAGE}`` in the usage line. :class:`App` builds its commands and
groups from :class:`Command` and :class:`Group`, whose parameters show a metavar instead: the
one declared, else the option's name in capitals (``--tenant`` -> ``TENANT``), a choice's
values, and nothing for a flag; a required argument is ``MESSAGE``, an optional one
``[MESSAGE]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        # Also what "Missing argument 'KEY_ID'" names.
        return self.metavar or (self.name or "value").upper()

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name if self.nargs == 1 else f"{name}..."

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        # The name column already says MESSAGE; a type beside it is noise.
        return None


class _Option(TyperOption):
    def display_type_rich(self, ctx: _click.Context) -> str | None:
        if self.metavar is not None:
            return self.metavar or None
        if self.is_flag:
            return None
        if self.type_descriptor.is_choice:
            return self.display_type(ctx).strip("<>")
        return (self.name or "value").upper()


def _plain(params: list[_click.Parameter]) -> list[_click.Parameter]:
    """The same parameters, shown as above. Typer builds them itself with no hook for their
    class, so each is given the subclass in place: the subclasses add no state, only the
    methods help and error messages call."""
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _Argument
        elif type(param) is TyperOption:
            param.__class__ = _Option
    return params


class Command(TyperCommand):
    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        return _plain(super().get_params(ctx))


class Group(TyperGroup):
    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        return _plain(super().get_params(ctx))


class App(typer.Typer):
    """``typer.Typer`` whose groups and commands render help as described above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or Command, **kwargs)
