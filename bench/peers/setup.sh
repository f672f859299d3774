#!/bin/sh
# The peer of `bench/api.py --peers`: LangGraph's server (`langgraph dev`, in-memory) with
# langchain-openai, in a virtualenv of its own. Never a project dependency: installed from
# PyPI by name with uv into $1 (default: .bench-peers at the repository's root).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$here/.bench-peers}
python3 -m uv venv --quiet --allow-existing --python 3.11 "$venv"
python3 -m uv pip install --quiet --python "$venv/bin/python" \
    "langgraph-cli[inmem]" langgraph langchain-openai
# Byte-compiled like ours (scripts/setup.sh), so cold starts compare imports, not compiling.
"$venv/bin/python" -m compileall -q -q -j 0 "$venv"/lib/python*/site-packages || true
echo "$venv"
