//! Versioned structs, read (`nts_options`) and written (`nts_stats`,
//! `nts_verify_report`, ...): the one place that handles `struct_size`.
//!
//! A versioned struct starts with a u32 `struct_size` the caller sets to
//! `sizeof` the struct it compiled against. Fields are only ever appended,
//! so the library touches exactly the bytes both versions share: the fields
//! an older caller's struct lacks keep their defaults (read) or are not
//! written (write); the fields of a newer caller's struct beyond ours are
//! ignored (read) or left untouched (write). The smallest `struct_size`
//! accepted is the size of the struct's first version, its `*_MIN_SIZE`
//! constant, which is ABI and never changes.

use std::ptr;

use super::args::out_arg;
use super::boundary::{FfiError, FfiResult};

/// Reads the `struct_size` of a caller's versioned struct and checks it is
/// at least `min_size`; `fix` ends the message saying how to set it.
///
/// # Safety
/// `p` is non-NULL, aligned for `T` (so for its leading u32) and points to
/// a readable u32.
unsafe fn struct_size<T>(p: *const T, min_size: usize, what: &str, fix: &str) -> FfiResult<usize> {
    // SAFETY: per this function's contract.
    let size = unsafe { ptr::read(p.cast::<u32>()) } as usize;
    if size < min_size {
        return Err(FfiError::invalid(format!(
            "{what}->struct_size is {size}, expected at least {min_size}{fix}"
        )));
    }
    Ok(size)
}

/// Reads a caller's versioned struct at `p` into our version of it:
/// `defaults` with the leading `struct_size` bytes (at most ours) copied
/// from the caller's. Refuses a NULL or misaligned `p` and a `struct_size`
/// below `min_size` (the message then ends with `fix`).
///
/// # Safety
/// `p` is NULL or points to at least `p->struct_size` readable bytes, and
/// every field of `T` is valid for any bit pattern (plain integers).
pub(super) unsafe fn read_versioned<T: Copy>(
    p: *const T,
    defaults: T,
    min_size: usize,
    what: &str,
    fix: &str,
) -> FfiResult<T> {
    // The checks of an out-parameter: non-NULL and aligned.
    let p = out_arg(p.cast_mut(), what)?.cast_const();
    // SAFETY: non-NULL and aligned (checked); readable per the contract.
    let size = unsafe { struct_size(p, min_size, what, fix) }?;
    let mut value = defaults;
    let n = size.min(size_of::<T>());
    // SAFETY: the caller's struct has `size >= n` readable bytes; `value`
    // is a local of `size_of::<T>() >= n` bytes; any bit pattern is a valid
    // T per the contract; no overlap.
    unsafe { ptr::copy_nonoverlapping(p.cast::<u8>(), (&raw mut value).cast::<u8>(), n) };
    Ok(value)
}

/// A caller's versioned out-struct whose pointer and `struct_size` have
/// been checked ([`versioned_out`]), ready for [`VersionedOut::write`].
/// It lives only for the exported call that made it, during which the
/// caller's contract keeps the struct writable.
pub(super) struct VersionedOut<T> {
    out: *mut T,
    /// The caller's `struct_size`, at least the first version's size.
    size: usize,
}

/// Checks a caller's versioned out-struct: non-NULL, aligned, and
/// `struct_size >= min_size`. Call it before the work when a bad argument
/// should cost nothing, or use [`write_versioned`] to check and write at
/// once.
///
/// # Safety
/// `out` is NULL or points to `out->struct_size` writable bytes, for the
/// rest of the exported call, whose first field is a u32 `struct_size`.
pub(super) unsafe fn versioned_out<T: Copy>(
    out: *mut T,
    min_size: usize,
    what: &str,
) -> FfiResult<VersionedOut<T>> {
    let out = out_arg(out, what)?;
    // SAFETY: non-NULL and aligned (checked); readable per the contract.
    let size = unsafe { struct_size(out, min_size, what, " (set it to sizeof the struct)") }?;
    Ok(VersionedOut { out, size })
}

impl<T: Copy> VersionedOut<T> {
    /// Writes the fields of `value` that fit the caller's `struct_size` and
    /// sets its `struct_size` to the bytes written.
    pub(super) fn write(self, mut value: T) {
        let written = self.size.min(size_of::<T>());
        // SAFETY: `value` is a local T, whose first field is the u32
        // struct_size (the contract of `versioned_out`).
        unsafe { ptr::write((&raw mut value).cast::<u32>(), written as u32) };
        // SAFETY: the caller's struct has `size >= written` writable bytes
        // for the whole call (the contract of `versioned_out`, which made
        // `self` during this call); the regions do not overlap.
        unsafe { ptr::copy_nonoverlapping((&raw const value).cast::<u8>(), self.out.cast::<u8>(), written) };
    }
}

/// Checks a caller's versioned out-struct (as [`versioned_out`]) and
/// writes `value` into it (as [`VersionedOut::write`]).
///
/// # Safety
/// As for [`versioned_out`].
pub(super) unsafe fn write_versioned<T: Copy>(
    out: *mut T,
    value: T,
    min_size: usize,
    what: &str,
) -> FfiResult {
    // SAFETY: per this function's contract.
    unsafe { versioned_out(out, min_size, what) }?.write(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first version of a struct...
    #[repr(C, align(8))]
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct V1 {
        struct_size: u32,
        a: u32,
    }
    /// ...and ours, which appended a field.
    #[repr(C)]
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct V2 {
        struct_size: u32,
        a: u32,
        b: u64,
    }
    /// A newer caller's: one more field.
    #[repr(C)]
    struct V3 {
        v2: V2,
        c: u64,
    }
    const V1_SIZE: usize = size_of::<V1>();
    const DEFAULTS: V2 = V2 { struct_size: 0, a: 1, b: 2 };

    #[test]
    fn an_older_struct_is_read_with_defaults_and_a_newer_ones_tail_is_ignored() {
        let old = V1 { struct_size: V1_SIZE as u32, a: 5 };
        // SAFETY: `old` is aligned for V2 and has its struct_size bytes.
        let v = unsafe { read_versioned((&raw const old).cast::<V2>(), DEFAULTS, V1_SIZE, "x", "") };
        assert_eq!(v.unwrap(), V2 { struct_size: V1_SIZE as u32, a: 5, b: 2 });
        let newer = V3 { v2: V2 { struct_size: size_of::<V3>() as u32, a: 5, b: 6 }, c: 7 };
        // SAFETY: `newer` has its struct_size bytes.
        let v = unsafe { read_versioned(&raw const newer.v2, DEFAULTS, V1_SIZE, "x", "") };
        assert_eq!(v.unwrap(), V2 { struct_size: size_of::<V3>() as u32, a: 5, b: 6 });
    }

    #[test]
    fn only_what_fits_is_written_and_struct_size_says_how_much() {
        #[repr(C)]
        struct OldWithCanary {
            v1: V1,
            canary: u64,
        }
        let mut old = OldWithCanary { v1: V1 { struct_size: V1_SIZE as u32, a: 0 }, canary: 7 };
        // SAFETY: `old.v1` is aligned for V2 and has its struct_size bytes.
        unsafe {
            write_versioned((&raw mut old.v1).cast::<V2>(), V2 { struct_size: 0, a: 9, b: 9 }, V1_SIZE, "x")
        }
        .unwrap();
        assert_eq!((old.v1, old.canary), (V1 { struct_size: V1_SIZE as u32, a: 9 }, 7));
        let mut newer = V3 { v2: V2 { struct_size: size_of::<V3>() as u32, a: 0, b: 0 }, c: 7 };
        // SAFETY: `newer` has its struct_size bytes.
        unsafe { write_versioned(&raw mut newer.v2, V2 { struct_size: 0, a: 9, b: 9 }, V1_SIZE, "x") }
            .unwrap();
        assert_eq!((newer.v2, newer.c), (V2 { struct_size: size_of::<V2>() as u32, a: 9, b: 9 }, 7));
    }

    #[test]
    fn a_short_or_misaligned_struct_is_refused_with_its_message() {
        let mut out = V2 { struct_size: 4, a: 0, b: 0 };
        // SAFETY: `out` is a writable V2.
        let e = unsafe { write_versioned(&raw mut out, DEFAULTS, V1_SIZE, "out") }.unwrap_err();
        assert_eq!(e.message, "out->struct_size is 4, expected at least 8 (set it to sizeof the struct)");
        assert_eq!(out, V2 { struct_size: 4, a: 0, b: 0 });
        // SAFETY: `out` is a readable V2.
        let e = unsafe { read_versioned(&raw const out, DEFAULTS, V1_SIZE, "opts", ": initialize it") };
        assert_eq!(e.unwrap_err().message, "opts->struct_size is 4, expected at least 8: initialize it");
        let raw = [0u64; 3];
        let p = raw.as_ptr().cast::<u8>().wrapping_add(4).cast::<V2>();
        // SAFETY: misaligned, so refused before any read.
        let e = unsafe { read_versioned(p, DEFAULTS, V1_SIZE, "opts", "") }.unwrap_err();
        assert_eq!(e.message, "opts is misaligned");
    }
}
