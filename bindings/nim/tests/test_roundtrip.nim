## Write, flush, close, reopen, query: every write path and every query
## path of the binding against the real library, with the exact rows.

import std/[os, unittest, sequtils, strutils]
import posix
import nanots
import ./helpers

suite "write, flush, reopen, query":
  var dir: string
  setup:
    dir = scratchDir("roundtrip")
  teardown:
    removeDir(dir)

  test "tables, appendRow, appendRows, append: the same rows after reopening":
    let path = dir / "rt.ntt"
    block:
      var db = openDb(path)
      db.createTable("cpu", ["user", "system"])
      db.createTable("cpu", ["user", "system"]) # idempotent
      db.createTable("mem", ["used"])
      check db.listTables() == @["cpu", "mem"]
      check db.tableColumns("cpu") == @["user", "system"]

      db.appendRow("cpu", 3_000, [3.5, 0.25])
      db.appendRows("cpu", [1_000'i64, 2_000], @[@[1.5, 2.5], @[0.5, 0.75]])
      # A slice of a larger array, read in place through toOpenArray.
      let ts = [10'i64, 20, 30, 40, 50]
      let used = [100.0, 200.0, 300.0, 400.0, 500.0]
      db.appendRows("mem", ts.toOpenArray(1, 3), used.toOpenArray(1, 3))
      db.append("temp", 7, -1.25) # creates the one-column series
      check db.tableColumns("temp") == @["value"]
      check db.pendingBytes() > 0'u64
      db.flush()
      check db.pendingBytes() == 0'u64
      db.close()
      check db.isClosed

    var db = openDb(path)
    check db.listTables() == @["cpu", "mem", "temp"]
    let cpu = db.queryRange("cpu", 0, 10_000)
    check cpu.names == @["user", "system"]
    check cpu.ts == @[1_000'i64, 2_000, 3_000]
    check cpu.columns == @[@[1.5, 2.5, 3.5], @[0.5, 0.75, 0.25]]
    check cpu.len == 3
    check cpu["system"] == @[0.5, 0.75, 0.25]
    expect KeyError:
      discard cpu["idle"]
    let mem = db.queryRange("mem", low(int64), high(int64))
    check mem.ts == @[20'i64, 30, 40]
    check mem.columns == @[@[200.0, 300.0, 400.0]]
    check db.queryRange("temp", 7, 7).columns == @[@[-1.25]]

  test "ranges are inclusive at both ends; buffered rows are seen":
    var db = openDb(dir / "bounds.ntt")
    db.createTable("t", ["v"])
    for i in 0 ..< 10:
      db.appendRow("t", int64(i) * 10, [float64(i)])
    check db.queryRange("t", 20, 40).ts == @[20'i64, 30, 40]
    check db.queryRange("t", 21, 39).ts == @[30'i64]
    check db.queryRange("t", 1000, 2000).len == 0
    db.flush()
    db.appendRow("t", 35, [3.5]) # out of order, buffered
    let r = db.queryRange("t", 30, 40)
    check r.ts == @[30'i64, 35, 40]
    check r.columns[0] == @[3.0, 3.5, 4.0]

  test "latest rows, oldest first":
    var db = openDb(dir / "latest.ntt")
    db.createTable("t", ["a", "b"])
    for i in 1 .. 5:
      db.appendRow("t", int64(i), [float64(i), -float64(i)])
    db.flush()
    db.appendRow("t", 6, [6.0, -6.0])
    let one = db.latest("t")
    check one.ts == @[6'i64]
    check one.columns == @[@[6.0], @[-6.0]]
    let three = db.latest("t", 3)
    check three.names == @["a", "b"]
    check three.ts == @[4'i64, 5, 6]
    check three.columns == @[@[4.0, 5.0, 6.0], @[-4.0, -5.0, -6.0]]

  test "deleteRange, dropTable, SQL":
    var db = openDb(dir / "edit.ntt")
    db.execSql("CREATE TABLE m (x DOUBLE, y DOUBLE); " &
      "INSERT INTO m (ts_ms, x, y) VALUES (1, 1.0, 10.0), (2, 2.0, 20.0), (3, 3.0, 30.0), (4, 4.0, 40.0)")
    check db.tableColumns("m") == @["x", "y"]
    db.flush()
    db.deleteRange("m", 2, 3)
    let r = db.queryRange("m", 0, 10)
    check r.ts == @[1'i64, 4]
    check r.columns == @[@[1.0, 4.0], @[10.0, 40.0]]
    db.dropTable("m")
    check db.listTables().len == 0
    db.createTable("m", ["z"]) # the name is free again, with other columns
    check db.queryRange("m", 0, 10).len == 0

  test "stats, column stats, pack, merge, verify, commit stats":
    var opts = defaultOptions()
    opts.segmentMaxRows = 100
    var db = openDb(dir / "stats.ntt", opts)
    db.createTable("s", ["v"])
    for round in 0 ..< 5: # five flushes: five small segments
      var ts: seq[int64]
      var v: seq[float64]
      for i in 0 ..< 40:
        ts.add int64(round * 40 + i)
        v.add float64(round * 40 + i) * 0.5
      db.appendRows("s", ts, v)
      db.flush()
    var st = db.tableStats("s")
    check st.rows == 200'u64
    check st.flushedRows == 200'u64
    check st.bufferedRows == 0'u64
    check st.segments == 5'u64
    check st.ncols == 1'u64
    check st.rawBytes == 200'u64 * 16
    check st.tsRawBytes == 200'u64 * 8
    check st.bytesOnDisk > 0'u64
    let cs = db.columnStats("s", "v")
    check cs.rawBytes == 200'u64 * 8
    check cs.codecs.len >= 1
    check cs.codecs.mapIt(it.segments).foldl(a + b) == 5'u64
    for c in cs.codecs:
      check c.name == codecName(c.id)
      check c.name.len > 0
    check db.columnStats("s", "ts_ms").rawBytes == 200'u64 * 8

    check db.mergeSmallSegments(100, 2) == 1'u64
    check db.tableStats("s").segments < 5'u64

    db.packTable("s", 1000)
    st = db.tableStats("s")
    check st.segments == 1'u64
    check st.rows == 200'u64
    let all = db.queryRange("s", 0, 1000)
    check all.ts == toSeq(0'i64 ..< 200'i64)
    check all.columns[0] == toSeq(0 ..< 200).mapIt(float64(it) * 0.5)

    let report = db.verify()
    check report.problems.len == 0
    check report.rows == 200'u64
    check report.segments == 1'u64
    check report.records > 0'u64
    check db.commitStats().commits > 0'u64

  test "retention drops old rows and shrinks the file":
    let path = dir / "retention.ntt"
    var opts = defaultOptions()
    opts.retentionMs = 1_000
    var db = openDb(path, opts)
    db.createTable("r", ["v"])
    var ts: seq[int64]
    var v: seq[float64]
    var x = 0x9E3779B97F4A7C15'u64
    for i in 0 ..< 5_000:
      ts.add int64(i)
      x = x xor (x shl 13); x = x xor (x shr 7); x = x xor (x shl 17)
      v.add float64(x shr 11) # noise: the file cannot compress it away
    db.appendRows("r", ts, v)
    db.flush()
    let before = getFileSize(path)
    db.compactRetentionNow()
    let r = db.queryRange("r", low(int64), high(int64))
    # Relative to the newest timestamp (4999, earlier than the wall clock):
    # the rows older than 4999 - 1000 go, 3999 .. 4999 stay.
    check r.ts == toSeq(3_999'i64 .. 4_999'i64)
    check r.columns[0] == v[3_999 .. ^1]
    check getFileSize(path) < before

  test "backup is a database with the same rows":
    var db = openDb(dir / "src.ntt")
    db.createTable("b", ["v"])
    db.appendRows("b", [1'i64, 2, 3], [1.0, 2.0, 3.0])
    db.backup(dir / "copy.ntt")
    db.backup(dir / "packed.ntt", backupPack)
    for name in ["copy.ntt", "packed.ntt"]:
      var copy = openDb(dir / name)
      check copy.queryRange("b", 0, 10).columns == @[@[1.0, 2.0, 3.0]]
      copy.close()

  test "a read-only Db sees what the writer flushed":
    let path = dir / "ro.ntt"
    var writer = openDb(path)
    writer.createTable("t", ["v"])
    writer.appendRow("t", 1, [1.0])
    writer.flush()
    var ro = defaultOptions()
    ro.readOnly = true
    var reader = openDb(path, ro)
    check reader.isReadOnly
    check not writer.isReadOnly
    check reader.queryRange("t", 0, 10).ts == @[1'i64]
    writer.appendRow("t", 2, [2.0])
    writer.flush()
    check reader.refresh()
    check not reader.refresh()
    check reader.queryRange("t", 0, 10).ts == @[1'i64, 2]
    check not writer.refresh()

  test "recovery replays the WAL of a process that never closed":
    let path = dir / "crash.ntt"
    block:
      var db = openDb(path)
      db.createTable("w", ["v"])
      db.close()
    let pid = fork()
    if pid == 0:
      # The child appends and exits without closing or flushing: the rows
      # live only in the WAL. _exit skips every destructor.
      try:
        var db = openDb(path)
        db.appendRows("w", [1'i64, 2, 3], [10.0, 20.0, 30.0])
        exitnow(0)
      except CatchableError:
        exitnow(2)
    var status: cint
    check waitpid(pid, status, 0) == pid
    check WIFEXITED(status) and WEXITSTATUS(status) == 0
    var db = openDb(path)
    let rec = db.recoveryReport()
    check rec.walRowsReplayed == 3'u64
    check rec.walFramesReplayed >= 1'u64
    check rec.walFramesDropped == 0'u64
    check rec.problems.len == 0
    check db.queryRange("w", 0, 10).columns == @[@[10.0, 20.0, 30.0]]
    db.close()
    var again = openDb(path)
    check again.recoveryReport().walRowsReplayed == 0'u64

  test "options reach the library":
    let d = defaultOptions()
    check d.sync == syncOnFlush
    check d.autoFlushBytes == 4'u64 * 1024 * 1024
    check d.segmentMaxRows == 131_072'u64
    check d.retentionMs == 0
    check not d.autoMaintenance
    check d.recovery == recoveryStrict
    check not d.readOnly

    # syncNever: flushes force nothing to disk (only opening a new file
    # syncs its header, whatever the mode); syncOnFlush: every flush does.
    var never = defaultOptions()
    never.sync = syncNever
    var db = openDb(dir / "never.ntt", never)
    db.createTable("t", ["v"])
    let before = db.commitStats().syncs
    db.appendRow("t", 1, [1.0])
    db.flush()
    db.appendRow("t", 2, [2.0])
    db.flush()
    check db.commitStats().syncs == before
    db.close()
    var onFlush = openDb(dir / "onflush.ntt")
    onFlush.createTable("t", ["v"])
    let before2 = onFlush.commitStats().syncs
    onFlush.appendRow("t", 1, [1.0])
    onFlush.flush()
    onFlush.appendRow("t", 2, [2.0])
    onFlush.flush()
    check onFlush.commitStats().syncs == before2 + 2

    # autoFlushBytes: an append that finds the buffer at the threshold
    # flushes it first.
    var eager = defaultOptions()
    eager.autoFlushBytes = 1
    var auto = openDb(dir / "auto.ntt", eager)
    auto.createTable("t", ["v"])
    auto.appendRow("t", 1, [1.0])
    auto.appendRow("t", 2, [2.0])
    var st = auto.tableStats("t")
    check st.flushedRows == 1'u64
    check st.bufferedRows == 1'u64
    check auto.pendingBytes() == 16'u64 # one row: 8-byte ts + one 8-byte value

    # segmentPartitionMs: one flush, cut at each hour.
    var hourly = defaultOptions()
    hourly.segmentPartitionMs = 3_600_000
    var parts = openDb(dir / "parts.ntt", hourly)
    parts.createTable("t", ["v"])
    parts.appendRows("t", [0'i64, 3_600_000, 7_200_001], [1.0, 2.0, 3.0])
    parts.flush()
    check parts.tableStats("t").segments == 3'u64

  test "library version matches the header the binding was written for":
    check libraryVersion().startsWith("0.1.")
