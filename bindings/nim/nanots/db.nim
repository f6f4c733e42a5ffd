## `Db`: an open database, its lifetime (`openDb`, `close`, `=destroy`) and
## the calls that write to it or manage its tables and files.

import ./capi, ./options, ./calls

type
  Db* {.byref.} = object
    ## An open NanoTS database (one `nts_db` handle).
    ##
    ## Lifetime: `close` releases it and raises what closing reports; a `Db`
    ## not closed is closed by its `=destroy` when it goes out of scope
    ## (errors then are dropped: call `close` to see them). `close` is
    ## idempotent; every other call on a closed `Db` raises `ClosedError`.
    ## A `Db` cannot be copied (two owners would close it twice): move it
    ## (`move`, `sink` parameters, the last use) or pass it as a parameter.
    ##
    ## Threads: one `Db` may be used from several threads at once (the
    ## library serializes writes and lets queries run beside them); share it
    ## as `ptr Db` with threads that end before it is destroyed.
    handle: ptr NtsDb

  BackupMode* = enum
    ## How `backup` writes its copy.
    backupCopy = 0 ## The segments as they are (the cheaper mode).
    backupPack = 1 ## Every table merged and re-encoded, as `packTable` does.

  MaintenanceHook* = proc (user: pointer; code: NtsStatus; message: cstring) {.cdecl, gcsafe, raises: [].}
    ## Receives each error of background maintenance, on the maintenance
    ## thread (not a thread Nim started): `message` is valid during the call
    ## only. Keep it short and do not call `close` from it. Under
    ## `--mm:refc` it must not allocate GC memory unless it first calls
    ## `setupForeignThreadGc()`.

# `close` on one thread may race with calls on others: the handle is read and
# cleared atomically when threads are on (without threads there is no race).
template loadHandle(p: ptr ptr NtsDb): ptr NtsDb =
  when compileOption("threads"): atomicLoadN(p, ATOMIC_ACQUIRE) else: p[]

template takeHandle(p: ptr ptr NtsDb): ptr NtsDb =
  ## The handle, leaving nil behind: only one caller ever gets it to close.
  when compileOption("threads"):
    atomicExchangeN(p, nil, ATOMIC_ACQ_REL)
  else:
    (let h = p[]; p[] = nil; h)

when defined(nimAllowNonVarDestructor):
  proc `=destroy`*(db: Db) =
    ## Closes the handle unless `close` already did.
    if db.handle != nil:
      discard nts_close(db.handle)
else:
  proc `=destroy`*(db: var Db) =
    ## Closes the handle unless `close` already did.
    let h = takeHandle(addr db.handle)
    if h != nil:
      discard nts_close(h)

proc `=copy`*(dst: var Db; src: Db) {.error.}
  ## A `Db` has one owner: copying it is a compile error.

proc live(db: Db; where: string): ptr NtsDb {.inline.} =
  ## The handle, or `ClosedError` naming `where`. A `close` racing on another
  ## thread after this read makes the library answer `NTS_ERR_CLOSED`
  ## (handles are never reused on 64-bit targets), raised as `ClosedError`.
  result = loadHandle(unsafeAddr db.handle)
  if result == nil:
    raiseClosed(where)

proc rawHandle*(db: Db; caller = "rawHandle"): ptr NtsDb =
  ## The C handle, for calls through `nanots/capi`. Borrowed: valid until
  ## `close`; never pass it to `nts_close`. Raises `ClosedError` (its
  ## message naming `caller`) if the `Db` is closed.
  db.live(caller)

proc isClosed*(db: Db): bool =
  ## Whether `close` was called on this `Db` (or it was moved from).
  loadHandle(unsafeAddr db.handle) == nil

proc libraryVersion*(): string =
  ## The linked library's version, e.g. `"0.1.0"` (`nts_version`).
  $nts_version()

proc openDb*(path: string; options = defaultOptions()): Db =
  ## Opens the database file at `path`, creating it if missing and
  ## recovering after a crash. Raises `LockedError` if another writer has it
  ## open (in this process or another), `NotFoundError` for a read-only open
  ## of a missing file, `CorruptError`, `StorageIoError`, ...
  var opts = toC(options)
  var h: ptr NtsDb
  checkStatus nts_open(cname(path, "openDb", "path"), addr opts, addr h)
  Db(handle: h)

proc close*(db: var Db) =
  ## Flushes buffered rows, checkpoints and closes the database; waits for
  ## calls running on other threads. The `Db` is closed afterwards even if
  ## this raises (`StorageIoError`: rows not flushed stay in the WAL and the
  ## next open recovers them). A second `close` does nothing.
  let h = takeHandle(addr db.handle)
  if h != nil:
    checkStatus nts_close(h)

proc flush*(db: Db) =
  ## Writes all buffered rows into compressed segments and empties the WAL.
  checkStatus nts_flush(db.live("flush"))

proc pendingBytes*(db: Db): uint64 =
  ## Bytes of buffered (unflushed) row data over all tables.
  checkStatus nts_pending_bytes(db.live("pendingBytes"), addr result)

# Tables

proc createTable*(db: Db; table: string; columns: openArray[string]) =
  ## Creates `table` with value columns `columns` (plus the implicit `ts_ms`).
  ## Idempotent for the same columns; `AlreadyExistsError` for other ones.
  const where = "createTable"
  let h = db.live(where)
  var names = newSeq[ConstCstring](columns.len)
  for i in 0 ..< columns.len:
    names[i] = ConstCstring(cname(columns[i], where, "column name"))
  checkStatus nts_create_table(h, cname(table, where, "table name"),
    (if names.len == 0: nil else: addr names[0]), csize_t(names.len))

proc listTables*(db: Db): seq[string] =
  ## The names of all tables, sorted.
  var list: ptr NtsStrings
  checkStatus nts_list_tables(db.live("listTables"), addr list)
  takeStrings(list)

proc tableColumns*(db: Db; table: string): seq[string] =
  ## The value column names of `table`, in order (without `ts_ms`).
  const where = "tableColumns"
  var list: ptr NtsStrings
  checkStatus nts_table_columns(db.live(where), cname(table, where, "table name"), addr list)
  takeStrings(list)

proc dropTable*(db: Db; table: string) =
  ## Drops `table` and its rows; the name can be used again at once.
  const where = "dropTable"
  checkStatus nts_drop_table(db.live(where), cname(table, where, "table name"))

# Appends

proc append*(db: Db; series: string; tsMs: int64; value: float64) =
  ## Appends `value` at `tsMs` to the one-column series `series` (column
  ## `value`), creating it on first use.
  const where = "append"
  checkStatus nts_append(db.live(where), cname(series, where, "series name"), tsMs, value)

proc appendRow*(db: Db; table: string; tsMs: int64; values: openArray[float64]) =
  ## Appends one row: `values` (one per column, in table order) at `tsMs`.
  ## Any timestamp order is accepted. `SchemaMismatchError` if
  ## `values.len` is not the table's column count.
  const where = "appendRow"
  checkStatus nts_append_row(db.live(where), cname(table, where, "table name"), tsMs,
    (if values.len == 0: nil else: cast[ptr ConstDouble](unsafeAddr values[0])),
    csize_t(values.len))

proc appendRows*(db: Db; table: string; tsMs: openArray[int64];
                 columns: openArray[seq[float64]]) =
  ## Appends `tsMs.len` rows column by column: row `i` is `tsMs[i]` with
  ## `columns[c][i]` for column `c`. The library reads the seqs in place
  ## (no copy here). All or nothing with respect to validation: columns of
  ## another length than `tsMs` raise `InvalidArgumentError`, a column count
  ## other than the table's `SchemaMismatchError`.
  const where = "appendRows"
  let h = db.live(where)
  var ptrs = newSeq[ptr ConstDouble](columns.len)
  for c in 0 ..< columns.len:
    # Indexing, not `for col in columns`: a loop variable may copy the seq.
    if columns[c].len != tsMs.len:
      raiseInvalid(where, "column " & $c & " has " & $columns[c].len & " values for " &
        $tsMs.len & " timestamps")
    if tsMs.len > 0:
      ptrs[c] = cast[ptr ConstDouble](unsafeAddr columns[c][0])
  checkStatus nts_append_rows(h, cname(table, where, "table name"),
    (if tsMs.len == 0: nil else: unsafeAddr tsMs[0]), csize_t(tsMs.len),
    (if ptrs.len == 0: nil else: addr ptrs[0]), csize_t(ptrs.len))

proc appendRows*(db: Db; table: string; tsMs: openArray[int64]; values: openArray[float64]) =
  ## `appendRows` for a one-column table: row `i` is `tsMs[i]`, `values[i]`.
  ## Any `openArray` works (a slice through `toOpenArray` too), read in
  ## place.
  const where = "appendRows"
  let h = db.live(where)
  if values.len != tsMs.len:
    raiseInvalid(where, "column 0 has " & $values.len & " values for " & $tsMs.len & " timestamps")
  var column: ptr ConstDouble =
    if values.len == 0: nil else: cast[ptr ConstDouble](unsafeAddr values[0])
  checkStatus nts_append_rows(h, cname(table, where, "table name"),
    (if tsMs.len == 0: nil else: unsafeAddr tsMs[0]), csize_t(tsMs.len), addr column, 1)

proc deleteRange*(db: Db; table: string; startMs, endMs: int64) =
  ## Deletes the rows of `table` with `startMs <= ts <= endMs` that exist
  ## now; the space comes back at the next pack or compaction.
  const where = "deleteRange"
  checkStatus nts_delete_range(db.live(where), cname(table, where, "table name"), startMs, endMs)

proc execSql*(db: Db; sql: string) =
  ## Runs `CREATE TABLE` / `INSERT INTO` statements separated by `;`, each
  ## atomic. Syntax errors raise `InvalidArgumentError` with line and column.
  const where = "execSql"
  checkStatus nts_exec_sql(db.live(where), cname(sql, where, "sql"))

# Files: pack, retention, merge, backup

proc packTable*(db: Db; table: string; targetSegmentRows: uint64 = 131072) =
  ## Rewrites `table` as sorted, non-overlapping segments of about
  ## `targetSegmentRows` rows (1..4194304) with the strongest codecs,
  ## applying pending deletes; the file is replaced atomically.
  const where = "packTable"
  checkStatus nts_pack_table(db.live(where), cname(table, where, "table name"), targetSegmentRows)

proc compactRetentionNow*(db: Db) =
  ## Removes rows older than `DbOptions.retentionMs`, applies deletes and
  ## drops, and gives the space back (the file shrinks).
  checkStatus nts_compact_retention_now(db.live("compactRetentionNow"))

proc mergeSmallSegments*(db: Db; targetRows: uint64; minSegments: uint64 = 2): uint64 =
  ## Merges each table's trailing run of small segments into segments of up
  ## to `targetRows` rows (the step background maintenance runs). Returns
  ## the number of tables merged.
  checkStatus nts_merge_small_segments(db.live("mergeSmallSegments"), targetRows, minSegments,
    addr result)

proc backup*(db: Db; destPath: string; mode = backupCopy) =
  ## Writes a consistent copy of the database to the new file `destPath`
  ## (UTF-8; `AlreadyExistsError` if it exists). Buffered rows are flushed
  ## first.
  const where = "backup"
  checkStatus nts_backup(db.live(where), cname(destPath, where, "destination path"), uint32(ord(mode)))

# Readers

proc isReadOnly*(db: Db): bool =
  ## Whether `db` was opened with `DbOptions.readOnly`.
  var flag: uint32
  checkStatus nts_is_read_only(db.live("isReadOnly"), addr flag)
  flag != 0

proc refresh*(db: Db): bool =
  ## On a read-only `Db`, moves its view up to what the writer has committed;
  ## returns whether it changed. Queries do this themselves. On a writer it
  ## does nothing and returns false.
  var changed: uint32
  checkStatus nts_refresh(db.live("refresh"), addr changed)
  changed != 0

# Background maintenance

proc setMaintenanceHook*(db: Db; hook: MaintenanceHook; user: pointer = nil) =
  ## Sets the callback that receives every error of background maintenance,
  ## with `user` passed back; `hook` and `user` must stay valid until
  ## replaced, cleared or the `Db` is closed.
  checkStatus nts_set_maintenance_hook(db.live("setMaintenanceHook"),
    cast[NtsMaintenanceHook](hook), user)

proc clearMaintenanceHook*(db: Db) =
  ## Removes the maintenance error callback.
  checkStatus nts_set_maintenance_hook(db.live("clearMaintenanceHook"), nil, nil)
