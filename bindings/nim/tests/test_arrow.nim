## Arrow: the raw C Data / C Stream structs (released exactly once, never
## after a move), the batch iterators (sliced batches read at their
## offsets), aggregates as arrays and as streams.

import std/[os, unittest, sequtils]
import nanots
import ./helpers

# Counting wrappers around the library's release callbacks: a test swaps one
# in, and the counts show how often the binding released.
var
  arrayReleases, schemaReleases, streamReleases: int
  libArrayRelease: proc (a: ptr ArrowArray) {.cdecl, gcsafe, raises: [].}
  libSchemaRelease: proc (s: ptr ArrowSchema) {.cdecl, gcsafe, raises: [].}
  libStreamRelease: proc (s: ptr ArrowArrayStream) {.cdecl, gcsafe, raises: [].}

proc countArrayRelease(a: ptr ArrowArray) {.cdecl, gcsafe, raises: [].} =
  inc arrayReleases
  libArrayRelease(a)

proc countSchemaRelease(s: ptr ArrowSchema) {.cdecl, gcsafe, raises: [].} =
  inc schemaReleases
  libSchemaRelease(s)

proc countStreamRelease(s: ptr ArrowArrayStream) {.cdecl, gcsafe, raises: [].} =
  inc streamReleases
  libStreamRelease(s)

proc countReleases(d: var ArrowData) =
  arrayReleases = 0
  schemaReleases = 0
  libArrayRelease = d.array.release
  libSchemaRelease = d.schema.release
  d.array.release = countArrayRelease
  d.schema.release = countSchemaRelease

proc countReleases(s: var ArrowStream) =
  streamReleases = 0
  libStreamRelease = s.raw.release
  s.raw.release = countStreamRelease

proc fillRamp(db: Db; table: string; first, count: int) =
  ## Rows `first ..< first + count`: ts = i, a = i * 0.5, b = -i.
  var ts = newSeq[int64](count)
  var cols = @[newSeq[float64](count), newSeq[float64](count)]
  for k in 0 ..< count:
    let i = first + k
    ts[k] = int64(i)
    cols[0][k] = float64(i) * 0.5
    cols[1][k] = -float64(i)
  db.appendRows(table, ts, cols)

suite "Arrow exports and streams":
  var dir: string
  setup:
    dir = scratchDir("arrow")
  teardown:
    removeDir(dir)

  test "a range stream in sliced batches gives the rows of queryRange":
    var opts = defaultOptions()
    opts.segmentMaxRows = 100_000
    var db = openDb(dir / "s.ntt", opts)
    db.createTable("r", ["a", "b"])
    db.fillRamp("r", 0, 150_000)
    db.flush()
    db.fillRamp("r", 150_000, 10_000) # buffered
    let whole = db.queryRange("r", 0, high(int64))
    check whole.len == 160_000
    var stream = db.queryRangeStream("r", 0, high(int64))
    var ts: seq[int64]
    var a, b: seq[float64]
    var batches = 0
    for batch in stream.batches:
      inc batches
      check batch.names == @["a", "b"]
      check batch.len <= 65_536
      check batch.len > 0
      ts.add batch.ts
      a.add batch.columns[0]
      b.add batch.columns[1]
    # The 100000-row segment comes as slices of 65536 + 34464 rows.
    check batches >= 3
    check ts == whole.ts
    check a == whole.columns[0]
    check b == whole.columns[1]

  test "the raw ArrowArrayStream follows the C Stream Interface":
    var db = openDb(dir / "raw.ntt")
    db.createTable("r", ["a", "b"])
    db.fillRamp("r", 0, 10)
    var stream = db.queryRangeStream("r", 2, 5)
    var schema: ArrowSchema
    check stream.raw.get_schema(addr stream.raw, addr schema) == 0
    check $schema.format == "+s"
    check schema.n_children == 3
    check $schema.children[0].name == "ts_ms"
    check $schema.children[0].format == "tsm:"
    check $schema.children[1].name == "a"
    check $schema.children[2].format == "g"
    schema.release(addr schema)
    check schema.release == nil
    var arr: ArrowArray
    var rows = 0
    while true:
      check stream.raw.get_next(addr stream.raw, addr arr) == 0
      if arr.release == nil: break # end of stream
      check arr.n_children == 3
      let ts = cast[ptr UncheckedArray[int64]](arr.children[0].buffers[1])
      let b = cast[ptr UncheckedArray[float64]](arr.children[2].buffers[1])
      for i in 0 ..< int(arr.length):
        let j = int(arr.offset) + i
        check ts[int(arr.children[0].offset) + j] == int64(2 + rows)
        check b[int(arr.children[2].offset) + j] == -float64(2 + rows)
        inc rows
      arr.release(addr arr)
    check rows == 4
    countReleases(stream)
    stream.release()
    check streamReleases == 1
    check stream.isReleased
    stream.release() # idempotent
    check streamReleases == 1
    let e = raisedBy:
      for batch in stream.batches: discard
    check e of InvalidArgumentError

  test "ArrowData and ArrowStream release once in =destroy, never after a move out":
    var db = openDb(dir / "own.ntt")
    db.createTable("r", ["a", "b"])
    db.fillRamp("r", 0, 5)
    block:
      var data = db.queryRangeArrow("r", 0, 10)
      countReleases(data)
    check arrayReleases == 1
    check schemaReleases == 1

    var consumerArray: ArrowArray
    var consumerSchema: ArrowSchema
    block:
      var data = db.queryRangeArrow("r", 0, 10)
      countReleases(data)
      # A consumer takes both (Arrow's move: copy, mark the source released).
      consumerArray = data.array
      consumerSchema = data.schema
      data.array.release = nil
      data.schema.release = nil
    check arrayReleases == 0
    check schemaReleases == 0
    check consumerArray.length == 5
    consumerArray.release(addr consumerArray)
    consumerSchema.release(addr consumerSchema)
    check arrayReleases == 1
    check schemaReleases == 1

    block:
      var stream = db.queryRangeStream("r", 0, 10)
      countReleases(stream)
    check streamReleases == 1
    block:
      var stream = db.queryRangeStream("r", 0, 10)
      countReleases(stream)
      var taken = stream.raw
      stream.raw.release = nil
      taken.release(addr taken)
      check streamReleases == 1
    check streamReleases == 1

    block:
      var data = db.queryRangeArrow("r", 0, 10)
      countReleases(data)
      data.release()
      data.release()
      check arrayReleases == 1
    check arrayReleases == 1
    check schemaReleases == 1

  test "a stream is a snapshot and outlives close":
    var db = openDb(dir / "snap.ntt")
    db.createTable("r", ["a", "b"])
    db.fillRamp("r", 0, 100)
    db.flush()
    var stream = db.queryRangeStream("r", 0, high(int64))
    db.fillRamp("r", 100, 50) # after the snapshot: not seen
    db.close()
    var ts: seq[int64]
    for batch in stream.batches:
      ts.add batch.ts
    check ts == toSeq(0'i64 ..< 100'i64)

  test "arrays at offsets are read from their offsets":
    # The library's slices come with offset 0 (their buffers are cut), but
    # the C Data Interface allows offsets on the struct and on each child:
    # a hand-made struct array with both shows the reader adds them up.
    proc noRelease(a: ptr ArrowArray) {.cdecl, gcsafe, raises: [].} = a.release = nil
    # Row i of the struct is element 1 + i of each child, at buffer index
    # child offset + 1 + i; -1 marks what must not be read.
    var tsData = [-1'i64, -1, -1, 10, 11, 12, -1]
    var vData = [-1.0, -1.0, 1.5, 2.5, 3.5, -1.0]
    var tsBufs = [pointer(nil), pointer(addr tsData[0])]
    var vBufs = [pointer(nil), pointer(addr vData[0])]
    var tsChild = ArrowArray(length: 7, offset: 2, n_buffers: 2,
      buffers: cast[ptr UncheckedArray[pointer]](addr tsBufs[0]), release: noRelease)
    var vChild = ArrowArray(length: 6, offset: 1, n_buffers: 2,
      buffers: cast[ptr UncheckedArray[pointer]](addr vBufs[0]), release: noRelease)
    var children = [addr tsChild, addr vChild]
    var parent = ArrowArray(length: 3, offset: 1, n_buffers: 1, n_children: 2,
      children: cast[ptr UncheckedArray[ptr ArrowArray]](addr children[0]), release: noRelease)
    let fields = @[StructField(name: "ts_ms", kind: ckTimestampMs), StructField(name: "v", kind: ckFloat64)]
    let r = toQueryResult(parent, fields)
    check r.ts == @[10'i64, 11, 12]
    check r.columns == @[@[1.5, 2.5, 3.5]]
    vChild.length = 3 # too short for parent offset 1 + 3 rows
    let e = raisedBy:
      discard toQueryResult(parent, fields)
    check e of UnknownStatusError

  test "queryRangeArrow and latestArrow carry the rows":
    var db = openDb(dir / "arr.ntt")
    db.createTable("r", ["a", "b"])
    db.fillRamp("r", 0, 20)
    let fields = structFields(db.queryRangeArrow("r", 0, 1).schema)
    check fields == @[StructField(name: "ts_ms", kind: ckTimestampMs),
      StructField(name: "a", kind: ckFloat64), StructField(name: "b", kind: ckFloat64)]
    let r = db.queryRangeArrow("r", 5, 7).toQueryResult
    check r.ts == @[5'i64, 6, 7]
    check r.columns == @[@[2.5, 3.0, 3.5], @[-5.0, -6.0, -7.0]]
    let last = db.latestArrow("r", 2)
    check last.array.length == 2
    check last.toQueryResult.ts == @[18'i64, 19]

  test "aggregate: every aggregate over buckets, as seqs, array and stream":
    var db = openDb(dir / "agg.ntt")
    db.createTable("m", ["x", "y"])
    # Buckets of 10 ms: [0, 10) holds ts 1, 2, 5; [10, 20) is empty;
    # [20, 30) holds ts 21, 29.
    db.appendRows("m", [1'i64, 2, 5, 21, 29],
      @[@[4.0, 1.0, 7.0, 10.0, -2.0], @[1.0, 1.0, 1.0, 0.5, 0.25]])
    let aggs = [aggCount, aggSum, aggMin, aggMax, aggMean, aggFirst, aggLast]
    let r = db.aggregate("m", 0, 100, 10, aggs)
    check r.len == 2
    check r.bucketStart == @[0'i64, 20]
    check r.columns.mapIt(it.name) == @["x_count", "x_sum", "x_min", "x_max", "x_mean", "x_first",
      "x_last", "y_count", "y_sum", "y_min", "y_max", "y_mean", "y_first", "y_last"]
    check r.column("x", aggCount).counts == @[3'u64, 2]
    check r.column("x", aggCount).values.len == 0
    check r.column("x", aggSum).values == @[12.0, 8.0]
    check r.column("x", aggMin).values == @[1.0, -2.0]
    check r.column("x", aggMax).values == @[7.0, 10.0]
    check r.column("x", aggMean).values == @[4.0, 4.0]
    check r.column("x", aggFirst).values == @[4.0, 10.0]
    check r.column("x", aggLast).values == @[7.0, -2.0]
    check r.column("y", aggSum).values == @[3.0, 0.75]
    check r.column("y", aggMean).values == @[1.0, 0.375]
    expect KeyError:
      discard r.column("z", aggSum)

    let arrow = db.aggregateArrow("m", 0, 100, 10, [aggCount, aggMean])
    check structFields(arrow.schema) == @[StructField(name: "bucket_start", kind: ckTimestampMs),
      StructField(name: "x_count", kind: ckUInt64), StructField(name: "x_mean", kind: ckFloat64),
      StructField(name: "y_count", kind: ckUInt64), StructField(name: "y_mean", kind: ckFloat64)]
    check arrow.toAggregateResult.column("y", aggCount).counts == @[3'u64, 2]

    db.flush()
    db.appendRows("m", [31'i64, 45], @[@[1.0, 2.0], @[3.0, 4.0]])
    let whole = db.aggregate("m", 0, 100, 10, aggs)
    var stream = db.aggregateStream("m", 0, 100, 10, aggs)
    var starts: seq[int64]
    var xSum: seq[float64]
    var yCount: seq[uint64]
    for batch in stream.aggregateBatches:
      starts.add batch.bucketStart
      xSum.add batch.column("x", aggSum).values
      yCount.add batch.column("y", aggCount).counts
    check whole.bucketStart == @[0'i64, 20, 30, 40]
    check starts == whole.bucketStart
    check xSum == whole.column("x", aggSum).values
    check yCount == @[3'u64, 2, 1, 1]
