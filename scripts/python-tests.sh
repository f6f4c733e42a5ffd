#!/usr/bin/env bash
# Tests of the Python package (python/nanots-py), in a virtual environment
# of their own under the cargo target directory; nothing is installed into
# the machine's Python.
#
# 1. makes (once) the venv $TARGET/py-nanots-venv with maturin, numpy,
#    pytest and the optional consumers pyarrow, polars, duckdb and pandas
#    (each installed on its own: one the registry cannot provide is left
#    out, and the tests that need it are skipped with the reason printed);
# 2. builds the abi3 wheel with `maturin build --release` into
#    $TARGET/py-wheels and installs it (with its dependencies) into the venv;
# 3. runs pytest on python/nanots-py/tests;
# 4. prints the wheel's size and its extension's (stripped) size.
#
# NANOTS_REQUIRE_PYTHON_EXTRAS=1: a missing optional package fails the run
# (and the tests that need it fail instead of skipping).
# Extra arguments are passed to pytest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/py-nanots-venv"
wheels="$target/py-wheels"
py="$venv/bin/python"
base=${PYTHON:-python3}

mkdir -p "$target"
# A lock, so parallel callers do not race on the venv.
exec 9>"$venv.lock"
flock 9

if ! [ -x "$py" ]; then
  "$base" -m venv "$venv" || { echo "cannot create a virtual environment with $base -m venv" >&2; exit 1; }
  "$py" -m pip install --quiet --upgrade pip >&2 || true
fi
for pkg in maturin numpy pytest; do
  "$py" -m pip install --quiet "$pkg" || { echo "pip install $pkg failed in $venv" >&2; exit 1; }
done
missing=()
for pkg in pyarrow polars duckdb pandas; do
  if ! "$py" -m pip install --quiet "$pkg"; then
    echo "WARNING: pip install $pkg failed: the tests that need it will be skipped" >&2
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ] && [ "${NANOTS_REQUIRE_PYTHON_EXTRAS:-}" = 1 ]; then
  echo "NANOTS_REQUIRE_PYTHON_EXTRAS=1 but these could not be installed: ${missing[*]}" >&2
  exit 1
fi

rm -rf "$wheels"
(cd "$root/python/nanots-py" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
  "$venv/bin/maturin" build --release --out "$wheels")
wheel=$(ls "$wheels"/nanots-*.whl)
# numpy, the one dependency, is in the venv already; pip check verifies
# the wheel's requirements are met.
"$py" -m pip install --quiet --force-reinstall --no-deps "$wheel"
"$py" -m pip check

# From the tests' directory, so `import nanots` is the installed wheel.
(cd "$root/python/nanots-py/tests" && "$py" -m pytest -rs -p no:cacheprovider . "$@")

"$py" - "$wheel" <<'EOF'
import os, sys, zipfile
wheel = sys.argv[1]
so = [i for i in zipfile.ZipFile(wheel).infolist() if i.filename.endswith(".so")]
print(f"wheel {os.path.basename(wheel)}: {os.path.getsize(wheel):,} bytes; "
      + ", ".join(f"{i.filename} (stripped): {i.file_size:,} bytes" for i in so))
EOF
