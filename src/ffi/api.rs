//! The core entry points: options, open/close, tables, appends, queries,
//! statistics and versions.

use std::ffi::{CString, c_char};
use std::ptr;
use std::sync::OnceLock;
use std::time::Duration;

use super::args::{bytes_arg, c_name, out_arg, slice_arg, str_arg, usize_of, write_versioned};
use super::boundary::{FfiError, FfiResult, call, call_value};
use super::handle::{lookup, nts_db, register, unregister};
use super::status::nts_status;
use crate::{AutoMaintenanceOptions, ColumnStorage, NanoTsDbShared, NanoTsOptions, RecoveryMode, SyncMode};

/// Major version of this header; `nts_version()` reports the library's.
pub const NTS_VERSION_MAJOR: u32 = 0;
/// Minor version of this header.
pub const NTS_VERSION_MINOR: u32 = 1;
/// Patch version of this header.
pub const NTS_VERSION_PATCH: u32 = 0;

/// `nts_options.sync`: `msync` the WAL before every append returns.
pub const NTS_SYNC_EVERY_APPEND: u32 = 0;
/// `nts_options.sync`: `fdatasync` the file at every flush (the default).
pub const NTS_SYNC_ON_FLUSH: u32 = 1;
/// `nts_options.sync`: never force data to disk (leave it to the OS).
pub const NTS_SYNC_NEVER: u32 = 2;

/// Options for `nts_open`. A versioned struct: always initialize it with
/// `nts_options_init`, which sets `struct_size` and every default, then
/// change the fields you need. Fields are only ever appended; the library
/// reads only the fields that fit in `struct_size`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nts_options {
    /// `sizeof(nts_options)` as compiled by the caller (set by
    /// `nts_options_init`).
    pub struct_size: u32,
    /// `NTS_SYNC_EVERY_APPEND`, `NTS_SYNC_ON_FLUSH` (default) or
    /// `NTS_SYNC_NEVER`.
    pub sync: u32,
    /// Buffered row bytes that trigger an automatic flush; 0 disables
    /// auto-flush. Default 8 MiB.
    pub auto_flush_bytes: u64,
    /// Most rows per segment written by a flush: 1..=4194304. Default 131072.
    pub segment_max_rows: u64,
    /// Cap on any record's payload in bytes; 0 = the
    /// `NANOTS_MAX_RECORD_SIZE` environment variable, else 64 MiB.
    pub max_record_size: u32,
    /// Reserved, must be 0.
    pub reserved: u32,
    /// Rows older than this many milliseconds may be dropped by retention;
    /// 0 keeps everything. Must not be negative.
    pub retention_ms: i64,
    /// 1 = run background maintenance on a thread of its own for this handle
    /// (flush, retention, merging small segments; see the fields below);
    /// 0 (default) = no thread.
    pub auto_maintenance: u32,
    /// Reserved, must be 0.
    pub reserved2: u32,
    /// How often the maintenance thread wakes, in ms; 0 = 1000.
    pub maintenance_interval_ms: u64,
    /// The thread flushes buffered rows older than this, in ms; 0 = 5000.
    pub flush_after_ms: u64,
    /// The thread runs retention compaction this often, in ms (when
    /// `retention_ms` is set); 0 = 60000.
    pub retention_every_ms: u64,
    /// Cut segments at multiples of this many ms (e.g. 3600000: hourly
    /// aggregations are then answered from segment statistics); 0 = off.
    /// Must not be negative.
    pub segment_partition_ms: i64,
    /// `NTS_RECOVERY_STRICT` (default): a damaged file is refused with
    /// `NTS_ERR_CORRUPT` and left untouched; `NTS_RECOVERY_SALVAGE`: open
    /// what can be opened and report what was dropped
    /// (`nts_recovery_report`). Added in the second version of the struct.
    pub recovery: u32,
    /// 1 = open read-only, next to a writer in this or another process: no
    /// lock, no write, no WAL; every write call returns `NTS_ERR_READ_ONLY`;
    /// queries see what the writer has flushed, refreshed at each query
    /// (`nts_refresh`). 0 (default) = the writer. Added with `recovery`.
    pub read_only: u32,
}

/// `nts_options.recovery`: refuse damaged files (default).
pub const NTS_RECOVERY_STRICT: u32 = 0;
/// `nts_options.recovery`: open what can be opened, report what was dropped.
pub const NTS_RECOVERY_SALVAGE: u32 = 1;

/// Size of the first version of `nts_options`: the smallest `struct_size`
/// accepted, forever. Fields appended later default when a caller's struct
/// is shorter.
const OPTIONS_MIN_SIZE: usize = 80;
/// Size of the first version of `nts_stats` (never changes).
const STATS_MIN_SIZE: usize = 88;
/// Size of the first version of `nts_column_stats` (never changes).
const COLUMN_STATS_MIN_SIZE: usize = 96;

fn default_options() -> nts_options {
    let d = NanoTsOptions::default();
    nts_options {
        struct_size: size_of::<nts_options>() as u32,
        sync: NTS_SYNC_ON_FLUSH,
        auto_flush_bytes: d.auto_flush_bytes as u64,
        segment_max_rows: d.segment_max_rows as u64,
        max_record_size: 0,
        reserved: 0,
        retention_ms: 0,
        auto_maintenance: 0,
        reserved2: 0,
        maintenance_interval_ms: 0,
        flush_after_ms: 0,
        retention_every_ms: 0,
        segment_partition_ms: 0,
        recovery: NTS_RECOVERY_STRICT,
        read_only: 0,
    }
}

/// Reads and converts a caller's options struct.
///
/// # Safety
/// `opts` is NULL or points to at least `opts->struct_size` readable bytes.
unsafe fn options_from_c(opts: *const nts_options) -> FfiResult<NanoTsOptions> {
    if opts.is_null() {
        return Ok(NanoTsOptions::default());
    }
    if !opts.is_aligned() {
        return Err(FfiError::invalid("opts is misaligned"));
    }
    // SAFETY: non-NULL and aligned; every version of the struct starts
    // with the u32 struct_size, which the caller must have set.
    let size = unsafe { ptr::read(opts.cast::<u32>()) } as usize;
    if size < OPTIONS_MIN_SIZE {
        return Err(FfiError::invalid(format!(
            "opts->struct_size is {size}, expected at least {OPTIONS_MIN_SIZE}: initialize it with nts_options_init"
        )));
    }
    // Fields the caller's (older) struct lacks keep their defaults; fields
    // of a newer, larger struct are ignored.
    let mut o = default_options();
    let n = size.min(size_of::<nts_options>());
    // SAFETY: the caller's struct has `size >= n` readable bytes; `o` is a
    // local of `size_of::<nts_options>() >= n` bytes; every field is a
    // plain integer, valid for any bit pattern; no overlap.
    unsafe { ptr::copy_nonoverlapping(opts.cast::<u8>(), (&raw mut o).cast::<u8>(), n) };
    let sync = match o.sync {
        NTS_SYNC_EVERY_APPEND => SyncMode::EveryAppend,
        NTS_SYNC_ON_FLUSH => SyncMode::OnFlush,
        NTS_SYNC_NEVER => SyncMode::Never,
        other => {
            return Err(FfiError::invalid(format!("opts->sync {other} is not an NTS_SYNC_* value")));
        }
    };
    if o.reserved != 0 || o.reserved2 != 0 {
        return Err(FfiError::invalid("opts->reserved and opts->reserved2 must be 0"));
    }
    let read_only = match o.read_only {
        0 => false,
        1 => true,
        other => return Err(FfiError::invalid(format!("opts->read_only {other} is not 0 or 1"))),
    };
    let recovery = match o.recovery {
        NTS_RECOVERY_STRICT => RecoveryMode::Strict,
        NTS_RECOVERY_SALVAGE => RecoveryMode::Salvage,
        other => {
            return Err(FfiError::invalid(format!("opts->recovery {other} is not an NTS_RECOVERY_* value")));
        }
    };
    let auto_maintenance = match o.auto_maintenance {
        0 => None,
        1 => {
            let d = AutoMaintenanceOptions::default();
            let ms = |v: u64, default: Duration| if v == 0 { default } else { Duration::from_millis(v) };
            Some(AutoMaintenanceOptions {
                interval: ms(o.maintenance_interval_ms, d.interval),
                flush_after: ms(o.flush_after_ms, d.flush_after),
                retention_every: ms(o.retention_every_ms, d.retention_every),
                ..d
            })
        }
        other => return Err(FfiError::invalid(format!("opts->auto_maintenance {other} is not 0 or 1"))),
    };
    let retention = match o.retention_ms {
        0 => None,
        ms if ms < 0 => {
            return Err(FfiError::invalid(format!("opts->retention_ms {ms} is negative")));
        }
        ms => Some(Duration::from_millis(ms as u64)),
    };
    Ok(NanoTsOptions {
        retention,
        sync,
        auto_flush_bytes: usize_of(o.auto_flush_bytes, "opts->auto_flush_bytes")?,
        segment_max_rows: usize_of(o.segment_max_rows, "opts->segment_max_rows")?,
        max_record_size: (o.max_record_size != 0).then_some(o.max_record_size),
        auto_maintenance,
        segment_partition_ms: match o.segment_partition_ms {
            0 => None,
            p if p < 0 => {
                return Err(FfiError::invalid(format!("opts->segment_partition_ms {p} is negative")));
            }
            p => Some(p),
        },
        recovery,
        read_only,
    })
}

/// Fills `*opts` with the defaults and sets `opts->struct_size`. Call it
/// before changing any field. NULL is a no-op.
///
/// # Safety
/// `opts` is NULL or points to a writable `nts_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_options_init(opts: *mut nts_options) {
    call_value("nts_options_init", (), || {
        if let Ok(p) = out_arg(opts, "opts") {
            // SAFETY: non-NULL, aligned, writable per the contract.
            unsafe { ptr::write(p, default_options()) };
        }
    })
}

/// Opens the database file at `path` (creating it if missing; recovering
/// after a crash) and stores a new handle in `*out_db`.
///
/// With `opts->read_only = 1` the handle is a reader: it takes no lock, so
/// it opens next to the writer and other readers, and it never creates,
/// recovers or writes anything (not even a WAL); a missing or empty file
/// gives `NTS_ERR_NOT_FOUND`.
///
/// `opts` may be NULL for the defaults; otherwise it must have been set up
/// with `nts_options_init`. `path` is taken as raw bytes (any file name the
/// OS accepts). On failure `*out_db` is set to NULL.
///
/// Ownership: the caller owns the handle and must release it with
/// `nts_close` exactly once.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `path`/`out_db`, bad
/// options, `read_only` with salvage or auto-maintenance); `NTS_ERR_LOCKED`
/// (another writer has it open); `NTS_ERR_NOT_FOUND` (read-only, no
/// database at `path`); `NTS_ERR_IO`; `NTS_ERR_CORRUPT`;
/// `NTS_ERR_UNSUPPORTED_VERSION`; `NTS_ERR_TOO_LARGE` (4096 handles already
/// open).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or a valid
/// `nts_options`; `out_db` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_open(
    path: *const c_char,
    opts: *const nts_options,
    out_db: *mut *mut nts_db,
) -> nts_status {
    call("nts_open", || {
        let out = out_arg(out_db, "out_db")?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, ptr::null_mut()) };
        // SAFETY: NUL-terminated per the contract.
        let path = unsafe { bytes_arg(path, "path") }?;
        #[cfg(unix)]
        let path = std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(path));
        #[cfg(not(unix))]
        let path = std::path::Path::new(
            std::str::from_utf8(path).map_err(|_| FfiError::invalid("path is not valid UTF-8"))?,
        );
        // SAFETY: valid options struct per the contract.
        let opts = unsafe { options_from_c(opts) }?;
        let db = NanoTsDbShared::open(path, opts)?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, register(db)?) };
        Ok(())
    })
}

/// Flushes buffered rows, checkpoints and closes the database, and frees the
/// handle (a read-only handle writes nothing). NULL is a no-op returning
/// `NTS_OK`. Waits for calls on this handle that are already running on
/// other threads.
///
/// The handle is invalid afterwards even if this returns an error (rows not
/// flushed then stay in the WAL and are recovered by the next `nts_open`).
/// Any later call with the stale handle, including a
/// second `nts_close`, returns `NTS_ERR_CLOSED`. Arrow streams already
/// obtained from this handle stay valid.
///
/// Returns `NTS_OK`, `NTS_ERR_CLOSED` (already closed), `NTS_ERR_IO`.
///
/// # Safety
/// Always safe: `db` is only used as a registry key, never dereferenced.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_close(db: *mut nts_db) -> nts_status {
    call("nts_close", || {
        if db.is_null() {
            return Ok(());
        }
        let db = unregister(db)?;
        db.close()?;
        Ok(())
    })
}

/// Creates table `table` with `ncols` value columns named `columns[0..ncols]`
/// (plus the implicit `ts_ms` timestamp column). Idempotent: creating an
/// existing table with the same columns succeeds and does nothing.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or non-UTF-8 names,
/// empty/too long names, no columns, duplicates, a column named `ts_ms`);
/// `NTS_ERR_ALREADY_EXISTS` (exists with other columns); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `columns` is NULL or points to `ncols`
/// pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_create_table(
    db: *mut nts_db,
    table: *const c_char,
    columns: *const *const c_char,
    ncols: usize,
) -> nts_status {
    call("nts_create_table", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `ncols` pointers per the contract.
        let ptrs = unsafe { slice_arg(columns, ncols, "columns") }?;
        let names = ptrs
            .iter()
            .enumerate()
            // SAFETY: each pointer is NULL or NUL-terminated per the contract.
            .map(|(i, &p)| unsafe { str_arg(p, &format!("columns[{i}]")) })
            .collect::<FfiResult<Vec<&str>>>()?;
        db.create_table(table, &names)?;
        Ok(())
    })
}

/// Appends `value` at `ts_ms` to the one-column series `series` (column
/// `value`), creating the series on first use.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_SCHEMA_MISMATCH`
/// (`series` is a table with other columns); `NTS_ERR_CLOSED`; `NTS_ERR_IO`;
/// `NTS_ERR_TOO_LARGE`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `series` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append(
    db: *mut nts_db,
    series: *const c_char,
    ts_ms: i64,
    value: f64,
) -> nts_status {
    call("nts_append", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let series = unsafe { str_arg(series, "series") }?;
        db.append(series, ts_ms, value)?;
        Ok(())
    })
}

/// Appends one row: `values[0..nvalues]` at `ts_ms`. `nvalues` must equal
/// the table's column count. Any timestamp order is accepted.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL/non-UTF-8 `table`,
/// NULL `values` with `nvalues > 0`); `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_SCHEMA_MISMATCH` (wrong `nvalues`); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_TOO_LARGE`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `values` is NULL or points to
/// `nvalues` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append_row(
    db: *mut nts_db,
    table: *const c_char,
    ts_ms: i64,
    values: *const f64,
    nvalues: usize,
) -> nts_status {
    call("nts_append_row", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `nvalues` doubles per the contract.
        let values = unsafe { slice_arg(values, nvalues, "values") }?;
        db.append_row(table, ts_ms, values)?;
        Ok(())
    })
}

/// Appends `nrows` rows column by column: row `i` is `ts_ms[i]` with value
/// `columns[c][i]` for column `c`. `ncols` must equal the table's column
/// count. All or nothing with respect to validation.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arrays with a non-zero
/// count, non-UTF-8 `table`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_SCHEMA_MISMATCH`
/// (wrong `ncols`); `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_TOO_LARGE`;
/// `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `ts_ms` is NULL or points to `nrows`
/// int64s; `columns` is NULL or points to `ncols` pointers, each NULL or
/// pointing to `nrows` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append_rows(
    db: *mut nts_db,
    table: *const c_char,
    ts_ms: *const i64,
    nrows: usize,
    columns: *const *const f64,
    ncols: usize,
) -> nts_status {
    call("nts_append_rows", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `nrows` int64s per the contract.
        let ts = unsafe { slice_arg(ts_ms, nrows, "ts_ms") }?;
        // SAFETY: `ncols` pointers per the contract.
        let ptrs = unsafe { slice_arg(columns, ncols, "columns") }?;
        let mut cols: Vec<&[f64]> = Vec::with_capacity(ncols);
        for (i, &p) in ptrs.iter().enumerate() {
            // SAFETY: each column points to `nrows` doubles per the contract.
            cols.push(unsafe { slice_arg(p, nrows, &format!("columns[{i}]")) }?);
        }
        db.append_rows(table, ts, &cols)?;
        Ok(())
    })
}

/// Writes all buffered rows into compressed segments (fsyncing per the sync
/// mode) and empties the WAL.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT` (NULL `db`),
/// `NTS_ERR_CLOSED`, `NTS_ERR_IO`, `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// Always safe: `db` is only used as a registry key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_flush(db: *mut nts_db) -> nts_status {
    call("nts_flush", || {
        lookup(db)?.flush()?;
        Ok(())
    })
}

/// Stores in `*out_bytes` the bytes of buffered (unflushed) row data over
/// all tables.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT`, `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out_bytes` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_pending_bytes(db: *mut nts_db, out_bytes: *mut u64) -> nts_status {
    call("nts_pending_bytes", || {
        let out = out_arg(out_bytes, "out_bytes")?;
        let n = lookup(db)?.pending_bytes()?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, n as u64) };
        Ok(())
    })
}

/// A query result (opaque): rows sorted by timestamp, stored column by
/// column. Read it with the `nts_result_*` accessors; free it with
/// `nts_result_free`.
pub struct nts_result {
    ts: Vec<i64>,
    columns: Vec<Vec<f64>>,
    names: Vec<CString>,
}

/// Runs a range query and stores the result in `*out`: the rows of `table`
/// with `start_ms <= ts_ms <= end_ms` (inclusive at both ends), sorted by
/// timestamp (equal timestamps keep append order), including unflushed
/// rows. On failure `*out` is set to NULL.
///
/// Ownership: the caller owns `*out` and frees it with `nts_result_free`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments,
/// `start_ms > end_ms`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`;
/// `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_query_range(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    out: *mut *mut nts_result,
) -> nts_status {
    call("nts_query_range", || {
        let out = out_arg(out, "out")?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, ptr::null_mut()) };
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        let reader = db.range_reader(table, start_ms, end_ms)?;
        let names = reader.column_names().iter().map(|n| c_name(n)).collect();
        let cols = reader.read_all()?;
        let result = Box::new(nts_result { ts: cols.ts, columns: cols.columns, names });
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, Box::into_raw(result)) };
        Ok(())
    })
}

/// Borrows a result pointer.
///
/// # Safety
/// `r` is NULL or a live result from `nts_query_range`.
unsafe fn result_ref<'a>(r: *const nts_result) -> Option<&'a nts_result> {
    // SAFETY: NULL or a live, unfreed result per the contract.
    unsafe { r.as_ref() }
}

/// Number of rows in `result` (0 for NULL).
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_rows(result: *const nts_result) -> usize {
    call_value("nts_result_rows", 0, || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(0, |r| r.ts.len())
    })
}

/// Number of value columns in `result`, not counting `ts_ms` (0 for NULL).
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_ncols(result: *const nts_result) -> usize {
    call_value("nts_result_ncols", 0, || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(0, |r| r.columns.len())
    })
}

/// The `nts_result_rows(result)` timestamps (ms), ascending. NULL for a
/// NULL result; may be a non-NULL pointer to nothing when there are 0 rows.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_ts(result: *const nts_result) -> *const i64 {
    call_value("nts_result_ts", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(ptr::null(), |r| r.ts.as_ptr())
    })
}

/// The `nts_result_rows(result)` values of value column `col` (0-based, in
/// table order). NULL for a NULL result or `col >= nts_result_ncols`.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_column(result: *const nts_result, col: usize) -> *const f64 {
    call_value("nts_result_column", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.and_then(|r| r.columns.get(col)).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// The name of value column `col`. NULL for a NULL result or an
/// out-of-range `col`.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_column_name(result: *const nts_result, col: usize) -> *const c_char {
    call_value("nts_result_column_name", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.and_then(|r| r.names.get(col)).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// Frees a result from `nts_query_range`. NULL is a no-op. Call it exactly
/// once per result.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_free(result: *mut nts_result) {
    call_value("nts_result_free", (), || {
        if !result.is_null() {
            // SAFETY: allocated by Box::into_raw in nts_query_range and not
            // yet freed, per the contract.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}

/// A list of strings (opaque): table or column names, or the problems found
/// by `nts_verify` / `nts_recovery_report`. Read it with `nts_strings_len` /
/// `nts_strings_get`; free it with `nts_strings_free`.
pub struct nts_strings {
    items: Vec<CString>,
}

impl nts_strings {
    /// A new list on the heap, for the caller to free with
    /// `nts_strings_free`. Interior NULs are replaced (see [`c_name`]).
    pub(super) fn into_raw<S: AsRef<str>>(items: &[S]) -> *mut nts_strings {
        let items = items.iter().map(|s| c_name(s.as_ref())).collect();
        Box::into_raw(Box::new(nts_strings { items }))
    }
}

fn strings_out(out: *mut *mut nts_strings, f: impl FnOnce() -> FfiResult<Vec<String>>) -> FfiResult {
    let out = out_arg(out, "out")?;
    // SAFETY: checked writable out-param.
    unsafe { ptr::write(out, ptr::null_mut()) };
    let items = f()?;
    // SAFETY: checked writable out-param.
    unsafe { ptr::write(out, nts_strings::into_raw(&items)) };
    Ok(())
}

/// Stores the names of all tables (sorted) in `*out`; NULL on failure.
///
/// Ownership: the caller frees `*out` with `nts_strings_free`.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT`, `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_list_tables(db: *mut nts_db, out: *mut *mut nts_strings) -> nts_status {
    call("nts_list_tables", || strings_out(out, || Ok(lookup(db)?.list_tables()?)))
}

/// Stores the value column names of `table`, in order (without `ts_ms`),
/// in `*out`; NULL on failure.
///
/// Ownership: the caller frees `*out` with `nts_strings_free`.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT`, `NTS_ERR_NOT_FOUND`,
/// `NTS_ERR_CLOSED`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_columns(
    db: *mut nts_db,
    table: *const c_char,
    out: *mut *mut nts_strings,
) -> nts_status {
    call("nts_table_columns", || {
        strings_out(out, || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            Ok(db.table_columns(table)?)
        })
    })
}

/// Number of strings in `strings` (0 for NULL).
///
/// # Safety
/// `strings` is NULL or a live `nts_strings`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_strings_len(strings: *const nts_strings) -> usize {
    call_value("nts_strings_len", 0, || {
        // SAFETY: NULL or live per the contract.
        unsafe { strings.as_ref() }.map_or(0, |s| s.items.len())
    })
}

/// String `i` of `strings`; NULL for a NULL list or `i >= nts_strings_len`.
///
/// Ownership: borrowed from `strings`; valid until `nts_strings_free`.
///
/// # Safety
/// `strings` is NULL or a live `nts_strings`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_strings_get(strings: *const nts_strings, i: usize) -> *const c_char {
    call_value("nts_strings_get", ptr::null(), || {
        // SAFETY: NULL or live per the contract.
        unsafe { strings.as_ref() }.and_then(|s| s.items.get(i)).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// Frees a list from `nts_list_tables`, `nts_table_columns`, `nts_verify`
/// or `nts_recovery_report`. NULL is a no-op. Call it exactly once per
/// list.
///
/// # Safety
/// `strings` is NULL or a live list not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_strings_free(strings: *mut nts_strings) {
    call_value("nts_strings_free", (), || {
        if !strings.is_null() {
            // SAFETY: allocated by nts_strings::into_raw, not yet
            // freed, per the contract.
            drop(unsafe { Box::from_raw(strings) });
        }
    })
}

/// Storage statistics of a table, filled by `nts_table_stats`. Versioned:
/// set `struct_size = sizeof(nts_stats)` before the call; the library fills
/// the fields that fit and sets `struct_size` to the bytes it wrote.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_stats {
    /// In: `sizeof(nts_stats)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Reserved (written as 0).
    pub reserved: u32,
    /// All rows: flushed + buffered.
    pub rows: u64,
    /// Rows in segments in the file.
    pub flushed_rows: u64,
    /// Rows buffered in memory (and in the WAL).
    pub buffered_rows: u64,
    /// Segments in the file.
    pub segments: u64,
    /// Bytes of the table's segments on disk (headers included).
    pub bytes_on_disk: u64,
    /// Uncompressed size of the flushed rows: 8 bytes per timestamp and value.
    pub raw_bytes: u64,
    /// `raw_bytes / bytes_on_disk` (0 when nothing is flushed).
    pub compression_ratio: f64,
    /// Number of value columns (without `ts_ms`).
    pub ncols: u64,
    /// Encoded bytes of the timestamp column.
    pub ts_bytes_on_disk: u64,
    /// Raw bytes of the timestamp column.
    pub ts_raw_bytes: u64,
}

/// Most codecs reported per column by `nts_table_column_stats`.
pub const NTS_STATS_MAX_CODECS: usize = 8;

/// Storage statistics of one column, filled by `nts_table_column_stats`.
/// Versioned like `nts_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_column_stats {
    /// In: `sizeof(nts_column_stats)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Distinct codecs used by this column's segments (entries beyond
    /// `NTS_STATS_MAX_CODECS` are not listed).
    pub ncodecs: u32,
    /// Encoded bytes of this column over all segments.
    pub bytes_on_disk: u64,
    /// Raw bytes (8 per flushed row).
    pub raw_bytes: u64,
    /// The codec ids (see `nts_codec_name`), most used first.
    pub codec_ids: [u8; NTS_STATS_MAX_CODECS],
    /// Segments encoded with `codec_ids[i]`.
    pub codec_segments: [u64; NTS_STATS_MAX_CODECS],
}

/// Fills `*out` with the storage statistics of `table`. Set
/// `out->struct_size = sizeof(nts_stats)` first.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments, bad
/// `struct_size`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or a writable
/// `nts_stats` whose `struct_size` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_stats(
    db: *mut nts_db,
    table: *const c_char,
    out: *mut nts_stats,
) -> nts_status {
    call("nts_table_stats", || {
        out_arg(out, "out")?;
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        let s = db.stats(table)?;
        let v = nts_stats {
            struct_size: 0,
            reserved: 0,
            rows: s.rows,
            flushed_rows: s.flushed_rows,
            buffered_rows: s.buffered_rows,
            segments: s.segments,
            bytes_on_disk: s.bytes_on_disk,
            raw_bytes: s.raw_bytes,
            compression_ratio: s.compression_ratio(),
            ncols: s.columns.len() as u64,
            ts_bytes_on_disk: s.timestamps.bytes_on_disk,
            ts_raw_bytes: s.timestamps.raw_bytes,
        };
        // SAFETY: writable versioned struct per the contract.
        unsafe { write_versioned(out, v, STATS_MIN_SIZE, "out") }
    })
}

/// The C view of one column's storage: its codecs (already most used
/// first) cut to `NTS_STATS_MAX_CODECS`.
fn column_stats(c: &ColumnStorage) -> nts_column_stats {
    let mut v =
        nts_column_stats { bytes_on_disk: c.bytes_on_disk, raw_bytes: c.raw_bytes, ..Default::default() };
    for (i, u) in c.codecs.iter().take(NTS_STATS_MAX_CODECS).enumerate() {
        v.codec_ids[i] = u.codec_id;
        v.codec_segments[i] = u.segments;
    }
    v.ncodecs = c.codecs.len().min(NTS_STATS_MAX_CODECS) as u32;
    v
}

/// Fills `*out` with the storage statistics of column `column` of `table`;
/// `column` may be `"ts_ms"` for the timestamps. Set
/// `out->struct_size = sizeof(nts_column_stats)` first.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`
/// (unknown table or column); `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` and `column` are NULL or NUL-terminated; `out` is NULL or a
/// writable `nts_column_stats` whose `struct_size` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_column_stats(
    db: *mut nts_db,
    table: *const c_char,
    column: *const c_char,
    out: *mut nts_column_stats,
) -> nts_status {
    call("nts_table_column_stats", || {
        out_arg(out, "out")?;
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: NUL-terminated per the contract.
        let column = unsafe { str_arg(column, "column") }?;
        let s = db.stats(table)?;
        let c = s.column(column).ok_or_else(|| {
            FfiError::new(super::NTS_ERR_NOT_FOUND, format!("table {table:?} has no column {column:?}"))
        })?;
        // SAFETY: writable versioned struct per the contract.
        unsafe { write_versioned(out, column_stats(c), COLUMN_STATS_MIN_SIZE, "out") }
    })
}

/// The static name of codec `codec_id` as reported in `nts_table_column_stats`
/// (e.g. `"plain"`). Never NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nts_codec_name(codec_id: u8) -> *const c_char {
    static NAMES: [OnceLock<CString>; 256] = [const { OnceLock::new() }; 256];
    call_value("nts_codec_name", c"".as_ptr(), || {
        NAMES[usize::from(codec_id)].get_or_init(|| c_name(crate::codec::codec_name(codec_id))).as_ptr()
    })
}

/// The library's version, e.g. `"0.1.0"` (compare with
/// `NTS_VERSION_MAJOR/MINOR/PATCH` of the header you compiled against).
/// Static storage; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nts_version() -> *const c_char {
    call_value("nts_version", c"".as_ptr(), || concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_version_matches_cargo() {
        assert_eq!(NTS_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(NTS_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(NTS_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    }

    #[test]
    fn first_versions_of_the_structs_keep_their_sizes() {
        // The *_MIN_SIZE constants are ABI: they must equal the sizes of the
        // first versions. Appending fields grows size_of, never these.
        // The first version of nts_options ends with segment_partition_ms:
        // fields added later (recovery, read_only, ...) come after it.
        assert_eq!(
            std::mem::offset_of!(nts_options, segment_partition_ms) + size_of::<i64>(),
            OPTIONS_MIN_SIZE
        );
        assert_eq!(size_of::<nts_stats>(), STATS_MIN_SIZE);
        assert_eq!(size_of::<nts_column_stats>(), COLUMN_STATS_MIN_SIZE);
        assert_eq!(
            size_of::<super::super::maintenance::nts_maintenance_info>(),
            super::super::maintenance::MAINTENANCE_INFO_MIN_SIZE
        );
    }
}
