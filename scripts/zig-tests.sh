#!/usr/bin/env bash
# CI entry point for the Zig package (bindings/zig). Runs, and fails if any
# step fails (nothing is skipped):
#   1. Zig from PyPI (ziglang==$ZIG_VERSION) into a virtual environment under
#      target/ (nothing goes into the machine's Python);
#   2. scripts/install-prefix.sh: the library built and installed with CMake;
#   3. `zig build test` against the shared library (-Dprefix), the static
#      archive (-Dprefix -Dstatic=true) and the shared library found through
#      pkg-config (nanots.pc);
#   4. zig fmt --check, the README's example against examples/quickstart.zig,
#      and the example built and run by a separate consumer project
#      (examples/consumer, depending on the package by path).
# Zig's caches and the tests' scratch files ($TMPDIR) are under target/; a
# test that leaves scratch files behind fails the run.
# Ends with `zig-tests: N passed, N failed` (N counts tests and checks).
set -euo pipefail
ZIG_VERSION=0.17.1
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
pkg="$root/bindings/zig"

step() { printf '\n=== %s ===\n' "$*"; }

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
  step "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

step "Zig $ZIG_VERSION from PyPI (ziglang) in $target/zig-venv"
venv="$target/zig-venv"
mkdir -p "$target"
if [ "$("$venv/bin/python" -m ziglang version 2>/dev/null)" != "$ZIG_VERSION" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIG_VERSION"
fi
zig() { "$venv/bin/python" -m ziglang "$@"; }
[ "$(zig version)" = "$ZIG_VERSION" ] || { echo "zig version is $(zig version), not $ZIG_VERSION"; exit 1; }
echo "zig $(zig version)"
export ZIG_GLOBAL_CACHE_DIR="$target/zig-cache/global"
export ZIG_LOCAL_CACHE_DIR="$target/zig-cache/local"

step "the library, installed with CMake (scripts/install-prefix.sh)"
prefix=$(bash scripts/install-prefix.sh)
echo "prefix: $prefix"
ls "$prefix/lib" "$prefix/include"

scratch="$target/zig-tests/tmp"
rm -rf "$scratch" && mkdir -p "$scratch"
export TMPDIR="$scratch"

passed=0
failed=0
log="$target/zig-tests/last.log"

# Runs `zig build test ARGS...` in bindings/zig and adds its counts: the
# runner's closing `N passed, N failed` line, or one failure if the build
# never got that far.
suite() {
  local name=$1; shift
  step "zig build test $* ($name)"
  local rc=0
  (cd "$pkg" && zig build test "$@") 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)
  if [ -z "$line" ]; then
    echo "FAILED: $name: no test ran (exit $rc)"
    failed=$((failed + 1))
    return
  fi
  local p f
  p=${line%% passed*}
  f=${line#*passed, }; f=${f%% failed}
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    echo "FAILED: $name: zig build exited $rc"
    failed=$((failed + 1))
  fi
}

check() {
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}

suite "shared, -Dprefix" -Dprefix="$prefix"
suite "static, -Dprefix -Dstatic=true" -Dprefix="$prefix" -Dstatic=true
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
suite "shared, pkg-config"
unset PKG_CONFIG_PATH

step "zig fmt --check"
check "zig fmt" zig fmt --check "$pkg"

step "README example = examples/quickstart.zig"
readme_example() {
  # The fenced block after the <!-- quickstart.zig --> marker.
  awk '/<!-- quickstart.zig -->/{m=1; next} m && /^```zig$/{p=1; next} p && /^```$/{exit} p' "$pkg/README.md" |
    diff -u "$pkg/examples/quickstart.zig" -
}
check "README example differs from examples/quickstart.zig" readme_example

step "the example, built by a separate project that depends on the package"
consumer() {
  local out
  out=$(cd "$pkg/examples/consumer" && zig build run -Dnanots-prefix="$prefix" -- "$scratch/example.ntt" 2>&1) || { echo "$out"; return 1; }
  echo "$out" | tail -4
  rm -f "$scratch/example.ntt"
  # The stream saw every row, and the deliberate error carried its message.
  grep -qx 'streamed 601 rows' <<<"$out" &&
    grep -q '^SchemaMismatch: nts_append_row: ' <<<"$out"
}
check "consumer project" consumer

step "no scratch files left behind"
if [ -n "$(ls -A "$scratch")" ]; then
  echo "FAILED: tests left files in $scratch:"; ls -la "$scratch"
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi

echo
echo "zig-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
