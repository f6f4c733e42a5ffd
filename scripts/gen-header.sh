#!/usr/bin/env bash
# Regenerates include/nanots.h from src/ffi/ with cbindgen (through the
# tests/header_fresh.rs test, so no cbindgen binary is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
NANOTS_UPDATE_HEADER=1 cargo test --quiet --test header_fresh committed_header_is_fresh
echo "wrote include/nanots.h"
