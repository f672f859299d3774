#!/usr/bin/env bash
# Build the admin dashboard's frontend (idempotent): Node 22 from the npm registry first on
# PATH, npm instead of bun, telemetry off. After this, `ob-tuner` (or
# `reflex run --env prod --single-port`) only runs Vite's production build, with no download.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_BIN="$("$ROOT/scripts/ensure-node.sh")"
export PATH="$NODE_BIN:$PATH"
export REFLEX_USE_NPM=1
export REFLEX_TELEMETRY_ENABLED=false
# Reflex otherwise probes registry.npmmirror.com to pick a registry: use the configured one.
export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry)}"
REFLEX="${REFLEX:-$ROOT/.venv/bin/reflex}"

cd "$ROOT/admin_ui"
# Exports a production build of the frontend into admin_ui/.web/build/client (and installs the
# locked npm packages on the first run). The zip files are not needed.
"$REFLEX" export --frontend-only --no-zip --env prod --loglevel "${OB_BUILD_LOGLEVEL:-info}"
echo "admin dashboard built: $ROOT/admin_ui/.web/build/client"
