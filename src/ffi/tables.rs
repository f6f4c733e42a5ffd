//! Tables: `nts_create_table`, `nts_list_tables`, `nts_table_columns`
//! and `nts_drop_table`.

use std::ffi::c_char;

use super::args::{slice_arg, str_arg};
use super::boundary::{FfiResult, call};
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use super::strings::{nts_strings, strings_out};

/// Creates table `table` with `ncols` value columns named `columns[0..ncols]`
/// (plus the implicit `ts_ms` timestamp column). Idempotent: creating an
/// existing table with the same columns succeeds and does nothing.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or non-UTF-8 names,
/// empty/too long names, no columns, duplicates, a column named `ts_ms`);
/// `NTS_ERR_ALREADY_EXISTS` (exists with other columns); `NTS_ERR_CLOSED`;
/// `NTS_ERR_IO`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `columns` is NULL or points to `ncols`
/// pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_create_table(
    db: *mut nts_db,
    table: *const c_char,
    columns: *const *const c_char,
    ncols: usize,
) -> nts_status {
    call("nts_create_table", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: `ncols` pointers per the contract.
        let ptrs = unsafe { slice_arg(columns, ncols, "columns") }?;
        let names = ptrs
            .iter()
            .enumerate()
            // SAFETY: each pointer is NULL or NUL-terminated per the contract.
            .map(|(i, &p)| unsafe { str_arg(p, &format!("columns[{i}]")) })
            .collect::<FfiResult<Vec<&str>>>()?;
        db.create_table(table, &names)?;
        Ok(())
    })
}

/// Stores the names of all tables (sorted) in `*out`; NULL on failure.
///
/// Ownership: the caller frees `*out` with `nts_strings_free`.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT`, `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_list_tables(db: *mut nts_db, out: *mut *mut nts_strings) -> nts_status {
    call("nts_list_tables", || strings_out(out, || Ok(lookup(db)?.list_tables()?)))
}

/// Stores the value column names of `table`, in order (without `ts_ms`),
/// in `*out`; NULL on failure.
///
/// Ownership: the caller frees `*out` with `nts_strings_free`.
///
/// Returns `NTS_OK`, `NTS_ERR_INVALID_ARGUMENT`, `NTS_ERR_NOT_FOUND`,
/// `NTS_ERR_CLOSED`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_columns(
    db: *mut nts_db,
    table: *const c_char,
    out: *mut *mut nts_strings,
) -> nts_status {
    call("nts_table_columns", || {
        strings_out(out, || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            Ok(db.table_columns(table)?)
        })
    })
}

/// Drops `table` and its rows; the name can be used again at once, the
/// space comes back at the next pack or compaction.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`; `NTS_ERR_IO`; `NTS_ERR_READ_ONLY`.
///
/// # Safety
/// `table` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_drop_table(db: *mut nts_db, table: *const c_char) -> nts_status {
    call("nts_drop_table", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        db.drop_table(table)?;
        Ok(())
    })
}
