#!/usr/bin/env bash
# The benchmark, in one run: criterion rendering figures, the arm64 Lambda zip, then
# the driver (bench/driver/, the bench_driver example) on DynamoDB Local (started here,
# stopped on exit): handler vs raw GetItem, init time, latency, CPU per request and
# peak RSS of the release bootstrap under a local Lambda Runtime API, side by side with
# AgentOS 2.1.10 under uvicorn on the same table. Writes bench/RESULTS.md and
# bench/latency.svg.
#
#   bench/run.sh
#   BENCH_BASELINE_REV=main bench/run.sh     # A/B: also against main's bootstrap
#
# Settings (environment): BENCH_DDB_PORT (8310), BENCH_AGENTOS_PORT (8399),
# BENCH_ROUNDS (200 rounds over the 7 sessions), BENCH_INPROC_ITERATIONS (400),
# BENCH_INIT_STARTS (20); BENCH_SKIP_ZIP=1 / BENCH_SKIP_CRITERION=1 reuse the last
# zip / criterion results instead of building them again.
#
# A/B against an older build, in the same run (a section "A/B against the baseline
# bootstrap" in RESULTS.md: p50/p99 per session and overall, CPU per request, peak RSS,
# init time, this build beside the baseline):
#   BENCH_BASELINE_BOOTSTRAP=<path>  a second release bootstrap: the driver runs it under
#                     its own emulator, interleaved per request with this build during
#                     the measured load, and starts it as many times for init time.
#   BENCH_BASELINE_REV=<git rev>     builds that revision's release bootstrap in a
#                     temporary git worktree (target dir .tools/baseline-target, so
#                     target/ is left alone), removes the worktree, and sets
#                     BENCH_BASELINE_BOOTSTRAP (and BENCH_BASELINE_LABEL) to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/tools.sh"
cd "$ROOT"

ddb_port="${BENCH_DDB_PORT:-8310}"
export BENCH_AGENTOS_PORT="${BENCH_AGENTOS_PORT:-8399}"

# AgentOS 2.1.10 and what it needs, pinned, in their own venv.
bench_venv="$TOOLS/bench-venv"
installed="$("$bench_venv/bin/pip" freeze 2>/dev/null || true)"
if grep -v '^#' bench/requirements.txt | grep -qvxF -f <(printf '%s\n' "$installed"); then
  log "installing bench/requirements.txt into $bench_venv"
  python3 -m venv "$bench_venv"
  "$bench_venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
fi
export BENCH_PYTHON="$bench_venv/bin/python"
# AgentOS-on-Lambda (Mangum + the runtime interface client), and the TLS front's PKI.
export BENCH_AGENTOS_LAMBDA="$ROOT/bench/agentos-lambda.sh"
export BENCH_TLS_DIR="$TOOLS/bench-tls"
ensure_openssl
scripts/tls-certs.sh "$BENCH_TLS_DIR"

if [ "${BENCH_SKIP_CRITERION:-}" != 1 ]; then
  log "criterion: cargo bench --bench render"
  rm -rf target/criterion
  cargo bench --bench render
fi

export BENCH_ZIP="$ROOT/target/lambda/bootstrap/bootstrap.zip"
if [ "${BENCH_SKIP_ZIP:-}" != 1 ]; then
  log "arm64 zip: cargo lambda build --release --arm64 --output-format zip"
  ensure_cargo_lambda
  ensure_zig
  cargo lambda build --release --arm64 --output-format zip
fi

log "release bootstrap and the bench driver"
cargo build --release --bin bootstrap
cargo build --release --example bench_driver
export BENCH_BOOTSTRAP="$ROOT/target/release/bootstrap"
export BENCH_COMMAND="bench/run.sh"

if [ -n "${BENCH_BASELINE_REV:-}" ]; then
  baseline_sha="$(git rev-parse --verify "${BENCH_BASELINE_REV}^{commit}")"
  baseline_dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-baseline.XXXXXX")"
  baseline_tree="$baseline_dir/src"
  trap 'git worktree remove --force "$baseline_tree" 2>/dev/null || true; rm -rf "$baseline_dir"; git worktree prune' EXIT
  log "baseline: release bootstrap of $BENCH_BASELINE_REV ($baseline_sha) in a temporary worktree"
  git worktree add --detach "$baseline_tree" "$baseline_sha" >/dev/null
  (cd "$baseline_tree" && CARGO_TARGET_DIR="$TOOLS/baseline-target" cargo build --release --bin bootstrap)
  git worktree remove --force "$baseline_tree"
  rm -rf "$baseline_dir"
  trap - EXIT
  export BENCH_BASELINE_BOOTSTRAP="$TOOLS/baseline-target/release/bootstrap"
  export BENCH_BASELINE_LABEL="\`$BENCH_BASELINE_REV\` (\`$(git rev-parse --short "$baseline_sha")\`)"
fi

trap 'scripts/dynamodb-local.sh stop "$ddb_port"' EXIT
scripts/dynamodb-local.sh start "$ddb_port"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"

log "measuring (AgentOS on port $BENCH_AGENTOS_PORT, DynamoDB Local on $ddb_port)"
target/release/examples/bench_driver
log "wrote bench/RESULTS.md and bench/latency.svg"
