//! Query results as Arrow, exported through the Arrow PyCapsule interface.
//!
//! The record batches and batch readers are the engine's (`nanots::arrow`,
//! the same layout as the C ABI's exports: `ts_ms: timestamp[ms]` then one
//! non-nullable `float64` per value column; aggregations `bucket_start`
//! then `<column>_<agg>`). This module adds what Python needs on top: a
//! panic guard around every step a foreign consumer drives, and the
//! capsules.

use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, RecordBatch, RecordBatchReader, StructArray};
use arrow_schema::{ArrowError, SchemaRef};
use nanots::arrow::{AggregateBatches, MAX_BATCH_ROWS, RangeBatches};
pub(crate) use nanots::arrow::{BUCKET_FIELD, TS_FIELD, batch as table_batch, schema as table_schema};
use nanots::{AggregateReader, RangeReader};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::panic_message;

/// Runs one step of a stream with panics turned into an error: the
/// consumer calls it through `extern "C"`, where unwinding would abort.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Option<Result<T, ArrowError>>) -> Option<Result<T, ArrowError>> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        Some(Err(ArrowError::ExternalError(
            format!("internal error in NanoTS (a bug, please report it): panic: {}", panic_message(&*p))
                .into(),
        )))
    })
}

/// A batch reader whose every step runs under [`guarded`].
pub(crate) struct Guarded<R>(R);

impl<R: RecordBatchReader> Iterator for Guarded<R> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        guarded(|| self.0.next())
    }
}

impl<R: RecordBatchReader> RecordBatchReader for Guarded<R> {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }
}

/// Record batches of a range read, one group of segments at a time, sliced
/// to at most `MAX_BATCH_ROWS` rows as the C ABI does. It owns the reader's
/// snapshot only, so it outlives the database handle.
pub(crate) fn range_batches(reader: RangeReader) -> Guarded<RangeBatches> {
    Guarded(RangeBatches::new(reader, MAX_BATCH_ROWS))
}

/// Record batches of an aggregation, one group of finished buckets at a
/// time. It owns a snapshot only, so it outlives the database handle.
pub(crate) fn aggregate_batches(reader: AggregateReader) -> Guarded<AggregateBatches> {
    Guarded(AggregateBatches::new(reader))
}

/// Batches already in memory (the result of `latest`).
pub(crate) struct MemoryBatches {
    schema: SchemaRef,
    batches: std::vec::IntoIter<RecordBatch>,
}

impl MemoryBatches {
    pub(crate) fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> MemoryBatches {
        MemoryBatches { schema, batches: batches.into_iter() }
    }
}

impl Iterator for MemoryBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches.next().map(Ok)
    }
}

impl RecordBatchReader for MemoryBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// An `arrow_array_stream` PyCapsule over `reader`. The capsule owns the
/// stream until a consumer moves it out (which marks it released); if none
/// does, dropping the capsule releases it.
pub(crate) fn stream_capsule(
    py: Python<'_>,
    reader: Box<dyn RecordBatchReader + Send>,
) -> PyResult<Bound<'_, PyCapsule>> {
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), c"arrow_array_stream")
}

/// `(arrow_schema, arrow_array)` PyCapsules of one record batch, exported
/// as a struct array (the C Data Interface's form of a record batch).
pub(crate) fn batch_capsules(
    py: Python<'_>,
    batch: RecordBatch,
) -> PyResult<(Bound<'_, PyCapsule>, Bound<'_, PyCapsule>)> {
    let data = StructArray::from(batch).to_data();
    let (array, schema): (FFI_ArrowArray, FFI_ArrowSchema) =
        arrow_array::ffi::to_ffi(&data).map_err(|e| crate::errors::Error::new_err(e.to_string()))?;
    let schema = PyCapsule::new_with_value(py, schema, c"arrow_schema")?;
    let array = PyCapsule::new_with_value(py, array, c"arrow_array")?;
    Ok((schema, array))
}
