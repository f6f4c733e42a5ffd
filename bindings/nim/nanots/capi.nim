## The C ABI of NanoTS, declared one to one from `include/nanots.h`
## (hand-written; the header's comments say what each call does, returns
## and owns). Every proc and type is imported from the header itself
## (`header: "nanots.h"`), so the C compiler checks these declarations
## against it. For the idiomatic layer, `import nanots`.
##
## Parameter types follow the header's `const` qualifiers where C would
## otherwise refuse an implicit conversion: `const char *const *` is taken
## as `ptr ConstCstring` (`const char **`), `const double *const *` as
## `ptr ptr ConstDouble`.

import ./linking

{.pragma: nts, importc, header: "nanots.h", cdecl.}
{.pragma: ntsType, header: "nanots.h", bycopy.}

type
  NtsStatus* = int32
    ## `nts_status`: `NTS_OK` or one of the `NTS_ERR_*` codes.

  NtsDb* {.importc: "nts_db", header: "nanots.h", incompleteStruct.} = object
    ## Opaque database handle; only ever used as `ptr NtsDb`.
  NtsResult* {.importc: "nts_result", header: "nanots.h", incompleteStruct.} = object
    ## Opaque range-query result.
  NtsStrings* {.importc: "nts_strings", header: "nanots.h", incompleteStruct.} = object
    ## Opaque list of strings.

  ConstCstring* {.importc: "const char *", nodecl.} = cstring
    ## `const char *`, for arrays of strings passed to the library.
  ConstDouble* {.importc: "const double", nodecl.} = float64
    ## `const double`, for arrays of columns passed to the library.

  NtsOptions* {.importc: "nts_options", ntsType.} = object
    struct_size*: uint32
    sync*: uint32
    auto_flush_bytes*: uint64
    segment_max_rows*: uint64
    max_record_size*: uint32
    reserved*: uint32
    retention_ms*: int64
    auto_maintenance*: uint32
    reserved2*: uint32
    maintenance_interval_ms*: uint64
    flush_after_ms*: uint64
    retention_every_ms*: uint64
    segment_partition_ms*: int64
    recovery*: uint32
    read_only*: uint32

  NtsStats* {.importc: "nts_stats", ntsType.} = object
    struct_size*: uint32
    reserved*: uint32
    rows*: uint64
    flushed_rows*: uint64
    buffered_rows*: uint64
    segments*: uint64
    bytes_on_disk*: uint64
    raw_bytes*: uint64
    compression_ratio*: float64
    ncols*: uint64
    ts_bytes_on_disk*: uint64
    ts_raw_bytes*: uint64

  NtsColumnStats* {.importc: "nts_column_stats", ntsType.} = object
    struct_size*: uint32
    ncodecs*: uint32
    bytes_on_disk*: uint64
    raw_bytes*: uint64
    codec_ids*: array[8, uint8]
    codec_segments*: array[8, uint64]

  NtsVerifyReport* {.importc: "nts_verify_report", ntsType.} = object
    struct_size*: uint32
    reserved*: uint32
    records*: uint64
    segments*: uint64
    rows*: uint64
    problems*: uint64

  NtsRecoveryInfo* {.importc: "nts_recovery_info", ntsType.} = object
    struct_size*: uint32
    reserved*: uint32
    file_bytes_cut*: uint64
    wal_frames_replayed*: uint64
    wal_rows_replayed*: uint64
    wal_frames_dropped*: uint64
    problems*: uint64

  NtsCommitInfo* {.importc: "nts_commit_info", ntsType.} = object
    struct_size*: uint32
    reserved*: uint32
    commits*: uint64
    checkpoints*: uint64
    syncs*: uint64

  NtsMaintenanceInfo* {.importc: "nts_maintenance_info", ntsType.} = object
    struct_size*: uint32
    running*: uint32
    runs*: uint64
    flushes*: uint64
    retention_runs*: uint64
    merges*: uint64
    errors*: uint64
    last_error_status*: NtsStatus
    reserved*: uint32
    last_error_message*: array[256, char]

  NtsMaintenanceHook* {.importc: "nts_maintenance_hook", header: "nanots.h".} =
    proc (user: pointer; code: NtsStatus; message: cstring) {.cdecl, gcsafe, raises: [].}
    ## Runs on the maintenance thread; `message` is valid during the call only.

  # Arrow C Data Interface / C Stream Interface (the header's own copy).

  ArrowSchema* {.importc: "struct ArrowSchema", ntsType.} = object
    format*: cstring
    name*: cstring
    metadata*: cstring
    flags*: int64
    n_children*: int64
    children*: ptr UncheckedArray[ptr ArrowSchema]
    dictionary*: ptr ArrowSchema
    release*: proc (s: ptr ArrowSchema) {.cdecl, gcsafe, raises: [].}
    private_data*: pointer

  ArrowArray* {.importc: "struct ArrowArray", ntsType.} = object
    length*: int64
    null_count*: int64
    offset*: int64
    n_buffers*: int64
    n_children*: int64
    buffers*: ptr UncheckedArray[pointer]
    children*: ptr UncheckedArray[ptr ArrowArray]
    dictionary*: ptr ArrowArray
    release*: proc (a: ptr ArrowArray) {.cdecl, gcsafe, raises: [].}
    private_data*: pointer

  ArrowArrayStream* {.importc: "struct ArrowArrayStream", ntsType.} = object
    get_schema*: proc (s: ptr ArrowArrayStream; dst: ptr ArrowSchema): cint {.cdecl, gcsafe, raises: [].}
    get_next*: proc (s: ptr ArrowArrayStream; dst: ptr ArrowArray): cint {.cdecl, gcsafe, raises: [].}
    get_last_error*: proc (s: ptr ArrowArrayStream): cstring {.cdecl, gcsafe, raises: [].}
    release*: proc (s: ptr ArrowArrayStream) {.cdecl, gcsafe, raises: [].}
    private_data*: pointer

const
  NTS_VERSION_MAJOR* = 0
  NTS_VERSION_MINOR* = 1
  NTS_VERSION_PATCH* = 0

  NTS_SYNC_EVERY_APPEND* = 0'u32
  NTS_SYNC_ON_FLUSH* = 1'u32
  NTS_SYNC_NEVER* = 2'u32
  NTS_RECOVERY_STRICT* = 0'u32
  NTS_RECOVERY_SALVAGE* = 1'u32
  NTS_STATS_MAX_CODECS* = 8
  NTS_MAINTENANCE_MESSAGE_LEN* = 256
  NTS_BACKUP_COPY* = 0'u32
  NTS_BACKUP_PACK* = 1'u32

  NTS_AGG_COUNT* = 0'u32
  NTS_AGG_SUM* = 1'u32
  NTS_AGG_MIN* = 2'u32
  NTS_AGG_MAX* = 3'u32
  NTS_AGG_MEAN* = 4'u32
  NTS_AGG_FIRST* = 5'u32
  NTS_AGG_LAST* = 6'u32

  NTS_OK* = 0'i32
  NTS_ERR_INVALID_ARGUMENT* = 1'i32
  NTS_ERR_NOT_FOUND* = 2'i32
  NTS_ERR_ALREADY_EXISTS* = 3'i32
  NTS_ERR_SCHEMA_MISMATCH* = 4'i32
  NTS_ERR_IO* = 5'i32
  NTS_ERR_CORRUPT* = 6'i32
  NTS_ERR_LOCKED* = 7'i32
  NTS_ERR_TOO_LARGE* = 8'i32
  NTS_ERR_UNSUPPORTED_VERSION* = 9'i32
  NTS_ERR_CLOSED* = 10'i32
  NTS_ERR_PANIC* = 11'i32
  NTS_ERR_UNKNOWN* = 12'i32
  NTS_ERR_READ_ONLY* = 13'i32

# The header's constants, checked against the values above by the C compiler
# (a mismatch fails the build instead of passing wrong numbers).
{.emit: """/*INCLUDESECTION*/
#include "nanots.h"
_Static_assert(NTS_VERSION_MAJOR == 0 && NTS_VERSION_MINOR == 1, "nanots.nim was written for nanots.h 0.1");
_Static_assert(NTS_STATS_MAX_CODECS == 8 && NTS_MAINTENANCE_MESSAGE_LEN == 256, "nanots.nim: array sizes");
_Static_assert(NTS_SYNC_EVERY_APPEND == 0 && NTS_SYNC_ON_FLUSH == 1 && NTS_SYNC_NEVER == 2,
  "nanots.nim: sync modes");
_Static_assert(NTS_RECOVERY_STRICT == 0 && NTS_RECOVERY_SALVAGE == 1, "nanots.nim: recovery modes");
_Static_assert(NTS_BACKUP_COPY == 0 && NTS_BACKUP_PACK == 1, "nanots.nim: backup modes");
#if defined(NTS_ARROW)
_Static_assert(NTS_AGG_COUNT == 0 && NTS_AGG_SUM == 1 && NTS_AGG_MIN == 2 && NTS_AGG_MAX == 3
  && NTS_AGG_MEAN == 4 && NTS_AGG_FIRST == 5 && NTS_AGG_LAST == 6, "nanots.nim: aggregate codes");
#endif
_Static_assert(NTS_OK == 0 && NTS_ERR_INVALID_ARGUMENT == 1 && NTS_ERR_NOT_FOUND == 2
  && NTS_ERR_ALREADY_EXISTS == 3 && NTS_ERR_SCHEMA_MISMATCH == 4 && NTS_ERR_IO == 5
  && NTS_ERR_CORRUPT == 6 && NTS_ERR_LOCKED == 7 && NTS_ERR_TOO_LARGE == 8
  && NTS_ERR_UNSUPPORTED_VERSION == 9 && NTS_ERR_CLOSED == 10 && NTS_ERR_PANIC == 11
  && NTS_ERR_UNKNOWN == 12 && NTS_ERR_READ_ONLY == 13, "nanots.nim: status codes");
""".}

# Version, options, open/close
proc nts_version*(): cstring {.nts.}
proc nts_options_init*(opts: ptr NtsOptions) {.nts.}
proc nts_open*(path: cstring; opts: ptr NtsOptions; out_db: ptr ptr NtsDb): NtsStatus {.nts.}
proc nts_close*(db: ptr NtsDb): NtsStatus {.nts.}
proc nts_flush*(db: ptr NtsDb): NtsStatus {.nts.}
proc nts_pending_bytes*(db: ptr NtsDb; out_bytes: ptr uint64): NtsStatus {.nts.}

# Tables
proc nts_create_table*(db: ptr NtsDb; table: cstring; columns: ptr ConstCstring;
                       ncols: csize_t): NtsStatus {.nts.}
proc nts_list_tables*(db: ptr NtsDb; dst: ptr ptr NtsStrings): NtsStatus {.nts.}
proc nts_table_columns*(db: ptr NtsDb; table: cstring; dst: ptr ptr NtsStrings): NtsStatus {.nts.}
proc nts_drop_table*(db: ptr NtsDb; table: cstring): NtsStatus {.nts.}

# Appends
proc nts_append*(db: ptr NtsDb; series: cstring; ts_ms: int64; value: float64): NtsStatus {.nts.}
proc nts_append_row*(db: ptr NtsDb; table: cstring; ts_ms: int64; values: ptr ConstDouble;
                     nvalues: csize_t): NtsStatus {.nts.}
proc nts_append_rows*(db: ptr NtsDb; table: cstring; ts_ms: ptr int64; nrows: csize_t;
                      columns: ptr ptr ConstDouble; ncols: csize_t): NtsStatus {.nts.}

# Range queries
proc nts_query_range*(db: ptr NtsDb; table: cstring; start_ms, end_ms: int64;
                      dst: ptr ptr NtsResult): NtsStatus {.nts.}
proc nts_result_rows*(r: ptr NtsResult): csize_t {.nts.}
proc nts_result_ncols*(r: ptr NtsResult): csize_t {.nts.}
proc nts_result_ts*(r: ptr NtsResult): ptr UncheckedArray[int64] {.nts.}
proc nts_result_column*(r: ptr NtsResult; col: csize_t): ptr UncheckedArray[float64] {.nts.}
proc nts_result_column_name*(r: ptr NtsResult; col: csize_t): cstring {.nts.}
proc nts_result_free*(r: ptr NtsResult) {.nts.}

# String lists
proc nts_strings_len*(s: ptr NtsStrings): csize_t {.nts.}
proc nts_strings_get*(s: ptr NtsStrings; i: csize_t): cstring {.nts.}
proc nts_strings_free*(s: ptr NtsStrings) {.nts.}

# Statistics
proc nts_table_stats*(db: ptr NtsDb; table: cstring; dst: ptr NtsStats): NtsStatus {.nts.}
proc nts_table_column_stats*(db: ptr NtsDb; table, column: cstring;
                             dst: ptr NtsColumnStats): NtsStatus {.nts.}
proc nts_codec_name*(codec_id: uint8): cstring {.nts.}

# Arrow
proc nts_query_range_arrow*(db: ptr NtsDb; table: cstring; start_ms, end_ms: int64;
                            out_array: ptr ArrowArray; out_schema: ptr ArrowSchema): NtsStatus {.nts.}
proc nts_query_range_stream*(db: ptr NtsDb; table: cstring; start_ms, end_ms: int64;
                             out_stream: ptr ArrowArrayStream): NtsStatus {.nts.}
proc nts_query_aggregate_arrow*(db: ptr NtsDb; table: cstring; start_ms, end_ms, bucket_ms: int64;
                                aggs: ptr uint32; naggs: csize_t; out_array: ptr ArrowArray;
                                out_schema: ptr ArrowSchema): NtsStatus {.nts.}
proc nts_query_aggregate_stream*(db: ptr NtsDb; table: cstring; start_ms, end_ms, bucket_ms: int64;
                                 aggs: ptr uint32; naggs: csize_t;
                                 out_stream: ptr ArrowArrayStream): NtsStatus {.nts.}
proc nts_latest_arrow*(db: ptr NtsDb; table: cstring; n: uint64; out_array: ptr ArrowArray;
                       out_schema: ptr ArrowSchema): NtsStatus {.nts.}

# Errors
proc nts_last_error*(): cstring {.nts.}
proc nts_status_str*(status: NtsStatus): cstring {.nts.}

# Durability and maintenance
proc nts_verify*(db: ptr NtsDb; dst: ptr NtsVerifyReport; problems_out: ptr ptr NtsStrings): NtsStatus {.nts.}
proc nts_recovery_report*(db: ptr NtsDb; dst: ptr NtsRecoveryInfo;
                          problems_out: ptr ptr NtsStrings): NtsStatus {.nts.}
proc nts_commit_stats*(db: ptr NtsDb; dst: ptr NtsCommitInfo): NtsStatus {.nts.}
proc nts_pack_table*(db: ptr NtsDb; table: cstring; target_segment_points: uint64): NtsStatus {.nts.}
proc nts_merge_small_segments*(db: ptr NtsDb; target_rows, min_segments: uint64;
                               merged_out: ptr uint64): NtsStatus {.nts.}
proc nts_compact_retention_now*(db: ptr NtsDb): NtsStatus {.nts.}
proc nts_delete_range*(db: ptr NtsDb; table: cstring; start_ms, end_ms: int64): NtsStatus {.nts.}
proc nts_exec_sql*(db: ptr NtsDb; sql: cstring): NtsStatus {.nts.}
proc nts_maintenance_status*(db: ptr NtsDb; dst: ptr NtsMaintenanceInfo): NtsStatus {.nts.}
proc nts_set_maintenance_hook*(db: ptr NtsDb; hook: NtsMaintenanceHook; user: pointer): NtsStatus {.nts.}
proc nts_refresh*(db: ptr NtsDb; changed_out: ptr uint32): NtsStatus {.nts.}
proc nts_is_read_only*(db: ptr NtsDb; dst: ptr uint32): NtsStatus {.nts.}
proc nts_backup*(db: ptr NtsDb; dest_path: cstring; mode: uint32): NtsStatus {.nts.}
