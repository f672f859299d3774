#!/usr/bin/env bash
# Set everything up (Python deps, Chromium, Node 22, the dashboard build), then run the linters,
# the type checker and the whole test suite. Idempotent; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/ensure-chromium.sh
scripts/ensure-axe.sh >/dev/null
OB_BUILD_LOGLEVEL=warning scripts/build-admin.sh
# Everything the browser tests need is installed now: a skipped browser test is a failure.
export OB_REQUIRE_BROWSER=1

.venv/bin/ruff check .
.venv/bin/mypy
# pytest's exit code 5 (no tests collected) is a failure here, like any other non-zero code.
.venv/bin/pytest "$@"
