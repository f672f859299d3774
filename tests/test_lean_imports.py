"""What importing ``openbrain`` keeps out of a process (openbrain/__init__.py): structlog is
imported as if rich were not installed, and httpx without its command-line client. Both stay
usable, and rich stays importable for the CLI's help and tables. Module names, never timings."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import structlog

from openbrain.logs import configure_logging

_PROBE = """
import json, sys
import openbrain
import structlog, httpx
kept_out = sorted({"rich", "pygments", "click"} & {m.split(".")[0] for m, v in sys.modules.items()
                                                   if v is not None})
import structlog.dev
structlog_rich = structlog.dev.rich is not None
import rich.console  # still there for whoever asks for it
print(json.dumps({"kept_out": kept_out, "structlog_rich": structlog_rich,
                  "rich_after": "rich.console" in sys.modules,
                  "httpx_client": httpx.Client is not None}))
"""


def test_openbrain_imports_structlog_and_httpx_without_rich_pygments_or_click() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe == {"kept_out": [], "structlog_rich": False, "rich_after": True,
                     "httpx_client": True}


def test_console_log_lines_render_exceptions_as_plain_text() -> None:
    """The CLI's readable lines: an exception is the standard traceback text, as it was when
    structlog had rich (``format_exc_info`` renders it before the console renderer)."""
    stream = io.StringIO()
    configure_logging("ERROR", json=False, stream=stream)
    try:
        raise ValueError("no such profile")
    except ValueError:
        structlog.get_logger("openbrain.test").exception("turn.failed", profile="default")
    finally:
        configure_logging("INFO")
    text = stream.getvalue()
    assert "turn.failed" in text
    assert "profile=default" in text
    assert "Traceback (most recent call last):" in text
    assert text.rstrip().endswith("ValueError: no such profile")
    assert "╭" not in text
    assert "│" not in text
