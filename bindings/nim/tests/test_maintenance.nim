## Background maintenance: its status counters, and its errors reaching the
## hook (on the library's own thread) and the status.

import std/[os, unittest, monotimes, times, strutils, sequtils]
import nanots
import ./helpers

const patience = initDuration(seconds = 120)
  ## How long a test waits for the maintenance thread to do what it is
  ## asked before it gives up and fails (it normally takes milliseconds:
  ## the thread wakes every 5 ms). Not a timing assertion: only a bound on
  ## waiting, so a broken binding fails instead of hanging.

template waitFor(db: Db; cond: untyped): MaintenanceStatus =
  ## Polls `maintenanceStatus` until `cond` (over `it`) holds; fails the
  ## test if it never does.
  block:
    let deadline = getMonoTime() + patience
    var it {.inject.} = db.maintenanceStatus()
    while not (cond) and getMonoTime() < deadline:
      sleep(5)
      it = db.maintenanceStatus()
    check cond
    it

# The hook runs on the maintenance thread, which Nim did not start: it only
# touches plain memory (no GC), with atomics.
var
  hookCalls: int
  hookLastCode: int32
  hookMessage: array[256, char]

proc onMaintenanceError(user: pointer; code: NtsStatus; message: cstring) {.cdecl, gcsafe, raises: [].} =
  if atomicInc(hookCalls) == 1:
    var i = 0
    while message[i] != '\0' and i < hookMessage.len - 1:
      hookMessage[i] = message[i]
      inc i
  atomicStoreN(addr hookLastCode, code, ATOMIC_RELEASE)
  atomicStoreN(cast[ptr int](user), 1, ATOMIC_RELEASE)

proc hookText(): string =
  for c in hookMessage:
    if c == '\0': break
    result.add c

suite "background maintenance":
  var dir: string
  setup:
    dir = scratchDir("maintenance")
  teardown:
    removeDir(dir)

  test "without auto-maintenance the status is all zero":
    var db = openDb(dir / "off.ntt")
    check db.maintenanceStatus() == MaintenanceStatus()

  test "the maintenance thread flushes buffered rows and reports it":
    var opts = defaultOptions()
    opts.autoMaintenance = true
    opts.maintenanceIntervalMs = 5
    opts.flushAfterMs = 1
    var db = openDb(dir / "auto.ntt", opts)
    db.createTable("t", ["v"])
    db.appendRows("t", [1'i64, 2, 3], [1.0, 2.0, 3.0])
    let status = db.waitFor(it.flushes >= 1)
    check status.running
    check status.runs >= 1
    check status.errors == 0
    check status.lastErrorStatus == NTS_OK
    check status.lastErrorMessage == ""
    check db.tableStats("t").flushedRows == 3
    check db.pendingBytes() == 0

  test "a failing step reaches the hook and the status":
    let sub = dir / "doomed"
    createDir(sub)
    var opts = defaultOptions()
    opts.autoMaintenance = true
    opts.maintenanceIntervalMs = 5
    opts.retentionMs = 10
    opts.retentionEveryMs = 1
    var db = openDb(sub / "r.ntt", opts)
    var flag = 0
    db.setMaintenanceHook(onMaintenanceError, addr flag)
    db.createTable("t", ["v"])
    # Nothing has expired yet (ts 0 ..< 10 with 10 ms retention), so no
    # retention run rewrites the file while the directory goes.
    db.appendRows("t", toSeq(0'i64 ..< 10'i64), toSeq(0 ..< 10).mapIt(float64(it)))
    db.flush()
    # Retention rewrites the file beside itself and renames it over the old
    # one: with the directory gone, that fails at its first step, run after
    # run (the open file and its WAL stay usable).
    removeDir(sub)
    db.appendRow("t", 1_000_000, [1.0]) # now the first rows are expired
    db.flush()
    let status = db.waitFor(it.errors >= 1)
    check status.lastErrorStatus == NTS_ERR_IO
    check status.lastErrorMessage.len > 0
    check atomicLoadN(addr flag, ATOMIC_ACQUIRE) == 1
    check atomicLoadN(addr hookCalls, ATOMIC_ACQUIRE) >= 1
    check atomicLoadN(addr hookLastCode, ATOMIC_ACQUIRE) == NTS_ERR_IO
    checkpoint("hook message: " & hookText())
    check "cannot create" in hookText()
    check "cannot create" in status.lastErrorMessage
    db.clearMaintenanceHook()
    let calls = atomicLoadN(addr hookCalls, ATOMIC_ACQUIRE)
    discard db.waitFor(it.errors >= status.errors + 2) # more failures, no more calls
    check atomicLoadN(addr hookCalls, ATOMIC_ACQUIRE) == calls
    check db.queryRange("t", 0, high(int64)).len == 11 # nothing was lost
    # Closing removes the WAL, which went with the directory: an I/O error,
    # and the Db is closed all the same.
    let e = raisedBy:
      db.close()
    check e of StorageIoError
    check e != nil and e.msg.startsWith("nts_close: ")
    check db.isClosed
