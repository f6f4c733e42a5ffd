"""Values come back bit for bit (NaN payloads, -0.0, infinities, subnormals)
through every way out: numpy, the Arrow capsules, the Arrow stream, latest;
every Arrow export passes pyarrow's full validation and has the C ABI's
schema."""

import struct

import numpy as np
import pytest

import nanots
from conftest import optional

SPECIAL_BITS = [
    0x0000000000000000,  # 0.0
    0x8000000000000000,  # -0.0
    0x7FF0000000000000,  # inf
    0xFFF0000000000000,  # -inf
    0x7FF8000000000000,  # the canonical quiet NaN
    0x7FF8000000000001,  # quiet NaN with a payload
    0xFFF8DEADBEEF0042,  # negative quiet NaN with a payload
    0x7FF0000000000001,  # signalling NaN (lowest payload)
    0x7FF4000000000123,  # signalling NaN with a payload
    0x0000000000000001,  # smallest subnormal
    0x800FFFFFFFFFFFFF,  # largest negative subnormal
    0x7FEFFFFFFFFFFFFF,  # max finite
    0x3FF0000000000001,  # 1 + ulp
]


def bits(values):
    return np.asarray(values, dtype=np.float64).view(np.uint64).tolist()


@pytest.fixture
def special(db):
    """Table `f(a, b)`: `a` holds the special values, `b` their reverse; half
    flushed into a segment, half buffered."""
    a = np.array(SPECIAL_BITS, dtype=np.uint64).view(np.float64)
    b = a[::-1].copy()
    ts = np.arange(len(a), dtype=np.int64) * 10
    db.create_table("f", ["a", "b"])
    half = len(a) // 2
    db.append_rows("f", ts[:half], [a[:half], b[:half]])
    db.flush()
    db.append_rows("f", ts[half:], [a[half:], b[half:]])
    return db, ts, a, b


def test_numpy_bit_exact(special):
    db, ts, a, b = special
    got_ts, (ga, gb) = db.query_table_range_columns("f")
    assert got_ts.dtype == np.int64 and ga.dtype == np.float64
    assert got_ts.tolist() == ts.tolist()
    assert bits(ga) == SPECIAL_BITS
    assert bits(gb) == bits(b)
    # The arrays' memory is the engine's buffers, not a numpy copy.
    assert not got_ts.flags.owndata and not ga.flags.owndata
    d = db.query("f").to_numpy()
    assert list(d) == ["ts_ms", "a", "b"]
    assert bits(d["a"]) == SPECIAL_BITS and bits(d["b"]) == bits(b)


def test_bit_exact_after_pack_and_single_rows(special):
    db, ts, a, b = special
    db.append_row("f", 1000, [a[5], b[5]])
    db.append("s", 1, a[6])
    db.pack_table("f", 4)
    _, (ga, _) = db.query_table_range_columns("f")
    assert bits(ga) == SPECIAL_BITS + [SPECIAL_BITS[5]]
    _, (gs,) = db.query_table_range_columns("s")
    assert bits(gs) == [SPECIAL_BITS[6]]


def check_schema(pa, schema, columns):
    assert schema.names == ["ts_ms"] + columns
    assert schema.field("ts_ms").type == pa.timestamp("ms")
    assert not schema.field("ts_ms").nullable
    for c in columns:
        assert schema.field(c).type == pa.float64()
        assert not schema.field(c).nullable


def test_arrow_capsules_bit_exact_and_valid(special):
    pa = optional("pyarrow")
    db, ts, a, b = special
    s, arr = db.query_table_range_arrow_capsules("f", 0, 10**18)
    batch = pa.RecordBatch._import_from_c_capsule(s, arr)
    batch.validate(full=True)
    check_schema(pa, batch.schema, ["a", "b"])
    assert batch.column(0).cast(pa.int64()).to_pylist() == ts.tolist()
    assert bits(batch.column("a").to_numpy()) == SPECIAL_BITS
    assert bits(batch.column("b").to_numpy()) == bits(b)
    assert batch.column("a").null_count == 0


def test_arrow_stream_bit_exact_and_valid(special):
    pa = optional("pyarrow")
    db, ts, a, b = special
    q = db.query("f")
    t = pa.table(q)
    t.validate(full=True)
    check_schema(pa, t.schema, ["a", "b"])
    assert bits(t.column("a").to_numpy()) == SPECIAL_BITS
    assert bits(t.column("b").to_numpy()) == bits(b)
    # A second export takes a new snapshot and sees a later row.
    db.append_row("f", 10**6, [1.0, 2.0])
    t2 = pa.table(q)
    t2.validate(full=True)
    assert t2.num_rows == t.num_rows + 1
    reader = pa.RecordBatchReader.from_stream(q)
    for batch in reader:
        batch.validate(full=True)


def test_stream_batches_are_bounded_and_ordered(db):
    pa = optional("pyarrow")
    db.create_table("t", ["v"])
    n = 300_000
    ts = np.arange(n, dtype=np.int64)
    db.append_rows("t", ts, [ts.astype(np.float64)])
    db.flush()
    reader = pa.RecordBatchReader.from_stream(db.query("t", 5, n - 6))
    sizes = []
    last = None
    for batch in reader:
        batch.validate(full=True)
        sizes.append(batch.num_rows)
        col = batch.column(0).cast(pa.int64()).to_numpy()
        assert np.all(np.diff(col) == 1)
        if last is not None:
            assert col[0] == last + 1
        last = col[-1]
    assert sum(sizes) == n - 10
    assert max(sizes) <= 65_536 and len(sizes) > 1


def test_latest_bit_exact(special):
    pa = optional("pyarrow")
    db, ts, a, b = special
    rows = db.latest("f", 3)
    assert len(rows) == 3
    d = rows.to_numpy()
    assert d["ts_ms"].tolist() == ts[-3:].tolist()
    assert bits(d["a"]) == SPECIAL_BITS[-3:]
    t = pa.table(rows)
    t.validate(full=True)
    check_schema(pa, t.schema, ["a", "b"])
    assert bits(t.column("a").to_numpy()) == SPECIAL_BITS[-3:]
    rb = pa.record_batch(rows)
    rb.validate(full=True)
    assert rb.num_rows == 3


def test_struct_pack_of_special_bits_is_what_python_writes(db):
    # A value written from a Python float keeps its bits too (the payload of
    # a NaN made with struct).
    nan = struct.unpack("<d", struct.pack("<Q", 0x7FF800000000BEEF))[0]
    db.append("s", 1, nan)
    db.append_row("s", 2, [-0.0])
    _, (v,) = db.query_table_range_columns("s")
    assert bits(v) == [0x7FF800000000BEEF, 0x8000000000000000]


def test_empty_results(db):
    pa = optional("pyarrow")
    db.create_table("t", ["x", "y"])
    ts, cols = db.query_table_range_columns("t")
    assert ts.shape == (0,) and [c.shape for c in cols] == [(0,), (0,)]
    t = pa.table(db.query("t"))
    t.validate(full=True)
    assert t.num_rows == 0
    check_schema(pa, t.schema, ["x", "y"])
    s, arr = db.query_table_range_arrow_capsules("t")
    batch = pa.RecordBatch._import_from_c_capsule(s, arr)
    batch.validate(full=True)
    assert batch.num_rows == 0
    assert len(db.latest("t", 5)) == 0
    agg = pa.table(db.aggregate("t", None, None, 1000))
    agg.validate(full=True)
    assert agg.num_rows == 0


def test_unconsumed_capsules_are_released(db):
    # Capsules dropped without a consumer release their Arrow structures
    # (and a stream its snapshot): nothing leaks or crashes.
    db.create_table("t", ["v"])
    db.append_rows("t", np.arange(10), [np.ones(10)])
    for _ in range(100):
        db.query_table_range_arrow_capsules("t")
        db.query("t").__arrow_c_stream__()
        db.latest("t").__arrow_c_array__()
    assert db.stats("t").rows == 10


def test_pandas_shows_datetimes(db):
    pd = optional("pandas")
    optional("pyarrow")
    db.create_table("t", ["v"])
    db.append_row("t", 1704067200000, [1.5])
    df = db.query("t").to_pandas()
    assert str(df["ts_ms"].dtype).startswith("datetime64[ms")
    assert df["ts_ms"][0] == pd.Timestamp("2024-01-01 00:00:00")
    assert df["v"].tolist() == [1.5]
    agg = db.aggregate("t", None, None, 3_600_000, ["count", "sum"]).to_pandas()
    assert agg.columns.tolist() == ["bucket_start", "v_count", "v_sum"]
    assert agg["v_count"].tolist() == [1]


def test_a_stream_outlives_a_pack_of_its_table(db):
    # The stream reads the snapshot taken by query(): pack rewrites the file
    # beside it and renames it over, and the snapshot still reads the old one.
    pa = optional("pyarrow")
    db.create_table("t", ["v"])
    db.append_rows("t", np.arange(1000), [np.arange(1000, dtype=np.float64)])
    db.flush()
    q = db.query("t")
    db.pack_table("t", 100)
    db.delete_range("t", 0, 499)
    t = pa.table(q)
    assert t.column("v").to_pylist() == [float(i) for i in range(1000)]
    assert pa.table(q).num_rows == 500


def test_an_engine_error_mid_stream_reaches_the_consumer(db, db_path):
    # Damage a flushed segment after the query planned its read: the stream
    # fails with the engine's message instead of returning fewer rows.
    pa = optional("pyarrow")
    db.create_table("t", ["v"])
    n = 200_000
    db.append_rows("t", np.arange(n), [np.random.default_rng(1).random(n)])
    db.flush()
    q = db.query("t")
    size = db_path.stat().st_size
    with open(db_path, "r+b") as f:
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(Exception, match="CRC"):
        pa.table(q)
    with pytest.raises(nanots.CorruptError, match="CRC"):
        db.query("t").to_numpy()
