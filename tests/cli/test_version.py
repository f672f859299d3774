"""``--version`` on every command: one release, ``openbrain.__version__`` (which the wheel's
metadata reads too), answered before any argument or configuration is looked at."""

from __future__ import annotations

import importlib.metadata

import pytest
import typer
from typer.testing import CliRunner

from openbrain import __version__
from openbrain.cli import admin, chat, ob, tuner
from openbrain.cli.common import err_console, fail


@pytest.mark.parametrize(("app", "name"), [
    (ob.ask_app, "ob"), (ob.serve_app, "ob serve"), (chat.app, "ob-chat"), (admin.app, "ob-admin"),
    (tuner.tuner_app, "ob-tuner"),
])
def test_each_command_prints_the_version(app: typer.Typer, name: str) -> None:
    result = CliRunner().invoke(app, ["--version"], prog_name=name)
    assert (result.exit_code, result.output) == (0, f"{name} {__version__}\n")


def test_the_installed_metadata_reads_the_same_version() -> None:
    assert importlib.metadata.version("openbrain") == __version__


def test_an_error_line_prints_brackets_as_written() -> None:
    """Rich markup in a message would be swallowed: ``openbrain[admin]`` must stay."""
    with err_console.capture() as captured:
        fail("pip install 'openbrain[admin]' in [bold]/tmp/x[/]")
    assert captured.get() == "error: pip install 'openbrain[admin]' in [bold]/tmp/x[/]\n"
