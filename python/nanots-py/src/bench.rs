//! The Rust side of `bench/bench.py`: the same engine calls the Python
//! benchmark makes, timed in Rust, in the same process and build, so the
//! two can be compared in one run. Private (`nanots._bench_*`); not API.

use std::time::Instant;

use nanots::{NanoTsDb, NanoTsOptions};
use pyo3::prelude::*;

use crate::arrow_export::RangeBatches;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Runs `f` without the GIL; any error becomes a `nanots.Error`.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> BenchResult<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(|e| crate::errors::Error::new_err(e.to_string()))
}

/// First timestamp of the benchmark series (2024-01-01, ms).
const T0: i64 = 1_704_067_200_000;

/// The benchmark series, as `bench.py` builds it with numpy: row `i` at
/// `T0 + i s`, a sensor-like drift and a 0.1-step humidity.
fn series(start: i64, end: i64) -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    let ts = (start..end).map(|i| T0 + i * 1000).collect();
    let a = (start..end).map(|i| 20.0 + (i % 5000) as f64 * 0.01).collect();
    let b = (start..end).map(|i| 40.0 + ((i / 7) % 300) as f64 * 0.1).collect();
    (ts, a, b)
}

/// Seconds for: open `path` (new), create table `t(a, b)`, `append_rows`
/// of `rows` rows in calls of `chunk` rows, close (which flushes). The
/// series is built before the clock starts.
#[pyfunction]
pub(crate) fn _bench_append_rows(
    py: Python<'_>,
    path: std::path::PathBuf,
    rows: i64,
    chunk: i64,
) -> PyResult<f64> {
    run(py, || {
        let (ts, a, b) = series(0, rows);
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        db.create_table("t", &["a", "b"])?;
        let chunk = chunk.max(1) as usize;
        let t = Instant::now();
        for ((ts, a), b) in ts.chunks(chunk).zip(a.chunks(chunk)).zip(b.chunks(chunk)) {
            db.append_rows("t", ts, &[a, b])?;
        }
        db.close()?;
        Ok(t.elapsed().as_secs_f64())
    })
}

/// Seconds for `rows` calls of `append_row` on a new database at `path`
/// (table `t(a, b)`), close included. Values are computed in the loop, as
/// the Python loop reads them from prepared lists.
#[pyfunction]
pub(crate) fn _bench_append_row(py: Python<'_>, path: std::path::PathBuf, rows: i64) -> PyResult<f64> {
    run(py, || {
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        db.create_table("t", &["a", "b"])?;
        let t = Instant::now();
        for i in 0..rows {
            db.append_row(
                "t",
                T0 + i * 1000,
                &[20.0 + (i % 5000) as f64 * 0.01, 40.0 + ((i / 7) % 300) as f64 * 0.1],
            )?;
        }
        db.close()?;
        Ok(t.elapsed().as_secs_f64())
    })
}

/// On the database at `path` (closed, table `t`), seconds for
/// `query_table_range_columns` of `[start, end]` and for reading the same
/// range into a list of Arrow record batches through the range reader (what
/// `pyarrow.table(Db.query(...))` gets), and the row count.
#[pyfunction]
pub(crate) fn _bench_query(
    py: Python<'_>,
    path: std::path::PathBuf,
    start: i64,
    end: i64,
) -> PyResult<(f64, f64, usize)> {
    run(py, || {
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        let t = Instant::now();
        let (ts, _cols) = db.query_table_range_columns("t", start, end)?;
        let columns = t.elapsed().as_secs_f64();
        let rows = ts.len();
        drop((ts, _cols));
        // The batches are kept until the clock stops, as `pyarrow.table`
        // keeps them (freeing each one as it goes would reuse its memory
        // and skip the page faults a materialised result pays).
        let t = Instant::now();
        let reader = db.range_reader("t", start, end)?;
        let batches = RangeBatches::new(reader).collect::<Result<Vec<_>, _>>()?;
        let stream = t.elapsed().as_secs_f64();
        let streamed: usize = batches.iter().map(|b| b.num_rows()).sum();
        drop(batches);
        db.close()?;
        if streamed != rows {
            return Err(format!("the stream read {streamed} rows, the columns query {rows}").into());
        }
        Ok((columns, stream, rows))
    })
}
