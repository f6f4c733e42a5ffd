"""The module imports and works with numpy alone: pyarrow, pandas, polars
and DuckDB are made unimportable in a child interpreter; the Arrow
conversions then raise ImportError naming the extra, while the PyCapsule
exports (which need no pyarrow) and numpy results still work."""

import subprocess
import sys

CHILD = r"""
import sys

BLOCKED = {"pyarrow", "pandas", "polars", "duckdb"}

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked for this test")
        return None

sys.meta_path.insert(0, Block())

import numpy as np
import nanots

assert not BLOCKED & set(sys.modules), BLOCKED & set(sys.modules)
with nanots.Db(sys.argv[1]) as db:
    db.create_table("t", ["v"])
    db.append_rows("t", np.arange(3), [np.array([1.0, 2.0, 3.0])])
    ts, (v,) = db.query_table_range_columns("t")
    assert ts.tolist() == [0, 1, 2] and v.tolist() == [1.0, 2.0, 3.0]
    q = db.query("t")
    assert type(q.__arrow_c_stream__()).__name__ == "PyCapsule"
    s, a = db.query_table_range_arrow_capsules("t")
    assert type(s).__name__ == "PyCapsule" and type(a).__name__ == "PyCapsule"
    assert q.to_numpy()["v"].tolist() == [1.0, 2.0, 3.0]
    assert db.aggregate("t", None, None, 10).to_numpy()["v_max"].tolist() == [3.0]
    for convert in (q.to_arrow, q.to_pandas, q.to_polars, db.latest("t").to_arrow):
        try:
            convert()
        except ImportError as e:
            assert "nanots[arrow]" in str(e), e
        else:
            raise AssertionError(f"{convert} worked without its library")
assert not BLOCKED & set(sys.modules), BLOCKED & set(sys.modules)
print("ok")
"""


def test_works_with_numpy_only(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "x.ntt")], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ok\n"
