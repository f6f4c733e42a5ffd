//! Entry points for maintenance (pack, merges, retention, deletes, the
//! background thread's status and hook) and the SQL front.

use std::ffi::{c_char, c_void};

use super::args::{optional_out, out_arg, str_arg, usize_of};
use super::boundary::call;
use super::cstr::{c_string, without_nuls};
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use super::versioned::write_versioned;

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

/// Runs SQL statements separated by `;`: `CREATE TABLE [IF NOT EXISTS]
/// name (col [DOUBLE|FLOAT|REAL|F64], ...)` and `INSERT INTO name [(ts_ms,
/// col, ...)] VALUES (ts, v, ...), ...`. Each statement is atomic; the
/// statements before a failing one stay executed. `SELECT` and anything else
/// is refused: use the query API, or DuckDB/DataFusion over the Arrow export.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or invalid UTF-8 `sql`,
/// syntax errors: `nts_last_error` gives line, column and what was
/// expected); the engine's codes (`NTS_ERR_NOT_FOUND`,
/// `NTS_ERR_ALREADY_EXISTS`, `NTS_ERR_SCHEMA_MISMATCH`, `NTS_ERR_IO`,
/// `NTS_ERR_READ_ONLY`, ...).
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

/// Bytes of `nts_maintenance_info.last_error_message`, NUL included.
pub const NTS_MAINTENANCE_MESSAGE_LEN: usize = 256;

/// What background maintenance has done (`nts_maintenance_status`). A
/// versioned struct: set `struct_size = sizeof(nts_maintenance_info)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nts_maintenance_info {
    /// `sizeof(nts_maintenance_info)` as compiled by the caller.
    pub struct_size: u32,
    /// 1 while the maintenance thread runs, else 0.
    pub running: u32,
    /// Wake-ups so far.
    pub runs: u64,
    /// Flushes it made.
    pub flushes: u64,
    /// Retention compactions it ran.
    pub retention_runs: u64,
    /// Tables whose small trailing segments it merged.
    pub merges: u64,
    /// Steps that failed.
    pub errors: u64,
    /// Status of the last failure (`NTS_OK` if none).
    pub last_error_status: nts_status,
    /// Reserved (0).
    pub reserved: u32,
    /// Message of the last failure, NUL-terminated (truncated to fit; a
    /// NUL byte inside the message is replaced by `?`); empty if none.
    pub last_error_message: [c_char; NTS_MAINTENANCE_MESSAGE_LEN],
}

pub(crate) const MAINTENANCE_INFO_MIN_SIZE: usize = 312;

/// Fills `*out` with the state of this handle's background maintenance
/// (all zero when `nts_options.auto_maintenance` was 0): counters, and the
/// status and message of its last error, which is never swallowed.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments, bad
/// `struct_size`); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or a writable `nts_maintenance_info` whose `struct_size`
/// is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_maintenance_status(
    db: *mut nts_db,
    out: *mut nts_maintenance_info,
) -> nts_status {
    call("nts_maintenance_status", || {
        out_arg(out, "out")?;
        let db = lookup(db)?;
        let s = db.shared().maintenance_status();
        let mut v = nts_maintenance_info {
            struct_size: 0,
            running: u32::from(s.running),
            runs: s.runs,
            flushes: s.flushes,
            retention_runs: s.retention_runs,
            merges: s.merges,
            errors: s.errors,
            last_error_status: s
                .last_error
                .as_ref()
                .map_or(super::status::NTS_OK, |(k, _)| super::status::status_of(*k)),
            reserved: 0,
            last_error_message: [0; NTS_MAINTENANCE_MESSAGE_LEN],
        };
        if let Some((_, msg)) = &s.last_error {
            let msg = without_nuls(msg);
            let bytes = msg.as_bytes();
            let mut n = bytes.len().min(NTS_MAINTENANCE_MESSAGE_LEN - 1);
            while !msg.is_char_boundary(n) {
                n -= 1;
            }
            for (d, b) in v.last_error_message.iter_mut().zip(&bytes[..n]) {
                *d = *b as c_char;
            }
        }
        // SAFETY: writable versioned struct per the contract.
        unsafe { write_versioned(out, v, MAINTENANCE_INFO_MIN_SIZE, "out") }
    })
}

/// Callback for maintenance errors: `code` and a NUL-terminated `message`
/// (a NUL byte inside the message is replaced by `?`) valid only during
/// the call; runs on the maintenance thread.
pub type nts_maintenance_hook =
    Option<unsafe extern "C" fn(user: *mut c_void, code: nts_status, message: *const c_char)>;

struct HookTarget {
    hook: unsafe extern "C" fn(*mut c_void, nts_status, *const c_char),
    user: usize,
}

/// Sets (or, with a NULL `hook`, clears) the callback that receives every
/// error of this handle's background maintenance, with `user` passed back.
/// The callback runs on the maintenance thread and must not call
/// `nts_close` on this handle.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db`); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `hook`, if not NULL, stays callable with `user` until it is replaced or
/// the handle closed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_set_maintenance_hook(
    db: *mut nts_db,
    hook: nts_maintenance_hook,
    user: *mut c_void,
) -> nts_status {
    call("nts_set_maintenance_hook", || {
        let db = lookup(db)?;
        let hook = hook.map(|hook| {
            let target = HookTarget { hook, user: user.addr() };
            let f: crate::MaintenanceHook = std::sync::Arc::new(move |e: &crate::Error| {
                let msg = c_string(&e.to_string());
                // SAFETY: the host promised `hook` stays callable with
                // `user`; the message outlives the call.
                unsafe {
                    (target.hook)(
                        std::ptr::with_exposed_provenance_mut(target.user),
                        super::status::status_of(e.kind()),
                        msg.as_ptr(),
                    )
                };
            });
            f
        });
        db.shared().set_maintenance_hook(hook);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_version_of_nts_maintenance_info_keeps_its_size() {
        // ABI: MAINTENANCE_INFO_MIN_SIZE equals the size of the first
        // version; appending fields grows size_of, never this.
        assert_eq!(size_of::<nts_maintenance_info>(), MAINTENANCE_INFO_MIN_SIZE);
    }
}
