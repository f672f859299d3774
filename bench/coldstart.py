"""Cold start: wall time of fresh processes that import the API, build the app, or run a CLI.

Each case runs ``--runs`` times in a new interpreter (so nothing is cached in the process;
the OS page cache is warm after the first run, as on a server that restarts). Prints the
median and the min, plus the heaviest modules of one ``-X importtime`` run of the API import.
Prints figures; never asserts on speed.

    .venv/bin/python bench/coldstart.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CASES: list[tuple[str, list[str]]] = [
    ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"]),
    ("import openbrain.api.app", [sys.executable, "-c", "import openbrain.api.app"]),
    ("app_from_environment() (SQLite, temp dir)", [sys.executable, "-c",
     "from openbrain.api.app import app_from_environment; app_from_environment()"]),
    ("ob --help", [str(BIN / "ob"), "--help"]),
    ("ob serve --help", [str(BIN / "ob"), "serve", "--help"]),
    ("ob-admin --help", [str(BIN / "ob-admin"), "--help"]),
    ("import the SQS Lambda handler", [sys.executable, "-c",
     "from openbrain.event_targets.handler import lambda_handler"]),
]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def heaviest_imports(env: dict[str, str], top: int) -> list[tuple[float, str]]:
    """Packages by the import time spent entering them from another package (ms, cumulative),
    from ``-X importtime`` (which inflates every figure a little)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "from openbrain.api.app import app_from_environment; "
                           "app_from_environment()"],
                          env=env, capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((len(match.group(2)), match.group(3), int(match.group(1)) / 1000))
    totals: dict[str, float] = {}
    stack: list[tuple[int, str]] = []  # the output is post-order: read it backwards
    for indent, module, ms in reversed(rows):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        package = module.split(".")[0]
        parent = stack[-1][1] if stack else ""
        if package == "openbrain":
            package = ".".join(module.split(".")[:2])
        if package != parent:
            totals[package] = totals.get(package, 0.0) + ms
        stack.append((indent, package))
    return sorted(((ms, name) for name, ms in totals.items()), reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OB_STORE": f"sqlite:///{tmp}/cold.db",
               "OB_TENANTS_DIR": str(Path(tmp) / "tenants"), "XDG_DATA_HOME": tmp}
        env.pop("OPENAI_API_KEY", None)
        env.pop("OPENAI_BASE_URL", None)
        (Path(tmp) / "tenants").mkdir()  # no tenants: the app still starts
        print(f"cold start, {args.runs} fresh processes per case (wall time)")
        for label, command in CASES:
            timed(command, env)  # page cache warm, .pyc written
            runs = [timed(command, env) for _ in range(args.runs)]
            print(f"  {label:<36} median {statistics.median(runs) * 1000:7.0f} ms   "
                  f"min {min(runs) * 1000:7.0f} ms")
        print("heaviest top-level imports of app_from_environment() (cumulative, one run):")
        for ms, name in heaviest_imports(env, 10):
            print(f"  {name:<28} {ms:7.0f} ms")


if __name__ == "__main__":
    main()
