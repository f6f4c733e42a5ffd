//! Aggregations as Arrow record batches (features `arrow` and `aggregate`).

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, RecordBatch, RecordBatchReader, TimestampMillisecondArray, UInt64Array,
};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{Agg, AggValues, AggregateReader, Aggregation};

/// The Arrow schema of an aggregation: `bucket_start: timestamp[ms]`, then
/// `<column>_<agg>` fields (`uint64` for count, else `float64`), none
/// nullable.
pub fn aggregate_schema(names: &[(String, String, Agg)]) -> SchemaRef {
    let mut fields = Vec::with_capacity(names.len() + 1);
    fields.push(Field::new(BUCKET_FIELD, DataType::Timestamp(TimeUnit::Millisecond, None), false));
    for (name, _, agg) in names {
        let t = if *agg == Agg::Count { DataType::UInt64 } else { DataType::Float64 };
        fields.push(Field::new(name.as_str(), t, false));
    }
    Arc::new(Schema::new(fields))
}

/// Name of the bucket start field of aggregations.
pub const BUCKET_FIELD: &str = "bucket_start";

/// Moves an aggregation into a record batch without copying.
pub fn aggregate_batch(schema: &SchemaRef, a: Aggregation) -> Result<RecordBatch, ArrowError> {
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

/// A `RecordBatchReader` over an [`AggregateReader`]: one batch per group
/// of finished buckets. It owns only a snapshot, so it outlives the handle.
pub struct AggregateBatches {
    reader: AggregateReader,
    schema: SchemaRef,
}

impl AggregateBatches {
    /// Batches of finished buckets from `reader`.
    pub fn new(reader: AggregateReader) -> AggregateBatches {
        let schema = aggregate_schema(&reader.column_names());
        AggregateBatches { reader, schema }
    }
}

impl Iterator for AggregateBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.next_batch() {
            Ok(Some(a)) => Some(aggregate_batch(&self.schema, a)),
            Ok(None) => None,
            Err(e) => Some(Err(ArrowError::ExternalError(Box::new(e)))),
        }
    }
}

impl RecordBatchReader for AggregateBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
