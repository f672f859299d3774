"""``--version`` on every command: the release from ``openbrain.__version__`` and the program."""

from __future__ import annotations

import typer

from openbrain import __version__


def _show(ctx: typer.Context, value: bool) -> None:
    # Eager: answered before any argument is required or the runtime is built.
    if value:
        typer.echo(f"{ctx.find_root().info_name} {__version__}")
        raise typer.Exit()


VersionOption = typer.Option(
    False, "--version", is_eager=True, callback=_show,
    help="Print the version and exit.",
)
