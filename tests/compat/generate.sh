#!/usr/bin/env bash
# Regenerate the golden compatibility fixtures (tests/compat/fixtures/*.json) from agno 2.1.10.
#   bash tests/compat/generate.sh
# Makes .tools/compat-venv from tests/compat/requirements.txt (skipped when already in sync),
# starts its own DynamoDB Local (port $COMPAT_DDB_PORT, default 8201), runs generate.py, stops it.
# Re-running gives byte-identical fixtures. (The shared part is tests/compat/goldens.sh.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/goldens.sh"

VENV="$ROOT/.tools/compat-venv"
ensure_venv "$VENV" "$HERE/requirements.txt"
run_generator "$VENV" "${COMPAT_DDB_PORT:-8201}"
