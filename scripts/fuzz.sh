#!/usr/bin/env bash
# Runs the libFuzzer targets in fuzz/ on the stable toolchain (cargo-fuzz
# needs nightly; these flags give libFuzzer the same coverage feedback).
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
targets=("${@:-decode sql open model}")
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# An explicit --target keeps RUSTFLAGS (the instrumentation) off build scripts.
host=$(rustc -vV | sed -n 's/^host: //p')
# A failing input is left in fuzz/ as crash-* (or timeout-*, oom-*):
# rerun the binary with that file as its only argument to reproduce it.
# Every target runs even if an earlier one failed; the exit status is
# that of the last failure.
status=0
for t in ${targets[@]}; do
  cargo build --release --target "$host" --bin "$t"
  mkdir -p "corpus/$t"
  echo "fuzzing $t for $secs s"
  "$CARGO_TARGET_DIR/$host/release/$t" "corpus/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=20 2>&1 |
    grep -A1 -E '^stat::|panicked at|memory allocation|== ERROR|Test unit written' || status=$?
done
exit $status
