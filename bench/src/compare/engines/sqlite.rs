//! SQLite (bundled): `t(ts INTEGER PRIMARY KEY, v1..v4 REAL)`, WAL mode,
//! `synchronous=NORMAL`, every row inserted with one prepared statement
//! inside one transaction. SQLite has no columnar insert: its batch path is
//! the same per-row insert.

use std::time::Instant;

use nanots::Columns;
use rusqlite::{Connection, OpenFlags, params};

use crate::compare::{BenchResult, Ctx, Engine, Ingest, RangeRead};

/// SQLite through `rusqlite`.
pub struct Sqlite;

const SELECT: &str = "SELECT ts, v1, v2, v3, v4 FROM t WHERE ts BETWEEN ?1 AND ?2 ORDER BY ts";

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let mut conn = Connection::open(ctx.path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE t (ts INTEGER PRIMARY KEY, v1 REAL, v2 REAL, v3 REAL, v4 REAL);",
        )?;
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for (ts, v) in ctx.rows() {
                insert.execute(params![ts, v[0], v[1], v[2], v[3]])?;
            }
        }
        let append_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        tx.commit()?;
        // Close checkpoints the WAL into the database file and removes it.
        conn.close().map_err(|(_, e)| e)?;
        Ok(Ingest { append_secs, close_secs: t.elapsed().as_secs_f64() })
    }

    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        self.ingest_rows(ctx)
    }

    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        let conn = Connection::open(ctx.path)?;
        // Preparing reads the schema: part of what opening costs.
        conn.prepare_cached(SELECT)?;
        Ok(Box::new(Reader(conn)))
    }

    fn open_read_only(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        let conn = Connection::open_with_flags(ctx.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.prepare_cached(SELECT)?;
        Ok(Box::new(Reader(conn)))
    }
}

struct Reader(Connection);

impl RangeRead for Reader {
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns> {
        let mut st = self.0.prepare_cached(SELECT)?;
        let mut out = Columns::with_columns(4, 0);
        let mut rows = st.query(params![lo, hi])?;
        while let Some(r) = rows.next()? {
            out.ts.push(r.get(0)?);
            for c in 0..4 {
                out.columns[c].push(r.get(c + 1)?);
            }
        }
        Ok(out)
    }
}
