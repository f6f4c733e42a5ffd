"""One Db used by several Python threads: writers appending row by row and in
batches, readers querying through numpy and Arrow, a thread flushing and
packing, all at once; every row is there at the end and every read saw a
sorted, whole state."""

import threading

import numpy as np

import nanots
from conftest import have

WRITERS = 4
ROWS_PER_WRITER = 5_000
BATCHES = 20
BATCH_ROWS = 2_000


def run_threads(targets):
    errors = []

    def wrap(f):
        def run():
            try:
                f()
            except BaseException as e:  # re-raised in the main thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=wrap(f)) for f in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]


def test_threads_append_and_query_one_db(db):
    pa = have("pyarrow")
    for w in range(WRITERS):
        db.create_table(f"w{w}", ["v"])
    db.create_table("batch", ["a", "b"])
    done = threading.Event()

    def row_writer(w):
        def f():
            for i in range(ROWS_PER_WRITER):
                db.append_row(f"w{w}", i, [float(i * w)])

        return f

    def batch_writer():
        for k in range(BATCHES):
            ts = np.arange(k * BATCH_ROWS, (k + 1) * BATCH_ROWS, dtype=np.int64)
            db.append_rows("batch", ts, [ts * 0.5, -ts.astype(np.float64)])

    def maintenance():
        for k in range(5):
            db.flush()
            db.pack_table("batch", 1000 + k)

    def reader():
        seen = 0
        while not done.is_set():
            ts, (a, b) = db.query_table_range_columns("batch")
            # Batches are whole: a multiple of the batch size, in order.
            assert len(ts) % BATCH_ROWS == 0 and len(ts) >= seen
            assert np.array_equal(ts, np.arange(len(ts)))
            assert np.array_equal(a, ts * 0.5)
            seen = len(ts)
            if pa is not None:
                t = pa.table(db.query("w1"))
                n = t.num_rows
                assert t.column("v").to_pylist() == [float(i) for i in range(n)]
            db.stats("w0")
            db.list_tables()

    writers = [row_writer(w) for w in range(WRITERS)] + [batch_writer, maintenance]
    readers = [reader, reader]
    reader_errors = []

    def readers_run():
        try:
            run_threads(readers)
        except BaseException as e:
            reader_errors.append(e)

    rt = threading.Thread(target=readers_run)
    rt.start()
    try:
        run_threads(writers)
    finally:
        done.set()
        rt.join(timeout=300)
    if reader_errors:
        raise reader_errors[0]

    for w in range(WRITERS):
        ts, (v,) = db.query_table_range_columns(f"w{w}")
        assert ts.tolist() == list(range(ROWS_PER_WRITER))
        assert v.tolist() == [float(i * w) for i in range(ROWS_PER_WRITER)]
    ts, (a, b) = db.query_table_range_columns("batch")
    assert np.array_equal(ts, np.arange(BATCHES * BATCH_ROWS))
    assert np.array_equal(b, -ts.astype(np.float64))


def test_threads_share_one_table(db):
    db.create_table("t", ["v"])
    per = 3_000

    def writer(w):
        def f():
            for i in range(per):
                db.append_row("t", w * per + i, [float(w)])

        return f

    run_threads([writer(w) for w in range(4)])
    ts, (v,) = db.query_table_range_columns("t")
    assert ts.tolist() == list(range(4 * per))
    assert v.tolist() == [float(i // per) for i in range(4 * per)]


def test_close_while_other_threads_query(db_path):
    # Closing from one thread while others query: each query either
    # completes or raises ClosedError; nothing else, no crash.
    db = nanots.Db(db_path)
    db.create_table("t", ["v"])
    db.append_rows("t", np.arange(50_000), [np.ones(50_000)])
    outcomes = []

    def reader():
        for _ in range(200):
            try:
                ts, _ = db.query_table_range_columns("t")
                assert len(ts) == 50_000
                outcomes.append("ok")
            except nanots.ClosedError:
                outcomes.append("closed")

    def closer():
        db.close()

    run_threads([reader, reader, closer])
    assert set(outcomes) <= {"ok", "closed"} and len(outcomes) == 400
    try:
        db.query_table_range_columns("t")
        raise AssertionError("a query after close() returned")
    except nanots.ClosedError:
        pass
    with nanots.Db(db_path) as again:
        assert again.stats("t").rows == 50_000
