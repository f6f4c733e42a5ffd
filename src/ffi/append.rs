//! Appends: `nts_append` (one-column series), `nts_append_row` and
//! `nts_append_rows` (column by column).

use std::ffi::c_char;

use super::args::{slice_arg, str_arg};
use super::boundary::call;
use super::handle::{lookup, nts_db};
use super::status::nts_status;

/// Appends `value` at `ts_ms` to the one-column series `series` (column
/// `value`), creating the series on first use.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_SCHEMA_MISMATCH`
/// (`series` is a table with other columns); `NTS_ERR_CLOSED`; `NTS_ERR_IO`;
/// `NTS_ERR_TOO_LARGE`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `series` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append(
    db: *mut nts_db,
    series: *const c_char,
    ts_ms: i64,
    value: f64,
) -> nts_status {
    call("nts_append", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let series = unsafe { str_arg(series, "series") }?;
        db.append(series, ts_ms, value)?;
        Ok(())
    })
}

/// Appends one row: `values[0..nvalues]` at `ts_ms`. `nvalues` must equal
/// the table's column count. Any timestamp order is accepted.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL/non-UTF-8 `table`,
/// NULL `values` with `nvalues > 0`); `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_SCHEMA_MISMATCH` (wrong `nvalues`); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_TOO_LARGE`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `values` is NULL or points to
/// `nvalues` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append_row(
    db: *mut nts_db,
    table: *const c_char,
    ts_ms: i64,
    values: *const f64,
    nvalues: usize,
) -> nts_status {
    call("nts_append_row", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `nvalues` doubles per the contract.
        let values = unsafe { slice_arg(values, nvalues, "values") }?;
        db.append_row(table, ts_ms, values)?;
        Ok(())
    })
}

/// Appends `nrows` rows column by column: row `i` is `ts_ms[i]` with value
/// `columns[c][i]` for column `c`. `ncols` must equal the table's column
/// count. All or nothing with respect to validation.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arrays with a non-zero
/// count, non-UTF-8 `table`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_SCHEMA_MISMATCH`
/// (wrong `ncols`); `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_TOO_LARGE`;
/// `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `ts_ms` is NULL or points to `nrows`
/// int64s; `columns` is NULL or points to `ncols` pointers, each NULL or
/// pointing to `nrows` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_append_rows(
    db: *mut nts_db,
    table: *const c_char,
    ts_ms: *const i64,
    nrows: usize,
    columns: *const *const f64,
    ncols: usize,
) -> nts_status {
    call("nts_append_rows", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `nrows` int64s per the contract.
        let ts = unsafe { slice_arg(ts_ms, nrows, "ts_ms") }?;
        // SAFETY: `ncols` pointers per the contract.
        let ptrs = unsafe { slice_arg(columns, ncols, "columns") }?;
        let mut cols: Vec<&[f64]> = Vec::with_capacity(ncols);
        for (i, &p) in ptrs.iter().enumerate() {
            // SAFETY: each column points to `nrows` doubles per the contract.
            cols.push(unsafe { slice_arg(p, nrows, &format!("columns[{i}]")) }?);
        }
        db.append_rows(table, ts, &cols)?;
        Ok(())
    })
}
