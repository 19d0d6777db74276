# Sourced by tests/compat/generate.sh, tests/compat3/generate.sh and tests/auth3/generate.sh
# (after `set -euo pipefail` and HERE=<the suite's folder>): the venv and DynamoDB Local part
# the golden-fixture generators share.
#   ensure_venv VENV REQ   make VENV from the exact pins in REQ, skipped when VENV's stamp matches
#                          REQ's hash; an existing VENV whose `pip freeze` equals the pins is adopted
#   run_generator VENV PORT
#                          start DynamoDB Local on PORT (stopped when the script exits), then run
#                          $HERE/generate.py with VENV's python, without the caller's settings

ROOT="$(cd "$HERE/../.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_venv() {
  local venv="$1" req="$2" want stamp="$1/.requirements.sha256"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "venv up to date ($venv)"
  elif [ -x "$venv/bin/python" ] && [ "$("$venv/bin/pip" freeze --disable-pip-version-check 2>/dev/null | LC_ALL=C sort)" \
        = "$(grep -v '^\s*#' "$req" | sed '/^\s*$/d' | LC_ALL=C sort)" ]; then
    say "adopting $venv (pip freeze matches $req)"
    echo "$want" >"$stamp"
  else
    say "creating $venv from $req"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    "$venv/bin/pip" check >/dev/null
    echo "$want" >"$stamp"
  fi
}

_GOLDENS_DDB_PORT=""
_goldens_stop_ddb() {
  if [ -n "$_GOLDENS_DDB_PORT" ]; then
    DDB_PORT="$_GOLDENS_DDB_PORT" "$ROOT/scripts/dynamodb-local.sh" stop "$_GOLDENS_DDB_PORT" || true
  fi
}

run_generator() {
  local venv="$1" port="$2"
  _GOLDENS_DDB_PORT="$port"
  trap _goldens_stop_ddb EXIT
  DDB_PORT="$port" "$ROOT/scripts/dynamodb-local.sh" start "$port"

  # AgentOS reads its settings from the environment (AgnoAPISettings: OS_SECURITY_KEY, AUTHORIZATION_ENABLED,
  # …; agno.os's getenv: JWT_VERIFICATION_KEY, JWT_JWKS_FILE, …): keep the caller's out of the recording.
  # (Each generate.py also drops any case variant of the ones its agno reads.)
  unset OS_SECURITY_KEY ENV DOCS_ENABLED AUTHORIZATION_ENABLED SERVICE_ACCOUNT_CACHE_TTL_SECONDS CORS_ORIGIN_LIST \
    JWT_VERIFICATION_KEY JWT_JWKS_FILE JWT_JWKS APP_ENV AGENTOS_URL AGENTOS_MCP_SIGNING_KEY MCP_CONNECT_SECRET \
    AGENT_OS_HOST AGENT_OS_PORT AGNO_DEBUG AGNO_DEBUG_LEVEL AGNO_API_RUNTIME \
    AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB || true
  export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 AGNO_TELEMETRY=false TZ=UTC

  "$venv/bin/python" "$HERE/generate.py" --endpoint "http://127.0.0.1:$port" --out "$HERE/fixtures"
}
