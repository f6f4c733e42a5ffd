//! Aggregation through the Arrow C Data / C Stream Interface (cargo
//! features `arrow` and `aggregate`).

use std::ffi::c_char;

use arrow_array::RecordBatchReader;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;

use super::args::{slice_arg, str_arg};
use super::arrow_api::{arrow_error, export_batch, export_stream};
use super::boundary::{FfiError, call};
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use crate::Agg;
use crate::arrow::{AggregateBatches, aggregate_batch, aggregate_schema};

/// `nts_query_aggregate_*` aggregate codes (ABI: never renumbered).
pub const NTS_AGG_COUNT: u32 = 0;
/// Sum of the non-NaN values.
pub const NTS_AGG_SUM: u32 = 1;
/// Smallest non-NaN value.
pub const NTS_AGG_MIN: u32 = 2;
/// Largest non-NaN value.
pub const NTS_AGG_MAX: u32 = 3;
/// Mean of the non-NaN values.
pub const NTS_AGG_MEAN: u32 = 4;
/// Value of the earliest row (ties: first appended).
pub const NTS_AGG_FIRST: u32 = 5;
/// Value of the latest row (ties: last appended).
pub const NTS_AGG_LAST: u32 = 6;

/// Reads `naggs` aggregate codes.
///
/// # Safety
/// `aggs` is NULL or points to `naggs` readable u32.
unsafe fn aggs_arg(aggs: *const u32, naggs: usize) -> Result<Vec<Agg>, FfiError> {
    // SAFETY: per this function's contract.
    let codes = unsafe { slice_arg(aggs, naggs, "aggs") }?;
    codes
        .iter()
        .map(|&c| {
            Ok(match c {
                NTS_AGG_COUNT => Agg::Count,
                NTS_AGG_SUM => Agg::Sum,
                NTS_AGG_MIN => Agg::Min,
                NTS_AGG_MAX => Agg::Max,
                NTS_AGG_MEAN => Agg::Mean,
                NTS_AGG_FIRST => Agg::First,
                NTS_AGG_LAST => Agg::Last,
                other => {
                    return Err(FfiError::invalid(format!("aggs contains {other}, not an NTS_AGG_* code")));
                }
            })
        })
        .collect()
}

/// Aggregates `table` over `[start_ms, end_ms]` (inclusive at both ends)
/// in buckets of `bucket_ms` aligned to multiples of `bucket_ms` from the
/// Unix epoch, and exports the result through the Arrow C Data Interface:
/// a struct array with one row per non-empty bucket, fields `bucket_start`
/// (`timestamp[ms]`) then, for each value column and each of the `naggs`
/// codes in `aggs` (`NTS_AGG_*`), `<column>_<agg>` (`uint64` for count,
/// else `float64`). NaN values are counted by count and skipped by sum,
/// min, max and mean. Segments wholly inside one bucket are answered from
/// their statistics without decoding.
///
/// On failure both structs are set to the released state. Ownership: as for
/// `nts_query_range_arrow` (call each `release` exactly once).
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments,
/// `start_ms > end_ms`, `bucket_ms <= 0`, no or unknown aggregate codes);
/// `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `aggs` is NULL or points to `naggs`
/// codes; `out_array`, `out_schema` are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the C signature is part of the published ABI
pub unsafe extern "C" fn nts_query_aggregate_arrow(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    bucket_ms: i64,
    aggs: *const u32,
    naggs: usize,
    out_array: *mut FFI_ArrowArray,
    out_schema: *mut FFI_ArrowSchema,
) -> nts_status {
    call("nts_query_aggregate_arrow", || {
        let build = || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            // SAFETY: `naggs` codes per the contract.
            let aggs = unsafe { aggs_arg(aggs, naggs) }?;
            let reader = db.aggregate_reader(table, start_ms, end_ms, bucket_ms, &aggs)?;
            let schema = aggregate_schema(&reader.column_names());
            aggregate_batch(&schema, reader.read_all()?).map_err(arrow_error)
        };
        // SAFETY: out-params per the contract.
        unsafe { export_batch(out_array, out_schema, build) }
    })
}

/// Like `nts_query_aggregate_arrow` (range inclusive at both ends), as an
/// Arrow C Stream for long ranges: each `get_next` returns the buckets
/// finished by the next group of segments, so memory stays bounded by one
/// group. It reads a snapshot taken now and stays valid after `nts_close`.
///
/// On failure `*out_stream` is released. Ownership: as for
/// `nts_query_range_stream`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`;
/// `NTS_ERR_CLOSED`. Decoding errors are reported by `get_next`.
///
/// # Safety
/// As for `nts_query_aggregate_arrow`; `out_stream` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the C signature mirrors the Arrow one
pub unsafe extern "C" fn nts_query_aggregate_stream(
    db: *mut nts_db,
    table: *const c_char,
    start_ms: i64,
    end_ms: i64,
    bucket_ms: i64,
    aggs: *const u32,
    naggs: usize,
    out_stream: *mut FFI_ArrowArrayStream,
) -> nts_status {
    call("nts_query_aggregate_stream", || {
        let build = || {
            let db = lookup(db)?;
            // SAFETY: NUL-terminated per the contract.
            let table = unsafe { str_arg(table, "table") }?;
            // SAFETY: `naggs` codes per the contract.
            let aggs = unsafe { aggs_arg(aggs, naggs) }?;
            let reader = db.aggregate_reader(table, start_ms, end_ms, bucket_ms, &aggs)?;
            let batches: Box<dyn RecordBatchReader + Send> = Box::new(AggregateBatches::new(reader));
            Ok(batches)
        };
        // SAFETY: out-param per the contract.
        unsafe { export_stream(out_stream, build) }
    })
}
