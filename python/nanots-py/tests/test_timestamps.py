"""Timestamps: int ms, datetime (aware, or naive read as UTC) and numpy
datetime64 of any unit; finer than a millisecond raises when written and
rounds inward as a range bound; floats and other types raise TypeError."""

import datetime as dt

import numpy as np
import pytest

import nanots

UTC = dt.timezone.utc


@pytest.fixture
def t(db):
    db.create_table("t", ["v"])
    return db


def stored(db):
    ts, _ = db.query_table_range_columns("t")
    return ts.tolist()


def test_scalar_kinds(t):
    t.append_row("t", 5, [0])
    t.append_row("t", np.int64(6), [0])
    t.append_row("t", np.uint32(7), [0])
    t.append_row("t", dt.datetime(1970, 1, 1, 0, 0, 8), [0])  # naive: UTC
    t.append_row("t", dt.datetime(1970, 1, 1, 2, 0, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))), [0])
    t.append_row("t", dt.datetime(1970, 1, 1, 0, 0, 10, 3000, tzinfo=UTC), [0])
    t.append_row("t", np.datetime64(11, "s"), [0])
    t.append_row("t", np.datetime64(12_000_000, "us"), [0])
    t.append_row("t", -1, [0])
    t.append_row("t", dt.datetime(1969, 12, 31, 23, 59, 59, 999000), [0])
    assert stored(t) == [-1, -1, 5, 6, 7, 8000, 9000, 10003, 11000, 12000]


def test_pandas_timestamp(t):
    pd = pytest.importorskip("pandas")
    t.append_row("t", pd.Timestamp("2024-01-01 00:00:00.001", tz="UTC"), [1])
    with pytest.raises(ValueError, match="fraction of a millisecond"):
        t.append_row("t", pd.Timestamp("2024-01-01 00:00:00.001000001"), [1])
    assert stored(t) == [1704067200001]


@pytest.mark.parametrize(
    "bad, exc",
    [
        (1.0, TypeError),
        (np.float64(2.0), TypeError),
        (True, TypeError),
        ("1", TypeError),
        (b"1", TypeError),
        (None, TypeError),
        (dt.date(2024, 1, 1), TypeError),
        (2**63, ValueError),
        (dt.datetime(1970, 1, 1, 0, 0, 0, 1), ValueError),
        (np.datetime64(1, "ns"), ValueError),
        (np.datetime64("NaT"), ValueError),
    ],
)
def test_bad_scalar(t, bad, exc):
    with pytest.raises(exc):
        t.append_row("t", bad, [1.0])
    with pytest.raises(exc):
        t.append("t", bad, 1.0)
    assert stored(t) == []


@pytest.mark.parametrize("unit, factor", [("s", 1000), ("m", 60_000), ("h", 3_600_000), ("D", 86_400_000), ("ms", 1)])
def test_datetime64_coarse_units(t, unit, factor):
    v = np.array([-2, 0, 3], dtype=f"datetime64[{unit}]")
    t.append_rows("t", v, [np.zeros(3)])
    assert stored(t) == [-2 * factor, 0, 3 * factor]


def test_datetime64_calendar_units(t):
    v = np.array(["2024-01", "2024-03"], dtype="datetime64[M]")
    t.append_rows("t", v, [[1, 2]])
    assert stored(t) == [1704067200000, 1709251200000]


@pytest.mark.parametrize("unit, per_ms", [("us", 1000), ("ns", 10**6), ("ps", 10**9)])
def test_datetime64_fine_units_whole_ms(t, unit, per_ms):
    v = np.array([-3 * per_ms, 0, 7 * per_ms], dtype=f"datetime64[{unit}]")
    t.append_rows("t", v, [np.zeros(3)])
    assert stored(t) == [-3, 0, 7]


@pytest.mark.parametrize("unit", ["us", "ns"])
def test_datetime64_fine_units_lossy_raise(t, unit):
    v = np.array([0, 1], dtype=f"datetime64[{unit}]")
    with pytest.raises(ValueError, match="fraction of a millisecond"):
        t.append_rows("t", v, [np.zeros(2)])
    assert stored(t) == []


def test_datetime64_overflow_and_nat_raise(t):
    with pytest.raises(ValueError, match="outside the range"):
        t.append_rows("t", np.array([2**62], dtype="datetime64[s]"), [[1.0]])
    with pytest.raises(ValueError, match="NaT"):
        t.append_rows("t", np.array(["NaT", "2024-01-01"], dtype="datetime64[ms]"), [[1.0, 2.0]])
    assert stored(t) == []


def test_timestamp_arrays(t):
    import array

    t.append_rows("t", np.array([1, 2], dtype=np.int32), [[0, 0]])
    t.append_rows("t", np.array([3, 4], dtype=np.uint64), [[0, 0]])
    t.append_rows("t", array.array("q", [5, 6]), [[0, 0]])
    t.append_rows("t", [7, dt.datetime(1970, 1, 1, 0, 0, 0, 8000)], [[0, 0]])
    t.append_rows("t", np.arange(20, dtype=np.int64)[::10], [[0, 0]])  # strided: converted
    t.append_rows("t", np.array([9, 10], dtype=">i8"), [[0, 0]])  # big-endian: converted
    assert stored(t) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]


@pytest.mark.parametrize(
    "bad, exc",
    [
        (np.array([1.0, 2.0]), TypeError),
        (np.array([True, False]), TypeError),
        (np.array(["a", "b"]), TypeError),
        ([1, 2.5], TypeError),
        ("12", TypeError),
        (np.array([[1, 2]]), ValueError),
        (np.int64(1), ValueError),
        (np.array([2**63, 1], dtype=np.uint64), ValueError),
    ],
)
def test_bad_timestamp_arrays(t, bad, exc):
    with pytest.raises(exc):
        t.append_rows("t", bad, [[1.0, 2.0]])
    assert stored(t) == []


def test_range_bounds_round_inward(t):
    t.append_rows("t", np.arange(0, 10), [np.zeros(10)])
    ts, _ = t.query_table_range_columns("t", dt.datetime(1970, 1, 1, 0, 0, 0, 2500), dt.datetime(1970, 1, 1, 0, 0, 0, 6999))
    assert ts.tolist() == [3, 4, 5, 6]
    ts, _ = t.query_table_range_columns("t", np.datetime64(1_500_000, "ns"), np.datetime64(3, "ms"))
    assert ts.tolist() == [2, 3]
    ts, _ = t.query_table_range_columns("t", np.datetime64(-1_500_000, "ns"), np.datetime64(-1, "ms"))
    assert ts.tolist() == []
    assert t.query("t", None, 1).to_numpy()["ts_ms"].tolist() == [0, 1]
    assert t.query("t", 8).to_numpy()["ts_ms"].tolist() == [8, 9]
    t.delete_range("t", dt.datetime(1970, 1, 1, 0, 0, 0, 500), dt.datetime(1970, 1, 1, 0, 0, 0, 2999, tzinfo=UTC))
    assert stored(t) == [0, 3, 4, 5, 6, 7, 8, 9]


def test_durations(t):
    t.append_rows("t", np.arange(0, 7_200_000, 600_000), [np.ones(12)])
    a = t.aggregate("t", None, None, dt.timedelta(hours=1), "count").to_numpy()
    assert a["bucket_start"].tolist() == [0, 3_600_000]
    assert a["v_count"].tolist() == [6, 6]
    with pytest.raises(ValueError, match="whole number of milliseconds"):
        t.aggregate("t", None, None, dt.timedelta(microseconds=1500))
    with pytest.raises(TypeError):
        t.aggregate("t", None, None, 1.5)
    with nanots.Db(t.path.parent / "r.ntt", dt.timedelta(hours=1)) as r:
        r.create_table("x", ["v"])
