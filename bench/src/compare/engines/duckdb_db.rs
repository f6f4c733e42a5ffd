//! DuckDB (bundled, through the `duckdb` crate; cargo feature `duckdb`):
//! `t(ts BIGINT, v1..v4 DOUBLE)` in one database file, DuckDB's default
//! settings (its thread count included: one per core), written through its
//! Appender and read with a range `SELECT`.
//!
//! No primary key on `ts`, unlike SQLite's table (where the key is the
//! rowid, so the table is stored in `ts` order at no extra cost). In DuckDB a
//! primary key is an ART index beside the columns, updated and checked by
//! every append; DuckDB's documentation (SQL, Indexes) says indexes slow
//! down loading and meant them for point and very selective (< 0.1 %)
//! queries. A user loading a series into DuckDB appends to a plain table
//! and lets the min/max zone maps, which DuckDB keeps for every column
//! anyway, skip the row groups outside a range; with rows in timestamp
//! order (or nearly: the late variant) they select like an index on `ts`.
//!
//! - 1 row/call: `Appender::append_row` per row (the appender buffers rows
//!   and hands them to the table in chunks of its own).
//! - batches: `Appender::append_record_batch` with an Arrow record batch of
//!   [`BATCH_ROWS`] rows (the columnar path; the crate uses the bench's
//!   arrow 60), built from the batch's vectors without a copy.
//! - close: the appender's flush, `CHECKPOINT` (which writes the WAL into
//!   the database file and syncs it) and closing the connection.
//! - query: `SELECT ts, v1, v2, v3, v4 FROM t WHERE ts BETWEEN ? AND ?
//!   ORDER BY ts` (the suite needs rows in timestamp order, and DuckDB's
//!   parallel scan does not promise any order without `ORDER BY`), streamed
//!   as Arrow batches and copied into the result's vectors.

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use duckdb::{AccessMode, Appender, Config, Connection, params};
use nanots::Columns;

use crate::compare::data::{Batch, arrow_schema};
use crate::compare::{BATCH_ROWS, BenchResult, Ctx, Engine, Ingest, RangeRead, TABLE};

/// DuckDB through the `duckdb` crate.
pub struct DuckDb;

const CREATE: &str = "CREATE TABLE t (ts BIGINT, v1 DOUBLE, v2 DOUBLE, v3 DOUBLE, v4 DOUBLE)";

const SELECT: &str = "SELECT ts, v1, v2, v3, v4 FROM t WHERE ts BETWEEN ? AND ? ORDER BY ts";

/// The write-ahead log DuckDB keeps beside the database file.
fn wal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".wal");
    PathBuf::from(p)
}

/// Creates the database at `ctx.path` and its table, hands the rows to an
/// appender through `fill`, then flushes the appender, checkpoints and
/// closes (the close figure).
fn ingest(ctx: &Ctx<'_>, fill: impl FnOnce(&mut Appender<'_>) -> BenchResult<()>) -> BenchResult<Ingest> {
    let t = Instant::now();
    let conn = Connection::open(ctx.path)?;
    conn.execute_batch(CREATE)?;
    let mut app = conn.appender(TABLE)?;
    fill(&mut app)?;
    let append_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    app.flush()?;
    drop(app);
    conn.execute_batch("CHECKPOINT")?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(Ingest { append_secs, close_secs: t.elapsed().as_secs_f64() })
}

impl Engine for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        ingest(ctx, |app| {
            for (ts, v) in ctx.rows() {
                app.append_row(params![ts, v[0], v[1], v[2], v[3]])?;
            }
            Ok(())
        })
    }

    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let schema = arrow_schema();
        ingest(ctx, |app| {
            let mut rows = ctx.rows();
            let mut batch = Batch::default();
            while batch.fill(&mut rows, BATCH_ROWS) > 0 {
                app.append_record_batch(batch.take_record_batch(&schema)?)?;
            }
            Ok(())
        })
    }

    /// The database file and its WAL, if one is left.
    fn stored_bytes(&self, ctx: &Ctx<'_>) -> BenchResult<u64> {
        let wal = std::fs::metadata(wal_path(ctx.path)).map_or(0, |m| m.len());
        Ok(std::fs::metadata(ctx.path)?.len() + wal)
    }

    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        reader(Connection::open(ctx.path)?)
    }

    fn open_read_only(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        reader(Connection::open_with_flags(ctx.path, Config::default().access_mode(AccessMode::ReadOnly)?)?)
    }
}

/// Preparing reads the catalog: part of what opening costs (as SQLite's).
fn reader(conn: Connection) -> BenchResult<Box<dyn RangeRead>> {
    conn.prepare_cached(SELECT)?;
    Ok(Box::new(Reader(conn)))
}

struct Reader(Connection);

impl Reader {
    fn number(&self, sql: &str) -> BenchResult<f64> {
        Ok(self.0.query_row(sql, [], |r| r.get::<_, i64>(0))? as f64)
    }
}

impl RangeRead for Reader {
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns> {
        let mut st = self.0.prepare_cached(SELECT)?;
        let mut out = Columns::with_columns(4, 0);
        for b in st.stream_arrow(params![lo, hi])? {
            let b = b?;
            out.ts.extend_from_slice(b.column(0).as_primitive::<Int64Type>().values());
            for (c, o) in out.columns.iter_mut().enumerate() {
                o.extend_from_slice(b.column(c + 1).as_primitive::<Float64Type>().values());
            }
        }
        Ok(out)
    }

    /// DuckDB's thread count (its default, reported for the notes) and how
    /// many row groups hold the table.
    fn facts(&self) -> Vec<(String, f64)> {
        let mut facts = Vec::new();
        if let Ok(n) = self.number("SELECT CAST(current_setting('threads') AS BIGINT)") {
            facts.push(("threads".to_owned(), n));
        }
        if let Ok(n) = self.number("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')") {
            facts.push(("row_groups".to_owned(), n));
        }
        facts
    }
}
