#!/usr/bin/env python3
"""Imports NanoTS's Arrow exports into pyarrow and validates them fully.

Usage: test_pyarrow.py LIBNANOTS_SO WORKDIR

Loads the shared library with ctypes, writes a table (with NaN payloads,
-0.0, infinities, out-of-order rows, flushed and unflushed rows), then
imports nts_query_range_arrow through pyarrow.RecordBatch._import_from_c
and nts_query_range_stream through pyarrow.RecordBatchReader._import_from_c
(structs allocated with pyarrow.cffi.ffi), and checks validate(full=True),
the schema, every value bit for bit, batch sizes, and that the stream
outlives nts_close. Exits 77 with a SKIPPED line if pyarrow is missing.
"""
import ctypes
import os
import struct
import sys

try:
    import pyarrow as pa
    from pyarrow.cffi import ffi
except ImportError as e:  # the runner installs pyarrow; this is the last resort
    print(f"SKIPPED: pyarrow (with cffi) is not importable: {e}")
    sys.exit(77)

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}", file=sys.stderr)


lib = ctypes.CDLL(sys.argv[1])
workdir = sys.argv[2]
c_db = ctypes.c_void_p
lib.nts_open.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(c_db)]
lib.nts_close.argtypes = [c_db]
lib.nts_create_table.argtypes = [c_db, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t]
lib.nts_append_row.argtypes = [c_db, ctypes.c_char_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t]
lib.nts_append_rows.argtypes = [c_db, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t,
                                ctypes.POINTER(ctypes.POINTER(ctypes.c_double)), ctypes.c_size_t]
lib.nts_flush.argtypes = [c_db]
lib.nts_query_range_arrow.argtypes = [c_db, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
lib.nts_query_range_stream.argtypes = [c_db, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
lib.nts_query_aggregate_arrow.argtypes = [c_db, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                          ctypes.POINTER(ctypes.c_uint32), ctypes.c_size_t, ctypes.c_void_p,
                                          ctypes.c_void_p]
lib.nts_query_aggregate_stream.argtypes = [c_db, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                           ctypes.POINTER(ctypes.c_uint32), ctypes.c_size_t, ctypes.c_void_p]
lib.nts_latest_arrow.argtypes = [c_db, ctypes.c_char_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p]
lib.nts_last_error.restype = ctypes.c_char_p
for f in ("nts_open", "nts_close", "nts_create_table", "nts_append_row", "nts_append_rows", "nts_flush",
          "nts_query_range_arrow", "nts_query_range_stream", "nts_query_aggregate_arrow",
          "nts_query_aggregate_stream", "nts_latest_arrow"):
    getattr(lib, f).restype = ctypes.c_int32

NTS_OK, NTS_ERR_INVALID_ARGUMENT, NTS_ERR_NOT_FOUND = 0, 1, 2


def ok(status, what):
    if status != NTS_OK:
        raise SystemExit(f"{what} failed: {status} {lib.nts_last_error().decode()}")


def f64(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def bits_of(d):
    return struct.unpack("<Q", struct.pack("<d", d))[0]


path = os.path.join(workdir, "pyarrow.ntt").encode()
for p in (path, path + b"-wal"):
    if os.path.exists(p):
        os.remove(p)
db = c_db()
ok(lib.nts_open(path, None, ctypes.byref(db)), "nts_open")
names = (ctypes.c_char_p * 2)(b"x", b"y")
ok(lib.nts_create_table(db, b"t", names, 2), "nts_create_table")

# Expected rows, keyed by timestamp (unique), as raw 64-bit patterns.
special = [f64(0x7FF8000000000123), -0.0, float("inf"), float("-inf"), f64(0x0000000000000001),
           f64(0xFFF0000000000BAD & 0xFFF7FFFFFFFFFFFF | 0x0008000000000000), 0.0]
N = 150_000
expected = {}
ts = (ctypes.c_int64 * N)()
xs = (ctypes.c_double * N)()
ys = (ctypes.c_double * N)()
for i in range(N):
    t = (N - i) * 3 if i % 2 else i * 3  # interleaved out of order
    x = special[i % len(special)] if i % 97 == 0 else i * 0.5
    y = -float(i)
    ts[i], xs[i], ys[i] = t, x, y
    expected[t] = (bits_of(xs[i]), bits_of(ys[i]))
cols = (ctypes.POINTER(ctypes.c_double) * 2)(xs, ys)
ok(lib.nts_append_rows(db, b"t", ts, N, cols, 2), "nts_append_rows")
ok(lib.nts_flush(db), "nts_flush")
for j, x in enumerate(special):  # unflushed rows with special values
    t = 10_000_000 + j
    row = (ctypes.c_double * 2)(x, -x)
    ok(lib.nts_append_row(db, b"t", t, row, 2), "nts_append_row")
    expected[t] = (bits_of(row[0]), bits_of(row[1]))

want_schema = pa.schema([
    pa.field("ts_ms", pa.timestamp("ms"), nullable=False),
    pa.field("x", pa.float64(), nullable=False),
    pa.field("y", pa.float64(), nullable=False),
])


def column_bits(arr):
    """Raw 64-bit values of a primitive array, honouring its offset."""
    buf = arr.buffers()[1].to_pybytes()
    raw = buf[arr.offset * 8:(arr.offset + len(arr)) * 8]
    return list(struct.unpack(f"<{len(arr)}Q", raw))


def check_rows(batches, lo, hi, label):
    got_ts, got_x, got_y = [], [], []
    for b in batches:
        check(b.schema.equals(want_schema, check_metadata=False), f"{label}: schema {b.schema}")
        try:
            b.validate(full=True)
            check(True, "")
        except Exception as e:  # noqa: BLE001
            check(False, f"{label}: validate(full=True): {e}")
        check(all(b.column(i).null_count == 0 for i in range(3)), f"{label}: nulls")
        got_ts += [v for v in column_bits(b.column(0))]
        got_x += column_bits(b.column(1))
        got_y += column_bits(b.column(2))
    want_ts = sorted(t for t in expected if lo <= t <= hi)
    check(len(got_ts) == len(want_ts), f"{label}: {len(got_ts)} rows, want {len(want_ts)}")
    check([struct.unpack("<q", struct.pack("<Q", t))[0] for t in got_ts] == want_ts, f"{label}: timestamps")
    check(got_x == [expected[t][0] for t in want_ts], f"{label}: x bits")
    check(got_y == [expected[t][1] for t in want_ts], f"{label}: y bits")


# C Data Interface.
c_array = ffi.new("struct ArrowArray*")
c_schema = ffi.new("struct ArrowSchema*")
p_array = int(ffi.cast("uintptr_t", c_array))
p_schema = int(ffi.cast("uintptr_t", c_schema))
ok(lib.nts_query_range_arrow(db, b"t", -(2**63), 2**63 - 1, p_array, p_schema), "nts_query_range_arrow")
batch = pa.RecordBatch._import_from_c(p_array, p_schema)
check(batch.num_rows == len(expected), "arrow: row count")
check_rows([batch], -(2**63), 2**63 - 1, "arrow")
del batch

lo, hi = 3 * 1000, 3 * 2000  # inclusive both ends
ok(lib.nts_query_range_arrow(db, b"t", lo, hi, p_array, p_schema), "nts_query_range_arrow (range)")
batch = pa.RecordBatch._import_from_c(p_array, p_schema)
check(batch.num_rows == 1001, f"arrow range rows {batch.num_rows}")
check_rows([batch], lo, hi, "arrow range")
del batch

st = lib.nts_query_range_arrow(db, b"missing", 0, 1, p_array, p_schema)
check(st == NTS_ERR_NOT_FOUND, f"unknown table -> {st}")
check(c_array.release == ffi.NULL and c_schema.release == ffi.NULL, "released on error")

c_stream = ffi.new("struct ArrowArrayStream*")
p_stream = int(ffi.cast("uintptr_t", c_stream))

# Aggregation (count, min, max, first, last) through both interfaces, and
# the latest rows, checked against the expected rows.
aggs = (ctypes.c_uint32 * 5)(0, 2, 3, 5, 6)
bucket = 10_000
ok(lib.nts_query_aggregate_arrow(db, b"t", 0, 2**63 - 1, bucket, aggs, 5, p_array, p_schema), "nts_query_aggregate_arrow")
agg = pa.RecordBatch._import_from_c(p_array, p_schema)
agg.validate(full=True)
want_names = ["bucket_start"] + [f"{c}_{a}" for c in ("x", "y") for a in ("count", "min", "max", "first", "last")]
check(agg.schema.names == want_names, f"aggregate names {agg.schema.names}")
check(agg.schema.field("x_count").type == pa.uint64(), "count is uint64")
check(agg.schema.field("bucket_start").type == pa.timestamp("ms"), "bucket_start type")
buckets = {}
for t in sorted(expected):
    if t >= 0:
        buckets.setdefault(t // bucket * bucket, []).append(t)
check(agg.num_rows == len(buckets), f"aggregate buckets {agg.num_rows} want {len(buckets)}")
starts = agg.column("bucket_start").cast(pa.int64()).to_pylist()
check(starts == sorted(buckets), "bucket starts")
ys = {t: f64(expected[t][1]) for t in expected}
check(agg.column("y_count").to_pylist() == [len(buckets[s]) for s in starts], "y_count")
def same(a, b):
    return a == b or (a != a and b != b)  # NaN matches NaN


def min_skip_nan(vals):
    real = [v for v in vals if v == v]
    return min(real) if real else float("nan")


got_min, got_first, got_last = (agg.column(n).to_pylist() for n in ("y_min", "y_first", "y_last"))
check(all(same(g, min_skip_nan([ys[t] for t in buckets[s]])) for g, s in zip(got_min, starts)), "y_min")
check(all(same(g, ys[buckets[s][0]]) for g, s in zip(got_first, starts)), "y_first")
check(all(same(g, ys[buckets[s][-1]]) for g, s in zip(got_last, starts)), "y_last")
del agg
ok(lib.nts_query_aggregate_stream(db, b"t", 0, 2**63 - 1, bucket, aggs, 5, p_stream), "nts_query_aggregate_stream")
areader = pa.RecordBatchReader._import_from_c(p_stream)
abatches = list(areader)
for b in abatches:
    b.validate(full=True)
check(sum(b.num_rows for b in abatches) == len(buckets), "aggregate stream buckets")
areader.close()
ok(lib.nts_latest_arrow(db, b"t", 4, p_array, p_schema), "nts_latest_arrow")
latest = pa.RecordBatch._import_from_c(p_array, p_schema)
latest.validate(full=True)
check(latest.schema.equals(want_schema), "latest schema")
check_rows_latest = sorted(expected)[-4:]
check(latest.column(0).cast(pa.int64()).to_pylist() == check_rows_latest, "latest rows")
del latest

# C Stream Interface, read after nts_close.
st = lib.nts_query_range_stream(db, b"t", 5, 1, p_stream)
check(st == NTS_ERR_INVALID_ARGUMENT, f"start > end -> {st}")
ok(lib.nts_query_range_stream(db, b"t", -(2**63), 2**63 - 1, p_stream), "nts_query_range_stream")
ok(lib.nts_close(db), "nts_close")
reader = pa.RecordBatchReader._import_from_c(p_stream)
check(reader.schema.equals(want_schema), f"stream schema {reader.schema}")
batches = list(reader)
sizes = [b.num_rows for b in batches]
check(len(batches) >= 3, f"stream batches {sizes}")
check(max(sizes) <= 65536, f"stream batch sizes {sizes}")
check_rows(batches, -(2**63), 2**63 - 1, "stream")
reader.close()

print(f"pyarrow {pa.__version__}: {len(batches)} stream batches {sizes[:5]}...")
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
