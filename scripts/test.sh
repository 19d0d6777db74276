#!/usr/bin/env bash
# Runs every test: formatting, lints, unit tests, integration tests on DynamoDB Local
# (the real one) and a local Secrets Manager / Parameter Store (moto's server), both
# started here and stopped on exit, a short load test, and the SAM template checks.
# Installs what is missing (DynamoDB Local, moto, SAM CLI, cfn-lint) under .tools/.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="${DDB_PORT:-$(free_port)}"
secrets_port="${SECRETS_PORT:-$(free_port)}"
trap 'scripts/dynamodb-local.sh stop "$port"; scripts/secret-store-local.sh stop "$secrets_port"' EXIT
ensure_openssl
scripts/dynamodb-local.sh start "$port"
scripts/secret-store-local.sh start "$secrets_port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$secrets_port"
export AWS_ENDPOINT_URL_SSM="http://127.0.0.1:$secrets_port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
log "cargo test (unit tests; tests/it: rendering, DynamoDB Local integration, golden suite, bad input, faults, corrupt data, security, runtime loop, fuzz pass)"
# tests/it/fuzz_pass.rs runs each fuzz harness for FUZZ_PASS_SECONDS (20 s, in parallel);
# the coverage-guided run is scripts/fuzz.sh.
cargo test --all-targets
log "arm64: the vector scan's tests built for Lambda's CPU and run under qemu"
scripts/test-arm64.sh

# A correctness pass under sustained traffic, not a speed test: it fails on an error, a
# wrong status, a dead process or memory growth, never on rate or latency. 25/s is a
# third of what the debug build serves through the emulator on a busy 2-core machine
# (about 80/s while a release build runs beside it; 165/s idle).
log "load pass: ${LOAD_SECONDS:-30} s at ${LOAD_RATE:-25} requests/s through cargo lambda's emulator"
scripts/load.sh "${LOAD_SECONDS:-30}" "${LOAD_RATE:-25}"

log "SAM template: sam validate --lint, cfn-lint"
ensure_sam
sam validate --lint --template template.yaml --region us-east-1
cfn-lint template.yaml
# The optional parts on: API Gateway's JWT authorizer with scopes and isolation; keys
# from Secrets Manager and Parameter Store with JWTs verified in the function.
cfn-lint template.yaml --parameters AgentOsVersion=3.1 \
  JwtIssuer=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example JwtAudience=client-id \
  AuthorizationEnabled=true UserIsolation=true
cfn-lint template.yaml --parameters \
  SecurityKeySecretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:agno-key-AbCdEf \
  JwtVerificationKeyParameterName=agno/jwt-key JwtAlgorithm=ES256 \
  JwtIssuer=https://issuer.example JwtAudience=client-id
cfn-lint template.yaml --parameters \
  JwtVerificationKeySecretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:agno-jwt-AbCdEf

# The template's build path (SAM's cargo-lambda builder, arm64) is what this checks; the
# artifact is thrown away, so optimization and whole-program LTO, minutes on 2 cores,
# are left to the deployable builds (`sam build`, bench/run.sh's zip).
log "sam build --beta-features (arm64 build with cargo-lambda; unoptimized for the check)"
ensure_cargo_lambda
ensure_zig
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
  sam build --beta-features --build-dir "$TOOLS/sam-build" --cache-dir "$TOOLS/sam-cache"
ls -l "$TOOLS/sam-build/SessionFunction/bootstrap"

log "all tests passed"
