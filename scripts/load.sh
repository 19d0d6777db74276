#!/usr/bin/env bash
# Bounded local load test, over loopback only:
#   scripts/load.sh [seconds=60] [rate=300]
# Starts DynamoDB Local (demo sessions loaded) and cargo lambda's Lambda emulator, runs
# the built `bootstrap` under it (as Lambda would: one instance, one invocation at a
# time), sends `rate` GET requests a second for `seconds` seconds through the emulator's
# HTTP front (scripts/loadgen.py), and samples the bootstrap process's RSS each second.
# Prints a JSON summary (errors, achieved rate, p50/p99, RSS); exits non-zero on any
# error, wrong status, dead process or RSS growth (rate and latency are reported only:
# they measure the machine, see bench/ for speed). LOAD_PROFILE=release uses a release build
# (slow to build: fat LTO); the default is the debug build the tests use. Ports:
# LOAD_DDB_PORT, LOAD_API_PORT (default: free ones).
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

seconds="${1:-60}"
rate="${2:-${LOAD_RATE:-300}}"
profile="${LOAD_PROFILE:-debug}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ddb_port="${LOAD_DDB_PORT:-$(free_port)}"
api_port="${LOAD_API_PORT:-$(free_port)}"
key="load-test-key"
logs="$TOOLS/load"
mkdir -p "$logs"

ensure_cargo_lambda
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  scripts/dynamodb-local.sh stop "$ddb_port"
}
trap cleanup EXIT
scripts/dynamodb-local.sh start "$ddb_port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
export SESSION_TABLE=agno_sessions_load SESSION_TABLE_LAYOUT=composite DB_ID=demo
export OS_SECURITY_KEY="$key"

log "loading demo sessions into $SESSION_TABLE"
cargo run --quiet --example load_demo -- "$SESSION_TABLE" composite
if [ "$profile" = release ]; then
  cargo build --quiet --release --bin bootstrap
else
  cargo build --quiet --bin bootstrap
fi

log "Lambda emulator (cargo lambda watch --only-lambda-apis) on 127.0.0.1:$api_port"
cargo lambda watch --only-lambda-apis -A 127.0.0.1 -P "$api_port" >"$logs/emulator.log" 2>&1 &
pids+=($!)
# Wait for the port (an HTTP request would be queued as an invocation of the function).
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null && break
  sleep 0.2
done

AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$api_port/.rt" AWS_LAMBDA_FUNCTION_NAME=_ \
  AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 AWS_LAMBDA_LOG_LEVEL=WARN \
  "target/$profile/bootstrap" >"$logs/bootstrap.log" 2>&1 &
bootstrap=$!
pids+=("$bootstrap")

# Warm up: the first answer comes once the function has registered with the emulator.
for _ in $(seq 1 300); do
  status="$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$api_port/sessions/6f6cfbfd-9643-479a-ae47-b8f32eb4d710" || true)"
  [ "$status" = 200 ] && break
  sleep 0.2
done
[ "$status" = 200 ] || { echo "the function does not answer (last status $status)" >&2; cat "$logs"/*.log >&2; exit 1; }

log "load: $rate requests/s for ${seconds}s ($profile build, pid $bootstrap)"
python3 scripts/loadgen.py --url "http://127.0.0.1:$api_port" --seconds "$seconds" --rate "$rate" \
  --token "$key" --pid "$bootstrap"
kill -0 "$bootstrap" || { echo "bootstrap exited during the load" >&2; exit 1; }
if grep -qi panic "$logs/bootstrap.log"; then echo "bootstrap logged a panic" >&2; exit 1; fi
