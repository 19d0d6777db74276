#!/usr/bin/env bash
# Regenerate the agno 3.1.10 golden compatibility fixtures (tests/compat3/fixtures/*.json).
#   bash tests/compat3/generate.sh
# Makes .tools/compat3-venv from tests/compat3/requirements.txt (skipped when already in sync; an existing
# venv whose `pip freeze` matches the pins is adopted), starts its own DynamoDB Local (port
# $COMPAT3_DDB_PORT, default 8202), runs generate.py, stops it. Re-running gives byte-identical fixtures.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.tools/compat3-venv"
REQ="$HERE/requirements.txt"
PORT="${COMPAT3_DDB_PORT:-8202}"
STAMP="$VENV/.requirements.sha256"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
pins() { grep -v '^\s*#' "$REQ" | sed '/^\s*$/d' | LC_ALL=C sort; }
frozen() { "$VENV/bin/pip" freeze --disable-pip-version-check 2>/dev/null | LC_ALL=C sort; }

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  say "compat3 venv up to date ($VENV)"
elif [ -x "$VENV/bin/python" ] && [ "$(frozen)" = "$(pins)" ]; then
  say "adopting $VENV (pip freeze matches $REQ)"
  echo "$want" >"$STAMP"
else
  say "creating $VENV from $REQ"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  "$VENV/bin/pip" check >/dev/null
  echo "$want" >"$STAMP"
fi

stop_ddb() { DDB_PORT="$PORT" "$ROOT/scripts/dynamodb-local.sh" stop "$PORT" || true; }
trap stop_ddb EXIT
DDB_PORT="$PORT" "$ROOT/scripts/dynamodb-local.sh" start "$PORT"

# AgentOS settings come from the environment (AgnoAPISettings: OS_SECURITY_KEY, AUTHORIZATION_ENABLED, …;
# agno.os's getenv: JWT_VERIFICATION_KEY, JWT_JWKS_FILE, …): keep the caller's out of the recording.
# (generate.py also drops any case variant of these and every AGNO_* variable.)
unset OS_SECURITY_KEY ENV DOCS_ENABLED AUTHORIZATION_ENABLED SERVICE_ACCOUNT_CACHE_TTL_SECONDS CORS_ORIGIN_LIST \
  JWT_VERIFICATION_KEY JWT_JWKS_FILE APP_ENV AGENTOS_URL AGENTOS_MCP_SIGNING_KEY MCP_CONNECT_SECRET \
  AGENT_OS_HOST AGENT_OS_PORT AGNO_DEBUG AGNO_DEBUG_LEVEL AGNO_API_RUNTIME \
  AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 AGNO_TELEMETRY=false TZ=UTC

"$VENV/bin/python" "$HERE/generate.py" --endpoint "http://127.0.0.1:$PORT" --out "$HERE/fixtures"
