//! NanoTS with its default options (auto-flush every 4 MiB of rows, fsync
//! at each flush, segments of up to 131,072 rows).

use std::time::Instant;

use nanots::{Columns, NanoTsDb, NanoTsOptions};

use crate::compare::data::{Batch, COLUMNS};
use crate::compare::{BATCH_ROWS, BenchResult, Ctx, Engine, Ingest, RangeRead, TABLE};

/// NanoTS through its Rust API.
pub struct NanoTs;

impl Engine for NanoTs {
    fn name(&self) -> &'static str {
        "nanots"
    }

    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let db = NanoTsDb::open(ctx.path, NanoTsOptions::default())?;
        db.create_table(TABLE, &COLUMNS)?;
        for (ts, v) in ctx.rows() {
            db.append_row(TABLE, ts, &v)?;
        }
        close(db, t)
    }

    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let db = NanoTsDb::open(ctx.path, NanoTsOptions::default())?;
        db.create_table(TABLE, &COLUMNS)?;
        let mut rows = ctx.rows();
        let mut batch = Batch::default();
        while batch.fill(&mut rows, BATCH_ROWS) > 0 {
            db.append_rows(TABLE, &batch.ts, &batch.col_slices())?;
        }
        close(db, t)
    }

    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        Ok(Box::new(Reader(NanoTsDb::open(ctx.path, NanoTsOptions::default())?)))
    }

    fn open_read_only(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        Ok(Box::new(Reader(NanoTsDb::open_read_only(ctx.path)?)))
    }
}

/// Closes `db` (flush, checkpoint, fsync, WAL removed); `t` started at open.
fn close(db: NanoTsDb, t: Instant) -> BenchResult<Ingest> {
    let append_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    db.close()?;
    drop(db);
    Ok(Ingest { append_secs, close_secs: t.elapsed().as_secs_f64() })
}

struct Reader(NanoTsDb);

impl RangeRead for Reader {
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns> {
        Ok(self.0.query_range(TABLE, lo, hi)?)
    }

    fn facts(&self) -> Vec<(String, f64)> {
        let Ok(s) = self.0.stats(TABLE) else { return Vec::new() };
        let rows = s.rows.max(1) as f64;
        let mut facts = vec![("segments".to_owned(), s.segments as f64)];
        for c in std::iter::once(&s.timestamps).chain(&s.columns) {
            facts.push((format!("bytes_per_row.{}", c.name), c.bytes_on_disk as f64 / rows));
        }
        facts
    }
}
