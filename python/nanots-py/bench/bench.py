"""Benchmark of the Python package against the Rust engine and sqlite3, in one run.

    python bench/bench.py [--rows 10000000] [--row-loop-rows 1000000]
                          [--query-rows 1000000] [--runs 5] [--wheel PATH]

Measures (the issue's Performance section; medians of --runs runs, the
compared configurations interleaved run by run, which goes first
alternating):

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
   batches, kept like pyarrow.table keeps them) and query_table_range_columns.
   Each run opens the file, times one query of each kind (columns first) and
   closes, on both sides; 3 x --runs runs.
4. The wheel's size (--wheel) and the installed extension's size.

Every figure is given by wall time and, in brackets, by CPU time
(time.process_time, which the Rust helpers read too): on a shared machine
the CPU time is the steadier one.

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


class Clock:
    """Wall and CPU time (`time.process_time`, the clock the Rust helpers
    are given too): on a shared machine CPU time is the steadier one."""

    def __init__(self):
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self):
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def medians(pairs):
    """(median wall, median CPU) of a list of (wall, cpu) pairs."""
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


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
    clock = Clock()
    for s in range(0, len(ts), chunk):
        db.append_rows("t", ts[s : s + chunk], [a[s : s + chunk], b[s : s + chunk]])
    db.close()
    return clock.stop()


def py_append_row_loop(path, tss, vals):
    db = nanots.Db(path)
    db.create_table("t", ["a", "b"])
    append_row = db.append_row
    clock = Clock()
    for ts, v in zip(tss, vals):
        append_row("t", ts, v)
    db.close()
    return clock.stop()


def sqlite_executemany(path, rows):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (ts INTEGER PRIMARY KEY, a REAL, b REAL)")
    con.commit()
    clock = Clock()
    with con:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    took = clock.stop()
    con.close()
    return took


def py_query(path, start, end, pa):
    db = nanots.Db(path)
    clock = Clock()
    ts, cols = db.query_table_range_columns("t", start, end)
    columns = clock.stop()
    n = len(ts)
    del ts, cols
    clock = Clock()
    table = pa.table(db.query("t", start, end))
    arrow = clock.stop()
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
            for r in range(runs):
                # Alternate which side goes first, so neither always finds
                # the allocator and page cache as the other left them.
                for side in ("rs", "py") if r % 2 == 0 else ("py", "rs"):
                    p = scratch.path(side)
                    if side == "rs":
                        rs_t.append(native._bench_append_rows(p, rows, chunk, time.process_time))
                    else:
                        py_t.append(py_append_rows(p, ts, a, b, chunk))
                    scratch.remove(p)
            res[chunk] = (medians(py_t), medians(rs_t))
        print(f"append_rows, {rows:,} rows x 2 columns (+ close, which flushes); M rows/s by wall [CPU] time:")
        for chunk, ((py_w, py_c), (rs_w, rs_c)) in res.items():
            label = "one call" if chunk == rows else f"calls of {chunk:,} rows"
            print(
                f"  {label:22s} Python/numpy {mrows(rows, py_w):6.2f} [{mrows(rows, py_c):6.2f}]"
                f"   Rust {mrows(rows, rs_w):6.2f} [{mrows(rows, rs_c):6.2f}]"
                f"   Python = {rs_w / py_w:.2f}x [{rs_c / py_c:.2f}x] Rust"
            )

        # 2. append_row loop vs sqlite3 executemany (and Rust's loop).
        n = args.row_loop_rows
        lts, la, lb = series(n)
        tss = lts.tolist()
        vals = list(zip(la.tolist(), lb.tolist()))
        sq_rows = list(zip(tss, la.tolist(), lb.tolist()))
        py_t, sq_t, rs_t = [], [], []
        for r in range(runs):
            order = ("py", "sqlite", "rs") if r % 2 == 0 else ("rs", "sqlite", "py")
            for side in order:
                p = scratch.path(side)
                if side == "py":
                    py_t.append(py_append_row_loop(p, tss, vals))
                elif side == "sqlite":
                    sq_t.append(sqlite_executemany(p, sq_rows))
                else:
                    rs_t.append(native._bench_append_row(p, n, time.process_time))
                scratch.remove(p)
        (py_w, py_c), (sq_w, sq_c), (rs_w, rs_c) = (medians(x) for x in (py_t, sq_t, rs_t))
        print(f"\nappend_row loop, {n:,} rows x 2 columns (+ close); M rows/s by wall [CPU] time:")
        print(f"  Python loop            {mrows(n, py_w):6.2f} [{mrows(n, py_c):6.2f}]")
        print(
            f"  sqlite3 executemany    {mrows(n, sq_w):6.2f} [{mrows(n, sq_c):6.2f}]"
            f"   (one transaction; Python loop = {sq_w / py_w:.1f}x [{sq_c / py_c:.1f}x] sqlite3)"
        )
        print(f"  Rust loop (reference)  {mrows(n, rs_w):6.2f} [{mrows(n, rs_c):6.2f}]")

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
        query_runs = 3 * runs  # a query is short: more runs, steadier medians
        for r in range(query_runs):
            for side in ("rs", "py") if r % 2 == 0 else ("py", "rs"):
                if side == "rs":
                    c, s, got = native._bench_query(p, start, end, time.process_time)
                    rc.append(c)
                    rs_stream.append(s)
                else:
                    c, s, got = py_query(p, start, end, pa)
                    pc.append(c)
                    pa_t.append(s)
                assert got == q, (got, q)
        (pc_w, pc_c), (pa_w, pa_c), (rc_w, rc_c), (rs_w, rs_c) = (medians(x) for x in (pc, pa_t, rc, rs_stream))
        print(f"\nquery of {q:,} rows (ts + 2 columns) out of {rows:,}, medians of {query_runs}; ms by wall [CPU] time:")
        print(
            f"  pyarrow.table(db.query())          {pa_w * 1e3:7.2f} [{pa_c * 1e3:7.2f}]"
            f"   Rust range reader -> Arrow batches {rs_w * 1e3:7.2f} [{rs_c * 1e3:7.2f}]"
            f"   Python/Rust {pa_w / rs_w:.2f} [{pa_c / rs_c:.2f}]"
        )
        print(
            f"  query_table_range_columns (numpy)  {pc_w * 1e3:7.2f} [{pc_c * 1e3:7.2f}]"
            f"   Rust query_table_range_columns     {rc_w * 1e3:7.2f} [{rc_c * 1e3:7.2f}]"
            f"   Python/Rust {pc_w / rc_w:.2f} [{pc_c / rc_c:.2f}]"
        )
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
