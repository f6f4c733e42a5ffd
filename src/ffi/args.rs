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

/// Checks a caller's versioned out-struct (one whose first field is a u32
/// `struct_size` the caller set to `sizeof` the struct it compiled against):
/// non-NULL, aligned, and `struct_size >= min_size`, the size of the
/// struct's first version. Call it before doing the work, so a bad
/// argument costs nothing.
///
/// # Safety
/// `out` is NULL or points to a readable u32.
pub(crate) unsafe fn versioned_out<T>(out: *mut T, min_size: usize, what: &str) -> FfiResult<*mut T> {
    let out = out_arg(out, what)?;
    // SAFETY: non-NULL and aligned (for T, whose alignment is at least
    // u32's: it starts with a u32); readable per the contract.
    let size = unsafe { ptr::read(out.cast::<u32>()) } as usize;
    if size < min_size {
        return Err(FfiError::invalid(format!(
            "{what}->struct_size is {size}, expected at least {min_size} (set it to sizeof the struct)"
        )));
    }
    Ok(out)
}

/// Writes `value` into a caller's versioned struct of at least
/// `min_size` bytes (checked as by [`versioned_out`]), copying only what
/// fits its `struct_size`, and sets its `struct_size` to the bytes written:
/// fields a newer caller's struct has beyond ours are left untouched.
///
/// # Safety
/// `out` is NULL or points to `out->struct_size` writable bytes whose first
/// field is a u32 `struct_size`.
pub(crate) unsafe fn write_versioned<T: Copy>(
    out: *mut T,
    mut value: T,
    min_size: usize,
    what: &str,
) -> FfiResult {
    // SAFETY: NULL or a readable u32 per this function's contract.
    let out = unsafe { versioned_out(out, min_size, what) }?;
    // SAFETY: as above; `versioned_out` checked non-NULL and aligned.
    let size = unsafe { ptr::read(out.cast::<u32>()) } as usize;
    let written = size.min(size_of::<T>());
    // SAFETY: `value` is a local T; we set its leading u32 (struct_size).
    unsafe { ptr::write((&raw mut value).cast::<u32>(), written as u32) };
    // SAFETY: the caller's buffer has at least `written` bytes (checked
    // against its struct_size), the regions do not overlap.
    unsafe { ptr::copy_nonoverlapping((&raw const value).cast::<u8>(), out.cast::<u8>(), written) };
    Ok(())
}

/// Converts a C `uint64_t` option into `usize`.
pub(crate) fn usize_of(v: u64, what: &str) -> FfiResult<usize> {
    usize::try_from(v).map_err(|_| FfiError::invalid(format!("{what} {v} does not fit in size_t")))
}

/// A `CString` of a name; interior NULs (which the engine never lets into
/// names) are replaced rather than failing.
pub(crate) fn c_name(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s.replace('\0', "?")).unwrap_or_default()
}
