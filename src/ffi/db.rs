//! The database handle: `nts_open`, `nts_close`, `nts_flush` and
//! `nts_pending_bytes`.

use std::ffi::c_char;
use std::ptr;

use super::args::{bytes_arg, out_arg};
use super::boundary::call;
use super::handle::{lookup, nts_db, register, unregister};
use super::options::{nts_options, options_from_c};
use super::status::nts_status;
use crate::NanoTsDbShared;

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
            std::str::from_utf8(path)
                .map_err(|_| super::boundary::FfiError::invalid("path is not valid UTF-8"))?,
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
