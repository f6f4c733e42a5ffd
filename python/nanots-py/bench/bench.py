"""Benchmark of the Python package against the Rust engine and sqlite3, in one run.

    python bench/bench.py [--rows 10000000] [--row-loop-rows 1000000]
                          [--query-rows 1000000] [--runs 5] [--wheel PATH]

Measures (the issue's Performance section; medians of --runs runs, the
compared configurations interleaved run by run):

1. append_rows of --rows rows x 2 columns from numpy arrays, in one call and
   in calls of 65,536 rows, against the Rust engine's append_rows on the same
   data in the same process (nanots.nanots._bench_append_rows: the same build,
   data built in Rust before the clock starts). Both include close(), which
   flushes the buffered rows.
2. append_row in a Python loop (--row-loop-rows rows, values from prepared
   lists) against sqlite3 executemany into (ts INTEGER PRIMARY KEY, a REAL,
   b REAL) in one transaction, and the Rust append_row loop for reference.
3. A query of --query-rows rows out of the --rows table: pyarrow.table(db.query())
   and query_table_range_columns against the Rust range reader (Arrow
   batches) and query_table_range_columns. Each run opens the file, times one
   query of each kind (columns first) and closes, on both sides.
4. The wheel's size (--wheel) and the installed extension's size.

Needs numpy and pyarrow. Files go to a temporary directory (NANOTS_BENCH_DIR
to choose where).
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

import numpy as np

import nanots
from nanots import nanots as native

T0 = 1_704_067_200_000


def series(rows):
    """The benchmark series, as the Rust helpers build it."""
    i = np.arange(rows, dtype=np.int64)
    ts = T0 + i * 1000
    a = 20.0 + (i % 5000) * 0.01
    b = 40.0 + ((i // 7) % 300) * 0.1
    return ts, a, b


def mrows(rows, secs):
    return rows / secs / 1e6


class Scratch:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="nanots-pybench-", dir=os.environ.get("NANOTS_BENCH_DIR"))
        self.n = 0

    def path(self, name):
        self.n += 1
        return os.path.join(self.dir, f"{name}-{self.n}.ntt")

    def remove(self, path):
        for p in (path, path + "-wal"):
            if os.path.exists(p):
                os.remove(p)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def py_append_rows(path, ts, a, b, chunk):
    db = nanots.Db(path)
    db.create_table("t", ["a", "b"])
    t = time.perf_counter()
    for s in range(0, len(ts), chunk):
        db.append_rows("t", ts[s : s + chunk], [a[s : s + chunk], b[s : s + chunk]])
    db.close()
    return time.perf_counter() - t


def py_append_row_loop(path, tss, vals):
    db = nanots.Db(path)
    db.create_table("t", ["a", "b"])
    append_row = db.append_row
    t = time.perf_counter()
    for ts, v in zip(tss, vals):
        append_row("t", ts, v)
    db.close()
    return time.perf_counter() - t


def sqlite_executemany(path, rows):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (ts INTEGER PRIMARY KEY, a REAL, b REAL)")
    con.commit()
    t = time.perf_counter()
    with con:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    secs = time.perf_counter() - t
    con.close()
    return secs


def py_query(path, start, end, pa):
    db = nanots.Db(path)
    t = time.perf_counter()
    ts, cols = db.query_table_range_columns("t", start, end)
    columns = time.perf_counter() - t
    n = len(ts)
    del ts, cols
    t = time.perf_counter()
    table = pa.table(db.query("t", start, end))
    arrow = time.perf_counter() - t
    assert table.num_rows == n, (table.num_rows, n)
    del table
    db.close()
    return columns, arrow, n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--row-loop-rows", type=int, default=1_000_000)
    ap.add_argument("--query-rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--wheel", help="path of the wheel whose size to report")
    args = ap.parse_args()
    import pyarrow as pa

    runs = args.runs
    print(f"nanots {nanots.__version__} (Python {sys.version.split()[0]}, numpy {np.__version__}, pyarrow {pa.__version__}, sqlite {sqlite3.sqlite_version})")
    print(f"medians of {runs} runs; load average before: {os.getloadavg()}\n")
    scratch = Scratch()
    try:
        # 1. append_rows from numpy vs Rust.
        rows = args.rows
        ts, a, b = series(rows)
        res = {}
        for chunk in (rows, 65_536):
            py_t, rs_t = [], []
            for _ in range(runs):
                p = scratch.path("rs")
                rs_t.append(native._bench_append_rows(p, rows, chunk))
                scratch.remove(p)
                p = scratch.path("py")
                py_t.append(py_append_rows(p, ts, a, b, chunk))
                scratch.remove(p)
            res[chunk] = (statistics.median(py_t), statistics.median(rs_t))
        print(f"append_rows, {rows:,} rows x 2 columns (+ close, which flushes):")
        for chunk, (py_s, rs_s) in res.items():
            label = "one call" if chunk == rows else f"calls of {chunk:,} rows"
            print(
                f"  {label:24s} Python/numpy {mrows(rows, py_s):7.2f} M rows/s   Rust {mrows(rows, rs_s):7.2f} M rows/s"
                f"   Python = {rs_s / py_s:.2f}x Rust"
            )

        # 2. append_row loop vs sqlite3 executemany (and Rust's loop).
        n = args.row_loop_rows
        lts, la, lb = series(n)
        tss = lts.tolist()
        vals = list(zip(la.tolist(), lb.tolist()))
        sq_rows = list(zip(tss, la.tolist(), lb.tolist()))
        py_t, sq_t, rs_t = [], [], []
        for _ in range(runs):
            p = scratch.path("loop")
            py_t.append(py_append_row_loop(p, tss, vals))
            scratch.remove(p)
            p = scratch.path("sqlite")
            sq_t.append(sqlite_executemany(p, sq_rows))
            scratch.remove(p)
            p = scratch.path("rsloop")
            rs_t.append(native._bench_append_row(p, n))
            scratch.remove(p)
        py_s, sq_s, rs_s = (statistics.median(x) for x in (py_t, sq_t, rs_t))
        print(f"\nappend_row loop, {n:,} rows x 2 columns (+ close):")
        print(f"  Python loop              {mrows(n, py_s):7.2f} M rows/s")
        print(f"  sqlite3 executemany      {mrows(n, sq_s):7.2f} M rows/s   (one transaction; Python = {sq_s / py_s:.1f}x sqlite3)")
        print(f"  Rust loop (reference)    {mrows(n, rs_s):7.2f} M rows/s")

        # 3. Query of --query-rows rows from the --rows table.
        p = scratch.path("query")
        db = nanots.Db(p)
        db.create_table("t", ["a", "b"])
        db.append_rows("t", ts, [a, b])
        db.close()
        q = min(args.query_rows, rows)
        first = (rows - q) // 2
        start, end = int(ts[first]), int(ts[first + q - 1])
        pc, pa_t, rc, rs_stream = [], [], [], []
        for _ in range(runs):
            c, s, got = native._bench_query(p, start, end)
            assert got == q, (got, q)
            rc.append(c)
            rs_stream.append(s)
            c, s, got = py_query(p, start, end, pa)
            assert got == q, (got, q)
            pc.append(c)
            pa_t.append(s)
        pc, pa_t, rc, rs_stream = (statistics.median(x) for x in (pc, pa_t, rc, rs_stream))
        print(f"\nquery of {q:,} rows (ts + 2 columns) out of {rows:,}:")
        print(f"  pyarrow.table(db.query())          {pa_t * 1e3:8.2f} ms   Rust range reader -> Arrow batches {rs_stream * 1e3:8.2f} ms   ratio {pa_t / rs_stream:.2f}")
        print(f"  query_table_range_columns (numpy)  {pc * 1e3:8.2f} ms   Rust query_table_range_columns     {rc * 1e3:8.2f} ms   ratio {pc / rc:.2f}")
    finally:
        scratch.close()

    # 4. Sizes.
    so = native.__file__
    print(f"\ninstalled extension {os.path.basename(so)}: {os.path.getsize(so) / 1e6:.2f} MB")
    if args.wheel:
        print(f"wheel {os.path.basename(args.wheel)}: {os.path.getsize(args.wheel) / 1e6:.2f} MB")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
