//! Query results as Apache Arrow record batches (feature `arrow`), the
//! conversion the C ABI's Arrow exports (`nts_query_range_arrow`,
//! `nts_query_range_stream`, ...) and the language bindings use.
//!
//! The arrow-rs crates are re-exported ([`arrow_array`], [`arrow_schema`])
//! so a program uses the same version as the engine; it is part of this
//! module's API, and a new arrow-rs major version is a breaking change of it.
//!
//! Decoded `Vec<i64>` / `Vec<f64>` columns become Arrow buffers without a
//! copy (`ScalarBuffer::from(Vec)` takes over the allocation). A result is a
//! struct (record batch) of `ts_ms: timestamp[ms]` followed by one
//! non-nullable `float64` field per value column.

#![forbid(unsafe_code)]

pub use arrow_array;
pub use arrow_schema;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, RecordBatchReader, TimestampMillisecondArray};
use arrow_buffer::ScalarBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{Columns, NanoTsDb, RangeReader};

#[cfg(feature = "aggregate")]
mod aggregate;
#[cfg(feature = "aggregate")]
pub use aggregate::{AggregateBatches, BUCKET_FIELD, aggregate_batch, aggregate_schema};

/// Name of the timestamp field.
pub const TS_FIELD: &str = "ts_ms";

/// Most rows per batch of a stream; larger groups are sliced (zero-copy).
pub const MAX_BATCH_ROWS: usize = 65_536;

/// The Arrow schema of a table with value columns `columns`.
pub fn schema(columns: &[String]) -> SchemaRef {
    let mut fields = Vec::with_capacity(columns.len() + 1);
    fields.push(Field::new(TS_FIELD, DataType::Timestamp(TimeUnit::Millisecond, None), false));
    fields.extend(columns.iter().map(|c| Field::new(c.as_str(), DataType::Float64, false)));
    Arc::new(Schema::new(fields))
}

/// Moves `cols` into a record batch of `schema` without copying the values.
pub fn batch(schema: &SchemaRef, cols: Columns) -> Result<RecordBatch, ArrowError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.columns.len() + 1);
    arrays.push(Arc::new(TimestampMillisecondArray::new(ScalarBuffer::from(cols.ts), None)));
    for c in cols.columns {
        arrays.push(Arc::new(Float64Array::new(ScalarBuffer::from(c), None)));
    }
    RecordBatch::try_new(schema.clone(), arrays)
}

/// Why an Arrow query failed: the engine's error, or (a bug) Arrow
/// rejecting the arrays built here.
#[derive(Debug)]
pub enum QueryError {
    /// The engine's error (unknown table, bad range, I/O, corruption).
    Engine(crate::Error),
    /// Arrow rejected the arrays (a bug in this module).
    Arrow(ArrowError),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Engine(e) => e.fmt(f),
            QueryError::Arrow(e) => write!(f, "Arrow export failed: {e}"),
        }
    }
}

impl std::error::Error for QueryError {}

impl From<crate::Error> for QueryError {
    fn from(e: crate::Error) -> QueryError {
        QueryError::Engine(e)
    }
}

impl From<ArrowError> for QueryError {
    fn from(e: ArrowError) -> QueryError {
        QueryError::Arrow(e)
    }
}

/// The rows of `table` with `start_ms <= ts <= end_ms` as one record batch
/// (for a range too large to hold at once, use [`RangeBatches`]).
pub fn query_batch(
    db: &NanoTsDb,
    table: &str,
    start_ms: i64,
    end_ms: i64,
) -> Result<RecordBatch, QueryError> {
    let reader = db.range_reader(table, start_ms, end_ms)?;
    let schema = schema(reader.column_names());
    let cols = reader.read_all()?;
    Ok(batch(&schema, cols)?)
}

/// A `RecordBatchReader` over a [`RangeReader`]: one batch per group (split
/// into slices of at most [`MAX_BATCH_ROWS`] rows). It owns only the
/// reader's snapshot, so it outlives the database handle.
pub struct RangeBatches {
    reader: RangeReader,
    schema: SchemaRef,
    /// The current group and how many of its rows were returned.
    current: Option<(RecordBatch, usize)>,
    max_rows: usize,
}

impl RangeBatches {
    /// Batches of at most `max_rows` rows (at least 1) from `reader`.
    pub fn new(reader: RangeReader, max_rows: usize) -> RangeBatches {
        let schema = schema(reader.column_names());
        RangeBatches { reader, schema, current: None, max_rows: max_rows.max(1) }
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, ArrowError> {
        loop {
            if let Some((group, done)) = &mut self.current {
                if *done < group.num_rows() {
                    let len = self.max_rows.min(group.num_rows() - *done);
                    let b = if *done == 0 && len == group.num_rows() {
                        group.clone()
                    } else {
                        group.slice(*done, len)
                    };
                    *done += len;
                    return Ok(Some(b));
                }
                self.current = None;
            }
            let mut cols = Columns::with_columns(self.schema.fields().len() - 1, 0);
            let more =
                self.reader.read_group_into(&mut cols).map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            if !more {
                return Ok(None);
            }
            if !cols.is_empty() {
                self.current = Some((batch(&self.schema, cols)?, 0));
            }
        }
    }
}

impl Iterator for RangeBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}

impl RecordBatchReader for RangeBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn batches_take_over_the_vectors_without_copying() {
        let ts = vec![1i64, 2, 3];
        let v = vec![0.5f64, -0.0, f64::NAN];
        let (ts_ptr, v_ptr) = (ts.as_ptr(), v.as_ptr());
        let schema = schema(&["x".to_owned()]);
        let b = batch(&schema, Columns { ts, columns: vec![v] }).unwrap();
        let t = b.column(0).to_data();
        let x = b.column(1).to_data();
        assert_eq!(t.buffers()[0].as_ptr().cast::<i64>(), ts_ptr);
        assert_eq!(x.buffers()[0].as_ptr().cast::<f64>(), v_ptr);
        assert_eq!(b.column(1).null_count(), 0);
        assert_eq!(b.schema().field(0).name(), TS_FIELD);
    }

    #[test]
    fn stream_splits_large_groups_and_survives_the_db() {
        let dir = tempfile::tempdir().unwrap();
        let db = NanoTsDb::open(dir.path().join("a.ntt"), crate::NanoTsOptions::default()).unwrap();
        db.create_table("t", &["a", "b"]).unwrap();
        let ts: Vec<i64> = (0..1000).collect();
        let a: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
        db.append_rows("t", &ts, &[&a, &a]).unwrap();
        db.flush().unwrap();
        db.append_rows("t", &[5000, 5001], &[&[1.0, 2.0], &[3.0, 4.0]]).unwrap();
        let reader = db.range_reader("t", 10, i64::MAX).unwrap();
        db.close().unwrap();
        drop(db);
        let batches: Vec<RecordBatch> = RangeBatches::new(reader, 300).collect::<Result<_, _>>().unwrap();
        let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        assert_eq!(sizes, vec![300, 300, 300, 90, 2]);
        let first = batches[0].column(0).as_any().downcast_ref::<TimestampMillisecondArray>().unwrap();
        assert_eq!(first.value(0), 10);
    }
}
