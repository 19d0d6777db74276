#!/usr/bin/env bash
# The soak: the release `bootstrap` for SOAK_SECONDS (1800) and at least
# SOAK_MIN_INVOCATIONS (500,000) invocations, each with a new request id and X-Ray trace
# id, over the benchmark's sessions (small and 300 KB, every type), 404s and 422s;
# DynamoDB Local (on disk, behind a fault proxy) killed and restarted twice and
# throttling for a minute. Fails on an unexpected answer or a panic; writes
# bench/SOAK.md (invocations, answers by status, faults and recovery, RSS start / after
# warm-up / end, growth per invocation). Not part of scripts/test.sh.
#
#   bench/soak.sh                       SOAK_SECONDS=120 SOAK_MIN_INVOCATIONS=0 bench/soak.sh
#
# Every DynamoDB request through the proxy is a new loopback connection: the script
# widens the ephemeral port range and lets TIME_WAIT ports be reused (root; skipped
# where not permitted).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/tools.sh"
cd "$ROOT"

port="${SOAK_DDB_PORT:-8320}"
export SOAK_DDB_PORT="$port"
export DDB_DB_PATH="$TOOLS/soak-db"
rm -rf "$DDB_DB_PATH"

sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65000" 2>/dev/null ||
  log "could not tune TIME_WAIT reuse (not root?): a long soak may run out of loopback ports"

log "release bootstrap and the driver"
cargo build --quiet --release --bin bootstrap --example bench_driver

trap 'scripts/dynamodb-local.sh stop "$port"' EXIT
scripts/dynamodb-local.sh start "$port"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
export BENCH_BOOTSTRAP="$ROOT/target/release/bootstrap" BENCH_COMMAND="bench/soak.sh"

log "soaking for ${SOAK_SECONDS:-1800} s (and ${SOAK_MIN_INVOCATIONS:-500000} invocations at least)"
target/release/examples/bench_driver soak
