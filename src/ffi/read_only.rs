//! Entry points for read-only handles (`nts_refresh`, `nts_is_read_only`)
//! and for backups (`nts_backup`), which writers and readers both take: a
//! reader is the way to copy a database another process is writing.
//!
//! A handle is opened read-only with `nts_options.read_only = 1` (see
//! `nts_open`); every write call on it returns `NTS_ERR_READ_ONLY`.

use std::ptr;

use super::args::{optional_out, out_arg, str_arg};
use super::boundary::{FfiError, FfiResult, call};
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use crate::BackupMode;

/// `nts_backup` mode: the segments as they are (those a delete reached
/// re-encoded). The cheaper mode.
pub const NTS_BACKUP_COPY: u32 = 0;
/// `nts_backup` mode: every table merged into sorted, non-overlapping
/// segments of `nts_options.segment_max_rows` rows, re-encoded with the
/// strongest codecs (as `nts_pack_table` does): slower, a smaller copy.
pub const NTS_BACKUP_PACK: u32 = 1;

fn backup_mode(mode: u32) -> FfiResult<BackupMode> {
    match mode {
        NTS_BACKUP_COPY => Ok(BackupMode::Copy),
        NTS_BACKUP_PACK => Ok(BackupMode::Pack),
        other => Err(FfiError::invalid(format!("mode {other} is not an NTS_BACKUP_* value"))),
    }
}

/// On a read-only handle, brings its view up to what the writer has
/// committed since the handle last looked: transactions appended to the
/// file since are applied, and a file renamed over the path by a pack or
/// a retention compaction is opened afresh. A view never holds half a
/// transaction. Every query and every other read on a read-only handle
/// does this first, so call it only to learn whether anything changed, or
/// to move the view forward without querying. On a writer it does nothing
/// (`*changed_out` = 0): a writer always sees its own state.
///
/// If `changed_out` is not NULL, `*changed_out` receives 1 if the view
/// changed, else 0; it is 0 when the call fails.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db`, misaligned
/// `changed_out`); `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_CORRUPT` (the
/// writer's new commits fail their checks, or the file was truncated
/// below what this handle had seen committed).
///
/// # Safety
/// `changed_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_refresh(db: *mut nts_db, changed_out: *mut u32) -> nts_status {
    call("nts_refresh", || {
        // First, so that it is 0 whenever the call fails.
        // SAFETY: NULL or writable per the contract.
        let changed_out = unsafe { optional_out(changed_out, "changed_out", 0) }?;
        let changed = lookup(db)?.refresh()?;
        if let Some(p) = changed_out {
            // SAFETY: checked writable out-param.
            unsafe { ptr::write(p, u32::from(changed)) };
        }
        Ok(())
    })
}

/// Stores in `*out` 1 if `db` was opened read-only
/// (`nts_options.read_only = 1`), 0 for a writer; `*out` is 0 when the
/// call fails.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or misaligned
/// arguments); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_is_read_only(db: *mut nts_db, out: *mut u32) -> nts_status {
    call("nts_is_read_only", || {
        let out = out_arg(out, "out")?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, 0) };
        let read_only = lookup(db)?.is_read_only();
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, u32::from(read_only)) };
        Ok(())
    })
}

/// Writes a consistent copy of the database to `dest_path`, a new file
/// (like SQLite's `VACUUM INTO`). From a writer, buffered rows are flushed
/// first, so the copy holds every row appended before the call; from a
/// read-only handle, what the writer has committed (flushed) by then. The
/// copy is a closed database with no WAL and a new database id, built
/// beside `dest_path` under a temporary name, fsynced and linked into
/// place: `dest_path` is either absent or complete, never half written.
/// Deleted rows are left out. `mode` is `NTS_BACKUP_COPY` or
/// `NTS_BACKUP_PACK`.
///
/// Appends and queries on this handle go on meanwhile; flushes, deletes and
/// rewrites wait only for the flush and the snapshot, not for the copy.
///
/// `dest_path` must be valid UTF-8: stricter than `nts_open`, which takes
/// its path as raw bytes.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db` or `dest_path`,
/// `dest_path` not UTF-8 or empty, `mode` not an `NTS_BACKUP_*` value,
/// `dest_path` naming the database or its WAL); `NTS_ERR_ALREADY_EXISTS`
/// (`dest_path` exists: a backup never replaces a file); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `dest_path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_backup(
    db: *mut nts_db,
    dest_path: *const std::ffi::c_char,
    mode: u32,
) -> nts_status {
    call("nts_backup", || {
        let db = lookup(db)?;
        // UTF-8 rather than nts_open's raw bytes: a conservative start for a
        // path the library creates; accepting any bytes later breaks no
        // caller, narrowing it would.
        // SAFETY: NUL-terminated per the contract.
        let dest = unsafe { str_arg(dest_path, "dest_path") }?;
        if dest.is_empty() {
            return Err(FfiError::invalid("dest_path is empty"));
        }
        let mode = backup_mode(mode)?;
        db.backup(dest, mode)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{CStr, CString};

    #[test]
    fn modes_map_one_to_one_and_others_are_refused() {
        assert_eq!(backup_mode(NTS_BACKUP_COPY).unwrap(), BackupMode::Copy);
        assert_eq!(backup_mode(NTS_BACKUP_PACK).unwrap(), BackupMode::Pack);
        let e = backup_mode(2).unwrap_err();
        assert_eq!(e.status, super::super::status::NTS_ERR_INVALID_ARGUMENT);
        assert_eq!(e.message, "mode 2 is not an NTS_BACKUP_* value");
    }

    #[test]
    fn a_misaligned_changed_out_is_refused_before_the_lookup() {
        let mut raw = [0u64; 2];
        let p = raw.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        // SAFETY: `p` is misaligned, so it is refused before any write; a
        // NULL db is never dereferenced.
        let st = unsafe { nts_refresh(ptr::null_mut(), p) };
        assert_eq!(st, super::super::status::NTS_ERR_INVALID_ARGUMENT);
        // SAFETY: nts_last_error returns a valid NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(super::super::boundary::nts_last_error()) };
        assert_eq!(msg.to_str().unwrap(), "nts_refresh: changed_out is misaligned");
        assert_eq!(raw, [0, 0]);
    }

    #[test]
    fn an_empty_dest_path_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = CString::new(dir.path().join("b.ntt").to_str().unwrap()).unwrap();
        let mut db = ptr::null_mut();
        // SAFETY: valid path and out-param; NULL options mean the defaults.
        assert_eq!(unsafe { super::super::db::nts_open(path.as_ptr(), ptr::null(), &mut db) }, 0);
        // SAFETY: a live handle and a NUL-terminated path.
        let st = unsafe { nts_backup(db, c"".as_ptr(), NTS_BACKUP_COPY) };
        assert_eq!(st, super::super::status::NTS_ERR_INVALID_ARGUMENT);
        // SAFETY: as above.
        let msg = unsafe { CStr::from_ptr(super::super::boundary::nts_last_error()) };
        assert_eq!(msg.to_str().unwrap(), "nts_backup: dest_path is empty");
        // SAFETY: the live handle, closed once.
        assert_eq!(unsafe { super::super::db::nts_close(db) }, 0);
    }
}
