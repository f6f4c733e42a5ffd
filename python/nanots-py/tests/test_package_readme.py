"""The example of python/nanots-py/README.md runs as written."""

import pathlib
import re
import subprocess
import sys

from conftest import optional


def test_readme_example_runs(tmp_path):
    for m in ("pyarrow", "pandas", "polars", "duckdb"):
        optional(m)
    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = text[text.index("## Example") :]
    code = re.search(r"```python\n(.*?)```", example, re.S).group(1)
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "TableStats(table=\"sensor\", rows=100001" in r.stdout
    assert "temp_min" in r.stdout
