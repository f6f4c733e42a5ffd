//! Range queries into an `nts_result` (`nts_query_range`) and its
//! accessors.

use std::ffi::{CString, c_char};
use std::ptr;

use super::args::{out_arg, str_arg};
use super::boundary::{call, call_value};
use super::cstr::c_string;
use super::handle::{lookup, nts_db};
use super::status::nts_status;

/// A query result (opaque): rows sorted by timestamp, stored column by
/// column. Read it with the `nts_result_*` accessors; free it with
/// `nts_result_free`.
pub struct nts_result {
    ts: Vec<i64>,
    columns: Vec<Vec<f64>>,
    names: Vec<CString>,
}

/// Runs a range query and stores the result in `*out`: the rows of `table`
/// with `start_ms <= ts_ms <= end_ms` (inclusive at both ends), sorted by
/// timestamp (equal timestamps keep append order), including unflushed
/// rows. On failure `*out` is set to NULL.
///
/// Ownership: the caller owns `*out` and frees it with `nts_result_free`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments,
/// `start_ms > end_ms`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`;
/// `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_query_range(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    out: *mut *mut nts_result,
) -> nts_status {
    call("nts_query_range", || {
        let out = out_arg(out, "out")?;
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, ptr::null_mut()) };
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        let reader = db.range_reader(table, start_ms, end_ms)?;
        let names = reader.column_names().iter().map(|n| c_string(n)).collect();
        let cols = reader.read_all()?;
        let result = Box::new(nts_result { ts: cols.ts, columns: cols.columns, names });
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, Box::into_raw(result)) };
        Ok(())
    })
}

/// Borrows a result pointer.
///
/// # Safety
/// `r` is NULL or a live result from `nts_query_range`.
unsafe fn result_ref<'a>(r: *const nts_result) -> Option<&'a nts_result> {
    // SAFETY: NULL or a live, unfreed result per the contract.
    unsafe { r.as_ref() }
}

/// Number of rows in `result` (0 for NULL).
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_rows(result: *const nts_result) -> usize {
    call_value("nts_result_rows", 0, || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(0, |r| r.ts.len())
    })
}

/// Number of value columns in `result`, not counting `ts_ms` (0 for NULL).
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_ncols(result: *const nts_result) -> usize {
    call_value("nts_result_ncols", 0, || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(0, |r| r.columns.len())
    })
}

/// The `nts_result_rows(result)` timestamps (ms), ascending. NULL for a
/// NULL result; may be a non-NULL pointer to nothing when there are 0 rows.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_ts(result: *const nts_result) -> *const i64 {
    call_value("nts_result_ts", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.map_or(ptr::null(), |r| r.ts.as_ptr())
    })
}

/// The `nts_result_rows(result)` values of value column `col` (0-based, in
/// table order). NULL for a NULL result or `col >= nts_result_ncols`.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_column(result: *const nts_result, col: usize) -> *const f64 {
    call_value("nts_result_column", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.and_then(|r| r.columns.get(col)).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// The name of value column `col`. NULL for a NULL result or an
/// out-of-range `col`.
///
/// Ownership: borrowed from `result`; valid until `nts_result_free`.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_column_name(result: *const nts_result, col: usize) -> *const c_char {
    call_value("nts_result_column_name", ptr::null(), || {
        // SAFETY: `result` is NULL or a live result per this function\'s contract.
        unsafe { result_ref(result) }.and_then(|r| r.names.get(col)).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// Frees a result from `nts_query_range`. NULL is a no-op. Call it exactly
/// once per result.
///
/// # Safety
/// `result` is NULL or a live result from `nts_query_range` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_result_free(result: *mut nts_result) {
    call_value("nts_result_free", (), || {
        if !result.is_null() {
            // SAFETY: allocated by Box::into_raw in nts_query_range and not
            // yet freed, per the contract.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
