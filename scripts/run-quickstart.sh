#!/usr/bin/env bash
# The README's main job: build libnanots with cargo, compile the C
# quickstart against the static library and run it (needs only cargo and a
# C compiler; CMake users see c_examples/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --lib
out=target/release/c_examples
mkdir -p "$out"
"${CC:-cc}" -std=c11 -O2 -Wall -Iinclude c_examples/quickstart.c target/release/libnanots.a \
  -lpthread -ldl -lm -o "$out/quickstart"
"$out/quickstart" "${1:-$(mktemp -d)/quickstart.ntt}"
