//! Engine results as Arrow record batches: the one schema every output
//! format (table, CSV, JSON, Arrow IPC, Parquet) is written from.
//!
//! A table is `ts_ms: timestamp[ms, UTC]` followed by one non-nullable
//! `float64` per value column (the library's Arrow export has the same
//! fields, with no time zone; the CLI says UTC, which is what the engine's
//! milliseconds count from). An aggregation is `bucket_start:
//! timestamp[ms, UTC]` followed by `<column>_<agg>` fields, `uint64` for
//! counts and `float64` otherwise.

use std::sync::Arc;

use anyhow::Result;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, TimestampMillisecondArray, UInt64Array};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use nanots::{AggValues, Aggregation, Columns};

/// Name of the timestamp field of a table.
pub const TS_FIELD: &str = "ts_ms";
/// Name of the bucket field of an aggregation.
pub const BUCKET_FIELD: &str = "bucket_start";

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The schema of a table with value columns `columns`.
pub fn table_schema(columns: &[String]) -> SchemaRef {
    let mut fields = Vec::with_capacity(columns.len() + 1);
    fields.push(Field::new(TS_FIELD, ts_type(), false));
    fields.extend(columns.iter().map(|c| Field::new(c.as_str(), DataType::Float64, false)));
    Arc::new(Schema::new(fields))
}

/// Moves `cols` into a batch of `schema` (no copy: the vectors become the
/// Arrow buffers).
pub fn table_batch(schema: &SchemaRef, cols: Columns) -> Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.columns.len() + 1);
    arrays.push(Arc::new(
        TimestampMillisecondArray::new(ScalarBuffer::from(cols.ts), None).with_timezone("UTC"),
    ));
    for c in cols.columns {
        arrays.push(Arc::new(Float64Array::new(ScalarBuffer::from(c), None)));
    }
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
}

/// The schema of an aggregation whose result columns are `names` (with
/// whether each is a count).
pub fn aggregate_schema(names: &[(String, bool)]) -> SchemaRef {
    let mut fields = Vec::with_capacity(names.len() + 1);
    fields.push(Field::new(BUCKET_FIELD, ts_type(), false));
    for (name, is_count) in names {
        let ty = if *is_count { DataType::UInt64 } else { DataType::Float64 };
        fields.push(Field::new(name.as_str(), ty, false));
    }
    Arc::new(Schema::new(fields))
}

/// Moves one batch of buckets into a record batch of `schema`.
pub fn aggregate_batch(schema: &SchemaRef, agg: Aggregation) -> Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(agg.columns.len() + 1);
    arrays.push(Arc::new(
        TimestampMillisecondArray::new(ScalarBuffer::from(agg.bucket_start), None).with_timezone("UTC"),
    ));
    for c in agg.columns {
        arrays.push(match c.values {
            AggValues::U64(v) => Arc::new(UInt64Array::new(ScalarBuffer::from(v), None)),
            AggValues::F64(v) => Arc::new(Float64Array::new(ScalarBuffer::from(v), None)),
        });
    }
    Ok(RecordBatch::try_new(schema.clone(), arrays)?)
}

/// How text outputs (table, CSV, JSON) print timestamps: RFC 3339 in UTC,
/// to the millisecond.
pub const TS_TEXT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// `batch` with its timestamps' zone spelled `+00:00` instead of `UTC`, for
/// the text writers: Arrow's formatter resolves named zones only with the
/// chrono-tz database, which would add a time zone table to the binary to
/// print the one zone the engine uses. Files (Parquet, Arrow IPC) keep
/// `UTC`. No value is copied.
pub fn for_text(batch: &RecordBatch) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        match array.as_any().downcast_ref::<TimestampMillisecondArray>() {
            Some(ts) => {
                let ts = ts.clone().with_timezone("+00:00");
                fields.push(Field::new(field.name(), ts.data_type().clone(), field.is_nullable()));
                arrays.push(Arc::new(ts));
            }
            None => {
                fields.push(field.as_ref().clone());
                arrays.push(array.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}
