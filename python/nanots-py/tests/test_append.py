"""Writing: append, append_row, append_rows from numpy (1M rows), the buffer
protocol, dicts and DataFrames; wrong types and shapes raise TypeError /
ValueError before anything is written."""

import array

import numpy as np
import pytest

import nanots
from conftest import optional


def rows(db, table="t"):
    ts, cols = db.query_table_range_columns(table)
    return ts.tolist(), [c.tolist() for c in cols]


def test_append_rows_one_million_from_numpy(db):
    db.create_table("t", ["a", "b"])
    n = 1_000_000
    ts = 1_704_067_200_000 + np.arange(n, dtype=np.int64) * 1000
    a = np.sin(np.arange(n) / 1000.0)
    b = np.arange(n, dtype=np.float64) * 0.5
    db.append_rows("t", ts, [a, b])
    got_ts, (ga, gb) = db.query_table_range_columns("t")
    assert np.array_equal(got_ts, ts)
    assert np.array_equal(ga, a) and np.array_equal(gb, b)
    db.flush()
    s = db.stats("t")
    assert (s.rows, s.flushed_rows, s.buffered_rows) == (n, n, 0)
    got_ts, (ga, gb) = db.query_table_range_columns("t", ts[1000], ts[1999])
    assert np.array_equal(got_ts, ts[1000:2000]) and np.array_equal(gb, b[1000:2000])


def test_append_rows_input_kinds(db):
    db.create_table("t", ["a", "b"])
    db.append_rows("t", array.array("q", [1, 2]), [array.array("d", [0.5, 1.5]), memoryview(array.array("d", [2.5, 3.5]))])
    db.append_rows("t", [3, 4], [[1, 2], (3, 4)])
    db.append_rows("t", (5,), {"b": [6.0], "a": np.array([5.0], dtype=np.float32)})
    db.append_rows("t", np.array([6, 7]), [np.array([1, 2], dtype=np.int16), np.arange(4.0)[::2]])
    db.append_rows("t", np.array([], dtype=np.int64), [[], []])
    assert rows(db) == ([1, 2, 3, 4, 5, 6, 7], [[0.5, 1.5, 1, 2, 5, 1, 2], [2.5, 3.5, 3, 4, 6, 0, 2]])


def test_append_rows_from_pandas_dataframe(db):
    pd = optional("pandas")
    db.create_table("t", ["a", "b"])
    df = pd.DataFrame({"ts": pd.to_datetime([1000, 2000], unit="ms"), "b": [1.0, 2.0], "a": [3.0, 4.0]})
    db.append_rows("t", df["ts"], df[["a", "b"]])
    assert rows(db) == ([1000, 2000], [[3.0, 4.0], [1.0, 2.0]])


def test_append_rows_from_pyarrow(db):
    pa = optional("pyarrow")
    db.create_table("t", ["a"])
    db.append_rows("t", pa.array([1, 2], pa.int64()), [pa.array([0.25, 0.5])])
    assert rows(db) == ([1, 2], [[0.25, 0.5]])


@pytest.mark.parametrize(
    "ts, cols, exc, match",
    [
        (np.arange(3), [np.zeros(2), np.zeros(3)], ValueError, "cols\\[0\\] has 2 values but ts has 3"),
        (np.arange(2), [np.zeros(2), np.zeros((2, 1))], ValueError, "1-D"),
        (np.arange(2), np.zeros((2, 2)), ValueError, "2-D array"),
        (np.arange(2), np.zeros(2), TypeError, "list of 1-D arrays"),
        (np.arange(2), "ab", TypeError, "str"),
        (np.arange(2), [np.zeros(2), ["x", "y"]], TypeError, "float or integer"),
        (np.arange(2), [np.zeros(2), [True, False]], TypeError, "bool"),
        (np.arange(2), [np.zeros(2), [1.0, None]], TypeError, "nan"),
        (np.arange(2), [np.zeros(2), np.array(["2024-01-01"] * 2, dtype="M8[D]")], TypeError, "datetime64"),
        (np.arange(2.0), [np.zeros(2), np.zeros(2)], TypeError, "not floats"),
        (np.arange(4).reshape(2, 2), [np.zeros(2), np.zeros(2)], ValueError, "1-D"),
        (5, [np.zeros(2), np.zeros(2)], ValueError, "1-D"),
    ],
)
def test_append_rows_bad_arguments_write_nothing(db, ts, cols, exc, match):
    db.create_table("t", ["a", "b"])
    db.append_rows("t", [0], [[9.0], [9.0]])
    with pytest.raises(exc, match=match):
        db.append_rows("t", ts, cols)
    assert rows(db) == ([0], [[9.0], [9.0]])


def test_append_rows_schema_errors_write_nothing(db):
    db.create_table("t", ["a", "b"])
    with pytest.raises(nanots.SchemaMismatchError, match="2 columns"):
        db.append_rows("t", [1, 2], [[1.0, 2.0]])
    with pytest.raises(nanots.SchemaMismatchError, match="the dict has"):
        db.append_rows("t", [1], {"a": [1.0], "c": [2.0]})
    with pytest.raises(nanots.NotFoundError):
        db.append_rows("nope", [1], [[1.0]])
    assert rows(db) == ([], [[], []])


def test_append_row_inputs_and_errors(db):
    db.create_table("t", ["a", "b"])
    db.append_row("t", 1, [1, 2.5])
    db.append_row("t", 2, (np.float32(0.5), np.int64(3)))
    db.append_row("t", 3, np.array([4.0, 5.0]))
    db.append_row("t", 4, [float("nan"), float("-inf")])

    class F(float):
        pass

    # Tuples of floats take a fast path; anything else in a tuple falls
    # back to the general one, with the same results and errors.
    db.append_row("t", 5, (6.0, -0.0))
    db.append_row("t", 6, (7.0, 8))
    db.append_row("t", 7, (F(9.0), np.float64(10.0)))
    for bad, exc in [
        ((1.0, "x"), TypeError),
        ((1.0, True), TypeError),
        ((None, 1.0), TypeError),
        ((1.0,), nanots.SchemaMismatchError),
        ((1.0, 2.0, 3.0), nanots.SchemaMismatchError),
        ([1.0], nanots.SchemaMismatchError),
        ([1.0, 2.0, 3.0], nanots.SchemaMismatchError),
        ([1.0, "x"], TypeError),
        ([None, 1.0], TypeError),
        ([True, 1.0], TypeError),
        (np.zeros((1, 2)), ValueError),
        ("ab", TypeError),
        (1.0, ValueError),
    ]:
        with pytest.raises(exc):
            db.append_row("t", 9, bad)
    with pytest.raises(TypeError):
        db.append_row(b"t", 9, [1.0, 2.0])
    with pytest.raises(nanots.NotFoundError):
        db.append_row("u", 9, [1.0, 2.0])
    ts, (a, b) = rows(db)
    assert ts == [1, 2, 3, 4, 5, 6, 7]
    assert a[:3] == [1.0, 0.5, 4.0] and np.isnan(a[3]) and a[4:] == [6.0, 7.0, 9.0]
    assert b == [2.5, 3.0, 5.0, float("-inf"), -0.0, 8.0, 10.0]
    assert np.signbit(b[4])


def test_append_row_many_columns(db):
    # More columns than the stack buffer of the per-row path.
    cols = [f"c{i}" for i in range(40)]
    db.create_table("w", cols)
    db.append_row("w", 1, list(range(40)))
    db.append_row("w", 2, tuple(float(i) * 2 for i in range(40)))
    ts, got = db.query_table_range_columns("w")
    assert ts.tolist() == [1, 2]
    assert [c.tolist() for c in got] == [[float(i), float(i) * 2] for i in range(40)]


def test_append_series(db):
    db.append("s", 1, 1.5)
    db.append("s", 2, 2)
    assert db.table_columns("s") == ["value"]
    assert rows(db, "s") == ([1, 2], [[1.5, 2.0]])
    db.create_table("t", ["a", "b"])
    with pytest.raises(nanots.SchemaMismatchError):
        db.append("t", 1, 1.0)
    with pytest.raises(TypeError):
        db.append("s", 3, "1.0")


def test_table_name_cache_follows_the_name(db):
    # append_row caches the last table name by identity; other str objects
    # with other (or equal) text must still reach the right table.
    db.create_table("a", ["v"])
    db.create_table("b", ["v"])
    names = ["a", "b", "".join(["a"]), "".join(["b"])]
    for i, n in enumerate(names * 3):
        db.append_row(n, i, [float(i)])
    assert rows(db, "a")[0] == [0, 2, 4, 6, 8, 10]
    assert rows(db, "b")[0] == [1, 3, 5, 7, 9, 11]


def test_table_name_cache_per_thread(db):
    # The name cache is per thread: threads appending to their own tables,
    # with names built afresh in each thread, never mix them up.
    import threading

    tables = [f"t{i}" for i in range(4)]
    for t in tables:
        db.create_table(t, ["v"])

    def work(k):
        name = "".join(["t", str(k)])
        for i in range(2000):
            db.append_row(name, i, (float(k),))
            if i % 500 == 0:
                j = (k + 1) % 4
                db.append_row(tables[j], 10_000 + k * 10 + i // 500, (float(j),))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, t in enumerate(tables):
        ts, (v,) = rows(db, t)
        other = (k - 1) % 4
        assert ts == list(range(2000)) + [10_000 + other * 10 + m for m in range(4)]
        assert v == [float(k)] * 2004


def test_out_of_order_and_duplicate_timestamps(db):
    db.create_table("t", ["v"])
    db.append_rows("t", [5, 1, 3], [[5.0, 1.0, 3.0]])
    db.flush()
    db.append_row("t", 3, [3.5])
    db.append_row("t", 0, [0.0])
    assert rows(db) == ([0, 1, 3, 3, 5], [[0.0, 1.0, 3.0, 3.5, 5.0]])


def test_create_table_arguments(db):
    with pytest.raises(TypeError, match="not one string"):
        db.create_table("t", "ab")
    with pytest.raises(TypeError):
        db.create_table("t", ["a", 1])
    with pytest.raises(nanots.InvalidArgumentError):
        db.create_table("t", [])
    with pytest.raises(nanots.InvalidArgumentError):
        db.create_table("t", ["ts_ms"])
    db.create_table("t", ("a",))
    db.create_table("t", ["a"])  # idempotent
    assert db.list_tables() == ["t"]


def test_append_rows_reads_numpy_in_place(db):
    # numpy reports its allocations to tracemalloc (the engine's own Rust
    # buffers are not traced): int64 timestamps and float64 columns are read
    # where they are, while a float32 column needs a float64 copy, which
    # shows up. Both calls write the same rows.
    tracemalloc = __import__("tracemalloc")
    db.create_table("t", ["a", "b"])
    n = 1_000_000
    ts = np.arange(n, dtype=np.int64)
    a = np.random.default_rng(5).random(n)
    b32 = a.astype(np.float32)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        db.append_rows("t", ts, [a, a])
        in_place = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        db.append_rows("t", ts + n, [a, b32])
        converted = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert in_place < 1_000_000, in_place
    assert converted >= 8 * n, converted
    assert db.stats("t").rows == 2 * n
