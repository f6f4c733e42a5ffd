//! Arrow C Data / C Stream Interface exports (cargo feature `arrow`).
//!
//! The structs are the arrow crates' own `#[repr(C)]` FFI types; the header
//! names them `struct ArrowArray`, `struct ArrowSchema` and
//! `struct ArrowArrayStream` and declares them under the guards the Arrow
//! specification prescribes.

use std::ffi::c_char;
use std::ptr;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, RecordBatch, RecordBatchReader, StructArray};

use super::args::{out_arg, str_arg};
use super::boundary::{FfiError, call};
use super::handle::{lookup, nts_db};
use super::status::{NTS_ERR_UNKNOWN, nts_status};
use crate::arrow::{MAX_BATCH_ROWS, QueryError, RangeBatches, query_batch};

impl From<QueryError> for FfiError {
    fn from(e: QueryError) -> FfiError {
        match e {
            QueryError::Engine(e) => e.into(),
            QueryError::Arrow(e) => FfiError::new(NTS_ERR_UNKNOWN, format!("Arrow export failed: {e}")),
        }
    }
}

pub(super) fn arrow_error(e: arrow_schema::ArrowError) -> FfiError {
    QueryError::Arrow(e).into()
}

/// Sets both out-params to the released state, builds a record batch with
/// `build`, and exports it (zero-copy) into them as a struct array.
/// On any error the out-params stay released.
///
/// # Safety
/// `out_array` and `out_schema` are NULL or writable.
pub(super) unsafe fn export_batch(
    out_array: *mut FFI_ArrowArray,
    out_schema: *mut FFI_ArrowSchema,
    build: impl FnOnce() -> Result<RecordBatch, FfiError>,
) -> Result<(), FfiError> {
    let out_array = out_arg(out_array, "out_array")?;
    let out_schema = out_arg(out_schema, "out_schema")?;
    // SAFETY: checked writable out-param; the empty struct owns nothing.
    unsafe { ptr::write(out_array, FFI_ArrowArray::empty()) };
    // SAFETY: as above.
    unsafe { ptr::write(out_schema, FFI_ArrowSchema::empty()) };
    let data = StructArray::from(build()?).into_data();
    let (array, schema) = arrow_array::ffi::to_ffi(&data).map_err(arrow_error)?;
    // SAFETY: checked writable out-param holding a released (empty)
    // struct, so nothing is leaked by overwriting it.
    unsafe { ptr::write(out_array, array) };
    // SAFETY: as above.
    unsafe { ptr::write(out_schema, schema) };
    Ok(())
}

/// Sets `out_stream` to the released state, builds a batch reader with
/// `build`, and exports it through the Arrow C Stream Interface. On any
/// error the stream stays released.
///
/// # Safety
/// `out_stream` is NULL or writable.
pub(super) unsafe fn export_stream(
    out_stream: *mut FFI_ArrowArrayStream,
    build: impl FnOnce() -> Result<Box<dyn RecordBatchReader + Send>, FfiError>,
) -> Result<(), FfiError> {
    let out_stream = out_arg(out_stream, "out_stream")?;
    // SAFETY: checked writable out-param; the empty struct owns nothing.
    unsafe { ptr::write(out_stream, FFI_ArrowArrayStream::empty()) };
    let stream = FFI_ArrowArrayStream::new(build()?);
    // SAFETY: checked writable out-param holding a released stream.
    unsafe { ptr::write(out_stream, stream) };
    Ok(())
}

/// Runs a range query (inclusive at both ends; see `nts_query_range`) and
/// exports the result through the Arrow C Data Interface: `*out_array` is a
/// struct array (one row per result row) and `*out_schema` its schema, a
/// struct of `ts_ms: timestamp[ms]` followed by one non-nullable `float64`
/// field per value column. The values are not copied after decoding.
///
/// On failure both structs are set to the released state
/// (`release == NULL`), so nothing needs freeing.
///
/// Ownership: on success the caller owns both structs and must call
/// `out_array->release(out_array)` and `out_schema->release(out_schema)`
/// exactly once each (or move them into an Arrow library that does). They
/// stay valid after `nts_close`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments,
/// `start_ms > end_ms`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`;
/// `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out_array` and `out_schema` are NULL
/// or writable (their old contents are overwritten, not released).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_query_range_arrow(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    out_array: *mut FFI_ArrowArray,
    out_schema: *mut FFI_ArrowSchema,
) -> nts_status {
    call("nts_query_range_arrow", || {
        let build = || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            Ok(query_batch(&db, table, start_ms, end_ms)?)
        };
        // SAFETY: out-params per the contract.
        unsafe { export_batch(out_array, out_schema, build) }
    })
}

/// Runs a range query (inclusive at both ends) as an Arrow C Stream: each
/// `get_next` decodes and returns one time-disjoint group of segments
/// (sliced into batches of at most 65536 rows), so memory stays bounded by
/// one group, not the whole range. Batches are sorted by timestamp and have
/// the schema described for `nts_query_range_arrow`. The stream reads a
/// snapshot taken now: later appends are not seen, and it stays valid after
/// `nts_close` of the database.
///
/// On failure `*out_stream` is set to the released state (`release == NULL`).
///
/// Ownership: on success the caller owns the stream and must call
/// `out_stream->release(out_stream)` exactly once; every array and schema
/// it hands out has its own `release` to call once. A stream must not be
/// used by two threads at once (Arrow C Stream rules).
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`. Decoding errors (e.g. corruption) are reported by
/// `get_next` (non-zero errno, with `get_last_error`).
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out_stream` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_query_range_stream(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    out_stream: *mut FFI_ArrowArrayStream,
) -> nts_status {
    call("nts_query_range_stream", || {
        let build = || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            let reader = db.range_reader(table, start_ms, end_ms)?;
            let batches: Box<dyn RecordBatchReader + Send> =
                Box::new(RangeBatches::new(reader, MAX_BATCH_ROWS));
            Ok(batches)
        };
        // SAFETY: out-param per the contract.
        unsafe { export_stream(out_stream, build) }
    })
}

/// Exports the last `n` rows of `table` by timestamp (ties in append
/// order), oldest first, with the schema of `nts_query_range_arrow`. With
/// `n == 1` this is answered from the newest segment's header when
/// possible; it never scans old segments.
///
/// On failure both structs are released. Ownership: as for
/// `nts_query_range_arrow`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out_array`, `out_schema` are NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_latest_arrow(
    db: *mut nts_db,
    table: *const c_char,
    n: u64,
    out_array: *mut FFI_ArrowArray,
    out_schema: *mut FFI_ArrowSchema,
) -> nts_status {
    call("nts_latest_arrow", || {
        let build = || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            let n = super::args::usize_of(n, "n")?;
            let schema = crate::arrow::schema(&db.table_columns(table)?);
            crate::arrow::batch(&schema, db.latest_n(table, n)?).map_err(arrow_error)
        };
        // SAFETY: out-params per the contract.
        unsafe { export_batch(out_array, out_schema, build) }
    })
}
