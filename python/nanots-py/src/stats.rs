//! Small typed result objects: `TableStats` / `ColumnStats` (from
//! `Db.stats`) and `SqlOutcome` (from `Db.exec_sql`).

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Storage of one column (or of the timestamps) of a table.
#[pyclass(frozen, module = "nanots")]
#[derive(Clone)]
pub(crate) struct ColumnStats {
    /// Column name (`ts_ms` for the timestamps).
    #[pyo3(get)]
    name: String,
    /// Encoded bytes of this column's chunks in flushed segments.
    #[pyo3(get)]
    bytes: u64,
    /// 8 bytes per flushed value.
    #[pyo3(get)]
    raw_bytes: u64,
    /// (codec name, segments using it), most used first.
    codecs: Vec<(String, u64)>,
}

impl ColumnStats {
    fn new(c: &nanots::ColumnStorage) -> ColumnStats {
        ColumnStats {
            name: c.name.clone(),
            bytes: c.bytes_on_disk,
            raw_bytes: c.raw_bytes,
            codecs: c.codecs.iter().map(|u| (u.name.to_owned(), u.segments)).collect(),
        }
    }

    fn codecs_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, n) in &self.codecs {
            d.set_item(name, n)?;
        }
        Ok(d)
    }
}

#[pymethods]
impl ColumnStats {
    /// Segments per codec (e.g. `{"gorilla": 3, "floatint": 1}`), most used
    /// first.
    #[getter]
    fn codecs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.codecs_dict(py)
    }

    /// `raw_bytes / bytes` (0.0 when nothing is flushed).
    #[getter]
    fn ratio(&self) -> f64 {
        if self.bytes == 0 { 0.0 } else { self.raw_bytes as f64 / self.bytes as f64 }
    }

    /// The fields as a dict (codecs as a dict of name to segments).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", &self.name)?;
        d.set_item("bytes", self.bytes)?;
        d.set_item("raw_bytes", self.raw_bytes)?;
        d.set_item("ratio", self.ratio())?;
        d.set_item("codecs", self.codecs_dict(py)?)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let codecs: Vec<String> = self.codecs.iter().map(|(n, s)| format!("{n:?}: {s}")).collect();
        format!(
            "ColumnStats(name={:?}, bytes={}, raw_bytes={}, ratio={:.2}, codecs={{{}}})",
            self.name,
            self.bytes,
            self.raw_bytes,
            self.ratio(),
            codecs.join(", ")
        )
    }
}

/// Storage statistics of a table, from `Db.stats` (read from segment
/// headers; nothing is decoded).
#[pyclass(frozen, get_all, module = "nanots")]
pub(crate) struct TableStats {
    /// Table name.
    table: String,
    /// Rows: flushed plus buffered.
    rows: u64,
    /// Rows in segments of the file.
    flushed_rows: u64,
    /// Rows appended but not flushed yet (in the WAL and in memory).
    buffered_rows: u64,
    /// Segments of the table in the file.
    segments: u64,
    /// Bytes of the table's segment records in the file, headers included.
    bytes: u64,
    /// 8 bytes per flushed timestamp and per flushed value.
    raw_bytes: u64,
    /// Storage of the timestamps.
    timestamps: ColumnStats,
    /// Storage of each value column, in table order.
    columns: Vec<ColumnStats>,
}

impl TableStats {
    pub(crate) fn new(s: &nanots::TableStats) -> TableStats {
        TableStats {
            table: s.table.clone(),
            rows: s.rows,
            flushed_rows: s.flushed_rows,
            buffered_rows: s.buffered_rows,
            segments: s.segments,
            bytes: s.bytes_on_disk,
            raw_bytes: s.raw_bytes,
            timestamps: ColumnStats::new(&s.timestamps),
            columns: s.columns.iter().map(ColumnStats::new).collect(),
        }
    }
}

#[pymethods]
impl TableStats {
    /// Compression ratio `raw_bytes / bytes` (0.0 when nothing is flushed).
    #[getter]
    fn ratio(&self) -> f64 {
        if self.bytes == 0 { 0.0 } else { self.raw_bytes as f64 / self.bytes as f64 }
    }

    /// Codecs in use per column: `{"ts_ms": {"delta": 2}, "temp":
    /// {"gorilla": 1, "floatint": 1}, ...}` (codec name to segments).
    #[getter]
    fn codecs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item(&self.timestamps.name, self.timestamps.codecs_dict(py)?)?;
        for c in &self.columns {
            d.set_item(&c.name, c.codecs_dict(py)?)?;
        }
        Ok(d)
    }

    /// The fields as a dict (nested column stats as dicts too).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("table", &self.table)?;
        d.set_item("rows", self.rows)?;
        d.set_item("flushed_rows", self.flushed_rows)?;
        d.set_item("buffered_rows", self.buffered_rows)?;
        d.set_item("segments", self.segments)?;
        d.set_item("bytes", self.bytes)?;
        d.set_item("raw_bytes", self.raw_bytes)?;
        d.set_item("ratio", self.ratio())?;
        d.set_item("codecs", self.codecs(py)?)?;
        d.set_item("timestamps", self.timestamps.to_dict(py)?)?;
        let cols: PyResult<Vec<Bound<'py, PyDict>>> = self.columns.iter().map(|c| c.to_dict(py)).collect();
        d.set_item("columns", cols?)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let codecs: Vec<String> = std::iter::once(&self.timestamps)
            .chain(&self.columns)
            .map(|c| {
                let used: Vec<String> = c.codecs.iter().map(|(n, s)| format!("{n:?}: {s}")).collect();
                format!("{:?}: {{{}}}", c.name, used.join(", "))
            })
            .collect();
        format!(
            "TableStats(table={:?}, rows={}, flushed_rows={}, buffered_rows={}, segments={}, bytes={}, \
             raw_bytes={}, ratio={:.2}, codecs={{{}}})",
            self.table,
            self.rows,
            self.flushed_rows,
            self.buffered_rows,
            self.segments,
            self.bytes,
            self.raw_bytes,
            self.ratio(),
            codecs.join(", ")
        )
    }
}

/// What `Db.exec_sql` did.
#[pyclass(frozen, get_all, module = "nanots")]
pub(crate) struct SqlOutcome {
    /// Statements executed (empty statements not counted).
    statements: usize,
    /// Tables created (`CREATE TABLE IF NOT EXISTS` finding the table does
    /// not count).
    tables_created: usize,
    /// Rows inserted.
    rows_inserted: u64,
}

impl SqlOutcome {
    pub(crate) fn new(o: &nanots::sql::SqlOutcome) -> SqlOutcome {
        SqlOutcome {
            statements: o.statements,
            tables_created: o.tables_created,
            rows_inserted: o.rows_inserted,
        }
    }
}

#[pymethods]
impl SqlOutcome {
    fn __repr__(&self) -> String {
        format!(
            "SqlOutcome(statements={}, tables_created={}, rows_inserted={})",
            self.statements, self.tables_created, self.rows_inserted
        )
    }
}
