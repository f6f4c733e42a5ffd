#!/usr/bin/env bash
# CI entry point for the C ABI. Runs, failing on the first error:
#   1. the C tests (tests/c/test_*.c) under AddressSanitizer (gcc
#      -fsanitize=address, linked with the Rust staticlib, leak detection on);
#   2. the same tests under valgrind (zero errors, no definite/indirect leaks),
#      linked with the shared library;
#   3. a CMake build + install into a temporary prefix, then the separate
#      project tests/cmake_consumer (find_package(NanoTS 0.1), shared and
#      static targets) and a pkg-config build against the same prefix;
#   4. the pyarrow import test (tests/python/test_pyarrow.py).
# Installs what it needs (cmake, valgrind, pkg-config via apt-get; pyarrow and
# cffi via pip into a virtual environment under target/, scripts/pyenv.sh).
# Set NANOTS_SKIP_PYARROW=1 to skip step 4 explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CC=${CC:-gcc}
# The SONAME build.rs gives the library: libnanots.so.0.MINOR while the
# major version is 0 (a new minor may break the ABI), else libnanots.so.MAJOR.
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
case "$VERSION" in
  0.*) SONAME="libnanots.so.0.$(echo "$VERSION" | cut -d. -f2)" ;;
  *) SONAME="libnanots.so.${VERSION%%.*}" ;;
esac

step() { printf '\n=== %s ===\n' "$*"; }

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v "$CC" >/dev/null || need_apt+=(gcc)
if ((${#need_apt[@]})); then
  step "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

step "cargo build --lib (debug, default features)"
cargo build --lib
LIB="$CARGO_TARGET_DIR/debug"
SHLIB="$WORK/shlib"
mkdir -p "$SHLIB"
cp "$LIB/libnanots.so" "$SHLIB/$SONAME"
ln -sf "$SONAME" "$SHLIB/libnanots.so"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -O1 -pthread -Iinclude)
TESTS=(tests/c/test_*.c)
passed=0
failed=0

step "C tests under AddressSanitizer (static library)"
for src in "${TESTS[@]}"; do
  name=$(basename "$src" .c)
  exe="$WORK/$name-asan"
  "$CC" "${CFLAGS[@]}" -fsanitize=address -fno-omit-frame-pointer "$src" \
    "$LIB/libnanots.a" -lpthread -ldl -lm -o "$exe"
  mkdir -p "$WORK/$name-asan.d"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 "$exe" "$WORK/$name-asan.d"; then
    passed=$((passed + 1))
  else
    echo "FAILED under ASan: $name"; failed=$((failed + 1))
  fi
done

step "C tests under valgrind (shared library)"
for src in "${TESTS[@]}"; do
  name=$(basename "$src" .c)
  exe="$WORK/$name-vg"
  "$CC" "${CFLAGS[@]}" "$src" -L"$SHLIB" -lnanots -Wl,-rpath,"$SHLIB" -lm -o "$exe"
  mkdir -p "$WORK/$name-vg.d"
  if valgrind -q --error-exitcode=1 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
      "$exe" "$WORK/$name-vg.d"; then
    passed=$((passed + 1))
  else
    echo "FAILED under valgrind: $name"; failed=$((failed + 1))
  fi
done

step "CMake build + install + consumer"
PREFIX="$WORK/prefix"
# Cargo builds in the repository's target/ (NANOTS_CARGO_TARGET_DIR), so the
# release library the quickstart step built is reused rather than compiled
# again in the CMake build tree.
cmake -S . -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DNANOTS_CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" >/dev/null
cmake --build "$WORK/build" -j2
cmake --install "$WORK/build" --prefix "$PREFIX"
ls -l "$PREFIX/lib" "$PREFIX/lib/cmake/NanoTS" "$PREFIX/lib/pkgconfig"
cmake_ok=1
[ -L "$PREFIX/lib/libnanots.so" ] && [ -L "$PREFIX/lib/$SONAME" ] || cmake_ok=0
readelf -d "$PREFIX/lib/$SONAME" | grep -F "Library soname: [$SONAME]" >/dev/null || cmake_ok=0
cmake -S tests/cmake_consumer -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$WORK/consumer" -j2
mkdir -p "$WORK/run"
"$WORK/consumer/consumer_shared" "$WORK/run" || cmake_ok=0
ldd "$WORK/consumer/consumer_shared" | grep "$PREFIX/lib/$SONAME" >/dev/null || cmake_ok=0
"$WORK/consumer/consumer_static" "$WORK/run" || cmake_ok=0
# pkg-config, shared and static.
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
[ "$(pkg-config --modversion nanots)" = "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" ] || cmake_ok=0
# shellcheck disable=SC2046
"$CC" tests/cmake_consumer/main.c $(pkg-config --cflags --libs nanots) -Wl,-rpath,"$PREFIX/lib" -o "$WORK/pc_shared"
"$WORK/pc_shared" "$WORK/run" || cmake_ok=0
# shellcheck disable=SC2046
"$CC" tests/cmake_consumer/main.c $(pkg-config --cflags nanots) "$PREFIX/lib/libnanots.a" \
  $(pkg-config --libs-only-l --static nanots | sed 's/-lnanots//') -o "$WORK/pc_static"
"$WORK/pc_static" "$WORK/run" || cmake_ok=0
# The examples built by CMake run.
"$WORK/build/c_examples/nanots_quickstart" "$WORK/run/q.ntt" >/dev/null || cmake_ok=0
"$WORK/build/c_examples/nanots_arrow_stream" "$WORK/run/s.ntt" 100000 | tail -1 || cmake_ok=0
if [ $cmake_ok = 1 ]; then passed=$((passed + 1)); else echo "FAILED: CMake install/consumer"; failed=$((failed + 1)); fi

step "pyarrow import test"
if [ "${NANOTS_SKIP_PYARROW:-0}" = 1 ]; then
  echo "SKIPPED: pyarrow test (NANOTS_SKIP_PYARROW=1)"
else
  # A virtual environment under target/: nothing goes into the machine's Python.
  if PY=$(bash scripts/pyenv.sh); then
    mkdir -p "$WORK/py"
    if "$PY" tests/python/test_pyarrow.py "$LIB/libnanots.so" "$WORK/py"; then
      passed=$((passed + 1))
    else
      echo "FAILED: pyarrow test"; failed=$((failed + 1))
    fi
  else
    echo "SKIPPED: pyarrow test: no virtual environment with pyarrow (scripts/pyenv.sh)"
  fi
fi

echo
echo "c-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
