#!/usr/bin/env bash
# Coverage-guided fuzzing of the renderer, the authorization path and the DynamoDB answer
# reader with cargo-fuzz (libFuzzer), on stable Rust:
#   scripts/fuzz.sh [seconds=600] [target...]     targets: render_text render_item authorize read_wire history
# Each target runs for `seconds` (one process, no sanitizer, debug assertions on), from
# its corpus under fuzz/corpus/ (kept between runs, git-ignored) and the committed
# seeds and regression inputs. A crash is saved under fuzz/artifacts/<target>/ and
# the script fails. cargo-fuzz needs nightly-only flags: RUSTC_BOOTSTRAP=1 lets the
# stable compiler accept them. Installs cargo-fuzz under .tools/ when missing.
# The harnesses live in fuzz/harness.rs; the test run replays them briefly
# (tests/it/fuzz_pass.rs) without building this.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(render_text render_item authorize read_wire history)

export PATH="$TOOLS/cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz (cargo install) under $TOOLS/cargo"
  cargo install --quiet --locked --root "$TOOLS/cargo" cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
flags=(--fuzz-dir fuzz --sanitizer none --debug-assertions)

log "building the fuzz targets (release, debug assertions)"
cargo fuzz build "${flags[@]}"

for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  inputs=("$corpus")
  for dir in "fuzz/seeds/$target" "fuzz/regressions/$target"; do
    [ -d "$dir" ] && inputs+=("$dir")
  done
  options=(-max_total_time="$seconds" -max_len=65536 -print_final_stats=1)
  case "$target" in render_text | history) options+=(-dict=fuzz/render.dict) ;; esac
  log "fuzzing $target for ${seconds}s"
  # Not `|| true`: under pipefail it would run when the fuzzer fails, and PIPESTATUS
  # would then be its status (0), hiding a crash.
  set +e
  cargo fuzz run "${flags[@]}" "$target" "${inputs[@]}" -- "${options[@]}" 2>&1 |
    tee "$TOOLS/fuzz-$target.log" | grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|panicked|ERROR'
  status="${PIPESTATUS[0]}"
  set -e
  if [ "$status" -ne 0 ]; then
    echo "cargo fuzz run $target failed ($status); see $TOOLS/fuzz-$target.log and fuzz/artifacts/$target/" >&2
    exit "$status"
  fi
done
