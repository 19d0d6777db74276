#!/usr/bin/env bash
# Regenerate the agno 3.1.10 golden compatibility fixtures (tests/compat3/fixtures/*.json).
#   bash tests/compat3/generate.sh
# Makes .tools/compat3-venv from tests/compat3/requirements.txt (skipped when already in sync; an existing
# venv whose `pip freeze` matches the pins is adopted), starts its own DynamoDB Local (port
# $COMPAT3_DDB_PORT, default 8202), runs generate.py, stops it. Re-running gives byte-identical fixtures.
# (The shared part is tests/compat/goldens.sh; it also unsets the caller's AgentOS settings:
# OS_SECURITY_KEY, AUTHORIZATION_ENABLED, JWT_VERIFICATION_KEY, …, and generate.py drops any case
# variant of them and every AGNO_* variable.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../compat/goldens.sh"

VENV="$ROOT/.tools/compat3-venv"
ensure_venv "$VENV" "$HERE/requirements.txt"
run_generator "$VENV" "${COMPAT3_DDB_PORT:-8202}"
