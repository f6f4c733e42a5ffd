#!/usr/bin/env bash
# Clippy-checks (all targets, -D warnings) the library with each
# optional cargo feature alone and with none, always with the C ABI
# (`capi`), plus the Rust-only build without `capi`; then runs `cargo test`
# with no optional feature (the C programs are then compiled with every
# NTS_NO_<FEATURE> define, and tests/header_features.rs checks that the
# header declares exactly what that library exports).
#
# Every cargo command names `-p nanots`: from the workspace root cargo would
# also select the CLI, whose dependency on nanots turns the default
# features back on, and the build would silently have them all.
#
# Usage: scripts/feature-builds.sh [--no-test]
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=1
case "${1:-}" in
  --no-test) run_tests=0 ;;
  "") ;;
  *) echo "usage: $0 [--no-test]" >&2; exit 2 ;;
esac

step() { printf '\n=== %s ===\n' "$*"; }

# "" is no optional feature; aggregate's C exports also need arrow, hence
# the pair.
configs=("" arrow pco sql aggregate maintenance arrow,aggregate)

# Clippy type-checks every target of each configuration; the libraries
# themselves are linked for "none" (below, by the tests' C harness) and for
# all features (the main test run), the two ends that matter for linking.
for extra in "${configs[@]}"; do
  features="capi${extra:+,$extra}"
  step "features $features: clippy"
  cargo clippy -p nanots --all-targets --no-default-features --features "$features" -- -D warnings
done

step "no feature at all (Rust only, no C ABI): build, clippy"
cargo build --lib -p nanots --no-default-features
cargo clippy -p nanots --all-targets --no-default-features -- -D warnings

if [ "$run_tests" = 1 ]; then
  step "cargo test with no optional feature (features capi)"
  cargo test -p nanots --no-default-features --features capi
fi
echo "feature builds: OK"
