//! Query results: `Query` (a range), `Aggregate` (time buckets) and `Rows`
//! (rows in memory, from `latest`). Each exports Arrow through
//! `__arrow_c_stream__` and converts to numpy, pyarrow, pandas and polars.

use std::sync::{Mutex, MutexGuard};

use arrow_array::{Array, Float64Array, RecordBatch, TimestampMillisecondArray, UInt64Array};
use arrow_schema::SchemaRef;
use nanots::{Agg, AggValues, AggregateReader, RangeReader};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyTuple};

use crate::arrow_export::{
    BUCKET_FIELD, MemoryBatches, TS_FIELD, aggregate_batches, batch_capsules, range_batches, stream_capsule,
};
use crate::errors::engine;
use crate::handle::Handle;
use crate::pymods;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Consumers may pass a schema they would like; the PyCapsule interface
/// lets a producer ignore it, and this one always produces its own.
fn ignore_requested_schema(requested_schema: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match requested_schema {
        Some(s) if !s.is_none() && !s.is_instance_of::<PyCapsule>() => {
            Err(PyTypeError::new_err("requested_schema must be None or an arrow_schema PyCapsule"))
        }
        _ => Ok(()),
    }
}

fn bound_repr(v: i64, open: i64) -> String {
    if v == open { "None".into() } else { v.to_string() }
}

/// Rows of a table in a time range, read when exported. Returned by
/// `Db.query`; implements the Arrow PyCapsule interface.
///
/// Each export streams the range batch by batch (one group of segments at
/// a time, at most 65,536 rows per batch) without materialising the whole
/// table: `pyarrow.table(q)`, `polars.DataFrame(q)`, `duckdb.sql("select *
/// from q")` and pandas through pyarrow read it without copies. The schema
/// is `ts_ms: timestamp[ms]` then one `float64` column per value column,
/// none nullable.
///
/// The first export reads the snapshot taken when `query()` was called;
/// each later one (DuckDB, for one, may export twice) takes a new snapshot,
/// so it also sees rows appended since. An export after `Db.close()`
/// raises `ClosedError`, except the first, whose snapshot was taken before.
#[pyclass(frozen, module = "nanots")]
pub(crate) struct Query {
    db: Handle,
    table: String,
    start_ms: i64,
    end_ms: i64,
    columns: Vec<String>,
    /// The reader planned by `Db.query`, for the first export.
    first: Mutex<Option<RangeReader>>,
}

impl Query {
    pub(crate) fn new(db: Handle, table: String, start_ms: i64, end_ms: i64, reader: RangeReader) -> Query {
        let columns = reader.column_names().to_vec();
        Query { db, table, start_ms, end_ms, columns, first: Mutex::new(Some(reader)) }
    }

    fn reader(&self, py: Python<'_>) -> PyResult<RangeReader> {
        if let Some(r) = lock(&self.first).take() {
            return Ok(r);
        }
        let (db, table, start, end) = (&self.db, self.table.as_str(), self.start_ms, self.end_ms);
        engine(py, || db.range_reader(table, start, end))
    }
}

#[pymethods]
impl Query {
    /// Exports the rows as an Arrow C stream (`arrow_array_stream`
    /// PyCapsule), read batch by batch as the consumer pulls.
    /// `requested_schema` is accepted and ignored.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        ignore_requested_schema(requested_schema)?;
        let reader = self.reader(py)?;
        stream_capsule(py, Box::new(range_batches(reader)))
    }

    /// The table queried.
    #[getter]
    fn table(&self) -> &str {
        &self.table
    }

    /// Start of the range in ms (inclusive), or `None` if open.
    #[getter]
    fn start_ms(&self) -> Option<i64> {
        (self.start_ms != i64::MIN).then_some(self.start_ms)
    }

    /// End of the range in ms (inclusive), or `None` if open.
    #[getter]
    fn end_ms(&self) -> Option<i64> {
        (self.end_ms != i64::MAX).then_some(self.end_ms)
    }

    /// Names of the result's columns: `ts_ms`, then the value columns.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        std::iter::once(TS_FIELD.to_owned()).chain(self.columns.iter().cloned()).collect()
    }

    /// Reads the whole range into numpy arrays: a dict of column name to
    /// array, `ts_ms` (int64 milliseconds; `.view("datetime64[ms]")` makes
    /// datetimes without a copy) first, then one float64 array per value
    /// column. The engine's buffers become the arrays' memory (no copy).
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let reader = self.reader(py)?;
        let cols = engine(py, || reader.read_all())?;
        let out = PyDict::new(py);
        out.set_item(TS_FIELD, cols.ts.into_pyarray(py))?;
        for (name, values) in self.columns.iter().zip(cols.columns) {
            out.set_item(name, values.into_pyarray(py))?;
        }
        Ok(out)
    }

    /// The rows as a `pyarrow.Table` (needs pyarrow: `nanots[arrow]`).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())
    }

    /// The rows as a `pandas.DataFrame` through pyarrow (`ts_ms` becomes
    /// `datetime64[ms]`). Needs pandas and pyarrow.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())?.call_method0("to_pandas")
    }

    /// The rows as a `polars.DataFrame` (read from the Arrow stream, no
    /// pyarrow needed). Needs polars.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_polars(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "nanots.Query(table={:?}, start_ms={}, end_ms={}, columns={:?})",
            self.table,
            bound_repr(self.start_ms, i64::MIN),
            bound_repr(self.end_ms, i64::MAX),
            self.column_names()
        )
    }
}

fn to_arrow<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    pymods::optional(obj.py(), "pyarrow")?.call_method1("table", (obj,))
}

fn to_polars<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    pymods::optional(obj.py(), "polars")?.call_method1("DataFrame", (obj,))
}

/// Time-bucket aggregates of a table, computed when exported. Returned by
/// `Db.aggregate`; implements the Arrow PyCapsule interface.
///
/// One row per non-empty bucket: `bucket_start: timestamp[ms]` (buckets are
/// aligned to multiples of `bucket_ms` from the Unix epoch), then for each
/// value column and each aggregate a column `<column>_<agg>`: `uint64` for
/// `count`, `float64` for the others. NaN values count in `count`, are
/// skipped by `sum`, `min`, `max` and `mean` (NaN when a bucket has no
/// other value) and returned by `first` / `last` like any value.
///
/// Like `Query`, the first export uses the snapshot taken by
/// `Db.aggregate`; later ones take a new one.
#[pyclass(frozen, module = "nanots")]
pub(crate) struct Aggregate {
    db: Handle,
    table: String,
    start_ms: i64,
    end_ms: i64,
    bucket_ms: i64,
    aggs: Vec<Agg>,
    names: Vec<(String, String, Agg)>,
    first: Mutex<Option<AggregateReader>>,
}

impl Aggregate {
    pub(crate) fn new(
        db: Handle,
        table: String,
        (start_ms, end_ms): (i64, i64),
        bucket_ms: i64,
        aggs: Vec<Agg>,
        reader: AggregateReader,
    ) -> Aggregate {
        let names = reader.column_names();
        Aggregate { db, table, start_ms, end_ms, bucket_ms, aggs, names, first: Mutex::new(Some(reader)) }
    }

    fn reader(&self, py: Python<'_>) -> PyResult<AggregateReader> {
        if let Some(r) = lock(&self.first).take() {
            return Ok(r);
        }
        let (db, table, aggs) = (&self.db, self.table.as_str(), self.aggs.as_slice());
        let (start, end, bucket) = (self.start_ms, self.end_ms, self.bucket_ms);
        engine(py, || db.aggregate_reader(table, start, end, bucket, aggs))
    }
}

#[pymethods]
impl Aggregate {
    /// Exports the buckets as an Arrow C stream (`arrow_array_stream`
    /// PyCapsule), computed batch by batch as the consumer pulls.
    /// `requested_schema` is accepted and ignored.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        ignore_requested_schema(requested_schema)?;
        let reader = self.reader(py)?;
        stream_capsule(py, Box::new(aggregate_batches(reader)))
    }

    /// Names of the result's columns: `bucket_start`, then `<column>_<agg>`.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        std::iter::once(BUCKET_FIELD.to_owned()).chain(self.names.iter().map(|n| n.0.clone())).collect()
    }

    /// Bucket width in ms.
    #[getter]
    fn bucket_ms(&self) -> i64 {
        self.bucket_ms
    }

    /// Computes every bucket into numpy arrays: a dict of column name to
    /// array, `bucket_start` (int64 ms) first, then `<column>_<agg>`
    /// (uint64 for count, float64 otherwise). No copy of the results.
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let reader = self.reader(py)?;
        let a = engine(py, || reader.read_all())?;
        let out = PyDict::new(py);
        out.set_item(BUCKET_FIELD, a.bucket_start.into_pyarray(py))?;
        for c in a.columns {
            match c.values {
                AggValues::U64(v) => out.set_item(c.name, v.into_pyarray(py))?,
                AggValues::F64(v) => out.set_item(c.name, v.into_pyarray(py))?,
            }
        }
        Ok(out)
    }

    /// The buckets as a `pyarrow.Table` (needs pyarrow).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())
    }

    /// The buckets as a `pandas.DataFrame` through pyarrow.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())?.call_method0("to_pandas")
    }

    /// The buckets as a `polars.DataFrame`.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_polars(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "nanots.Aggregate(table={:?}, start_ms={}, end_ms={}, bucket_ms={}, aggs={:?})",
            self.table,
            bound_repr(self.start_ms, i64::MIN),
            bound_repr(self.end_ms, i64::MAX),
            self.bucket_ms,
            self.aggs.iter().map(|a| a.name()).collect::<Vec<_>>()
        )
    }
}

/// Rows held in memory (the result of `Db.latest`): `ts_ms:
/// timestamp[ms]` then the value columns, oldest first. Implements the
/// Arrow PyCapsule interface (`__arrow_c_stream__` and
/// `__arrow_c_array__`) and converts to numpy; `len(rows)` is the number
/// of rows.
#[pyclass(frozen, module = "nanots")]
pub(crate) struct Rows {
    schema: SchemaRef,
    batch: RecordBatch,
}

impl Rows {
    pub(crate) fn new(batch: RecordBatch) -> Rows {
        Rows { schema: batch.schema(), batch }
    }
}

#[pymethods]
impl Rows {
    /// Exports the rows as an Arrow C stream of one batch.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        ignore_requested_schema(requested_schema)?;
        stream_capsule(py, Box::new(MemoryBatches::new(self.schema.clone(), vec![self.batch.clone()])))
    }

    /// Exports the rows as one Arrow record batch: `(arrow_schema,
    /// arrow_array)` PyCapsules (a struct array).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        ignore_requested_schema(requested_schema)?;
        let (s, a) = batch_capsules(py, self.batch.clone())?;
        PyTuple::new(py, [s.into_any(), a.into_any()])
    }

    /// Names of the columns: `ts_ms`, then the value columns.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// The rows as numpy arrays (copies): a dict of column name to array,
    /// `ts_ms` (int64 ms) first, then one float64 array per value column.
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (field, col) in self.schema.fields().iter().zip(self.batch.columns()) {
            let any = col.as_any();
            if let Some(ts) = any.downcast_ref::<TimestampMillisecondArray>() {
                out.set_item(field.name(), PyArray1::from_slice(py, ts.values()))?;
            } else if let Some(f) = any.downcast_ref::<Float64Array>() {
                out.set_item(field.name(), PyArray1::from_slice(py, f.values()))?;
            } else if let Some(u) = any.downcast_ref::<UInt64Array>() {
                out.set_item(field.name(), PyArray1::from_slice(py, u.values()))?;
            } else {
                return Err(crate::errors::Error::new_err(format!(
                    "internal error: unexpected Arrow type {} of column {}",
                    col.data_type(),
                    field.name()
                )));
            }
        }
        Ok(out)
    }

    /// The rows as a `pyarrow.Table` (needs pyarrow).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())
    }

    /// The rows as a `pandas.DataFrame` through pyarrow.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_arrow(slf.as_any())?.call_method0("to_pandas")
    }

    /// The rows as a `polars.DataFrame`.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_polars(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!("nanots.Rows(rows={}, columns={:?})", self.batch.num_rows(), self.column_names())
    }
}
