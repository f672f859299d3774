#!/usr/bin/env bash
# Set everything up (Python deps, Chromium, Node 22, the dashboard build), then run the linters,
# the type checker and the whole test suite. Idempotent; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -x scripts/ensure-chromium.sh ] && scripts/ensure-chromium.sh
if [ -x scripts/ensure-node.sh ] && [ -x scripts/build-admin.sh ]; then
  scripts/build-admin.sh
fi

.venv/bin/ruff check .
.venv/bin/mypy
# pytest's exit code 5 (no tests collected) is a failure here, like any other non-zero code.
.venv/bin/pytest "$@"
