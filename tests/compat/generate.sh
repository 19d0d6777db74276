#!/usr/bin/env bash
# Regenerate the golden compatibility fixtures (tests/compat/fixtures/*.json) from agno 2.1.10.
#   bash tests/compat/generate.sh
# Makes .tools/compat-venv from tests/compat/requirements.txt (skipped when already in sync),
# starts its own DynamoDB Local (port $COMPAT_DDB_PORT, default 8201), runs generate.py, stops it.
# Re-running gives byte-identical fixtures.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.tools/compat-venv"
REQ="$HERE/requirements.txt"
PORT="${COMPAT_DDB_PORT:-8201}"
STAMP="$VENV/.requirements.sha256"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  say "compat venv up to date ($VENV)"
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

# AgentOS settings come from the environment: keep the caller's out of the recording.
unset OS_SECURITY_KEY ENV DOCS_ENABLED CORS_ORIGIN_LIST AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 AGNO_TELEMETRY=false TZ=UTC

"$VENV/bin/python" "$HERE/generate.py" --endpoint "http://127.0.0.1:$PORT" --out "$HERE/fixtures"
