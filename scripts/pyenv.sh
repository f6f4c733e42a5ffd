#!/usr/bin/env bash
# Makes (once) a Python virtual environment for the tests under the cargo
# target directory, with pyarrow and cffi (and duckdb, which the CLI's Parquet
# read-back test uses) from PyPI, and prints the path of its interpreter.
# Nothing is installed into the machine's own Python.
# Exits non-zero, with the reason on stderr, if it cannot.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
env_dir="${CARGO_TARGET_DIR:-$root/target}/pyenv"
py="$env_dir/bin/python"
if [ -x "$py" ] && "$py" -c 'import pyarrow, pyarrow.cffi, duckdb' 2>/dev/null; then
  echo "$py"
  exit 0
fi
base=${PYTHON:-python3}
mkdir -p "$(dirname "$env_dir")"
# A lock, so parallel callers (cargo test, c-tests.sh) do not race.
exec 9>"$env_dir.lock"
flock 9
if ! [ -x "$py" ]; then
  "$base" -m venv "$env_dir" >&2 || { echo "cannot create a virtual environment with $base -m venv" >&2; exit 1; }
fi
if ! "$py" -c 'import pyarrow, pyarrow.cffi, duckdb' 2>/dev/null; then
  "$py" -m pip install --quiet pyarrow cffi duckdb >&2 || { echo "pip install pyarrow cffi duckdb failed in $env_dir" >&2; exit 1; }
fi
echo "$py"
