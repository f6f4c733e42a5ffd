## Deterministic release: a `Db` that goes out of scope, is moved, or dies
## with the object or seq holding it closes its handle exactly then, having
## flushed its rows (the file is free again and nothing is left to recover).

import std/[os, unittest]
import nanots, nanots/capi
import ./helpers

type Holder = ref object
  db: Db

proc writeWithoutClose(path: string) =
  ## Opens, writes, never calls close or flush: `=destroy` does both.
  var db = openDb(path)
  db.createTable("t", ["v"])
  db.appendRows("t", [1'i64, 2], [1.0, 2.0])

proc openedAndCleanlyClosed(path: string; rows: int): bool =
  ## Whether `path` opens (no writer holds it), with `rows` rows and
  ## nothing recovered from the WAL (its last writer closed it).
  var db = openDb(path)
  db.queryRange("t", 0, high(int64)).len == rows and db.recoveryReport().walRowsReplayed == 0

proc holderDiesHere(path: string) {.noinline.} =
  var h = Holder(db: openDb(path))
  h.db.appendRow("t", 3, [3.0])
  h = nil

suite "lifetime":
  var dir: string
  setup:
    dir = scratchDir("lifetime")
  teardown:
    removeDir(dir)

  test "=destroy at the end of a scope closes and flushes":
    let path = dir / "scope.ntt"
    writeWithoutClose(path)
    check openedAndCleanlyClosed(path, 2)

  test "a Db in a seq is closed when the seq goes":
    let path = dir / "seq.ntt"
    block:
      var dbs: seq[Db]
      dbs.add openDb(path)
      dbs[0].createTable("t", ["v"])
      dbs[0].appendRow("t", 1, [1.0])
      let e = raisedBy:
        discard openDb(path)
      check e of LockedError
    check openedAndCleanlyClosed(path, 1)

  test "a Db in a ref object is closed when the object is collected":
    let path = dir / "ref.ntt"
    writeWithoutClose(path)
    holderDiesHere(path)
    GC_fullCollect() # --mm:refc collects here; ARC/ORC already did
    check openedAndCleanlyClosed(path, 3)

  test "close, then the end of the scope: one close":
    let path = dir / "twice.ntt"
    block:
      var db = openDb(path)
      db.createTable("t", ["v"])
      db.close()
      check db.isClosed
    # A second nts_close of the stale handle would be harmless
    # (NTS_ERR_CLOSED) and invisible here; what is visible is that nothing
    # raised and the file is free.
    check openedAndCleanlyClosed(path, 0)

  test "moving a Db moves the handle; only the new owner closes it":
    let path = dir / "move.ntt"
    proc consume(db: sink Db): int =
      db.appendRow("t", 5, [5.0])
      db.queryRange("t", 0, 10).len
    var a = openDb(path)
    a.createTable("t", ["v"])
    check consume(move a) == 1
    check a.isClosed
    check openedAndCleanlyClosed(path, 1) # consume's parameter closed it

  test "the handle under Db is the library's, borrowed":
    var db = openDb(dir / "raw.ntt")
    let h = db.rawHandle
    check h != nil
    var flag: uint32 = 7
    check nts_is_read_only(h, addr flag) == NTS_OK # through the raw C API
    check flag == 0
