//! Text handed to C: the conversion of Rust strings into C strings
//! ([`c_string`]), and `nts_strings`, the list of strings the library hands
//! out (table and column names, problem texts), with its accessors.

use std::borrow::Cow;
use std::ffi::{CString, c_char};
use std::ptr;

use super::args::out_arg;
use super::boundary::{FfiResult, call_value};

/// What a NUL byte inside a Rust string becomes in the C string made of it.
const NUL_REPLACEMENT: &str = "?";

/// `s` with every NUL byte replaced by `?` (one byte for one, so lengths
/// and char boundaries stay put). A C string ends at its first NUL, so an
/// interior NUL would silently cut the text short; the engine never lets
/// one into a table or column name, but a message could carry one.
pub(super) fn without_nuls(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', NUL_REPLACEMENT)) } else { Cow::Borrowed(s) }
}

/// `s` as a C string, interior NUL bytes replaced by `?` (see
/// [`without_nuls`]): every string the library hands to C is made here, so
/// the conversion never fails and never cuts the text short.
pub(super) fn c_string(s: &str) -> CString {
    // Cannot fail (no NUL is left); an empty string rather than a panic
    // anyway, since this runs on error paths too.
    CString::new(without_nuls(s).into_owned()).unwrap_or_default()
}

/// A list of strings (opaque): table or column names, or the problems found
/// by `nts_verify` / `nts_recovery_report`. Read it with `nts_strings_len` /
/// `nts_strings_get`; free it with `nts_strings_free`.
pub struct nts_strings {
    items: Vec<CString>,
}

impl nts_strings {
    /// A new list on the heap, for the caller to free with
    /// `nts_strings_free`. Interior NULs are replaced (see [`c_string`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nuls_become_question_marks_and_nothing_else_changes() {
        assert_eq!(c_string("a\0b\0").as_bytes(), b"a?b?");
        assert_eq!(c_string("").as_bytes(), b"");
        assert_eq!(c_string("température").to_str().unwrap(), "température");
        assert!(matches!(without_nuls("no nul"), Cow::Borrowed("no nul")));
        assert_eq!(without_nuls("\0é").len(), "\0é".len());
    }
}
