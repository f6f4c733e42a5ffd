//! Query results as Arrow, exported through the Arrow PyCapsule interface.
//!
//! The layout is the C ABI's (`src/arrow/mod.rs`, private to the engine, so
//! rebuilt here from the public `Columns` API): a record batch of
//! `ts_ms: timestamp[ms]` followed by one non-nullable `float64` field per
//! value column; aggregations have `bucket_start: timestamp[ms]` and
//! `<column>_<agg>` fields (`uint64` for count, else `float64`). The
//! engine's decoded `Vec`s become Arrow buffers without a copy, and a
//! stream reads one group of segments at a time, sliced to at most
//! [`MAX_BATCH_ROWS`] rows as the C ABI does.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    Array, ArrayRef, Float64Array, RecordBatch, RecordBatchReader, StructArray, TimestampMillisecondArray,
    UInt64Array,
};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use nanots::{Agg, AggValues, AggregateReader, Aggregation, Columns, RangeReader};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::panic_message;

/// Name of the timestamp field (as in the C ABI).
pub(crate) const TS_FIELD: &str = "ts_ms";
/// Name of the bucket start field of aggregations (as in the C ABI).
pub(crate) const BUCKET_FIELD: &str = "bucket_start";
/// Most rows per batch of a stream (as in the C ABI); larger groups are
/// sliced, which shares their buffers.
pub(crate) const MAX_BATCH_ROWS: usize = 65_536;

/// The schema of a table with value columns `columns`.
pub(crate) fn table_schema(columns: &[String]) -> SchemaRef {
    let mut fields = Vec::with_capacity(columns.len() + 1);
    fields.push(Field::new(TS_FIELD, DataType::Timestamp(TimeUnit::Millisecond, None), false));
    fields.extend(columns.iter().map(|c| Field::new(c.as_str(), DataType::Float64, false)));
    Arc::new(Schema::new(fields))
}

/// Moves `cols` into a record batch of `schema` without copying the values.
pub(crate) fn table_batch(schema: &SchemaRef, cols: Columns) -> Result<RecordBatch, ArrowError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.columns.len() + 1);
    arrays.push(Arc::new(TimestampMillisecondArray::new(ScalarBuffer::from(cols.ts), None)));
    for c in cols.columns {
        arrays.push(Arc::new(Float64Array::new(ScalarBuffer::from(c), None)));
    }
    RecordBatch::try_new(schema.clone(), arrays)
}

/// The schema of an aggregation: `names` are `(field, column, agg)`.
pub(crate) fn aggregate_schema(names: &[(String, String, Agg)]) -> SchemaRef {
    let mut fields = Vec::with_capacity(names.len() + 1);
    fields.push(Field::new(BUCKET_FIELD, DataType::Timestamp(TimeUnit::Millisecond, None), false));
    for (name, _, agg) in names {
        let t = if *agg == Agg::Count { DataType::UInt64 } else { DataType::Float64 };
        fields.push(Field::new(name.as_str(), t, false));
    }
    Arc::new(Schema::new(fields))
}

/// Moves an aggregation into a record batch without copying.
pub(crate) fn aggregate_batch(schema: &SchemaRef, a: Aggregation) -> Result<RecordBatch, ArrowError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(a.columns.len() + 1);
    arrays.push(Arc::new(TimestampMillisecondArray::new(ScalarBuffer::from(a.bucket_start), None)));
    for c in a.columns {
        arrays.push(match c.values {
            AggValues::U64(v) => Arc::new(UInt64Array::new(ScalarBuffer::from(v), None)) as ArrayRef,
            AggValues::F64(v) => Arc::new(Float64Array::new(ScalarBuffer::from(v), None)),
        });
    }
    RecordBatch::try_new(schema.clone(), arrays)
}

fn engine_arrow_error(e: nanots::Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

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

/// Record batches of a range read, one group of segments at a time. It
/// owns the reader's snapshot only, so it outlives the database handle.
pub(crate) struct RangeBatches {
    reader: RangeReader,
    schema: SchemaRef,
    /// The current group and how many of its rows were returned.
    current: Option<(RecordBatch, usize)>,
}

impl RangeBatches {
    pub(crate) fn new(reader: RangeReader) -> RangeBatches {
        let schema = table_schema(reader.column_names());
        RangeBatches { reader, schema, current: None }
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, ArrowError> {
        loop {
            if let Some((group, done)) = &mut self.current {
                let rows = group.num_rows();
                if *done < rows {
                    let len = MAX_BATCH_ROWS.min(rows - *done);
                    let b = if *done == 0 && len == rows { group.clone() } else { group.slice(*done, len) };
                    *done += len;
                    return Ok(Some(b));
                }
                self.current = None;
            }
            let mut cols = Columns::with_columns(self.schema.fields().len() - 1, 0);
            if !self.reader.read_group_into(&mut cols).map_err(engine_arrow_error)? {
                return Ok(None);
            }
            if !cols.is_empty() {
                self.current = Some((table_batch(&self.schema, cols)?, 0));
            }
        }
    }
}

impl Iterator for RangeBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        guarded(|| self.next_batch().transpose())
    }
}

impl RecordBatchReader for RangeBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Record batches of an aggregation, one group of finished buckets at a
/// time. It owns a snapshot only, so it outlives the database handle.
pub(crate) struct AggregateBatches {
    reader: AggregateReader,
    schema: SchemaRef,
}

impl AggregateBatches {
    pub(crate) fn new(reader: AggregateReader) -> AggregateBatches {
        let schema = aggregate_schema(&reader.column_names());
        AggregateBatches { reader, schema }
    }
}

impl Iterator for AggregateBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        guarded(|| match self.reader.next_batch() {
            Ok(Some(a)) => Some(aggregate_batch(&self.schema, a)),
            Ok(None) => None,
            Err(e) => Some(Err(engine_arrow_error(e))),
        })
    }
}

impl RecordBatchReader for AggregateBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
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
