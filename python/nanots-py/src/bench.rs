//! The Rust side of `bench/bench.py`: the same engine calls the Python
//! benchmark makes, timed in Rust, in the same process and build, so the
//! two can be compared in one run. Private (`nanots.nanots._bench_*`); not
//! API.
//!
//! Each timing is a pair `(wall seconds, CPU seconds)`. The CPU clock is
//! the one the Python side reads (`time.process_time`, passed in), so both
//! sides measure with the same clock; on a shared machine CPU time is the
//! steadier of the two.

use std::time::Instant;

use nanots::{NanoTsDb, NanoTsOptions};
use pyo3::prelude::*;

use crate::arrow_export::range_batches;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `(wall seconds, CPU seconds)`.
type Timing = (f64, f64);

/// Runs `f` without the GIL; any error becomes a `nanots.Error`.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> BenchResult<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(|e| crate::errors::Error::new_err(e.to_string()))
}

/// Wall time and CPU time (read from the Python clock `cpu_clock`, taking
/// the GIL for the read only).
struct Stopwatch<'a> {
    cpu_clock: &'a Py<PyAny>,
    wall: Instant,
    cpu: f64,
}

impl<'a> Stopwatch<'a> {
    fn cpu_now(cpu_clock: &Py<PyAny>) -> BenchResult<f64> {
        Ok(Python::attach(|py| cpu_clock.call0(py)?.extract::<f64>(py))?)
    }

    fn start(cpu_clock: &'a Py<PyAny>) -> BenchResult<Stopwatch<'a>> {
        let cpu = Self::cpu_now(cpu_clock)?;
        Ok(Stopwatch { cpu_clock, wall: Instant::now(), cpu })
    }

    /// `(wall seconds, CPU seconds)` since the start.
    fn stop(&self) -> BenchResult<Timing> {
        let wall = self.wall.elapsed().as_secs_f64();
        Ok((wall, Self::cpu_now(self.cpu_clock)? - self.cpu))
    }
}

/// First timestamp of the benchmark series (2024-01-01, ms).
const T0: i64 = 1_704_067_200_000;

/// The benchmark series, as `bench.py` builds it with numpy: row `i` at
/// `T0 + i s`, a sensor-like drift and a 0.1-step humidity.
fn series(rows: i64) -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    let ts = (0..rows).map(|i| T0 + i * 1000).collect();
    let a = (0..rows).map(|i| 20.0 + (i % 5000) as f64 * 0.01).collect();
    let b = (0..rows).map(|i| 40.0 + ((i / 7) % 300) as f64 * 0.1).collect();
    (ts, a, b)
}

/// Times: open `path` (new) and create table `t(a, b)` (untimed), then
/// `append_rows` of `rows` rows in calls of `chunk` rows and close (which
/// flushes). The series is built before the clock starts.
#[pyfunction]
pub(crate) fn _bench_append_rows(
    py: Python<'_>,
    path: std::path::PathBuf,
    rows: i64,
    chunk: i64,
    cpu_clock: Py<PyAny>,
) -> PyResult<Timing> {
    run(py, || {
        let (ts, a, b) = series(rows);
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        db.create_table("t", &["a", "b"])?;
        let chunk = chunk.max(1) as usize;
        let clock = Stopwatch::start(&cpu_clock)?;
        for ((ts, a), b) in ts.chunks(chunk).zip(a.chunks(chunk)).zip(b.chunks(chunk)) {
            db.append_rows("t", ts, &[a, b])?;
        }
        db.close()?;
        clock.stop()
    })
}

/// Times `rows` calls of `append_row` on a new database at `path` (table
/// `t(a, b)`), close included. Values are computed in the loop, as the
/// Python loop reads them from prepared lists.
#[pyfunction]
pub(crate) fn _bench_append_row(
    py: Python<'_>,
    path: std::path::PathBuf,
    rows: i64,
    cpu_clock: Py<PyAny>,
) -> PyResult<Timing> {
    run(py, || {
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        db.create_table("t", &["a", "b"])?;
        let clock = Stopwatch::start(&cpu_clock)?;
        for i in 0..rows {
            let row = [20.0 + (i % 5000) as f64 * 0.01, 40.0 + ((i / 7) % 300) as f64 * 0.1];
            db.append_row("t", T0 + i * 1000, &row)?;
        }
        db.close()?;
        clock.stop()
    })
}

/// On the closed database at `path` (table `t`), opens it and times
/// `query_table_range_columns` of `[start, end]`, then reading the same
/// range into a list of Arrow record batches through the range reader
/// (what `pyarrow.table(Db.query(...))` gets); closes. Returns both timings
/// and the row count.
#[pyfunction]
pub(crate) fn _bench_query(
    py: Python<'_>,
    path: std::path::PathBuf,
    start: i64,
    end: i64,
    cpu_clock: Py<PyAny>,
) -> PyResult<(Timing, Timing, usize)> {
    run(py, || {
        let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
        let clock = Stopwatch::start(&cpu_clock)?;
        let (ts, cols) = db.query_table_range_columns("t", start, end)?;
        let columns = clock.stop()?;
        let rows = ts.len();
        drop((ts, cols));
        // The batches are kept until the clock stops, as `pyarrow.table`
        // keeps them (freeing each one as it goes would reuse its memory
        // and skip the page faults a materialised result pays).
        let clock = Stopwatch::start(&cpu_clock)?;
        let reader = db.range_reader("t", start, end)?;
        let batches = range_batches(reader).collect::<Result<Vec<_>, _>>()?;
        let stream = clock.stop()?;
        let streamed: usize = batches.iter().map(|b| b.num_rows()).sum();
        drop(batches);
        db.close()?;
        if streamed != rows {
            return Err(format!("the stream read {streamed} rows, the columns query {rows}").into());
        }
        Ok((columns, stream, rows))
    })
}
