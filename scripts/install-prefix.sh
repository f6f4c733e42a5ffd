#!/usr/bin/env bash
# Builds NanoTS with CMake (cargo build --release underneath) and installs it
# into a prefix under the cargo target directory, the way a user installs it:
# lib/libnanots.so.X.Y.Z with its SONAME and development links,
# lib/libnanots.a, include/nanots.h, lib/cmake/NanoTS/, lib/pkgconfig/nanots.pc.
# Prints the prefix. The language bindings' tests link against it (through
# pkg-config, or the static archive). Usage: scripts/install-prefix.sh [PREFIX]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
prefix="${1:-$target/prefix}"
build="$target/cmake-build"
{
  # Cargo builds in the target directory itself, reusing a release library
  # already built there (the quickstart's, the C tests' CMake build's).
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNANOTS_BUILD_EXAMPLES=OFF \
    -DNANOTS_CARGO_TARGET_DIR="$target"
  cmake --build "$build" -j2
  cmake --install "$build" --prefix "$prefix"
} >&2
echo "$prefix"
