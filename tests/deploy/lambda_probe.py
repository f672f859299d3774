"""Run by test_lambda_build.py in a bare interpreter (``python -S -s -P``, ``PYTHONPATH`` = the
extracted code archive and layer only): imports every function's entry point as its runtime
does, optionally serves ``/healthz`` once through uvicorn, and prints what it saw as JSON.

Only the standard library is imported before the measured imports; nothing here may come from
the project's virtualenv.
"""

from __future__ import annotations

import importlib
import importlib._bootstrap_external as bootstrap
import json
import sys
import sysconfig
import threading
import time
import urllib.request
from typing import Any

ENTRY_POINTS = [
    "ob_boot",  # deploy/runtime/ob_boot.py: every function's launcher
    "openbrain.api.app",  # uvicorn --factory openbrain.api.app:app_from_environment
    "openbrain.event_targets.handler",
    "openbrain.event_targets.sweeper",
    "langchain_openai",  # the agent's model client, imported on the first chat
]

compiled: list[str] = []
_source_to_code = bootstrap.SourceLoader.source_to_code


def _counting(self: Any, data: Any, path: Any, *, _optimize: int = -1) -> Any:
    """Every module compiled from source instead of read from valid bytecode."""
    compiled.append(str(path))
    return _source_to_code(self, data, path, _optimize=_optimize)


def _serve_healthz() -> int:
    import uvicorn  # from the layer

    config = uvicorn.Config(
        "openbrain.api.app:app_from_environment", factory=True, host="127.0.0.1", port=0,
        log_level="warning", access_log=False, lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as resp:
        status = int(resp.status)
    server.should_exit = True
    thread.join(timeout=30)
    return status


def main() -> None:
    bootstrap.SourceLoader.source_to_code = _counting  # type: ignore[method-assign]
    roots = [p for p in sys.path if p]
    stdlib = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    cpu, wall = time.process_time(), time.perf_counter()
    for name in ENTRY_POINTS:
        importlib.import_module(name)
    report: dict[str, Any] = {
        "import_cpu_s": round(time.process_time() - cpu, 3),
        "import_wall_s": round(time.perf_counter() - wall, 3),
        "factory": callable(importlib.import_module("openbrain.api.app").app_from_environment),
    }
    if sys.argv[1:] == ["serve"]:
        report["healthz"] = _serve_healthz()
    report["compiled"] = [p for p in compiled if not any(p.startswith(s) for s in stdlib)]
    report["outside"] = sorted(
        name
        for name, module in list(sys.modules.items())
        if name not in {"__main__", "__mp_main__"}  # this probe
        and (origin := getattr(module, "__file__", None))
        and not any(origin.startswith(root) for root in roots)
    )
    report["sys_path"] = roots
    print(json.dumps(report))


if __name__ == "__main__":
    main()
