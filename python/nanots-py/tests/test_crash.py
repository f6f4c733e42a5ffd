"""A child process appends and is killed (SIGKILL) mid-run, several times over
one file: after each reopen, every row whose append had returned (and been
acknowledged on the child's stdout) is there with its value, rows appended
after the last acknowledgement form a prefix of what the child was writing,
and no append_rows batch is split."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import nanots

CHILD = r"""
import sys
import numpy as np
import nanots

path, rnd = sys.argv[1], int(sys.argv[2])
db = nanots.Db(path, auto_flush_bytes=16 * 1024)
db.create_table("t", ["v"])
db.create_table("b", ["x", "y"])
base = rnd * 1_000_000
i = 0
while True:
    db.append_row("t", base + i, [float(i)])
    print("t", i, flush=True)
    if i % 25 == 0:
        k = i // 25
        ts = np.arange(base + k * 10, base + k * 10 + 10, dtype=np.int64)
        db.append_rows("b", ts, [ts.astype(np.float64), -ts.astype(np.float64)])
        print("b", k, flush=True)
    i += 1
"""

# How many acknowledgements to read before each kill.
KILL_AFTER = [300, 2500, 40, 1200]


def kill_after(path, rnd, acks):
    p = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(rnd)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    last = {"t": -1, "b": -1}
    try:
        for _ in range(acks):
            line = p.stdout.readline()
            if not line:
                raise AssertionError(f"child ended early: {p.stderr.read()}")
            kind, n = line.split()
            last[kind] = int(n)
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
        p.stdout.close()
        p.stderr.close()
    assert p.returncode == -signal.SIGKILL
    return last


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_acknowledged_rows_survive_kill(tmp_path):
    path = tmp_path / "crash.ntt"
    acked = []
    for rnd, acks in enumerate(KILL_AFTER):
        acked.append(kill_after(path, rnd, acks))
        with nanots.Db(path) as db:
            for r, last in enumerate(acked):
                base = r * 1_000_000
                ts, (v,) = db.query_table_range_columns("t", base, base + 999_999)
                # Rows 0..M-1 of the round, M >= acknowledged.
                assert len(ts) >= last["t"] + 1
                assert ts.tolist() == [base + i for i in range(len(ts))]
                assert v.tolist() == [float(i) for i in range(len(ts))]
                ts, (x, y) = db.query_table_range_columns("b", base, base + 999_999)
                # Whole batches of 10 rows, a prefix, every acknowledged one.
                assert len(ts) % 10 == 0 and len(ts) // 10 >= last["b"] + 1
                assert ts.tolist() == [base + i for i in range(len(ts))]
                assert np.array_equal(x, ts.astype(np.float64)) and np.array_equal(y, -x)
            assert db.stats("t").rows >= sum(a["t"] + 1 for a in acked)
