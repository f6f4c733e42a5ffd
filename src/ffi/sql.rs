//! The SQL front (cargo feature `sql`).

use std::ffi::c_char;

use super::args::str_arg;
use super::boundary::call;
use super::handle::{lookup, nts_db};
use super::status::nts_status;

/// Runs SQL statements separated by `;`: `CREATE TABLE [IF NOT EXISTS]
/// name (col [DOUBLE|FLOAT|REAL|F64], ...)` and `INSERT INTO name [(ts_ms,
/// col, ...)] VALUES (ts, v, ...), ...`. Each statement is atomic; the
/// statements before a failing one stay executed. `SELECT` and anything else
/// is refused: use the query API, or DuckDB/DataFusion over the Arrow export.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL or invalid UTF-8 `sql`,
/// syntax errors: `nts_last_error` gives line, column and what was
/// expected); the engine's codes (`NTS_ERR_NOT_FOUND`,
/// `NTS_ERR_ALREADY_EXISTS`, `NTS_ERR_SCHEMA_MISMATCH`, `NTS_ERR_IO`,
/// `NTS_ERR_READ_ONLY`, ...).
///
/// # Safety
/// `sql` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_exec_sql(db: *mut nts_db, sql: *const c_char) -> nts_status {
    call("nts_exec_sql", || {
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let sql = unsafe { str_arg(sql, "sql") }?;
        db.exec_sql(sql)?;
        Ok(())
    })
}
