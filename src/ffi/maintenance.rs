//! Entry points for maintenance (pack, retention, deletes, drops) and the
//! SQL front.

use std::ffi::c_char;

use super::args::{str_arg, usize_of};
use super::boundary::call;
use super::handle::{lookup, nts_db};
use super::status::nts_status;

/// Merges all segments of `table` into sorted, non-overlapping segments of
/// about `target_segment_points` rows, re-encoded with the strongest codecs,
/// and applies pending deletes; the file is rewritten and atomically
/// replaced (a crash leaves the old or the new file, both complete). Queries
/// on other threads keep running meanwhile.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or invalid UTF-8
/// `table`, `target_segment_points` 0 or above 4194304); `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_pack_table(
    db: *mut nts_db,
    table: *const c_char,
    target_segment_points: u64,
) -> nts_status {
    call("nts_pack_table", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        db.pack_table(table, usize_of(target_segment_points, "target_segment_points")?)?;
        Ok(())
    })
}

/// Removes rows older than `nts_options.retention_ms` (relative to the
/// earlier of each table's newest timestamp and the wall clock), applies
/// deletes and drops, and gives the space back: the file is rewritten and
/// atomically replaced, so it shrinks. Does nothing if nothing expired.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db`); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// Always safe: `db` is only used as a registry key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_compact_retention_now(db: *mut nts_db) -> nts_status {
    call("nts_compact_retention_now", || {
        lookup(db)?.compact_retention_now()?;
        Ok(())
    })
}

/// Deletes the rows of `table` with `start_ms <= ts_ms <= end_ms` (inclusive
/// at both ends) that exist now; rows appended afterwards are not affected.
/// Queries stop seeing them at once; the space comes back at the next pack
/// or compaction.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or invalid UTF-8
/// `table`, `start_ms > end_ms`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`.
///
/// # Safety
/// `table` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_delete_range(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
) -> nts_status {
    call("nts_delete_range", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        db.delete_range(table, start_ms, end_ms)?;
        Ok(())
    })
}

/// Drops `table` and its rows; the name can be used again at once, the
/// space comes back at the next pack or compaction.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`; `NTS_ERR_IO`.
///
/// # Safety
/// `table` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_drop_table(db: *mut nts_db, table: *const c_char) -> nts_status {
    call("nts_drop_table", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        db.drop_table(table)?;
        Ok(())
    })
}

/// Runs SQL statements separated by `;`: `CREATE TABLE [IF NOT EXISTS]
/// name (col [DOUBLE|FLOAT|REAL|F64], ...)` and `INSERT INTO name [(ts_ms,
/// col, ...)] VALUES (ts, v, ...), ...`. Each statement is atomic; the
/// statements before a failing one stay executed. `SELECT` and anything else
/// is refused: use the query API, or DuckDB/DataFusion over the Arrow export.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or invalid UTF-8 `sql`,
/// syntax errors: `nts_last_error` gives line, column and what was
/// expected); the engine's codes (`NTS_ERR_NOT_FOUND`,
/// `NTS_ERR_ALREADY_EXISTS`, `NTS_ERR_SCHEMA_MISMATCH`, `NTS_ERR_IO`, ...).
///
/// # Safety
/// `sql` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_exec_sql(db: *mut nts_db, sql: *const c_char) -> nts_status {
    call("nts_exec_sql", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let sql = unsafe { str_arg(sql, "sql") }?;
        db.exec_sql(sql)?;
        Ok(())
    })
}
