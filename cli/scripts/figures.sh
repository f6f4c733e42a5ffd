#!/usr/bin/env bash
# The CLI's figures (issue 15): import rows/s from CSV, export rows/s to
# Parquet, Parquet size against .ntt size, peak RSS of the export.
#
#   bash cli/scripts/figures.sh [RUNS]      (default 5 runs; medians)
#
# Real data: the 29 NAB series of ../shared/data/timestamped/ (read there,
# never copied), each imported as its own table into its own .ntt file and
# exported to its own Parquet file, one process per file, as a user would.
# Throughput at scale: a 10M-row CSV made here (a slow wave and a counter,
# one row a second), imported and exported with peak RSS from
# /usr/bin/time -v. Uses target/release/nanots (built first).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
data="${NANOTS_DATA:-$root/../shared/data/timestamped}"
cargo build --release -q -p nanots-cli --manifest-path "$root/Cargo.toml"
bin="$root/target/release/nanots"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
now() { date +%s.%N; }

files=("$data"/*.csv)
rows=0
for f in "${files[@]}"; do rows=$((rows + $(wc -l < "$f") - 1)); done
echo "NAB: ${#files[@]} files, $rows rows"

imp=(); exp=()
for r in $(seq "$runs"); do
  rm -rf "$work/nab" && mkdir -p "$work/nab"
  t0=$(now)
  for f in "${files[@]}"; do
    n=$(basename "$f" .csv)
    "$bin" import "$work/nab/$n.ntt" series "$f" 2>/dev/null
  done
  t1=$(now)
  for f in "${files[@]}"; do
    n=$(basename "$f" .csv)
    "$bin" export "$work/nab/$n.ntt" series --parquet "$work/nab/$n.parquet" 2>/dev/null
  done
  t2=$(now)
  imp+=("$(echo "$rows / ($t1 - $t0)" | bc -l)")
  exp+=("$(echo "$rows / ($t2 - $t1)" | bc -l)")
done
printf 'NAB import, %d processes: median %.0f rows/s (runs: %s)\n' "${#files[@]}" \
  "$(printf '%s\n' "${imp[@]}" | median)" "$(printf '%.0f ' "${imp[@]}")"
printf 'NAB export to Parquet, %d processes: median %.0f rows/s (runs: %s)\n' "${#files[@]}" \
  "$(printf '%s\n' "${exp[@]}" | median)" "$(printf '%.0f ' "${exp[@]}")"

echo
echo "size per series: csv bytes, .ntt file bytes, .ntt after pack, parquet bytes, parquet/ntt"
tn=0; tp=0; tk=0; tc=0
for f in "${files[@]}"; do
  n=$(basename "$f" .csv)
  c=$(stat -c %s "$f"); nt=$(stat -c %s "$work/nab/$n.ntt"); p=$(stat -c %s "$work/nab/$n.parquet")
  cp "$work/nab/$n.ntt" "$work/packed.ntt" && "$bin" pack "$work/packed.ntt" 2>/dev/null
  k=$(stat -c %s "$work/packed.ntt")
  printf '%-60s %8d %8d %8d %8d %6.2f\n' "$n" "$c" "$nt" "$k" "$p" "$(echo "$p / $nt" | bc -l)"
  tc=$((tc + c)); tn=$((tn + nt)); tk=$((tk + k)); tp=$((tp + p))
done
printf '%-60s %8d %8d %8d %8d %6.2f\n' "TOTAL" "$tc" "$tn" "$tk" "$tp" "$(echo "$tp / $tn" | bc -l)"

echo
big=10000000
python3 - "$work/big.csv" "$big" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
t0 = 1_704_067_200_000
with open(path, "w") as f:
    f.write("ts_ms,wave,count\n")
    for i in range(n):
        f.write(f"{t0 + i * 1000},{round((i % 3600) / 10.0) / 4.0},{i // 7}\n")
PY
echo "10M rows: $(stat -c %s "$work/big.csv") bytes of CSV"
imp=(); exp=(); rss=(); irss=()
for r in $(seq "$runs"); do
  rm -f "$work/big.ntt" "$work/big.parquet"
  t0=$(now)
  /usr/bin/time -v "$bin" import "$work/big.ntt" t "$work/big.csv" 2>"$work/imp.txt"
  t1=$(now)
  /usr/bin/time -v "$bin" export "$work/big.ntt" t --parquet "$work/big.parquet" 2>"$work/exp.txt"
  t2=$(now)
  imp+=("$(echo "$big / ($t1 - $t0)" | bc -l)")
  exp+=("$(echo "$big / ($t2 - $t1)" | bc -l)")
  irss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$work/imp.txt")")
  rss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$work/exp.txt")")
done
printf '10M-row import from CSV: median %.0f rows/s (runs: %s); peak RSS median %s KiB\n' \
  "$(printf '%s\n' "${imp[@]}" | median)" "$(printf '%.0f ' "${imp[@]}")" "$(printf '%s\n' "${irss[@]}" | median)"
printf '10M-row export to Parquet: median %.0f rows/s (runs: %s)\n' \
  "$(printf '%s\n' "${exp[@]}" | median)" "$(printf '%.0f ' "${exp[@]}")"
printf '10M-row export peak RSS: median %s KiB (runs: %s)\n' "$(printf '%s\n' "${rss[@]}" | median)" "${rss[*]}"
echo "10M rows: .ntt $(stat -c %s "$work/big.ntt") bytes, Parquet $(stat -c %s "$work/big.parquet") bytes"
