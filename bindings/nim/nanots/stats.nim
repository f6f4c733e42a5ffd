## What the library reports about tables, the file and background
## maintenance: storage statistics, verification, recovery, commits and the
## maintenance status. The versioned C structs are filled here and copied
## into plain Nim objects.

import ./capi, ./db, ./calls

type
  TableStats* = object
    ## Storage statistics of a table (`nts_stats`).
    rows*: uint64             ## All rows: flushed + buffered.
    flushedRows*: uint64      ## Rows in segments in the file.
    bufferedRows*: uint64     ## Rows buffered in memory (and in the WAL).
    segments*: uint64         ## Segments in the file.
    bytesOnDisk*: uint64      ## Bytes of the table's segments, headers included.
    rawBytes*: uint64         ## 8 bytes per flushed timestamp and value.
    compressionRatio*: float64 ## `rawBytes / bytesOnDisk` (0 when nothing is flushed).
    ncols*: uint64            ## Value columns (without `ts_ms`).
    tsBytesOnDisk*: uint64    ## Encoded bytes of the timestamp column.
    tsRawBytes*: uint64       ## Raw bytes of the timestamp column.

  CodecUse* = object
    ## A codec and the number of a column's segments encoded with it.
    id*: uint8
    name*: string   ## `nts_codec_name(id)`, e.g. `"plain"`.
    segments*: uint64

  ColumnStats* = object
    ## Storage statistics of one column (`nts_column_stats`).
    bytesOnDisk*: uint64 ## Encoded bytes over all segments.
    rawBytes*: uint64    ## 8 per flushed row.
    codecs*: seq[CodecUse] ## Most used first (at most 8 listed).

  VerifyReport* = object
    ## What `verify` found (`nts_verify_report`).
    records*: uint64  ## Records walked in the file.
    segments*: uint64 ## Live segments decoded in full.
    rows*: uint64     ## Rows in those segments.
    problems*: seq[string] ## One text per problem, naming its offset; empty: sound.

  RecoveryReport* = object
    ## What opening the database recovered (`nts_recovery_info`); all zero
    ## after a clean close.
    fileBytesCut*: uint64     ## Bytes of a torn tail cut off the file.
    walFramesReplayed*: uint64
    walRowsReplayed*: uint64
    walFramesDropped*: uint64 ## Valid frames after a damaged one, not replayed.
    problems*: seq[string]    ## Problems worked around, each naming its offset.

  CommitStats* = object
    ## What this handle made durable since it was opened (`nts_commit_info`).
    commits*: uint64     ## Transactions committed.
    checkpoints*: uint64 ## Of those, ended by a checkpoint record.
    syncs*: uint64       ## `fdatasync` calls on the database file.

  MaintenanceStatus* = object
    ## State of the handle's background maintenance (`nts_maintenance_info`);
    ## all zero without `DbOptions.autoMaintenance`.
    running*: bool
    runs*: uint64          ## Wake-ups so far.
    flushes*: uint64
    retentionRuns*: uint64
    merges*: uint64        ## Tables whose small trailing segments were merged.
    errors*: uint64        ## Steps that failed.
    lastErrorStatus*: NtsStatus ## `NTS_OK` if none failed.
    lastErrorMessage*: string   ## Empty if none failed.

proc boundedString(chars: openArray[char]): string =
  ## The NUL-terminated text in `chars`, never read past its end.
  for c in chars:
    if c == '\0':
      break
    result.add c

proc tableStats*(db: Db; table: string): TableStats =
  ## Storage statistics of `table`.
  const where = "tableStats"
  var s: NtsStats
  s.struct_size = uint32(sizeof(NtsStats))
  checkStatus nts_table_stats(db.rawHandle(where), cname(table, where, "table name"), addr s)
  TableStats(rows: s.rows, flushedRows: s.flushed_rows, bufferedRows: s.buffered_rows,
    segments: s.segments, bytesOnDisk: s.bytes_on_disk, rawBytes: s.raw_bytes,
    compressionRatio: s.compression_ratio, ncols: s.ncols,
    tsBytesOnDisk: s.ts_bytes_on_disk, tsRawBytes: s.ts_raw_bytes)

proc codecName*(id: uint8): string =
  ## The name of codec `id` as `columnStats` reports it.
  $nts_codec_name(id)

proc columnStats*(db: Db; table, column: string): ColumnStats =
  ## Storage statistics of column `column` of `table` (`"ts_ms"` for the
  ## timestamps).
  const where = "columnStats"
  var s: NtsColumnStats
  s.struct_size = uint32(sizeof(NtsColumnStats))
  checkStatus nts_table_column_stats(db.rawHandle(where), cname(table, where, "table name"),
    cname(column, where, "column name"), addr s)
  result = ColumnStats(bytesOnDisk: s.bytes_on_disk, rawBytes: s.raw_bytes)
  for i in 0 ..< min(int(s.ncodecs), NTS_STATS_MAX_CODECS):
    result.codecs.add CodecUse(id: s.codec_ids[i], name: codecName(s.codec_ids[i]),
      segments: s.codec_segments[i])

proc verify*(db: Db): VerifyReport =
  ## Checks the whole file (every record's checksum, every segment decoded,
  ## index and statistics against the data). Problems found are reported,
  ## not raised: check `problems`.
  var r: NtsVerifyReport
  r.struct_size = uint32(sizeof(NtsVerifyReport))
  var list: ptr NtsStrings
  checkStatus nts_verify(db.rawHandle("verify"), addr r, addr list)
  result = VerifyReport(records: r.records, segments: r.segments, rows: r.rows,
    problems: takeStrings(list))

proc recoveryReport*(db: Db): RecoveryReport =
  ## What opening this handle recovered.
  var r: NtsRecoveryInfo
  r.struct_size = uint32(sizeof(NtsRecoveryInfo))
  var list: ptr NtsStrings
  checkStatus nts_recovery_report(db.rawHandle("recoveryReport"), addr r, addr list)
  RecoveryReport(fileBytesCut: r.file_bytes_cut, walFramesReplayed: r.wal_frames_replayed,
    walRowsReplayed: r.wal_rows_replayed, walFramesDropped: r.wal_frames_dropped,
    problems: takeStrings(list))

proc commitStats*(db: Db): CommitStats =
  ## Transactions, checkpoints and syncs of this handle since it opened.
  var c: NtsCommitInfo
  c.struct_size = uint32(sizeof(NtsCommitInfo))
  checkStatus nts_commit_stats(db.rawHandle("commitStats"), addr c)
  CommitStats(commits: c.commits, checkpoints: c.checkpoints, syncs: c.syncs)

proc maintenanceStatus*(db: Db): MaintenanceStatus =
  ## Counters of background maintenance and its last error.
  var m: NtsMaintenanceInfo
  m.struct_size = uint32(sizeof(NtsMaintenanceInfo))
  checkStatus nts_maintenance_status(db.rawHandle("maintenanceStatus"), addr m)
  MaintenanceStatus(running: m.running != 0, runs: m.runs, flushes: m.flushes,
    retentionRuns: m.retention_runs, merges: m.merges, errors: m.errors,
    lastErrorStatus: m.last_error_status,
    lastErrorMessage: boundedString(m.last_error_message))
