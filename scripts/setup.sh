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

# Byte-compile once, so no process compiles its imports from source again: without this a
# machine that never writes bytecode (PYTHONDONTWRITEBYTECODE, read-only installs) spends
# about 1.2 s of every start compiling. The dependencies are compiled again only when
# uv.lock changes (a stamp in .venv); our own modules every time (compileall skips the ones
# whose bytecode is current).
lock_stamp=".venv/.bytecode-$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open("uv.lock","rb").read()).hexdigest()[:16])')"
if [ ! -e "$lock_stamp" ]; then
  rm -f .venv/.bytecode-*
  # A dependency's file that does not compile stays as it was: compiled at import, if imported.
  .venv/bin/python -m compileall -q -q -j 0 .venv/lib/python*/site-packages || true
  touch "$lock_stamp"
fi
.venv/bin/python -m compileall -q -q -j 0 platform/openbrain
