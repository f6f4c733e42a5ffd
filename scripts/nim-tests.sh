#!/usr/bin/env bash
# Tests of the Nim binding (bindings/nim) against the library built from this
# repository and installed into a prefix (scripts/install-prefix.sh), linked
# the way users link it:
#   1. every bindings/nim/tests/test_*.nim (std/unittest), built and run for
#      each of: shared library (pkg-config) and static library
#      (-d:nanotsStatic), times --mm:refc (Nim 1.6's default) and --mm:orc
#      (Nim 2's), all with --threads:on. The shared builds must load
#      libnanots.so, the static ones must not;
#   2. the programs in bindings/nim/tests/compile_fail/ must fail to compile
#      with the error they are about (copying a Db or an ArrowStream);
#   3. the example of bindings/nim/README.md, built and run (shared, static);
#   4. tests/no_arrow_build.nim against the header without Arrow
#      (-DNTS_NO_ARROW);
#   5. every test again under valgrind memcheck (--mm:orc -d:useMalloc, so
#      Nim's memory goes through malloc too): no invalid access, no double
#      free (a second Arrow release or nts_result_free would be one), no
#      definite or indirect leak.
# Installs nim, pkg-config, valgrind, binutils and cmake with apt-get if
# they are missing. Builds,
# nimcache and test databases go under target/nim/ (TMPDIR); the script
# fails if a test leaves files there. Exits non-zero on any failure; nothing
# is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$CARGO_TARGET_DIR/nim"
NIMDIR="$ROOT/bindings/nim"

step() { printf '\n=== %s ===\n' "$*"; }

need_apt=()
command -v nim >/dev/null || need_apt+=(nim)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
if ((${#need_apt[@]})); then
  step "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
step "toolchain"
nim --version | head -1
gcc --version | head -1

step "install the library into a prefix (scripts/install-prefix.sh)"
PREFIX=$(bash scripts/install-prefix.sh)
echo "prefix: $PREFIX"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "nanots.pc: version $(pkg-config --modversion nanots), $(pkg-config --cflags --libs nanots)"

rm -rf "$OUT"
mkdir -p "$OUT/tmp"
export TMPDIR="$OUT/tmp"

link_flags() { # shared | static
  case "$1" in
    shared) echo "" ;;
    static) echo "-d:nanotsStatic" ;;
  esac
}

check_linkage() { # binary shared|static
  local needed
  needed=$(readelf -d "$1" | grep NEEDED || true)
  if [ "$2" = shared ] && ! grep -q 'libnanots\.so' <<<"$needed"; then
    echo "FAIL: $1 is not linked against libnanots.so:"; echo "$needed"; return 1
  fi
  if [ "$2" = static ] && grep -q 'libnanots' <<<"$needed"; then
    echo "FAIL: $1 should hold libnanots.a, but needs:"; echo "$needed"; return 1
  fi
}

build() { # source binary link mm [extra flags...]
  local src=$1 bin=$2 link=$3 mm=$4
  shift 4
  local name
  name=$(basename "$bin")
  # shellcheck disable=SC2046
  nim c --hints:off --threads:on --mm:"$mm" $(link_flags "$link") "$@" \
    --nimcache:"$OUT/cache/$link-$mm/$name" --out:"$bin" "$src"
}

total_ok=0
total_failed=0
summary=()
mapfile -t TESTS < <(ls "$NIMDIR"/tests/test_*.nim)

for link in shared static; do
  for mm in refc orc; do
    step "tests: $link library, --mm:$mm"
    ok=0
    failed=0
    for src in "${TESTS[@]}"; do
      name=$(basename "$src" .nim)
      bin="$OUT/bin/$link-$mm/$name"
      build "$src" "$bin" "$link" "$mm"
      check_linkage "$bin" "$link"
      log="$OUT/bin/$link-$mm/$name.log"
      status=0
      "$bin" 2>&1 | tee "$log" || status=$?
      n_ok=$(grep -c '^ *\[OK\]' "$log" || true)
      n_failed=$(grep -c '^ *\[FAILED\]' "$log" || true)
      ok=$((ok + n_ok))
      failed=$((failed + n_failed))
      if [ "$status" -ne 0 ] || [ "$n_failed" -ne 0 ] || [ "$n_ok" -eq 0 ]; then
        echo "FAIL: $name ($link, --mm:$mm): exit $status, $n_ok passed, $n_failed failed"
        failed=$((failed + (n_failed == 0)))
      fi
    done
    summary+=("$link --mm:$mm: $ok passed, $failed failed")
    total_ok=$((total_ok + ok))
    total_failed=$((total_failed + failed))
  done
done

step "programs that must not compile"
for spec in "copy_db:'=copy' is not available for type <Db>" \
            "copy_arrow:'=copy' is not available for type <ArrowStream>"; do
  name=${spec%%:*}
  want=${spec#*:}
  log="$OUT/compile_fail_$name.log"
  if build "$NIMDIR/tests/compile_fail/$name.nim" "$OUT/bin/compile_fail/$name" shared orc >"$log" 2>&1; then
    echo "FAIL: tests/compile_fail/$name.nim compiled"; total_failed=$((total_failed + 1))
  elif ! grep -qF "$want" "$log"; then
    echo "FAIL: tests/compile_fail/$name.nim failed for another reason:"; cat "$log"
    total_failed=$((total_failed + 1))
  else
    echo "ok: $name does not compile ($want)"
  fi
done

step "the README's example"
mkdir -p "$OUT/readme"
awk '/^```nim$/ {inside=1; next} /^```$/ {if (inside) exit} inside' "$NIMDIR/README.md" >"$OUT/readme/example.nim"
if ! grep -q '^main()$' "$OUT/readme/example.nim"; then
  echo "FAIL: no complete example found in bindings/nim/README.md"; total_failed=$((total_failed + 1))
fi
for link in shared static; do
  build "$OUT/readme/example.nim" "$OUT/readme/example-$link" "$link" orc --path:"$NIMDIR"
  check_linkage "$OUT/readme/example-$link" "$link"
  run_dir="$OUT/tmp/readme-$link"
  mkdir -p "$run_dir"
  (cd "$run_dir" && "$OUT/readme/example-$link") | tee "$OUT/readme/example-$link.log"
  for want in "temp=25.5 humidity=60.0" "rows: @[3]" "refused (status 4): nts_append_row: schema mismatch"; do
    if ! grep -qF "$want" "$OUT/readme/example-$link.log"; then
      echo "FAIL: the README example ($link) did not print: $want"; total_failed=$((total_failed + 1))
    fi
  done
  rm -rf "$run_dir"
done

step "without Arrow declarations (-DNTS_NO_ARROW)"
build "$NIMDIR/tests/no_arrow_build.nim" "$OUT/bin/no_arrow_build" shared orc --passC:-DNTS_NO_ARROW
"$OUT/bin/no_arrow_build"

step "valgrind memcheck (shared library, --mm:orc -d:useMalloc)"
valgrind_ok=0
for src in "${TESTS[@]}"; do
  name=$(basename "$src" .nim)
  bin="$OUT/bin/valgrind/$name"
  build "$src" "$bin" shared orc -d:useMalloc
  log="$OUT/bin/valgrind/$name.log"
  status=0
  valgrind -q --error-exitcode=99 --leak-check=full --show-possibly-lost=no \
    --errors-for-leak-kinds=definite,indirect "$bin" >"$log" 2>&1 || status=$?
  n_ok=$(grep -c '^ *\[OK\]' "$log" || true)
  n_failed=$(grep -c '^ *\[FAILED\]' "$log" || true)
  if [ "$status" -ne 0 ] || [ "$n_failed" -ne 0 ] || [ "$n_ok" -eq 0 ]; then
    cat "$log"
    echo "FAIL: $name under valgrind: exit $status, $n_ok passed, $n_failed failed"
    total_failed=$((total_failed + 1))
  else
    echo "ok: $name under valgrind ($n_ok tests, no errors)"
    valgrind_ok=$((valgrind_ok + n_ok))
  fi
done
summary+=("valgrind memcheck (shared --mm:orc): $valgrind_ok passed, no errors in them")

step "TMPDIR is left empty"
if [ -n "$(ls -A "$OUT/tmp")" ]; then
  echo "FAIL: the tests left files in $OUT/tmp:"; ls -la "$OUT/tmp"; total_failed=$((total_failed + 1))
fi

step "summary"
printf '%s\n' "${summary[@]}"
echo "Nim binding: $total_ok passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
