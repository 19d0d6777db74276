#!/usr/bin/env bash
# Runs every test: formatting, lints, unit tests, integration tests on DynamoDB Local
# (the real one, started here and stopped on exit), a short load test, and the SAM
# template checks.
# Installs what is missing (DynamoDB Local, SAM CLI, cfn-lint) under .tools/.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

port="${DDB_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
trap 'scripts/dynamodb-local.sh stop "$port"' EXIT
scripts/dynamodb-local.sh start "$port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
log "cargo test (unit, rendering, DynamoDB Local integration, bad input, faults, corrupt data, security, runtime loop, fuzz pass)"
# tests/it/fuzz_pass.rs runs each fuzz harness for FUZZ_PASS_SECONDS (20 s, in parallel);
# the coverage-guided run is scripts/fuzz.sh.
cargo test --all-targets

log "load test: ${LOAD_SECONDS:-20} s at ${LOAD_RATE:-200} requests/s through cargo lambda's emulator"
scripts/load.sh "${LOAD_SECONDS:-20}" "${LOAD_RATE:-200}"

log "SAM template: sam validate --lint, cfn-lint"
ensure_sam
sam validate --lint --template template.yaml --region us-east-1
cfn-lint template.yaml

log "sam build --beta-features (arm64 release build with cargo-lambda)"
ensure_cargo_lambda
ensure_zig
sam build --beta-features --build-dir "$TOOLS/sam-build" --cache-dir "$TOOLS/sam-cache"
ls -l "$TOOLS/sam-build/SessionFunction/bootstrap"

log "all tests passed"
