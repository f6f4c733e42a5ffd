#!/usr/bin/env bash
# Size of the C shared library for firmware: builds the stripped
# libnanots.so with the release-edge profile for each target and feature
# set and prints a table (bytes, and the difference to "none") and the
# goals of issue 14. docs/size.md explains the figures.
#
#   scripts/size-report.sh [--quick] [--symbols] [TARGET...]
#
# TARGET defaults to aarch64-unknown-linux-gnu and
# armv7-unknown-linux-gnueabihf (the linkers come from .cargo/config.toml;
# CARGO_TARGET_<TRIPLE>_LINKER overrides them). Feature sets: "all" (the
# default features), "none" (capi only), capi plus each optional feature
# alone, and "all-pco" (every feature but pco, the largest); --quick: all
# and none only. Variants, in extra columns:
# - aarch64: also linked with -z max-page-size=4096 ("4K pages"), the size
#   for boards whose kernel uses 4 KiB pages. The default 64 KiB alignment
#   pads the file by up to 64 KiB before the data segment, which hides
#   differences: "vs none" is taken from the 4K builds.
# - armv7: also built with -C target-feature=+thumb-mode ("Thumb-2"), in
#   RUSTFLAGS, so every crate but the precompiled std is Thumb-2 code.
#
# --symbols also keeps a non-stripped copy of "all" and "none" per target
# (<out>/<target>/<set>.symbols.so) and prints the largest contributors by
# crate, from `nm --size-sort` of the symbol table.
#
# Builds go to target/size-report (NANOTS_SIZE_TARGET_DIR overrides), the
# libraries to target/size-report/out/<target>/<set>[.4k|.thumb].so. Cost:
# one fat-LTO link per library, 15-30 minutes for everything on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
symbols=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --symbols) symbols=1 ;;
    -*) echo "usage: $0 [--quick] [--symbols] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf)

target_dir="${NANOTS_SIZE_TARGET_DIR:-$PWD/target/size-report}"
out="$target_dir/out"
profile=release-edge
thumb_flags="-C target-feature=+thumb-mode"

# name:features. `-p nanots` is always given: from the workspace root cargo
# would also select the CLI, which turns the default features back on.
sets=("all:" "none:capi")
if [ "$quick" = 0 ]; then
  sets+=("+arrow:capi,arrow" "+pco:capi,pco" "+sql:capi,sql" "+aggregate:capi,aggregate"
    "+maintenance:capi,maintenance" "+arrow+aggregate:capi,arrow,aggregate"
    "all-pco:capi,arrow,sql,aggregate,maintenance")
fi

# cargo SUBCOMMAND TARGET FEATURES [cargo args...]: in the size report's
# target directory, -p nanots, release-edge, the library only.
cargo_lib() {
  local sub=$1 target=$2 features=$3
  shift 3
  local fargs=()
  if [ -n "$features" ]; then fargs=(--no-default-features --features "$features"); fi
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$target_dir}" \
    cargo "$sub" -q -p nanots --profile "$profile" --target "$target" --lib "${fargs[@]}" "$@"
}

built() { echo "${CARGO_TARGET_DIR:-$target_dir}/$1/$profile/libnanots.so"; }

build_set() {
  local target=$1 name=$2 features=$3
  local dir="$out/$target"
  mkdir -p "$dir"
  cargo_lib build "$target" "$features"
  cp "$(built "$target")" "$dir/$name.so"
  if [ "$target" = aarch64-unknown-linux-gnu ]; then
    # `cargo rustc` passes the flag to the final link only: no rebuild of
    # the dependencies.
    cargo_lib rustc "$target" "$features" -- -C link-arg=-Wl,-z,max-page-size=4096
    cp "$(built "$target")" "$dir/$name.4k.so"
  fi
  if [ "$target" = armv7-unknown-linux-gnueabihf ]; then
    # RUSTFLAGS apply to every crate, hence a target directory of their own.
    # rustc warns, once per crate, that thumb-mode is an unstable target
    # feature: the log is shown only if the build fails.
    local log="$target_dir/thumb2.log"
    mkdir -p "$target_dir"
    if ! CARGO_TARGET_DIR="$target_dir/thumb2" RUSTFLAGS="$thumb_flags" \
      cargo_lib build "$target" "$features" 2>"$log"; then
      cat "$log" >&2
      exit 1
    fi
    cp "$target_dir/thumb2/$target/$profile/libnanots.so" "$dir/$name.thumb.so"
  fi
  if [ "$symbols" = 1 ] && { [ "$name" = all ] || [ "$name" = none ]; }; then
    cargo_lib rustc "$target" "$features" -- -C strip=none
    cp "$(built "$target")" "$dir/$name.symbols.so"
  fi
}

bytes() { if [ -f "$1" ]; then stat -c %s "$1"; else echo ""; fi; }

# Bytes of a non-stripped library's symbols (text, data, rodata; not bss;
# aliases of one address counted once), by crate: the first path segment
# of the demangled name. C, linker and outlined helpers are "(other)".
by_crate() {
  nm --size-sort --demangle=rust -S -t d "$1" | awk '
    $3 ~ /^[bB]$/ || seen[$1]++ { next }
    { size = $2 + 0; name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name); sub(/^<+/, "", name)
      if (match(name, /^[A-Za-z_][A-Za-z0-9_]*::/)) crate = substr(name, 1, RLENGTH - 2)
      else crate = "(other)"
      total[crate] += size; all += size }
    END { for (c in total) printf "%10d  %5.1f%%  %s\n", total[c], 100 * total[c] / all, c
          printf "%10d  100.0%%  (all symbols)\n", all }' | sort -rn | head -16
}

for target in "${targets[@]}"; do
  for set in "${sets[@]}"; do
    build_set "$target" "${set%%:*}" "${set#*:}"
  done
done

printf '\nStripped libnanots.so in bytes: cargo build -p nanots --profile %s --target <target> --lib [--no-default-features --features capi,...]\n' "$profile"
printf '"vs none" compares the 4K-page builds on aarch64, the Thumb-2 builds on armv7 (the columns the page padding does not distort).\n\n'
printf '%-30s %-16s %10s %11s %11s %10s\n' target features bytes "4K pages" "Thumb-2" "vs none"
for target in "${targets[@]}"; do
  none=$(bytes "$out/$target/none.4k.so")
  [ -n "$none" ] || none=$(bytes "$out/$target/none.thumb.so")
  [ -n "$none" ] || none=$(bytes "$out/$target/none.so")
  for set in "${sets[@]}"; do
    name=${set%%:*}
    b=$(bytes "$out/$target/$name.so")
    k4=$(bytes "$out/$target/$name.4k.so")
    th=$(bytes "$out/$target/$name.thumb.so")
    cmp=${k4:-${th:-$b}}
    printf '%-30s %-16s %10s %11s %11s %+10d\n' "$target" "$name" "$b" "${k4:--}" "${th:--}" $((cmp - none))
  done
done

printf '\nGoals (stripped, 1 KB = 1000 bytes): all <= 1,200,000 B; none <= 600,000 B, aim 500,000 B\n'
verdict() { if [ "$1" -le "$2" ]; then echo met; else echo "not met"; fi; }
for target in "${targets[@]}"; do
  for name in all none; do
    limit=$([ "$name" = all ] && echo 1200000 || echo 600000)
    line=""
    for variant in "" .4k .thumb; do
      b=$(bytes "$out/$target/$name$variant.so")
      [ -n "$b" ] || continue
      label=${variant#.}
      line+="${line:+; }${label:-default} $b: $(verdict "$b" "$limit")"
    done
    printf '  %-30s %-5s %s\n' "$target" "$name" "$line"
  done
done

if [ "$symbols" = 1 ]; then
  for target in "${targets[@]}"; do
    for name in all none; do
      printf '\nLargest contributors, %s %s (symbol bytes by crate, %s):\n' "$target" "$name" \
        "$out/$target/$name.symbols.so"
      by_crate "$out/$target/$name.symbols.so"
    done
  done
fi
