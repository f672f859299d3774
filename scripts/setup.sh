#!/usr/bin/env bash
# Idempotent setup of the Python environment: uv (pinned) and the locked dependencies in .venv.
# Needs only python3 (3.11+) and pip; safe to run again (it only installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
if ! python3 -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# --frozen: install exactly uv.lock, never re-resolve.
python3 -m uv sync --frozen --quiet
