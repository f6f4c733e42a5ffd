//! The side-by-side suite of `--bin compare` (issue 16): NanoTS beside
//! SQLite, Parquet, pco and a `memcpy` floor on real data, each engine's
//! phase in a child process of its own.
//!
//! - `data`: the workloads (real series, cycled) and the late-row variant.
//! - `engines`: one file per engine, behind [`Engine`].
//! - `child`: what one child process runs and reports.
//! - `report`: medians, ratios, the table and the JSON file.
//! - `machine`: CPU, cores, load.

pub mod child;
pub mod data;
pub mod engines;
pub mod machine;
pub mod report;

use std::error::Error;
use std::path::Path;

use nanots::Columns;

use data::{Arrival, Rows, Workload};

/// The table every engine writes: `ts` plus [`data::COLUMNS`].
pub const TABLE: &str = "t";

/// Rows per `append_rows` call and per Arrow batch.
pub const BATCH_ROWS: usize = 65_536;

/// Result of any fallible step; the child reports it and exits non-zero.
pub type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The queries, each returning this fraction of the rows, and how many
/// times each runs in one child (the median is kept).
pub const QUERIES: [Query; 4] = [
    Query { label: "0.1%", fraction: 0.001, reps: 15 },
    // 100,000 of 10M rows: issue 16's query size (its goal is for ts + 2
    // columns; these tables have 4).
    Query { label: "1%", fraction: 0.01, reps: 9 },
    Query { label: "10%", fraction: 0.1, reps: 3 },
    Query { label: "100%", fraction: 1.0, reps: 1 },
];

/// One kind of range query.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// `0.1%`, `10%`, `100%`.
    pub label: &'static str,
    /// Fraction of the table's rows it returns.
    pub fraction: f64,
    /// Repetitions per child, at different places in the table.
    pub reps: usize,
}

impl Query {
    /// The rows (`first`, `count`, in timestamp order) of repetition `k`:
    /// places spread over the table by the golden ratio.
    pub fn rows(&self, table_rows: u64, k: usize) -> (u64, u64) {
        let n = ((table_rows as f64 * self.fraction).round() as u64).clamp(1, table_rows);
        let room = (table_rows - n) as f64;
        let first = ((k as f64 * 0.618_033_988_75).fract() * room) as u64;
        (first, n)
    }
}

/// What a child works on.
pub struct Ctx<'a> {
    /// The workload.
    pub workload: &'a Workload,
    /// Rows in the table.
    pub rows: u64,
    /// Arrival order of the rows.
    pub arrival: Arrival,
    /// The engine's file (or file prefix).
    pub path: &'a Path,
}

impl Ctx<'_> {
    /// The rows in arrival order.
    pub fn rows(&self) -> Rows<'_> {
        self.workload.rows(self.rows, self.arrival)
    }
}

/// Times of one ingest, seconds.
#[derive(Debug, Clone, Copy)]
pub struct Ingest {
    /// Opening, creating the table and handing over every row.
    pub append_secs: f64,
    /// The final flush/commit and close (fsync included where the engine
    /// does one).
    pub close_secs: f64,
}

/// One engine under test.
pub trait Engine {
    /// Short name used in the report and on the child's command line.
    fn name(&self) -> &'static str;

    /// Appends the rows one call per row, then closes.
    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest>;

    /// Appends the rows as columnar batches of [`BATCH_ROWS`], then closes.
    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest>;

    /// Bytes the engine keeps for the table after ingest.
    fn stored_bytes(&self, ctx: &Ctx<'_>) -> BenchResult<u64> {
        files_bytes(ctx.path)
    }

    /// Opens what ingest left for reading.
    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>>;

    /// Opens what ingest left, read-only (by default, as `open`).
    fn open_read_only(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        self.open(ctx)
    }

    /// Whether this is the in-memory floor rather than an engine: it has
    /// no open and no close to report.
    fn is_floor(&self) -> bool {
        false
    }
}

/// An opened table.
pub trait RangeRead {
    /// Rows with `lo <= ts <= hi`, sorted by timestamp, as `ts` plus four
    /// value columns.
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns>;

    /// Facts for the report's notes: how the engine laid the table out
    /// (`segments`, `row_groups`, `bytes_per_row.<column>`).
    fn facts(&self) -> Vec<(String, f64)> {
        Vec::new()
    }
}

/// Total size of `path` and of every file beside it whose name starts with
/// its name (`-wal`, `-shm`, `.wal`, ...), bytes.
pub fn files_bytes(path: &Path) -> BenchResult<u64> {
    let dir = path.parent().ok_or("path without a directory")?;
    let name = path.file_name().ok_or("path without a name")?.to_string_lossy().into_owned();
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&name) {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

/// Removes `path` and the files beside it that `files_bytes` counts.
pub fn remove_files(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return };
    let name = name.to_string_lossy().into_owned();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
