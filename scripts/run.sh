#!/usr/bin/env bash
# Set everything up, then run the API with the embedded store, ready to chat:
#   curl -s localhost:8000/healthz ; .venv/bin/ob "Hi, I am Jane Doe, jane@example.com"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The repository's tenant specs (an installed wheel's default is the user's config folder).
export OB_TENANTS_DIR="${OB_TENANTS_DIR:-$PWD/tenants}"
exec .venv/bin/ob serve "$@"
