"""``ob serve`` reads its plain options itself (typer imports pydantic to parse any): the
values it reads are the ones typer passes the command, and whatever else it is given (help,
``--version``, a bad or unknown option) is left to typer, with typer's answer."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from openbrain.cli import ob

PLAIN = [
    [], ["--port", "8080"], ["--port=0"], ["--host", "0.0.0.0"], ["--host=::1"],
    ["--host", "localhost", "--port", "65535"], ["--port", "9", "--host=127.0.0.2"],
]
LEFT_TO_TYPER = [
    ["--help"], ["--version"], ["--port"], ["--port", "eighty"], ["--port", "08"],
    ["--port", "-1"], ["--port", "+80"], ["--port", " 80"], ["--port", "\uff18\uff10"],
    ["--port", "1", "--port", "2"], ["--host", "--port", "1"], ["--host="], ["--hots", "x"],
    ["extra"], ["--port", "123456"],
]


def _typer_values(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    received: list[tuple[object, ...]] = []
    monkeypatch.setattr(ob, "start_server", lambda host, port: received.append((host, port)))
    result = CliRunner().invoke(ob.serve_app, args, prog_name="ob serve")
    assert result.exit_code == 0, result.output
    return received[0]


@pytest.mark.parametrize("args", PLAIN)
def test_plain_options_are_read_as_typer_reads_them(args: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert ob.plain_serve_options(args) == _typer_values(args, monkeypatch)


@pytest.mark.parametrize("args", LEFT_TO_TYPER)
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert ob.plain_serve_options(args) is None
