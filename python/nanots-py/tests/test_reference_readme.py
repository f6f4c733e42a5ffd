"""The reference design's README (README.zh-CN.md, "Python 用法") examples,
verbatim, each run as its own script in one directory, in order.

When the reference README is reachable (../shared/reference beside the
repository, or NANOTS_REFERENCE_README), the test also checks that these
are still exactly its Python code blocks.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

import nanots
from conftest import have

MINIMAL = """\
import nanots

db = nanots.Db("./my_db.ntt", 3600 * 1000)  # retention: 1 小时（毫秒）
db.append("sensor_x", 1704067200000, 25.5)
db.flush()
"""

MULTI_COLUMN = """\
import nanots

db = nanots.Db("./my_db.ntt")
db.create_table("sensor", ["temp", "humidity"])

t0 = 1704067200000
for i in range(10000):
    ts = t0 + i * 1000
    db.append_row("sensor", ts, [25.0 + i * 0.001, 60.0])

db.flush()
ts_ms, cols = db.query_table_range_columns("sensor", t0, t0 + 60000)
print("rows:", len(ts_ms), "cols:", len(cols))
"""

ARROW = """\
import nanots
import pyarrow.lib

db = nanots.Db("./my_db.ntt")
schema_capsule, array_capsule = db.query_table_range_arrow_capsules("sensor", 0, 10**18)
batch = pyarrow.lib.RecordBatch._import_from_c_capsule(schema_capsule, array_capsule)

df = batch.to_pandas()
print(df.head())
"""

STATS = """\
import nanots

db = nanots.Db("./my_db.ntt")
print(db.stats("sensor"))
"""

PACK = """\
import nanots

db = nanots.Db("./my_db.ntt")
db.pack_table("sensor", 8192)
"""

EXAMPLES = [MINIMAL, MULTI_COLUMN, ARROW, STATS, PACK]


def reference_readme():
    env = os.environ.get("NANOTS_REFERENCE_README")
    if env:
        return pathlib.Path(env)
    here = pathlib.Path(__file__).resolve()
    # python/nanots-py/tests -> the repository -> ../shared/reference
    return here.parents[3].parent / "shared" / "reference" / "README.zh-CN.md"


def run(code, cwd):
    r = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"example failed:\n{code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r.stdout


def test_examples_are_the_reference_readme_blocks():
    path = reference_readme()
    if not path.exists():
        pytest.skip(f"the reference README is not at {path}")
    text = path.read_text(encoding="utf-8")
    section = text[text.index("## Python 用法") :]
    section = section[: section.index("\n## ", 3)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks == EXAMPLES


def test_reference_examples_run_unchanged(tmp_path):
    out = run(MINIMAL, tmp_path)
    assert out == ""
    out = run(MULTI_COLUMN, tmp_path)
    # Inclusive at both ends: 61 rows one second apart in 60 seconds.
    assert out == "rows: 61 cols: 2\n"
    if have("pyarrow") and have("pandas"):
        out = run(ARROW, tmp_path)
        lines = out.splitlines()
        assert lines[0].split() == ["ts_ms", "temp", "humidity"]
        assert lines[1].split() == ["0", "2024-01-01", "00:00:00", "25.000", "60.0"]
        assert len(lines) == 6
    out = run(STATS, tmp_path)
    assert out.startswith('TableStats(table="sensor", rows=10000, flushed_rows=10000, buffered_rows=0, segments=')
    assert '"temp": {' in out and '"humidity": {' in out
    assert run(PACK, tmp_path) == ""

    # The state the scripts left: both tables, every row, and the pack's
    # two segments of at most 8,192 rows.
    with nanots.Db(tmp_path / "my_db.ntt") as db:
        assert db.list_tables() == ["sensor", "sensor_x"]
        assert db.table_columns("sensor_x") == ["value"]
        ts, cols = db.query_table_range_columns("sensor_x", 0, 10**18)
        assert ts.tolist() == [1704067200000] and cols[0].tolist() == [25.5]
        ts, (temp, hum) = db.query_table_range_columns("sensor", 0, 10**18)
        assert ts.tolist() == [1704067200000 + i * 1000 for i in range(10000)]
        assert temp.tolist() == [25.0 + i * 0.001 for i in range(10000)]
        assert set(hum.tolist()) == {60.0}
        s = db.stats("sensor")
        assert (s.rows, s.segments) == (10000, 2)
