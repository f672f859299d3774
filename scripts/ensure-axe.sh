#!/usr/bin/env bash
# Idempotently install axe-core (the accessibility engine the browser tests inject into each
# page) from the npm registry into .tools/axe, and print the path of its script. Installed once
# by name here, so no test downloads anything.
set -euo pipefail

AXE_VERSION="${OB_AXE_VERSION:-4.14.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.tools/axe"
SCRIPT="$PREFIX/node_modules/axe-core/axe.min.js"
PACKAGE_JSON="$PREFIX/node_modules/axe-core/package.json"

installed() {
  [[ -f "$SCRIPT" ]] && grep -q "\"version\": \"$AXE_VERSION\"" "$PACKAGE_JSON"
}

if ! installed; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-axe: npm is required to fetch axe-core@$AXE_VERSION" >&2
    exit 1
  fi
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >&2
  if ! installed; then
    echo "ensure-axe: $SCRIPT missing after install" >&2
    exit 1
  fi
fi
echo "$SCRIPT"
