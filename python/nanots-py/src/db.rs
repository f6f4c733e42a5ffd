//! `nanots.Db`: the database handle.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nanots::{
    Agg, AutoMaintenanceOptions, BackupMode, NanoTsDbShared, NanoTsOptions, RecoveryMode, SyncMode,
};
use numpy::{IntoPyArray, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyCapsule, PyDict, PyList, PyString, PyTuple};

use crate::arrow_export::{batch_capsules, table_batch, table_schema};
use crate::errors::{SchemaMismatchError, engine};
use crate::handle::Handle;
use crate::results::{Aggregate, Query, Rows};
use crate::stats::{SqlOutcome, TableStats};
use crate::timestamps::{Rounding, Timestamps, array_ms, bound_ms, duration_ms, scalar_ms};
use crate::values::{self, Values};

/// An open NanoTS database: one `.ntt` file (plus its `-wal` side file
/// while open), locked for writing by this handle.
///
/// `Db(path, retention_ms=None, *, sync="on_flush", auto_flush_bytes=None,
/// segment_max_rows=None, segment_partition_ms=None, max_record_size=None,
/// recovery="strict", read_only=False, auto_maintenance=False)` opens the
/// file, creating it if needed, and recovers from any crash (rows still in
/// the WAL are replayed).
///
/// - `retention_ms`: rows older than this (relative to the table's newest
///   row, or the clock if earlier) are removed by `compact_retention_now()`
///   (or by background maintenance). `None` keeps everything.
/// - `sync`: `"on_flush"` (default: fsync at every flush; a process crash
///   never loses a returned append, power loss may lose appends since the
///   last flush), `"every_append"` (every returned append survives power
///   loss) or `"never"`.
/// - `auto_flush_bytes`: buffered row bytes (8 per timestamp and value)
///   that trigger a flush; default 4 MiB, 0 disables.
/// - `segment_max_rows`: most rows per segment (default 131,072).
/// - `segment_partition_ms`: cut segments at multiples of this many ms.
/// - `max_record_size`: record size cap in bytes (default: the
///   `NANOTS_MAX_RECORD_SIZE` environment variable, else 64 MiB).
/// - `recovery`: `"strict"` (refuse damaged files) or `"salvage"`.
/// - `read_only`: follow a writer in this or another process; write calls
///   raise `ReadOnlyError`.
/// - `auto_maintenance`: `True` runs a background thread that flushes,
///   applies retention and merges small segments.
///
/// Timestamps are `int` milliseconds since the Unix epoch, `datetime`
/// objects (timezone-aware, or naive read as UTC) or numpy `datetime64`
/// (any unit). Written timestamps must be whole milliseconds (a finer one
/// raises `ValueError`); range bounds are inclusive at both ends, and a
/// finer start rounds up, a finer end down.
///
/// Threads: every call releases the GIL while the engine works, and one
/// `Db` may be shared by threads. Appends are serialized by the engine;
/// queries run concurrently with each other, with appends and with pack
/// and compaction; flush, table creation, deletes, pack and compaction
/// are serialized with each other.
///
/// `with nanots.Db(path) as db:` closes the database (flushing it) on exit.
#[pyclass(frozen, module = "nanots")]
pub(crate) struct Db {
    db: Handle,
    closed: AtomicBool,
}

fn sync_mode(s: &str) -> PyResult<SyncMode> {
    match s {
        "on_flush" => Ok(SyncMode::OnFlush),
        "every_append" => Ok(SyncMode::EveryAppend),
        "never" => Ok(SyncMode::Never),
        _ => Err(PyValueError::new_err(format!(
            "sync must be \"on_flush\", \"every_append\" or \"never\", got {s:?}"
        ))),
    }
}

fn recovery_mode(s: &str) -> PyResult<RecoveryMode> {
    match s {
        "strict" => Ok(RecoveryMode::Strict),
        "salvage" => Ok(RecoveryMode::Salvage),
        _ => Err(PyValueError::new_err(format!("recovery must be \"strict\" or \"salvage\", got {s:?}"))),
    }
}

fn agg(name: &str) -> PyResult<Agg> {
    Ok(match name {
        "count" => Agg::Count,
        "sum" => Agg::Sum,
        "min" => Agg::Min,
        "max" => Agg::Max,
        "mean" => Agg::Mean,
        "first" => Agg::First,
        "last" => Agg::Last,
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown aggregate {name:?}: expected count, sum, min, max, mean, first or last"
            )));
        }
    })
}

fn aggs_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Agg>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![agg(&s.to_cow()?)?]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(
                "aggs must be aggregate names (strings) such as [\"min\", \"max\", \"mean\"]",
            )
        })?;
        out.push(agg(&s.to_cow()?)?);
    }
    Ok(out)
}

/// A count or size that must not be negative (`ValueError` rather than
/// the `OverflowError` of an unsigned argument).
fn non_negative<T: TryFrom<i64>>(n: i64, what: &str) -> PyResult<T> {
    T::try_from(n).map_err(|_| {
        PyValueError::new_err(if n < 0 {
            format!("{what} must not be negative, got {n}")
        } else {
            format!("{what} is too large: {n}")
        })
    })
}

fn positive_usize(v: Option<i64>, what: &str) -> PyResult<Option<usize>> {
    v.map(|n| non_negative(n, what)).transpose()
}

fn names_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!("{what} must be a list of names, not one string")));
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let s = item
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err(format!("{what} must be strings, got {}", item.get_type())))?;
        out.push(s.to_cow()?.into_owned());
    }
    Ok(out)
}

thread_local! {
    /// The table name this thread's per-row calls (`append_row`, `append`)
    /// saw last, as the str object and its UTF-8 text. A loop passes the
    /// same str object every time, and on abi3 for Python 3.9 reading a
    /// str's text means a new bytes object, which would cost a good part of
    /// a call. Holding a reference keeps the object's address from being
    /// reused, so same address means same (immutable) text. Per thread, so
    /// the hit path takes no lock and no reference count (a `Mutex` and an
    /// `Arc` here cost four atomic operations per row).
    static LAST_TABLE: RefCell<Option<(Py<PyString>, Box<str>)>> = const { RefCell::new(None) };
}

/// Runs `f` with the text of the table name `table`, cached for the
/// per-row calls (see `LAST_TABLE`). Never panics on re-entry: should `f`
/// run Python code that appends on this thread (it is an engine call, which
/// runs detached, so it should not), the inner call reads the name afresh.
fn with_table_name<R>(table: &Bound<'_, PyString>, f: impl FnOnce(&str) -> PyResult<R>) -> PyResult<R> {
    LAST_TABLE.with(|cell| {
        if let Ok(last) = cell.try_borrow()
            && let Some((obj, name)) = last.as_ref()
            && obj.as_ptr() == table.as_ptr()
        {
            return f(name);
        }
        let name: Box<str> = table.to_cow()?.into();
        let r = f(&name);
        if let Ok(mut slot) = cell.try_borrow_mut() {
            let old = slot.replace((table.clone().unbind(), name));
            // The old name is dropped after the borrow ends: a str
            // subclass's `__del__` may run Python code, even an append.
            drop(slot);
            drop(old);
        }
        r
    })
}

impl Db {
    /// The value columns of an `append_rows` call, in table order.
    fn columns_arg<'py>(&self, table: &str, cols: &Bound<'py, PyAny>) -> PyResult<Vec<Values<'py>>> {
        let py = cols.py();
        if let Ok(arr) = cols.cast::<PyUntypedArray>() {
            return Err(if arr.ndim() == 2 {
                PyValueError::new_err(format!(
                    "cols: a 2-D array (shape {}) is ambiguous; pass a list of 1-D columns, e.g. list(a.T) \
                     for rows x columns",
                    crate::values::shape(arr.shape())
                ))
            } else {
                PyTypeError::new_err(
                    "cols: expected a list of 1-D arrays (one per column), or a dict name -> array",
                )
            });
        }
        if cols.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err("cols: expected a list of arrays, got a str"));
        }
        let is_mapping = cols.is_instance_of::<PyDict>()
            || (!cols.is_instance_of::<PyList>()
                && !cols.is_instance_of::<PyTuple>()
                && cols.hasattr("keys")?);
        if !is_mapping {
            let mut out = Vec::new();
            for (i, c) in cols.try_iter()?.enumerate() {
                out.push(values::array(&c?, &format!("cols[{i}]"))?);
            }
            return Ok(out);
        }
        let db = &self.db;
        let names = engine(py, || db.table_columns(table))?;
        let mut given = names_arg(&cols.call_method0("keys")?, "cols keys")?;
        given.sort();
        let mut want = names.clone();
        want.sort();
        if given != want {
            return Err(SchemaMismatchError::new_err(format!(
                "table {table:?} has columns {names:?}, the dict has {given:?}"
            )));
        }
        names.iter().map(|n| values::array(&cols.get_item(n)?, &format!("cols[{n:?}]"))).collect()
    }
}

#[pymethods]
impl Db {
    #[new]
    #[pyo3(signature = (
        path,
        retention_ms=None,
        *,
        sync=None,
        auto_flush_bytes=None,
        segment_max_rows=None,
        segment_partition_ms=None,
        max_record_size=None,
        recovery=None,
        read_only=false,
        auto_maintenance=false,
    ))]
    #[pyo3(text_signature = "(path, retention_ms=None, *, sync='on_flush', auto_flush_bytes=None, \
        segment_max_rows=None, segment_partition_ms=None, max_record_size=None, recovery='strict', \
        read_only=False, auto_maintenance=False)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        retention_ms: Option<&Bound<'_, PyAny>>,
        sync: Option<PyBackedStr>,
        auto_flush_bytes: Option<i64>,
        segment_max_rows: Option<i64>,
        segment_partition_ms: Option<i64>,
        max_record_size: Option<i64>,
        recovery: Option<PyBackedStr>,
        read_only: bool,
        auto_maintenance: bool,
    ) -> PyResult<Db> {
        let mut opts = NanoTsOptions { read_only, ..Default::default() };
        if let Some(r) = retention_ms.filter(|r| !r.is_none()) {
            let ms = duration_ms(r, "retention_ms")?;
            let ms = u64::try_from(ms)
                .map_err(|_| PyValueError::new_err(format!("retention_ms must not be negative, got {ms}")))?;
            opts.retention = Some(Duration::from_millis(ms));
        }
        opts.sync = sync_mode(sync.as_deref().unwrap_or("on_flush"))?;
        opts.recovery = recovery_mode(recovery.as_deref().unwrap_or("strict"))?;
        if let Some(b) = positive_usize(auto_flush_bytes, "auto_flush_bytes")? {
            opts.auto_flush_bytes = b;
        }
        if let Some(r) = positive_usize(segment_max_rows, "segment_max_rows")? {
            opts.segment_max_rows = r;
        }
        opts.segment_partition_ms = segment_partition_ms;
        opts.max_record_size = max_record_size.map(|n| non_negative(n, "max_record_size")).transpose()?;
        if auto_maintenance {
            opts.auto_maintenance = Some(AutoMaintenanceOptions::default());
        }
        let db = engine(py, || NanoTsDbShared::open(&path, opts))?;
        Ok(Db { db: Handle::new(db), closed: AtomicBool::new(false) })
    }

    /// The database file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.db.path().to_path_buf()
    }

    /// Whether the handle was opened with `read_only=True`.
    #[getter]
    fn read_only(&self) -> bool {
        self.db.is_read_only()
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Creates table `name` with the value columns `columns` (the `ts_ms`
    /// column is implicit). Creating a table that exists with the same
    /// columns does nothing.
    ///
    /// Raises `AlreadyExistsError` if it exists with other columns,
    /// `InvalidArgumentError` for an empty, too long (> 255 bytes) or
    /// control-character name, no columns, more than 4096, duplicates or a
    /// column named `ts_ms`.
    fn create_table(&self, py: Python<'_>, name: PyBackedStr, columns: &Bound<'_, PyAny>) -> PyResult<()> {
        let columns = names_arg(columns, "columns")?;
        let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
        let db = &self.db;
        engine(py, || db.create_table(&name, &refs))
    }

    /// Appends `value` at `ts_ms` to the one-column series `series`
    /// (column `value`), creating it on first use.
    ///
    /// Raises `SchemaMismatchError` if `series` is a table with other
    /// columns.
    fn append(
        &self,
        py: Python<'_>,
        series: &Bound<'_, PyString>,
        ts_ms: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ts = scalar_ms(ts_ms, "ts_ms", Rounding::Exact)?;
        let v = values::scalar_f64(value, "value")?;
        let db = &self.db;
        with_table_name(series, |series| engine(py, || db.append(series, ts, v)))
    }

    /// Appends one row: `values` (a list, tuple or 1-D array of numbers,
    /// one per column, in table order) at `ts_ms`. Any timestamp order is
    /// accepted. The row is in the WAL when this returns.
    ///
    /// Raises `NotFoundError` for an unknown table, `SchemaMismatchError`
    /// when the number of values differs from the table's columns,
    /// `TypeError` for a value that is not a number (write NaN for a
    /// missing value).
    fn append_row(
        &self,
        py: Python<'_>,
        table: &Bound<'_, PyString>,
        ts_ms: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ts = scalar_ms(ts_ms, "ts_ms", Rounding::Exact)?;
        let mut buf = [0.0; values::INLINE_VALUES];
        let other;
        let row = match values::float_tuple(values, &mut buf) {
            Some(n) => &buf[..n],
            None => {
                other = values::row(values, "values")?;
                other.as_slice()?
            }
        };
        let db = &self.db;
        with_table_name(table, |table| engine(py, || db.append_row(table, ts, row)))
    }

    /// Appends many rows at once, column by column: `cols[c][i]` is the
    /// value of column `c` at `ts[i]`.
    ///
    /// `ts`: a 1-D array of int64 milliseconds (read in place, no copy) or
    /// of datetime64 (any unit, converted), or anything `numpy.asarray`
    /// takes (buffer protocol objects such as `array.array("q")`, pandas,
    /// pyarrow), or a list. `cols`: a list of 1-D arrays in table order,
    /// or a dict (or DataFrame) of column name to array; float64 arrays are
    /// read in place, other numeric types converted. There is no Python
    /// loop over rows. Do not modify the arrays from another thread while
    /// the call runs.
    ///
    /// All or nothing: wrong types raise `TypeError`, other shapes or
    /// lengths `ValueError`, a wrong number of columns
    /// `SchemaMismatchError`, all before anything is written.
    fn append_rows(
        &self,
        py: Python<'_>,
        table: PyBackedStr,
        ts: &Bound<'_, PyAny>,
        cols: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ts: Timestamps<'_> = array_ms(ts, "ts")?;
        let ts = ts.as_slice()?;
        let columns = self.columns_arg(&table, cols)?;
        let slices: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect::<PyResult<_>>()?;
        for (i, c) in slices.iter().enumerate() {
            if c.len() != ts.len() {
                return Err(PyValueError::new_err(format!(
                    "cols[{i}] has {} values but ts has {} timestamps",
                    c.len(),
                    ts.len()
                )));
            }
        }
        let db = &self.db;
        engine(py, || db.append_rows(&table, ts, &slices))
    }

    /// Writes all buffered rows into compressed segments of the file,
    /// fsyncs it (unless `sync="never"`) and empties the WAL.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let db = &self.db;
        engine(py, || db.flush())
    }

    /// Rows of `table` with `start_ms <= ts <= end_ms` (inclusive at both
    /// ends; `None` is open), sorted by timestamp, as `(ts_ms, cols)`: an
    /// int64 numpy array of milliseconds and a list of float64 numpy
    /// arrays, one per column in table order. Includes unflushed rows. The
    /// engine's buffers become the arrays' memory (no copy).
    ///
    /// Raises `NotFoundError`, `InvalidArgumentError` if start > end.
    #[pyo3(signature = (table, start_ms=None, end_ms=None))]
    fn query_table_range_columns<'py>(
        &self,
        py: Python<'py>,
        table: PyBackedStr,
        start_ms: Option<&Bound<'py, PyAny>>,
        end_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyList>)> {
        let start = bound_ms(start_ms, "start_ms", true)?;
        let end = bound_ms(end_ms, "end_ms", false)?;
        let db = &self.db;
        let c = engine(py, || db.query_range(&table, start, end))?;
        let ts = c.ts.into_pyarray(py).into_any();
        let cols = PyList::new(py, c.columns.into_iter().map(|v| v.into_pyarray(py)))?;
        Ok((ts, cols))
    }

    /// The rows of `[start_ms, end_ms]` (inclusive) as one Arrow record
    /// batch: `(schema_capsule, array_capsule)`, PyCapsules of the Arrow C
    /// Data Interface for `pyarrow.RecordBatch._import_from_c_capsule`.
    /// Schema: `ts_ms: timestamp[ms]`, then one float64 column per value
    /// column. No copy of the engine's buffers. For large ranges prefer
    /// `query()`, which streams.
    #[pyo3(signature = (table, start_ms=None, end_ms=None))]
    fn query_table_range_arrow_capsules<'py>(
        &self,
        py: Python<'py>,
        table: PyBackedStr,
        start_ms: Option<&Bound<'py, PyAny>>,
        end_ms: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let start = bound_ms(start_ms, "start_ms", true)?;
        let end = bound_ms(end_ms, "end_ms", false)?;
        let db = &self.db;
        let batch = engine(py, || {
            let reader = db.range_reader(&table, start, end)?;
            let schema = table_schema(reader.column_names());
            let cols = reader.read_all()?;
            Ok(table_batch(&schema, cols))
        })?
        .map_err(|e| crate::errors::Error::new_err(e.to_string()))?;
        batch_capsules(py, batch)
    }

    /// The rows of `table` with `start <= ts <= end` (inclusive; `None` is
    /// open) as a `Query`: an object with `__arrow_c_stream__` that streams
    /// them batch by batch from the engine's range reader, never holding
    /// the whole table. `pyarrow.table(q)`, `polars.DataFrame(q)`,
    /// `duckdb.sql("select * from q")`, `q.to_pandas()`, `q.to_numpy()`.
    ///
    /// The snapshot is taken now: later appends are not in the first
    /// export. Raises `NotFoundError`, `InvalidArgumentError` if start > end.
    #[pyo3(signature = (table, start=None, end=None))]
    fn query(
        &self,
        py: Python<'_>,
        table: PyBackedStr,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Query> {
        let start = bound_ms(start, "start", true)?;
        let end = bound_ms(end, "end", false)?;
        let db = &self.db;
        let reader = engine(py, || db.range_reader(&table, start, end))?;
        Ok(Query::new(self.db.clone(), table.to_string(), start, end, reader))
    }

    /// Aggregates `table` over `[start, end]` (inclusive; `None` is open)
    /// in buckets of `bucket_ms` (int ms or `timedelta`) aligned to
    /// multiples of it from the Unix epoch. `aggs`: any of `"count"`,
    /// `"sum"`, `"min"`, `"max"`, `"mean"`, `"first"`, `"last"`. Returns an
    /// `Aggregate` (Arrow stream, `to_numpy()`, ...) with one row per
    /// non-empty bucket and a column `<column>_<agg>` per value column and
    /// aggregate. Segments wholly inside one bucket are answered from their
    /// statistics without decoding.
    ///
    /// Raises `NotFoundError`; `InvalidArgumentError` if start > end,
    /// `bucket_ms <= 0` or `aggs` is empty; `ValueError` for an unknown
    /// aggregate.
    #[pyo3(signature = (table, start, end, bucket_ms, aggs=None))]
    #[pyo3(text_signature = "($self, table, start, end, bucket_ms, aggs=('min', 'max', 'mean'))")]
    fn aggregate(
        &self,
        py: Python<'_>,
        table: PyBackedStr,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
        bucket_ms: &Bound<'_, PyAny>,
        aggs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Aggregate> {
        let start = bound_ms(start, "start", true)?;
        let end = bound_ms(end, "end", false)?;
        let bucket = duration_ms(bucket_ms, "bucket_ms")?;
        let aggs = match aggs {
            Some(a) => aggs_arg(a)?,
            None => vec![Agg::Min, Agg::Max, Agg::Mean],
        };
        let db = &self.db;
        let reader = engine(py, || db.aggregate_reader(&table, start, end, bucket, &aggs))?;
        Ok(Aggregate::new(self.db.clone(), table.to_string(), (start, end), bucket, aggs, reader))
    }

    /// The last `n` rows of `table` by timestamp (ties in append order),
    /// oldest first, as `Rows` (Arrow-exportable, `to_numpy()`). Reads only
    /// the newest segments. An empty table gives no rows.
    #[pyo3(signature = (table, n=1))]
    fn latest(&self, py: Python<'_>, table: PyBackedStr, n: i64) -> PyResult<Rows> {
        let n: usize = non_negative(n, "n")?;
        let db = &self.db;
        let batch = engine(py, || {
            let schema = table_schema(&db.table_columns(&table)?);
            let cols = db.latest_n(&table, n)?;
            Ok(table_batch(&schema, cols))
        })?
        .map_err(|e| crate::errors::Error::new_err(e.to_string()))?;
        Ok(Rows::new(batch))
    }

    /// Storage statistics of `table`: rows, segments, bytes on disk, raw
    /// bytes, compression ratio and codecs per column, as a `TableStats`.
    fn stats(&self, py: Python<'_>, table: PyBackedStr) -> PyResult<TableStats> {
        let db = &self.db;
        let s = engine(py, || db.stats(&table))?;
        Ok(TableStats::new(&s))
    }

    /// Merges all segments of `table` into sorted segments of about
    /// `target_rows` rows (1..=4,194,304), re-encoded with the strongest
    /// codecs; flushes first and applies pending deletes. The file is
    /// rewritten beside and renamed into place: a crash leaves the old or
    /// the new file, both complete.
    #[pyo3(signature = (table, target_rows=131_072))]
    fn pack_table(&self, py: Python<'_>, table: PyBackedStr, target_rows: i64) -> PyResult<()> {
        let target_rows: usize = non_negative(target_rows, "target_rows")?;
        let db = &self.db;
        engine(py, || db.pack_table(&table, target_rows))
    }

    /// Rewrites the file without the rows that retention (`retention_ms`),
    /// deletes and dropped tables removed, so it shrinks. Does nothing if
    /// there is nothing to remove.
    fn compact_retention_now(&self, py: Python<'_>) -> PyResult<()> {
        let db = &self.db;
        engine(py, || db.compact_retention_now())
    }

    /// Deletes the rows of `table` with `start <= ts <= end` (inclusive;
    /// `None` is open) that exist now; queries stop seeing them at once,
    /// their space comes back at the next pack or compaction.
    #[pyo3(signature = (table, start=None, end=None))]
    fn delete_range(
        &self,
        py: Python<'_>,
        table: PyBackedStr,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let start = bound_ms(start, "start", true)?;
        let end = bound_ms(end, "end", false)?;
        let db = &self.db;
        engine(py, || db.delete_range(&table, start, end))
    }

    /// Drops `table` and all its rows; the name can be used again at once.
    fn drop_table(&self, py: Python<'_>, table: PyBackedStr) -> PyResult<()> {
        let db = &self.db;
        engine(py, || db.drop_table(&table))
    }

    /// Names of all tables, sorted.
    fn list_tables(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let db = &self.db;
        engine(py, || db.list_tables())
    }

    /// Value column names of `table`, in order (without `ts_ms`).
    fn table_columns(&self, py: Python<'_>, table: PyBackedStr) -> PyResult<Vec<String>> {
        let db = &self.db;
        engine(py, || db.table_columns(&table))
    }

    /// Runs SQL statements separated by `;`: `CREATE TABLE [IF NOT EXISTS]
    /// name (col [DOUBLE], ...)` and `INSERT INTO name [(ts_ms, col, ...)]
    /// VALUES (ts, v, ...), ...`. Each statement is atomic; statements
    /// before a failing one stay executed. Errors give line and column.
    /// Queries are not SQL here: use `query()` (and DuckDB over it).
    fn exec_sql(&self, py: Python<'_>, sql: PyBackedStr) -> PyResult<SqlOutcome> {
        let db = &self.db;
        let o = engine(py, || db.exec_sql(&sql))?;
        Ok(SqlOutcome::new(&o))
    }

    /// Writes a consistent copy of the database to `dest`, a new file
    /// (buffered rows are flushed first): a closed database ready to be
    /// moved off the device. `pack=True` also merges every table into
    /// sorted segments with the strongest codecs. Raises
    /// `AlreadyExistsError` if `dest` exists.
    #[pyo3(signature = (dest, *, pack=false))]
    fn backup(&self, py: Python<'_>, dest: PathBuf, pack: bool) -> PyResult<()> {
        let mode = if pack { BackupMode::Pack } else { BackupMode::Copy };
        let db = &self.db;
        engine(py, || db.backup(&dest, mode))
    }

    /// On a read-only handle, brings its view up to what the writer has
    /// committed (queries do this themselves). Returns whether it changed;
    /// always `False` on a writer.
    fn refresh(&self, py: Python<'_>) -> PyResult<bool> {
        let db = &self.db;
        engine(py, || db.refresh())
    }

    /// Flushes, checkpoints and removes the WAL, and releases the lock:
    /// the `.ntt` file alone is then the database. Later calls raise
    /// `ClosedError`; closing twice is fine. On error the handle stays open
    /// and no row is lost (the WAL still holds them).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let db = &self.db;
        engine(py, || db.close())?;
        self.closed.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the database (flushing it), also when the block raised.
    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let path = PyString::new(py, &self.db.path().display().to_string()).repr()?;
        let state = if self.closed() {
            ", closed"
        } else if self.read_only() {
            ", read_only"
        } else {
            ""
        };
        Ok(format!("nanots.Db({path}{state})"))
    }
}
