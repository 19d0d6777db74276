#!/usr/bin/env bash
# Regenerate tests/auth3/fixtures/cases.json: what agno 3.1.10's AgentOS answers on
# GET /sessions/{session_id} for every JWT / security-key situation.
#   bash tests/auth3/generate.sh
# Needs .tools/compat3-venv with agno==3.1.10 (this script only checks it; it does not install).
# Starts its own DynamoDB Local (port $AUTH3_DDB_PORT, default 8203), runs generate.py, stops it.
# Re-running gives a byte-identical fixture.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.tools/compat3-venv"
PORT="${AUTH3_DDB_PORT:-8203}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

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

stop_ddb() { DDB_PORT="$PORT" "$ROOT/scripts/dynamodb-local.sh" stop "$PORT" || true; }
trap stop_ddb EXIT
DDB_PORT="$PORT" "$ROOT/scripts/dynamodb-local.sh" start "$PORT"

# AgentOS reads its auth settings from the environment: keep the caller's out of the recording
# (generate.py also drops them and sets each configuration's own in its child processes).
unset OS_SECURITY_KEY JWT_VERIFICATION_KEY JWT_JWKS_FILE JWT_JWKS ENV DOCS_ENABLED CORS_ORIGIN_LIST \
      AUTHORIZATION_ENABLED AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 AGNO_TELEMETRY=false TZ=UTC

"$VENV/bin/python" "$HERE/generate.py" --endpoint "http://127.0.0.1:$PORT" --out "$HERE/fixtures"
