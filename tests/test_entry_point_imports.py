"""What each entry point imports to do its job, in a fresh process: ``ob serve`` up to the
moment uvicorn serves, the commands' help, and the Lambda functions' handlers. Each leaves
out what it does not need (a library arrives with the command or the request that uses it).
Deterministic: module names, never timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed to start: LangChain and its tracing client come with the first turn (in the
# background after the server is up); PyJWT/cryptography with the first token; httpx with
# the remote client or the first webhook; pydantic and boto3 with the code that uses them.
NOT_NEEDED = {"langchain_core", "langchain_openai", "langsmith", "openai", "requests",
              "jwt", "cryptography", "pydantic", "httpx", "boto3"}
# Libraries of people's terminals: rich (and what it renders help with), click.
TERMINAL = {"rich", "pygments", "markdown_it", "click"}

_TOP = """
def top() -> list[str]:
    return sorted({m.split(".")[0] for m, v in sys.modules.items() if v is not None})
"""

_SERVE = """
import json, sys
import uvicorn
""" + _TOP + """
def record(self, sockets=None):  # where ob serve hands over to uvicorn: start-up is done
    print(json.dumps({"modules": top(), "app": type(self.config.app).__name__}))
uvicorn.Server.run = record
sys.argv = ["ob", "serve", "--port", "0"]
from openbrain.cli.ob import main
main()
"""

_HELP = """
import importlib, json, sys
""" + _TOP + """
module, *sys.argv = sys.argv[1:]
try:
    importlib.import_module(module).main()
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print(json.dumps({"modules": top()}))
"""

_LAMBDA = """
import importlib, json, sys
""" + _TOP + """
handler = importlib.import_module(sys.argv[1]).lambda_handler
print(json.dumps({"modules": top(), "handler": callable(handler)}))
"""


def _run(code: str, *args: str, tmp_path: Path) -> dict[str, object]:
    (tmp_path / "tenants").mkdir(exist_ok=True)
    env = {**os.environ, "OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}",
           "OB_TENANTS_DIR": str(tmp_path / "tenants"), "OB_LOG_LEVEL": "WARNING",
           "COLUMNS": "100"}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LANGSMITH_TRACING", "OB_API_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _modules(probe: dict[str, object]) -> set[str]:
    modules = probe["modules"]
    assert isinstance(modules, list)
    return set(modules)


def test_ob_serve_starts_without_the_terminal_libraries_or_the_turn_path(tmp_path: Path) -> None:
    probe = _run(_SERVE, tmp_path=tmp_path)
    assert probe["app"] == "_Litestar"  # create_app ran: this is the server about to serve
    modules = _modules(probe)
    assert {"litestar", "uvicorn", "typer"} <= modules
    # click is uvicorn's own (its command line, imported by ``import uvicorn``).
    unwanted = NOT_NEEDED | (TERMINAL - {"click"})
    assert unwanted.isdisjoint(modules), sorted(unwanted & modules)


@pytest.mark.parametrize(("module", "argv"), [
    ("openbrain.cli.ob", ["ob", "--help"]),
    ("openbrain.cli.ob", ["ob", "serve", "--help"]),
    ("openbrain.cli.admin", ["ob-admin", "--help"]),
    ("openbrain.cli.chat", ["ob-chat", "--help"]),
])
def test_command_help_imports_typer_and_rich_only(module: str, argv: list[str],
                                                  tmp_path: Path) -> None:
    modules = _modules(_run(_HELP, module, *argv, tmp_path=tmp_path))
    assert {"typer", "rich"} <= modules  # the help is rendered with rich
    assert NOT_NEEDED.isdisjoint(modules), sorted(NOT_NEEDED & modules)
    assert {"litestar", "uvicorn"}.isdisjoint(modules)


@pytest.mark.parametrize("module", ["openbrain.event_targets.handler",
                                    "openbrain.event_targets.sweeper"])
def test_lambda_handlers_import_neither_the_api_nor_the_terminal(module: str,
                                                                 tmp_path: Path) -> None:
    probe = _run(_LAMBDA, module, tmp_path=tmp_path)
    assert probe["handler"] is True
    modules = _modules(probe)
    unwanted = NOT_NEEDED | TERMINAL | {"typer", "litestar", "uvicorn"}
    assert unwanted.isdisjoint(modules), sorted(unwanted & modules)
