## Error paths: each raises the exception of its status, with the status
## number and the library's message (read on the failing thread).

import std/[os, unittest, strutils]
import nanots
import ./helpers

template expectError(T: typedesc; code: NtsStatus; fragment: string; body: untyped) =
  ## `body` raises a `T` with status `code`, whose message contains
  ## `fragment`.
  let e = raisedBy(body)
  check e != nil
  if e != nil:
    check e of T
    check e.status == code
    check fragment in e.msg
    checkpoint("raised " & $e.name & ": " & e.msg)

suite "error paths":
  var dir: string
  setup:
    dir = scratchDir("errors")
  teardown:
    removeDir(dir)

  test "unknown table: NotFoundError with the library's message":
    var db = openDb(dir / "e.ntt")
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_append_row: not found"):
      db.appendRow("nope", 1, [1.0])
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "\"nope\""):
      discard db.queryRange("nope", 0, 1)
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_table_columns"):
      discard db.tableColumns("nope")
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_query_range_stream"):
      discard db.queryRangeStream("nope", 0, 1)
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_drop_table"):
      db.dropTable("nope")
    db.createTable("t", ["v"])
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_table_column_stats"):
      discard db.columnStats("t", "nope")
    check statusName(NTS_ERR_NOT_FOUND) == "not found"

  test "wrong column count: SchemaMismatchError; ragged columns: InvalidArgumentError":
    var db = openDb(dir / "e.ntt")
    db.createTable("t", ["a", "b"])
    expectError(SchemaMismatchError, NTS_ERR_SCHEMA_MISMATCH, "nts_append_row"):
      db.appendRow("t", 1, [1.0])
    expectError(SchemaMismatchError, NTS_ERR_SCHEMA_MISMATCH, "nts_append_rows"):
      db.appendRows("t", [1'i64, 2], [1.0, 2.0])
    expectError(SchemaMismatchError, NTS_ERR_SCHEMA_MISMATCH, "nts_append"):
      db.append("t", 1, 1.0) # `t` has two columns, not one `value`
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT,
        "appendRows: invalid argument: column 1 has 1 values for 2 timestamps"):
      db.appendRows("t", [1'i64, 2], @[@[1.0, 2.0], @[3.0]])
    check db.queryRange("t", 0, 10).len == 0 # nothing half-appended

  test "a second writer on the same file: LockedError":
    let path = dir / "locked.ntt"
    var first = openDb(path)
    expectError(LockedError, NTS_ERR_LOCKED, "nts_open"):
      discard openDb(path)
    first.close()
    var second = openDb(path) # free again once the first is closed
    check not second.isClosed

  test "use after close: ClosedError from every call; close twice is a no-op":
    var db = openDb(dir / "closed.ntt")
    db.createTable("t", ["v"])
    db.close()
    db.close()
    check db.isClosed
    expectError(ClosedError, NTS_ERR_CLOSED, "appendRow: closed"):
      db.appendRow("t", 1, [1.0])
    expectError(ClosedError, NTS_ERR_CLOSED, "queryRange: closed"):
      discard db.queryRange("t", 0, 1)
    expectError(ClosedError, NTS_ERR_CLOSED, "flush"): db.flush()
    expectError(ClosedError, NTS_ERR_CLOSED, "createTable"): db.createTable("u", ["v"])
    expectError(ClosedError, NTS_ERR_CLOSED, "listTables"): discard db.listTables()
    expectError(ClosedError, NTS_ERR_CLOSED, "append"): db.append("s", 1, 1.0)
    expectError(ClosedError, NTS_ERR_CLOSED, "appendRows"): db.appendRows("t", [1'i64], [1.0])
    expectError(ClosedError, NTS_ERR_CLOSED, "latest"): discard db.latest("t")
    expectError(ClosedError, NTS_ERR_CLOSED, "aggregate"): discard db.aggregate("t", 0, 1, 1, [aggSum])
    expectError(ClosedError, NTS_ERR_CLOSED, "queryRangeStream"): discard db.queryRangeStream("t", 0, 1)
    expectError(ClosedError, NTS_ERR_CLOSED, "tableStats"): discard db.tableStats("t")
    expectError(ClosedError, NTS_ERR_CLOSED, "maintenanceStatus"): discard db.maintenanceStatus()
    expectError(ClosedError, NTS_ERR_CLOSED, "execSql"): db.execSql("CREATE TABLE x (v)")
    expectError(ClosedError, NTS_ERR_CLOSED, "deleteRange"): db.deleteRange("t", 0, 1)
    expectError(ClosedError, NTS_ERR_CLOSED, "packTable"): db.packTable("t")
    expectError(ClosedError, NTS_ERR_CLOSED, "compactRetentionNow"): db.compactRetentionNow()
    expectError(ClosedError, NTS_ERR_CLOSED, "rawHandle"): discard db.rawHandle

  test "a moved-from Db is closed; the new owner works":
    var a = openDb(dir / "moved.ntt")
    var b = move a
    check a.isClosed
    check not b.isClosed
    expectError(ClosedError, NTS_ERR_CLOSED, "createTable"): a.createTable("t", ["v"])
    b.createTable("t", ["v"])
    check b.listTables() == @["t"]

  test "invalid UTF-8 names: InvalidArgumentError from the library":
    var db = openDb(dir / "utf8.ntt")
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_create_table"):
      db.createTable("bad\xFFname", ["v"])
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_create_table"):
      db.createTable("t", ["\xC3\x28"]) # a truncated two-byte sequence
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_append_row"):
      db.appendRow("\xFE", 1, [1.0])
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_exec_sql"):
      db.execSql("CREATE TABLE \xFF (v)")
    check db.listTables().len == 0
    db.createTable("température", ["°C"]) # valid UTF-8 is fine
    check db.tableColumns("température") == @["°C"]

  test "a NUL byte inside a name is refused, not cut":
    var db = openDb(dir / "nul.ntt")
    db.createTable("a", ["v"])
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "table name contains a NUL byte"):
      db.appendRow("a\0b", 1, [1.0])
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "column name contains a NUL byte"):
      db.createTable("b", ["x\0"])
    check db.queryRange("a", 0, 10).len == 0

  test "other statuses: AlreadyExists, InvalidArgument, ReadOnly, NotFound at open":
    let path = dir / "misc.ntt"
    var db = openDb(path)
    db.createTable("t", ["v"])
    expectError(AlreadyExistsError, NTS_ERR_ALREADY_EXISTS, "nts_create_table"):
      db.createTable("t", ["w"])
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_query_range"):
      discard db.queryRange("t", 10, 0) # start > end
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_query_aggregate_arrow"):
      discard db.aggregate("t", 0, 10, 0, [aggSum]) # bucket 0
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_query_aggregate_arrow"):
      discard db.aggregate("t", 0, 10, 5, []) # no aggregate
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_exec_sql"):
      db.execSql("SELECT * FROM t")
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_pack_table"):
      db.packTable("t", 0)
    db.flush()
    writeFile(dir / "existing", "x")
    expectError(AlreadyExistsError, NTS_ERR_ALREADY_EXISTS, "nts_backup"):
      db.backup(dir / "existing") # never over an existing file
    check readFile(dir / "existing") == "x"
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_backup"):
      db.backup(path) # nor over the database itself
    var bad = defaultOptions()
    bad.segmentMaxRows = 0
    expectError(InvalidArgumentError, NTS_ERR_INVALID_ARGUMENT, "nts_open"):
      discard openDb(dir / "other.ntt", bad)
    var ro = defaultOptions()
    ro.readOnly = true
    expectError(NotFoundError, NTS_ERR_NOT_FOUND, "nts_open"):
      discard openDb(dir / "missing.ntt", ro)
    var reader = openDb(path, ro)
    expectError(ReadOnlyError, NTS_ERR_READ_ONLY, "nts_append_row"):
      reader.appendRow("t", 1, [1.0])
    expectError(ReadOnlyError, NTS_ERR_READ_ONLY, "nts_flush"):
      reader.flush()

  test "every status maps to its own subtype":
    let cases = [
      (NTS_ERR_INVALID_ARGUMENT, "InvalidArgumentError"), (NTS_ERR_NOT_FOUND, "NotFoundError"),
      (NTS_ERR_ALREADY_EXISTS, "AlreadyExistsError"), (NTS_ERR_SCHEMA_MISMATCH, "SchemaMismatchError"),
      (NTS_ERR_IO, "StorageIoError"), (NTS_ERR_CORRUPT, "CorruptError"), (NTS_ERR_LOCKED, "LockedError"),
      (NTS_ERR_TOO_LARGE, "TooLargeError"), (NTS_ERR_UNSUPPORTED_VERSION, "UnsupportedVersionError"),
      (NTS_ERR_CLOSED, "ClosedError"), (NTS_ERR_PANIC, "LibraryPanicError"),
      (NTS_ERR_UNKNOWN, "UnknownStatusError"), (NTS_ERR_READ_ONLY, "ReadOnlyError"),
      (NtsStatus(99), "UnknownStatusError")]
    for (status, name) in cases:
      let e = newNanoTsError(status, "m")
      check $e.name == name
      check e.status == status
      check e.msg == "m"
    check statusName(NtsStatus(99)) == "unrecognized status code"

  test "a damaged file: CorruptError at open":
    let path = dir / "corrupt.ntt"
    block:
      var db = openDb(path)
      db.createTable("t", ["v"])
      db.appendRows("t", [1'i64, 2, 3], [1.0, 2.0, 3.0])
      db.close()
    var bytes = readFile(path)
    check bytes.len > 64
    for i in 0 ..< 8: # the magic number at offset 0
      bytes[i] = char(0xA5)
    writeFile(path, bytes)
    expectError(CorruptError, NTS_ERR_CORRUPT, "nts_open: corrupt: not a NanoTS file"):
      discard openDb(path)
