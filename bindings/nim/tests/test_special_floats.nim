## Special floats survive every write and read path bit for bit: NaN
## payloads (quiet, signalling, negative), -0.0, infinities, subnormals.

import std/[os, unittest]
import nanots
import ./helpers

const patterns = [
  0x7FF8_0000_0000_0000'u64, # the canonical quiet NaN
  0x7FF8_0000_DEAD_BEEF'u64, # quiet NaN with a payload
  0xFFF8_0000_0000_0001'u64, # negative quiet NaN with a payload
  0x7FF0_0000_0000_0001'u64, # signalling NaN (smallest payload)
  0x7FF4_0000_0000_0000'u64, # signalling NaN (top payload bit)
  0xFFFF_FFFF_FFFF_FFFF'u64, # all ones: negative NaN, full payload
  0x8000_0000_0000_0000'u64, # -0.0
  0x0000_0000_0000_0000'u64, # +0.0
  0x7FF0_0000_0000_0000'u64, # +inf
  0xFFF0_0000_0000_0000'u64, # -inf
  0x0000_0000_0000_0001'u64, # smallest subnormal
  0x800F_FFFF_FFFF_FFFF'u64, # largest negative subnormal
  0x7FEF_FFFF_FFFF_FFFF'u64, # largest finite
]

proc bitsOf(xs: openArray[float64]): seq[uint64] =
  for x in xs:
    result.add bits(x)

proc expectedColumn(shift: int): seq[uint64] =
  ## Column `shift` holds the patterns rotated by `shift`, so every column
  ## of a row differs.
  for i in 0 ..< patterns.len:
    result.add patterns[(i + shift) mod patterns.len]

template checkAllPaths(db: Db; label: string) =
  ## Reads the tables "f" and "g" back through every query path (a template,
  ## so that its checks count for the test that runs it).
  checkpoint(label)
  let n = patterns.len
  let r = db.queryRange("f", 0, high(int64))
  check r.len == 3 * n
  for c in 0 ..< 2:
    var want: seq[uint64]
    for _ in 0 ..< 3: # appendRow, appendRows, then append rows below
      want.add expectedColumn(c)
    check bitsOf(r.columns[c]) == want

  var viaArrow = db.queryRangeArrow("f", 0, high(int64)).toQueryResult
  check viaArrow.ts == r.ts
  for c in 0 ..< 2:
    check bitsOf(viaArrow.columns[c]) == bitsOf(r.columns[c])

  var stream = db.queryRangeStream("f", 0, high(int64))
  var streamed: seq[seq[uint64]] = @[newSeq[uint64](), newSeq[uint64]()]
  for batch in stream.batches:
    for c in 0 ..< 2:
      streamed[c].add bitsOf(batch.columns[c])
  for c in 0 ..< 2:
    check streamed[c] == bitsOf(r.columns[c])

  let last = db.latest("f", uint64(n))
  for c in 0 ..< 2:
    check bitsOf(last.columns[c]) == expectedColumn(c)

  let series = db.queryRange("g", 0, high(int64))
  check bitsOf(series.columns[0]) == @patterns

suite "special floats, bit-exact":
  var dir: string
  setup:
    dir = scratchDir("floats")
  teardown:
    removeDir(dir)

  test "NaN payloads, -0.0, infinities and subnormals round-trip":
    let path = dir / "f.ntt"
    let n = patterns.len
    var db = openDb(path)
    db.createTable("f", ["a", "b"])
    # Rows 0 ..< n by appendRow, n ..< 2n by appendRows, 2n ..< 3n again
    # by appendRow after a flush; series "g" by append.
    for i in 0 ..< n:
      db.appendRow("f", int64(i), [fromBits(expectedColumn(0)[i]), fromBits(expectedColumn(1)[i])])
    var ts: seq[int64]
    var cols = @[newSeq[float64](), newSeq[float64]()]
    for i in 0 ..< n:
      ts.add int64(n + i)
      for c in 0 ..< 2:
        cols[c].add fromBits(expectedColumn(c)[i])
    db.appendRows("f", ts, cols)
    for i in 0 ..< n:
      db.append("g", int64(i), fromBits(patterns[i]))
    db.flush()
    for i in 0 ..< n:
      db.appendRow("f", int64(2 * n + i), [fromBits(expectedColumn(0)[i]), fromBits(expectedColumn(1)[i])])
    checkAllPaths(db, "flushed and buffered")
    db.close()

    var reopened = openDb(path)
    checkAllPaths(reopened, "after reopening")
    reopened.packTable("f") # re-encoded with the strongest codecs
    checkAllPaths(reopened, "after packing")

  test "aggregates skip NaN but count it; first and last keep payloads":
    var db = openDb(dir / "agg.ntt")
    db.createTable("f", ["v"])
    let payload = fromBits(0x7FF8_0000_0BAD_F00D'u64)
    db.appendRows("f", [0'i64, 1, 2, 3], [payload, 2.0, fromBits(0x8000_0000_0000_0000'u64), payload])
    let a = db.aggregate("f", 0, 9, 10, [aggCount, aggSum, aggMin, aggFirst, aggLast])
    check a.bucketStart == @[0'i64]
    check a.column("v", aggCount).counts == @[4'u64]
    check a.column("v", aggSum).values == @[2.0]
    check bits(a.column("v", aggMin).values[0]) == 0x8000_0000_0000_0000'u64
    check bits(a.column("v", aggFirst).values[0]) == bits(payload)
    check bits(a.column("v", aggLast).values[0]) == bits(payload)
