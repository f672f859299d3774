#!/usr/bin/env bash
# Build the Lambda artifacts the Pulumi program deploys, reproducibly (same inputs, same bytes):
#   build/lambda/lambda-code.zip  openbrain (with its event_targets) + tenants/*.toml + ob_boot.py + run.sh
#   build/lambda/lambda-deps.zip  the locked runtime dependencies (a layer: python/...)
# both byte-compiled for the functions' runtime (python3.11, x86_64). Needs what scripts/setup.sh
# installs (uv, .venv); wheels come from PyPI by name and are kept in uv's cache (UV_CACHE_DIR),
# so a second build downloads nothing. Idempotent. Usage: scripts/build-lambda.sh [--out DIR]
# [--tenants DIR]   (see `python -m deploy.artifacts --help`; docs/deploy.md, "Build the artifacts")
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x .venv/bin/python ]] || ! python3 -m uv --version >/dev/null 2>&1; then
  echo "build-lambda: run scripts/setup.sh first (it installs uv and .venv)" >&2
  exit 1
fi
UV_BIN="$(python3 -c 'import uv; print(uv.find_uv_bin())')"
exec .venv/bin/python -m deploy.artifacts --uv "$UV_BIN" "$@"
