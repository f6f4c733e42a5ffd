//! Status and error hook of the background maintenance thread (cargo
//! feature `maintenance`; the thread itself is asked for in `nts_options`).

use std::ffi::{c_char, c_void};

use super::args::out_arg;
use super::boundary::call;
use super::cstr::{c_string, without_nuls};
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use super::versioned::write_versioned;

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
