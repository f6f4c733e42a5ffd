#!/usr/bin/env bash
# CI for the ARM Linux targets, on an x86-64 machine, under qemu-user:
#   1. `cargo test --target <triple>`: the whole suite (unit, integration, C
#      programs, CLI, doc tests) cross-compiled with Debian's cross gcc as the
#      linker and run through qemu (`CARGO_TARGET_<T>_RUNNER`); tests that
#      start children or C programs start them through the same runner, and
#      the C-test harness checks that what it built is for the target (ELF
#      e_machine). Soak-sized workloads scale down under qemu (see
#      tests/common/target.rs), still asserting the paths they test.
#      Every test passes or prints `SKIPPED <test>: <reason>`; the only skip
#      allowed is the pyarrow test's (a host Python cannot load a library
#      for the target), any other fails this script (NANOTS_NO_SKIP=1).
#   2. CMake with cmake/toolchains/<target>.cmake: cross-builds and installs
#      the package (shared + static library, header, CMake package,
#      pkg-config file) and the C examples, checks the installed library is
#      for the target, builds tests/cmake_consumer against the installed
#      package with the same toolchain file, and runs the quickstart example
#      and the consumer (shared and static) under qemu.
# Prints pass/fail/skip counts per target and exits non-zero on any failure.
#
# Usage: scripts/cross-tests.sh [aarch64|armv7]...   (default: both)
# Installs what is missing: Debian's cross compilers and C libraries,
# qemu-user and cmake (apt-get), the Rust standard libraries (rustup).
# Wall times of each step are printed; tests/README-style logs go to
# target/cross/<triple>-test.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$CARGO_TARGET_DIR/cross"
mkdir -p "$OUT"

step() { printf '\n=== %s ===\n' "$*"; }

# name -> rust triple, gnu triple, qemu, Debian packages, sysroot, cmake toolchain
declare -A RUST_TRIPLE=([aarch64]=aarch64-unknown-linux-gnu [armv7]=armv7-unknown-linux-gnueabihf)
declare -A GNU_TRIPLE=([aarch64]=aarch64-linux-gnu [armv7]=arm-linux-gnueabihf)
declare -A QEMU=([aarch64]=qemu-aarch64 [armv7]=qemu-arm)
declare -A DEB_PKGS=([aarch64]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
                     [armv7]="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross")
declare -A TOOLCHAIN=([aarch64]=cmake/toolchains/aarch64-linux-gnu.cmake
                      [armv7]=cmake/toolchains/armv7-linux-gnueabihf.cmake)
# ELF e_machine as readelf -h prints it.
declare -A MACHINE=([aarch64]="AArch64" [armv7]="ARM")

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64 armv7)
for t in "${targets[@]}"; do
  [ -n "${RUST_TRIPLE[$t]:-}" ] || { echo "unknown target $t (aarch64 or armv7)"; exit 2; }
done

step "tools: cross compilers, qemu-user, cmake, Rust targets"
need_apt=()
for t in "${targets[@]}"; do
  command -v "${GNU_TRIPLE[$t]}-gcc" >/dev/null || need_apt+=(${DEB_PKGS[$t]})
  [ -e "/usr/${GNU_TRIPLE[$t]}/include/stdio.h" ] || need_apt+=(${DEB_PKGS[$t]})
  command -v "${QEMU[$t]}" >/dev/null || need_apt+=(qemu-user)
done
command -v cmake >/dev/null || need_apt+=(cmake)
if ((${#need_apt[@]})); then
  mapfile -t need_apt < <(printf '%s\n' "${need_apt[@]}" | sort -u)
  echo "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
installed_targets=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "${RUST_TRIPLE[$t]}" <<<"$installed_targets" || rustup target add "${RUST_TRIPLE[$t]}"
  echo "${RUST_TRIPLE[$t]}: $(command -v "${GNU_TRIPLE[$t]}-gcc"), $("${QEMU[$t]}" --version | head -1)"
done
cargo --version

# Sets the environment cargo and the tests read for target $1.
target_env() {
  local t=$1 triple=${RUST_TRIPLE[$1]} var
  var=$(echo "$triple" | tr 'a-z-' 'A-Z_')
  # The linker by its full path, spelled as CMake records CMAKE_C_COMPILER
  # (run_cmake lets CMakeLists.txt set it): cargo's fingerprint includes the
  # linker, and another spelling would rebuild every crate for the package.
  export "CARGO_TARGET_${var}_LINKER=$(command -v "${GNU_TRIPLE[$t]}-gcc")"
  export "CARGO_TARGET_${var}_RUNNER=${QEMU[$t]} -L /usr/${GNU_TRIPLE[$t]}"
  # For build scripts that compile C (the cc crate) and for tests/c_abi.rs.
  export "CC_${triple//-/_}=${GNU_TRIPLE[$t]}-gcc"
}

declare -A RESULT
failures=0

run_tests() {
  local t=$1 triple=${RUST_TRIPLE[$1]}
  local log="$OUT/$triple-test.log" tmp="$CARGO_TARGET_DIR/test-tmp-$triple"
  step "cargo test --target $triple (runner: ${QEMU[$t]} -L /usr/${GNU_TRIPLE[$t]})"
  rm -rf "$tmp" && mkdir -p "$tmp"
  local start=$SECONDS status
  # The build alone, first, so the two times can be told apart.
  set +e
  cargo test --profile emulated --target "$triple" --no-run 2>&1 | tail -3
  status=${PIPESTATUS[0]}
  local built=$SECONDS
  if [ "$status" = 0 ]; then
    TMPDIR="$tmp" NANOTS_NO_SKIP=1 NANOTS_REQUIRE_FULL_DISK=1 \
      cargo test --profile emulated --target "$triple" --no-fail-fast 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
  fi
  set -e
  local ran=$SECONDS
  local passed failed ignored skipped bad_skips leftovers=""
  # Sums of the "test result: ok. N passed; N failed; N ignored; ..." lines.
  read -r passed failed ignored < <(awk '/^test result:/ {
      for (i = 4; i < NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
        if ($(i + 1) ~ /^ignored/) g += $i
      }
    } END { print p + 0, f + 0, g + 0 }' "$log" 2>/dev/null || echo "0 0 0")
  skipped=$(grep -oE 'SKIPPED [^ :]+:.*' "$log" 2>/dev/null || true)
  bad_skips=$(grep -vE '^SKIPPED arrow_pyarrow: libnanots.so is built for ' <<<"$skipped" | grep . || true)
  if [ -n "$(ls -A "$tmp")" ]; then leftovers=$(ls -A "$tmp" | head -5 | paste -sd' '); fi
  local nskip=0
  [ -z "$skipped" ] || nskip=$(grep -c . <<<"$skipped")
  echo
  echo "$triple: build $((built - start)) s, tests $((ran - built)) s"
  [ -z "$skipped" ] || printf 'skipped (reason printed by the test):\n%s\n' "$skipped"
  local verdict=ok
  if [ "$status" != 0 ] || [ "$failed" != 0 ] || [ "$passed" = 0 ]; then verdict=FAILED; fi
  if [ -n "$bad_skips" ]; then echo "skips not allowed under emulation:"; echo "$bad_skips"; verdict=FAILED; fi
  if [ -n "$leftovers" ]; then echo "tests left files in TMPDIR: $leftovers"; verdict=FAILED; fi
  # The libraries the C tests built are the target's, not the host's.
  for lib in "$CARGO_TARGET_DIR/$triple/emulated/libnanots.so"; do
    if ! readelf -h "$lib" | grep -q "Machine: *${MACHINE[$t]}"; then
      echo "$lib is not an ${MACHINE[$t]} library"; verdict=FAILED
    fi
  done
  RESULT[$t-tests]="$triple cargo test: $verdict: $((passed - nskip)) passed, $failed failed, $nskip skipped, $ignored ignored (child-process helpers); build $((built - start)) s, run $((ran - built)) s"
  [ "$verdict" = ok ] || failures=$((failures + 1))
  rm -rf "$tmp"
}

run_cmake() {
  local t=$1 triple=${RUST_TRIPLE[$1]} gnu=${GNU_TRIPLE[$1]}
  local build="$OUT/cmake-$t" prefix="$OUT/prefix-$t" consumer="$OUT/consumer-$t" run="$OUT/run-$t"
  local qemu=("${QEMU[$t]}" -L "/usr/$gnu")
  step "CMake: cross-build, install, consumer, examples under qemu ($t)"
  local start=$SECONDS ok=1
  rm -rf "$prefix" "$consumer" "$run" && mkdir -p "$run"
  # The linker comes from the toolchain file's C compiler (CMakeLists.txt).
  # The package is built with the test step's profile in its target
  # directory, so cargo reuses what that step compiled (a release build per
  # target would cost minutes more; release-edge is measured by
  # scripts/size-report.sh).
  unset "CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_LINKER"
  {
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$ROOT/${TOOLCHAIN[$t]}" \
      -DNANOTS_CARGO_TARGET_DIR="$CARGO_TARGET_DIR" -DNANOTS_PROFILE=emulated >/dev/null &&
      cmake --build "$build" -j2 &&
      cmake --install "$build" --prefix "$prefix"
  } || ok=0
  local soname
  soname=$(basename "$(find "$prefix/lib" -maxdepth 1 -name 'libnanots.so.*' -type l | head -1)")
  if [ $ok = 1 ]; then
    ls -l "$prefix/lib"
    readelf -h "$prefix/lib/$soname" | grep -q "Machine: *${MACHINE[$t]}" || { echo "installed library is not ${MACHINE[$t]}"; ok=0; }
    readelf -d "$prefix/lib/$soname" | grep -qF "Library soname: [$soname]" || { echo "no SONAME $soname"; ok=0; }
    [ -f "$prefix/include/nanots.h" ] && [ -f "$prefix/lib/libnanots.a" ] || ok=0
    cmake -S tests/cmake_consumer -B "$consumer" -DCMAKE_TOOLCHAIN_FILE="$ROOT/${TOOLCHAIN[$t]}" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_ROOT_PATH="$prefix" >/dev/null &&
      cmake --build "$consumer" -j2 || ok=0
  fi
  if [ $ok = 1 ]; then
    for exe in "$build/c_examples/nanots_quickstart" "$consumer/consumer_shared" "$consumer/consumer_static"; do
      readelf -h "$exe" | grep -q "Machine: *${MACHINE[$t]}" || { echo "$exe is not ${MACHINE[$t]}"; ok=0; }
    done
    readelf -d "$consumer/consumer_shared" | grep -qF "Shared library: [$soname]" || { echo "consumer_shared does not need $soname"; ok=0; }
    echo "+ ${qemu[*]} nanots_quickstart"
    "${qemu[@]}" "$build/c_examples/nanots_quickstart" "$run/quickstart.ntt" || ok=0
    echo "+ ${qemu[*]} consumer_shared (installed $soname) and consumer_static"
    "${qemu[@]}" "$consumer/consumer_shared" "$run" || ok=0
    "${qemu[@]}" "$consumer/consumer_static" "$run" || ok=0
  fi
  local verdict=ok
  [ $ok = 1 ] || { verdict=FAILED; failures=$((failures + 1)); }
  RESULT[$t-cmake]="$triple CMake install + consumer + examples under qemu: $verdict ($((SECONDS - start)) s)"
}

for t in "${targets[@]}"; do
  target_env "$t"
  run_tests "$t"
  run_cmake "$t"
done

step "summary"
for t in "${targets[@]}"; do
  echo "${RESULT[$t-tests]}"
  echo "${RESULT[$t-cmake]}"
done
[ "$failures" = 0 ]
