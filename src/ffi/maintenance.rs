//! Entry points for maintenance the host runs itself: pack, merges,
//! retention, deletes. The background thread's status and hook are in
//! `background.rs` (cargo feature `maintenance`).

use std::ffi::c_char;

use super::args::{optional_out, str_arg, usize_of};
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
/// `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_CORRUPT`; `NTS_ERR_READ_ONLY`.
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

/// Merges each table's trailing run of small segments (each under
/// `target_rows / 2` rows, at least `min_segments` of them, in file order)
/// into segments of up to `target_rows` rows, appended at the end of the
/// file in one transaction per table: the step background maintenance
/// runs, for hosts that schedule maintenance themselves. Costs the merged
/// rows only; the old segments' space comes back at the next pack or
/// compaction. Queries see the same rows before and after.
///
/// If `merged_out` is not NULL, `*merged_out` receives the number of
/// tables merged (0 when no table had enough small segments); it is 0 when
/// the call fails.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db`, misaligned
/// `merged_out`, `target_rows` not in 2..=4194304, `min_segments` below
/// 2); `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_CORRUPT`;
/// `NTS_ERR_TOO_LARGE`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `merged_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_merge_small_segments(
    db: *mut nts_db,
    target_rows: u64,
    min_segments: u64,
    merged_out: *mut u64,
) -> nts_status {
    call("nts_merge_small_segments", || {
        // SAFETY: NULL or writable per the contract.
        let merged_out = unsafe { optional_out(merged_out, "merged_out", 0) }?;
        let db = lookup(db)?;
        let n = db.merge_small_segments(
            usize_of(target_rows, "target_rows")?,
            usize_of(min_segments, "min_segments")?,
        )?;
        if let Some(p) = merged_out {
            // SAFETY: checked writable out-param.
            unsafe { std::ptr::write(p, n as u64) };
        }
        Ok(())
    })
}

/// Removes rows older than `nts_options.retention_ms` (relative to the
/// earlier of each table's newest timestamp and the wall clock), applies
/// deletes and drops, and gives the space back: the file is rewritten and
/// atomically replaced, so it shrinks. Does nothing if nothing expired.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db`); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_CORRUPT`; `NTS_ERR_READ_ONLY`.
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
/// `NTS_ERR_IO`; `NTS_ERR_READ_ONLY`.
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
