//! The physical floor: the rows kept as raw arrays in memory (40 bytes a
//! row), and a query is a `memcpy` of the rows it returns. And pco, the
//! best general numeric compressor, on the raw columns: its size only.

use std::time::Instant;

use nanots::Columns;

use crate::compare::data::{Arrival, Batch, COLUMNS};
use crate::compare::{BATCH_ROWS, BenchResult, Ctx, Engine, Ingest, RangeRead};

/// Raw arrays in memory.
pub struct Memcpy;

/// 8 bytes for the timestamp and for each of the four values.
pub const RAW_BYTES_PER_ROW: u64 = 40;

fn with_capacity(rows: u64) -> Columns {
    Columns::with_columns(4, rows as usize)
}

impl Engine for Memcpy {
    fn name(&self) -> &'static str {
        "memcpy"
    }

    fn ingest_rows(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let mut out = with_capacity(ctx.rows);
        for (ts, v) in ctx.rows() {
            out.ts.push(ts);
            for (c, x) in out.columns.iter_mut().zip(v) {
                c.push(x);
            }
        }
        std::hint::black_box(&out);
        Ok(Ingest { append_secs: t.elapsed().as_secs_f64(), close_secs: 0.0 })
    }

    fn ingest_batches(&self, ctx: &Ctx<'_>) -> BenchResult<Ingest> {
        let t = Instant::now();
        let mut out = with_capacity(ctx.rows);
        let mut rows = ctx.rows();
        let mut batch = Batch::default();
        while batch.fill(&mut rows, BATCH_ROWS) > 0 {
            out.ts.extend_from_slice(&batch.ts);
            for (o, b) in out.columns.iter_mut().zip(&batch.cols) {
                o.extend_from_slice(b);
            }
        }
        std::hint::black_box(&out);
        Ok(Ingest { append_secs: t.elapsed().as_secs_f64(), close_secs: 0.0 })
    }

    fn stored_bytes(&self, ctx: &Ctx<'_>) -> BenchResult<u64> {
        Ok(ctx.rows * RAW_BYTES_PER_ROW)
    }

    /// Builds the sorted arrays (not timed: the floor has no open).
    fn open(&self, ctx: &Ctx<'_>) -> BenchResult<Box<dyn RangeRead>> {
        let mut all = with_capacity(ctx.rows);
        for (ts, v) in ctx.workload.rows(ctx.rows, Arrival::InOrder) {
            all.ts.push(ts);
            for (c, x) in all.columns.iter_mut().zip(v) {
                c.push(x);
            }
        }
        Ok(Box::new(Reader(all)))
    }

    fn is_floor(&self) -> bool {
        true
    }
}

struct Reader(Columns);

impl RangeRead for Reader {
    fn query(&mut self, lo: i64, hi: i64) -> BenchResult<Columns> {
        let a = self.0.ts.partition_point(|&t| t < lo);
        let b = self.0.ts.partition_point(|&t| t <= hi);
        Ok(Columns {
            ts: self.0.ts[a..b].to_vec(),
            columns: self.0.columns.iter().map(|c| c[a..b].to_vec()).collect(),
        })
    }
}

/// pco (default level) on the timestamp column and on each value column of
/// the rows in timestamp order: compressed bytes per column.
pub fn pco_bytes(ctx: &Ctx<'_>) -> BenchResult<Vec<(&'static str, u64)>> {
    let config = pco::ChunkConfig::default();
    let ts: Vec<i64> = ctx.workload.rows(ctx.rows, Arrival::InOrder).map(|r| r.0).collect();
    let mut out = vec![("ts", pco::standalone::simple_compress(&ts, &config)?.len() as u64)];
    drop(ts);
    for (c, name) in COLUMNS.iter().enumerate() {
        let col: Vec<f64> = ctx.workload.rows(ctx.rows, Arrival::InOrder).map(|r| r.1[c]).collect();
        out.push((name, pco::standalone::simple_compress(&col, &config)?.len() as u64));
    }
    Ok(out)
}
