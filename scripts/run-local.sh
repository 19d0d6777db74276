#!/usr/bin/env bash
# Runs the service locally: DynamoDB Local with the demo sessions loaded, and the
# function served over HTTP by `cargo lambda watch` (rebuilds on change). Ctrl-C stops
# both. Ports: DDB_PORT (default 8000) and PORT (default 9000).
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

ddb_port="${DDB_PORT:-8000}"
port="${PORT:-9000}"
ensure_cargo_lambda
trap 'scripts/dynamodb-local.sh stop "$ddb_port"' EXIT
scripts/dynamodb-local.sh start "$ddb_port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
export SESSION_TABLE=agno_sessions_demo SESSION_TABLE_LAYOUT=composite DB_ID=demo

log "loading demo sessions into $SESSION_TABLE"
cargo run --quiet --example load_demo -- "$SESSION_TABLE" composite

log "serving on http://127.0.0.1:$port  (Ctrl-C to stop)"
log "try: curl -s http://127.0.0.1:$port/sessions/6f6cfbfd-9643-479a-ae47-b8f32eb4d710"
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port"
