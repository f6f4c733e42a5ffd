//! `nts_strings`, the list of strings the library hands out (table and
//! column names, problem texts), with its accessors.

use std::ffi::{CString, c_char};
use std::ptr;

use super::args::out_arg;
use super::boundary::{FfiResult, call_value};
use super::cstr::c_string;

/// A list of strings (opaque): table or column names, or the problems found
/// by `nts_verify` / `nts_recovery_report`. Read it with `nts_strings_len` /
/// `nts_strings_get`; free it with `nts_strings_free`.
pub struct nts_strings {
    items: Vec<CString>,
}

impl nts_strings {
    /// A new list on the heap, for the caller to free with
    /// `nts_strings_free`. Interior NULs are replaced (see [`c_string`](super::cstr::c_string)).
    pub(super) fn into_raw<S: AsRef<str>>(items: &[S]) -> *mut nts_strings {
        let items = items.iter().map(|s| c_string(s.as_ref())).collect();
        Box::into_raw(Box::new(nts_strings { items }))
    }
}

/// Checks the out-parameter `out`, sets it to NULL (what it stays if the
/// call fails), then stores the list `f` returns in it.
pub(super) fn strings_out(
    out: *mut *mut nts_strings,
    f: impl FnOnce() -> FfiResult<Vec<String>>,
) -> FfiResult {
    let out = out_arg(out, "out")?;
    // SAFETY: checked writable out-param.
    unsafe { ptr::write(out, ptr::null_mut()) };
    let items = f()?;
    // SAFETY: checked writable out-param.
    unsafe { ptr::write(out, nts_strings::into_raw(&items)) };
    Ok(())
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
/// A NUL byte inside a text is replaced by `?`.
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
