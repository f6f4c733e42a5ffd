//! Checked conversions of C arguments into Rust values.

use std::ffi::{CStr, c_char};
use std::ptr;

use super::boundary::{FfiError, FfiResult};

/// A borrowed UTF-8 string from a NUL-terminated C string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unmodified for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(FfiError::invalid(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| FfiError::invalid(format!("{what} is not valid UTF-8: {e}")))
}

/// A borrowed NUL-terminated C string as raw bytes (for paths).
///
/// # Safety
/// As for [`str_arg`].
pub(crate) unsafe fn bytes_arg<'a>(p: *const c_char, what: &str) -> FfiResult<&'a [u8]> {
    if p.is_null() {
        return Err(FfiError::invalid(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A borrowed slice of `len` elements at `p`; `p` may be NULL only when
/// `len == 0`. Rejects misaligned pointers and lengths whose byte size
/// overflows `isize`.
///
/// # Safety
/// When `len > 0`, `p` points to `len` initialized `T` that stay valid and
/// unmodified for `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(p: *const T, len: usize, what: &str) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(FfiError::invalid(format!("{what} is NULL but its count is {len}")));
    }
    if !p.is_aligned() {
        return Err(FfiError::invalid(format!("{what} is misaligned")));
    }
    if len > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(FfiError::invalid(format!("{what}: count {len} is too large")));
    }
    // SAFETY: non-NULL, aligned, the byte size fits isize, and the caller
    // guarantees `len` valid elements for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Checks an out-parameter is non-NULL and aligned.
pub(crate) fn out_arg<T>(p: *mut T, what: &str) -> FfiResult<*mut T> {
    if p.is_null() {
        return Err(FfiError::invalid(format!("{what} is NULL")));
    }
    if !p.is_aligned() {
        return Err(FfiError::invalid(format!("{what} is misaligned")));
    }
    Ok(p)
}

/// Checks an optional out-parameter: `None` for NULL; otherwise, once
/// checked like [`out_arg`], sets it to `initial` (what it keeps if the call
/// fails) and returns it.
///
/// # Safety
/// `p` is NULL or writable.
pub(crate) unsafe fn optional_out<T>(p: *mut T, what: &str, initial: T) -> FfiResult<Option<*mut T>> {
    if p.is_null() {
        return Ok(None);
    }
    let p = out_arg(p, what)?;
    // SAFETY: checked non-NULL and aligned; writable per the contract.
    unsafe { ptr::write(p, initial) };
    Ok(Some(p))
}

/// Converts a C `uint64_t` option into `usize`.
pub(crate) fn usize_of(v: u64, what: &str) -> FfiResult<usize> {
    usize::try_from(v).map_err(|_| FfiError::invalid(format!("{what} {v} does not fit in size_t")))
}
