#!/usr/bin/env bash
# The code that differs by CPU, tested on Lambda's: src/json_string/scan.rs (the vector
# scan of JSON strings; NEON on arm64, SSE2 here) has no dependencies, so it is built
# alone with its tests for arm64 and run under qemu's user-mode emulator, in seconds.
# Called by scripts/test.sh.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

ensure_arm64_runner
out="$ROOT/target/arm64-scan"
mkdir -p "$out"
rustc --edition 2024 --test -O --target aarch64-unknown-linux-musl \
  -C linker=rust-lld -C linker-flavor=ld.lld \
  src/json_string/scan.rs -o "$out/scan-tests"
qemu-aarch64 "$out/scan-tests"
