## Several threads on one `Db` (shared as `ptr Db`): appends and queries
## at once, then the exact rows; and `close` racing with appends.
## Compile with --threads:on.

import std/[os, unittest, algorithm, sequtils]
import nanots
import ./helpers

const
  writers = 4
  readers = 2
  rowsPerWriter = 2_000

type
  Report = object
    ## What a thread saw, in memory the main thread owns (no GC memory
    ## crosses threads, as --mm:refc requires).
    done: int     ## Successful calls.
    failures: int ## Wrong results or unexpected exceptions.
    firstError: array[240, char]

  WorkerArgs = object
    db: ptr Db
    id: int
    report: ptr Report
    writersDone: ptr int ## Writers finished (atomic); readers stop after all.

proc fail(r: ptr Report; msg: string) =
  if r.failures == 0:
    for i in 0 ..< min(msg.len, r.firstError.len - 1):
      r.firstError[i] = msg[i]
  inc r.failures

proc errorText(r: Report): string =
  for c in r.firstError:
    if c == '\0': break
    result.add c

proc tsOf(writer, i: int): int64 = int64(writer * 1_000_000 + i)

proc writer(args: WorkerArgs) {.thread.} =
  ## Writers 0 and 1 append row by row, 2 and 3 in columnar chunks, all to
  ## "shared" (a = 2 * ts, b = writer id) and each to a table of its own.
  let db = args.db
  let own = "own" & $args.id
  try:
    var i = 0
    while i < rowsPerWriter:
      if args.id < 2:
        let ts = tsOf(args.id, i)
        db[].appendRow("shared", ts, [2.0 * float64(ts), float64(args.id)])
        db[].append(own, ts, float64(i))
        inc i
      else:
        var ts: seq[int64]
        var cols = @[newSeq[float64](), newSeq[float64]()]
        for k in i ..< min(i + 100, rowsPerWriter):
          ts.add tsOf(args.id, k)
          cols[0].add 2.0 * float64(ts[^1])
          cols[1].add float64(args.id)
        db[].appendRows("shared", ts, cols)
        for k in 0 ..< ts.len:
          db[].append(own, ts[k], float64(i + k))
        i += ts.len
      if i mod 500 == 0:
        db[].flush()
      inc args.report.done
  except CatchableError as e:
    args.report.fail("writer " & $args.id & ": " & $e.name & ": " & e.msg)
  discard atomicInc(args.writersDone[])

proc reader(args: WorkerArgs) {.thread.} =
  ## Queries "shared" until the writers are done, then once more: every
  ## result sorted, consistent (a = 2 * ts) and never shrinking; the last
  ## one complete.
  let db = args.db
  var seen = 0
  try:
    while true:
      let finished = atomicLoadN(args.writersDone, ATOMIC_ACQUIRE) == writers
      let r = db[].queryRange("shared", 0, high(int64))
      if r.len < seen:
        args.report.fail("rows went from " & $seen & " to " & $r.len)
      seen = r.len
      for i in 0 ..< r.len:
        if r.columns[0][i] != 2.0 * float64(r.ts[i]) or (i > 0 and r.ts[i] < r.ts[i - 1]):
          args.report.fail("row " & $i & " of " & $r.len & " is wrong: ts " & $r.ts[i])
          break
      var streamed = 0
      var stream = db[].queryRangeStream("shared", 0, high(int64))
      for batch in stream.batches:
        streamed += batch.len
      if streamed < seen:
        args.report.fail("a later stream had " & $streamed & " rows, a query before it " & $seen)
      let agg = db[].aggregate("shared", 0, high(int64), 1_000_000, [aggCount])
      let counted = agg.column("a", aggCount).counts.foldl(a + b, 0'u64)
      if counted < uint64(seen):
        args.report.fail("aggregate counted " & $counted & " rows after a query saw " & $seen)
      if seen > 0 and db[].latest("shared").len != 1:
        args.report.fail("latest gave no row")
      inc args.report.done
      if finished:
        if seen != writers * rowsPerWriter:
          args.report.fail("after the writers: " & $seen & " rows")
        break
  except CatchableError as e:
    args.report.fail("reader " & $args.id & ": " & $e.name & ": " & e.msg)

proc appendUntilClosed(args: WorkerArgs) {.thread.} =
  ## Appends rows until the `Db` is closed under it; anything but
  ## `ClosedError` is a failure. `done` counts the rows appended.
  let table = "t" & $args.id
  while true:
    try:
      args.db[].appendRow(table, int64(args.report.done), [float64(args.report.done)])
      discard atomicInc(args.report.done) # read by the main thread meanwhile
    except ClosedError:
      return
    except CatchableError as e:
      args.report.fail($e.name & ": " & e.msg)
      return

suite "threads":
  var dir: string
  setup:
    dir = scratchDir("threads")
  teardown:
    removeDir(dir)

  test "concurrent appends and queries from several threads":
    var db = openDb(dir / "mt.ntt")
    db.createTable("shared", ["a", "b"])
    var reports: array[writers + readers, Report]
    var writersDone = 0
    var threads: array[writers + readers, Thread[WorkerArgs]]
    for i in 0 ..< writers + readers:
      let args = WorkerArgs(db: addr db, id: i, report: addr reports[i],
        writersDone: addr writersDone)
      if i < writers:
        createThread(threads[i], writer, args)
      else:
        createThread(threads[i], reader, args)
    joinThreads(threads)
    for i in 0 ..< writers + readers:
      checkpoint("thread " & $i & ": " & reports[i].errorText)
      check reports[i].failures == 0
      check reports[i].done > 0

    # Exactly the rows written, after a reopen.
    db.close()
    var again = openDb(dir / "mt.ntt")
    let r = again.queryRange("shared", 0, high(int64))
    var want: seq[int64]
    for w in 0 ..< writers:
      for i in 0 ..< rowsPerWriter:
        want.add tsOf(w, i)
    check r.ts == want.sorted
    check r.columns[0] == r.ts.mapIt(2.0 * float64(it))
    check r.columns[1] == r.ts.mapIt(float64(it div 1_000_000))
    for w in 0 ..< writers:
      let own = again.queryRange("own" & $w, 0, high(int64))
      check own.ts == toSeq(0 ..< rowsPerWriter).mapIt(tsOf(w, it))
      check own.columns[0] == toSeq(0 ..< rowsPerWriter).mapIt(float64(it))

  test "close while other threads append: they get ClosedError, every acknowledged row is kept":
    let path = dir / "race.ntt"
    var db = openDb(path)
    const n = 3
    for i in 0 ..< n:
      db.createTable("t" & $i, ["v"])
    var reports: array[n, Report]
    var threads: array[n, Thread[WorkerArgs]]
    for i in 0 ..< n:
      createThread(threads[i], appendUntilClosed,
        WorkerArgs(db: addr db, id: i, report: addr reports[i]))
    # Close once every thread has appended something (no time limit: the
    # test waits for the work, not for a clock).
    while true:
      var all = true
      for i in 0 ..< n:
        if atomicLoadN(addr reports[i].done, ATOMIC_ACQUIRE) < 50: all = false
      if all: break
      sleep(1)
    db.close()
    joinThreads(threads)
    var again = openDb(path)
    for i in 0 ..< n:
      checkpoint("thread " & $i & ": " & reports[i].errorText)
      check reports[i].failures == 0
      let rows = again.queryRange("t" & $i, 0, high(int64))
      check rows.len == reports[i].done
      check rows.ts == toSeq(0 ..< reports[i].done).mapIt(int64(it))
