#!/usr/bin/env bash
# Regenerate tests/auth3/fixtures/cases.json: what agno 3.1.10's AgentOS answers on
# GET /sessions/{session_id} for every JWT / security-key situation.
#   bash tests/auth3/generate.sh
# Needs .tools/compat3-venv with agno==3.1.10 (this script only checks it; it does not install).
# Starts its own DynamoDB Local (port $AUTH3_DDB_PORT, default 8203), runs generate.py, stops it.
# Re-running gives a byte-identical fixture. (The shared part is tests/compat/goldens.sh.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../compat/goldens.sh"

VENV="$ROOT/.tools/compat3-venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "missing $VENV (python 3.11 venv with agno==3.1.10); create it first (see tests/auth3/README.md)" >&2
  exit 1
fi
have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("agno"))' 2>/dev/null || true)"
if [ "$have" != "3.1.10" ]; then
  echo "$VENV has agno '${have:-not installed}', need agno==3.1.10" >&2
  exit 1
fi
say "using $VENV (agno $have)"

run_generator "$VENV" "${AUTH3_DDB_PORT:-8203}"
