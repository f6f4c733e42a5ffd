## Options for `openDb`: the fields of `nts_options` in Nim form.

import ./capi

type
  SyncMode* = enum
    ## When written data is forced to disk (`nts_options.sync`).
    syncEveryAppend = 0 ## `msync` the WAL before every append returns.
    syncOnFlush = 1     ## `fdatasync` the file at every flush (the default).
    syncNever = 2       ## Never force data to disk (leave it to the OS).

  RecoveryMode* = enum
    ## What opening a damaged file does (`nts_options.recovery`).
    recoveryStrict = 0  ## Refuse it with `CorruptError` (the default).
    recoverySalvage = 1 ## Open what can be opened; see `recoveryReport`.

  DbOptions* = object
    ## Options of `openDb`. Start from `defaultOptions()` (the library's
    ## defaults) and change the fields you need.
    sync*: SyncMode
    autoFlushBytes*: uint64
      ## Buffered row bytes that trigger an automatic flush; 0 disables
      ## auto-flush. Default 4 MiB.
    segmentMaxRows*: uint64
      ## Most rows per segment written by a flush: 1..4194304. Default 131072.
    maxRecordSize*: uint32
      ## Cap on any record's payload, bytes; 0 = the `NANOTS_MAX_RECORD_SIZE`
      ## environment variable, else 64 MiB.
    retentionMs*: int64
      ## Rows older than this (ms) may be dropped by retention; 0 keeps all.
    autoMaintenance*: bool
      ## Run background maintenance (flush, retention, merging small
      ## segments) on a thread of the handle's own.
    maintenanceIntervalMs*: uint64
      ## How often the maintenance thread wakes, ms; 0 = 1000.
    flushAfterMs*: uint64
      ## The maintenance thread flushes rows buffered longer than this, ms;
      ## 0 = 5000.
    retentionEveryMs*: uint64
      ## The maintenance thread runs retention this often, ms; 0 = 60000.
    segmentPartitionMs*: int64
      ## Cut segments at multiples of this many ms; 0 = off.
    recovery*: RecoveryMode
    readOnly*: bool
      ## Open as a reader next to a writer: no lock, every write raises
      ## `ReadOnlyError`, queries see what the writer has flushed.

proc fromC(c: NtsOptions): DbOptions =
  result = DbOptions(
    autoFlushBytes: c.auto_flush_bytes,
    segmentMaxRows: c.segment_max_rows,
    maxRecordSize: c.max_record_size,
    retentionMs: c.retention_ms,
    autoMaintenance: c.auto_maintenance != 0,
    maintenanceIntervalMs: c.maintenance_interval_ms,
    flushAfterMs: c.flush_after_ms,
    retentionEveryMs: c.retention_every_ms,
    segmentPartitionMs: c.segment_partition_ms,
    readOnly: c.read_only != 0)
  # A default this header does not define (a newer library) must not become
  # an invalid enum value: the header's documented defaults stand in for it.
  result.sync = if c.sync <= uint32(high(SyncMode)): SyncMode(c.sync) else: syncOnFlush
  result.recovery =
    if c.recovery <= uint32(high(RecoveryMode)): RecoveryMode(c.recovery) else: recoveryStrict

proc defaultOptions*(): DbOptions =
  ## The library's defaults (`nts_options_init`).
  var c: NtsOptions
  nts_options_init(addr c)
  fromC(c)

proc toC*(o: DbOptions): NtsOptions =
  ## `o` as an `nts_options` set up by `nts_options_init`.
  nts_options_init(addr result)
  result.sync = uint32(ord(o.sync))
  result.auto_flush_bytes = o.autoFlushBytes
  result.segment_max_rows = o.segmentMaxRows
  result.max_record_size = o.maxRecordSize
  result.retention_ms = o.retentionMs
  result.auto_maintenance = uint32(ord(o.autoMaintenance))
  result.maintenance_interval_ms = o.maintenanceIntervalMs
  result.flush_after_ms = o.flushAfterMs
  result.retention_every_ms = o.retentionEveryMs
  result.segment_partition_ms = o.segmentPartitionMs
  result.recovery = uint32(ord(o.recovery))
  result.read_only = uint32(ord(o.readOnly))
