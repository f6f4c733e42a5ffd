"""Arrow consumers reading `Db.query(...)`, `aggregate` and `latest` through
the PyCapsule interface: pyarrow, polars, DuckDB, pandas; right row counts
and values."""

import numpy as np
import pytest

from conftest import optional

N = 200_000
T0 = 1_704_067_200_000


@pytest.fixture
def filled(db):
    """Table `sensor(temp, hum)` of N rows one second apart, most flushed
    into several segments, the tail buffered."""
    db.create_table("sensor", ["temp", "hum"])
    ts = T0 + np.arange(N, dtype=np.int64) * 1000
    temp = np.arange(N, dtype=np.float64) * 0.25
    hum = np.where(np.arange(N) % 2 == 0, np.nan, 50.0)
    db.append_rows("sensor", ts[:150_000], [temp[:150_000], hum[:150_000]])
    db.flush()
    db.append_rows("sensor", ts[150_000:], [temp[150_000:], hum[150_000:]])
    return db, ts, temp, hum


def test_pyarrow(filled):
    pa = optional("pyarrow")
    db, ts, temp, hum = filled
    t = pa.table(db.query("sensor", T0 + 1000, T0 + 100_000 * 1000))
    t.validate(full=True)
    assert t.num_rows == 100_000
    assert np.array_equal(t.column("temp").to_numpy(), temp[1:100_001])
    t = db.query("sensor").to_arrow()
    assert t.num_rows == N
    assert t.column("ts_ms").cast(pa.int64()).to_numpy().tolist() == ts.tolist()
    agg = pa.table(db.aggregate("sensor", None, None, 3_600_000, ["count", "mean", "last"]))
    agg.validate(full=True)
    assert agg.schema.field("bucket_start").type == pa.timestamp("ms")
    assert agg.schema.field("temp_count").type == pa.uint64()
    assert agg.schema.field("hum_last").type == pa.float64()
    assert sum(agg.column("temp_count").to_pylist()) == N


def test_polars(filled):
    pl = optional("polars")
    db, ts, temp, hum = filled
    df = pl.DataFrame(db.query("sensor"))
    assert df.shape == (N, 3)
    assert df.columns == ["ts_ms", "temp", "hum"]
    assert df.schema["ts_ms"] == pl.Datetime("ms")
    assert np.array_equal(df["temp"].to_numpy(), temp)
    assert df["ts_ms"].cast(pl.Int64).to_list() == ts.tolist()
    assert df["hum"].is_nan().sum() == N // 2
    # polars.from_arrow gives a Series of structs for any PyCapsule stream
    # (not only this one); unnesting it gives the frame.
    s = pl.from_arrow(db.query("sensor", T0, T0 + 9_000))
    df2 = s.struct.unnest() if isinstance(s, pl.Series) else s
    assert df2.shape == (10, 3)
    assert df2["temp"].to_list() == temp[:10].tolist()
    df3 = db.query("sensor", None, T0 + 4_000).to_polars()
    assert df3["temp"].to_list() == [0.0, 0.25, 0.5, 0.75, 1.0]
    agg = pl.DataFrame(db.aggregate("sensor", None, None, 3_600_000, ["count", "max"]))
    assert agg.height == -(-N // 3600)
    assert agg["temp_count"].sum() == N


def test_duckdb(filled):
    duckdb = optional("duckdb")
    db, ts, temp, hum = filled
    q = db.query("sensor")
    count, total, lo, hi = duckdb.sql("select count(*), sum(temp), min(ts_ms), max(ts_ms) from q").fetchall()[0]
    assert count == N
    assert total == pytest.approx(temp.sum())
    assert (lo.timestamp() * 1000, hi.timestamp() * 1000) == (ts[0], ts[-1])
    # A query object can be read again (each export takes a new snapshot).
    assert duckdb.sql("select count(*) from q where hum = 50.0").fetchall()[0][0] == N // 2
    a = db.aggregate("sensor", None, None, 60_000, ["mean"])
    rows = duckdb.sql("select count(*), sum(temp_mean) from a").fetchall()[0]
    assert rows[0] == -(-N // 60)
    last = db.latest("sensor", 2)
    assert duckdb.sql("select temp from last order by ts_ms").fetchall() == [(temp[-2],), (temp[-1],)]


def test_pandas(filled):
    pd = optional("pandas")
    optional("pyarrow")
    db, ts, temp, hum = filled
    df = db.query("sensor", T0, T0 + 2_000).to_pandas()
    assert len(df) == 3
    assert df["ts_ms"].tolist() == [pd.Timestamp(T0, unit="ms") + pd.Timedelta(seconds=i) for i in range(3)]
    assert df["temp"].tolist() == [0.0, 0.25, 0.5]
    full = db.query("sensor").to_pandas()
    assert len(full) == N and full["hum"].isna().sum() == N // 2


def test_aggregate_values(filled):
    db, ts, temp, hum = filled
    a = db.aggregate("sensor", T0, T0 + 7_199_000, 3_600_000, ["count", "sum", "min", "max", "mean", "first", "last"])
    assert a.column_names[:4] == ["bucket_start", "temp_count", "temp_sum", "temp_min"]
    d = a.to_numpy()
    assert d["bucket_start"].tolist() == [T0, T0 + 3_600_000]
    assert d["temp_count"].dtype == np.uint64 and d["temp_count"].tolist() == [3600, 3600]
    assert d["temp_min"].tolist() == [0.0, 900.0]
    assert d["temp_max"].tolist() == [899.75, 1799.75]
    assert d["temp_sum"].tolist() == [temp[:3600].sum(), temp[3600:7200].sum()]
    assert d["temp_first"].tolist() == [0.0, 900.0] and d["temp_last"].tolist() == [899.75, 1799.75]
    # NaN: counted, skipped by min/max/mean, kept by first.
    assert d["hum_count"].tolist() == [3600, 3600]
    assert d["hum_min"].tolist() == [50.0, 50.0] and d["hum_mean"].tolist() == [50.0, 50.0]
    assert np.isnan(d["hum_first"]).all() and d["hum_last"].tolist() == [50.0, 50.0]
    default = db.aggregate("sensor", None, None, 10**9)
    assert default.column_names == ["bucket_start", "temp_min", "temp_max", "temp_mean", "hum_min", "hum_max", "hum_mean"]
    with pytest.raises(ValueError, match="unknown aggregate"):
        db.aggregate("sensor", None, None, 1000, ["median"])
    with pytest.raises(TypeError):
        db.aggregate("sensor", None, None, 1000, [1])


def test_latest(filled):
    db, ts, temp, hum = filled
    r = db.latest("sensor")
    assert len(r) == 1 and r.column_names == ["ts_ms", "temp", "hum"]
    assert r.to_numpy()["ts_ms"].tolist() == [ts[-1]]
    r = db.latest("sensor", 5)
    assert r.to_numpy()["temp"].tolist() == temp[-5:].tolist()
    assert len(db.latest("sensor", 0)) == 0
    assert "rows=5" in repr(r)
