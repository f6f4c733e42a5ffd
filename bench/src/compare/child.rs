//! One child process: one engine, one phase, one workload. It prints what
//! it measured as `key value` lines on stdout for the parent; its peak RSS
//! (`VmHWM`) is then that engine's alone.

use std::path::Path;
use std::time::Instant;

use super::data::{Arrival, Workload};
use super::engines::{self, floor};
use super::{BenchResult, Ctx, QUERIES};
use crate::{median, peak_rss_bytes};

/// The hidden subcommand that makes the binary a child.
pub const SUBCOMMAND: &str = "__child";

/// Phases a child runs.
pub const INGEST_ROW: &str = "ingest-row";
/// Columnar batches.
pub const INGEST_BATCH: &str = "ingest-batch";
/// Open, then the queries.
pub const QUERY: &str = "query";
/// pco on the raw columns.
pub const PCO_SIZE: &str = "pco-size";

/// Prefix of the keys that are facts for the notes, not figures.
pub const FACT: &str = "fact.";

/// Times an open is repeated (the median is kept).
const OPENS: usize = 5;

fn report(key: &str, value: f64) {
    println!("{key} {value}");
}

/// The arguments after [`SUBCOMMAND`], in order.
pub fn args(
    engine: &str,
    phase: &str,
    w: &str,
    arrival: Arrival,
    rows: u64,
    data: &Path,
    path: &Path,
) -> Vec<String> {
    let arrival = if arrival == Arrival::Late { "late" } else { "in" };
    [engine, phase, w, arrival, &rows.to_string(), &data.to_string_lossy(), &path.to_string_lossy()]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Runs the child described by `args` (what [`args`] built).
pub fn run(args: &[String]) -> BenchResult<()> {
    let [engine, phase, workload, arrival, rows, data, path] = args else {
        return Err(format!("child: expected 7 arguments, got {args:?}").into());
    };
    let workload = Workload::load(Path::new(data), workload)?;
    let ctx = Ctx {
        workload: &workload,
        rows: rows.parse()?,
        arrival: if arrival == "late" { Arrival::Late } else { Arrival::InOrder },
        path: Path::new(path),
    };
    if phase == PCO_SIZE {
        let columns = floor::pco_bytes(&ctx)?;
        report("bytes", columns.iter().map(|c| c.1).sum::<u64>() as f64);
        for (name, bytes) in columns {
            report(&format!("{FACT}bytes_per_row.{name}"), bytes as f64 / ctx.rows as f64);
        }
        return Ok(());
    }
    let e = engines::by_name(engine).ok_or_else(|| format!("unknown engine {engine}"))?;
    match phase.as_str() {
        INGEST_ROW | INGEST_BATCH => {
            let ing = if phase == INGEST_ROW { e.ingest_rows(&ctx)? } else { e.ingest_batches(&ctx)? };
            report("total_secs", ing.append_secs + ing.close_secs);
            if !e.is_floor() {
                report("close_secs", ing.close_secs);
            }
            report("bytes_per_row", e.stored_bytes(&ctx)? as f64 / ctx.rows as f64);
        }
        QUERY => {
            if !e.is_floor() {
                let mut opens = Vec::with_capacity(OPENS);
                for _ in 0..OPENS {
                    let t = Instant::now();
                    let r = e.open_read_only(&ctx)?;
                    opens.push(t.elapsed().as_secs_f64());
                    drop(r);
                }
                report("open_ro_secs", median(&mut opens));
            }
            // The floor's "open" builds its arrays: once is enough.
            let n_opens = if e.is_floor() { 1 } else { OPENS };
            let mut opens = Vec::with_capacity(n_opens);
            let mut reader = None;
            for _ in 0..n_opens {
                drop(reader.take());
                let t = Instant::now();
                reader = Some(e.open(&ctx)?);
                opens.push(t.elapsed().as_secs_f64());
            }
            // The queries use the last (read-write) handle.
            let mut reader = reader.expect("at least one open");
            if !e.is_floor() {
                report("open_secs", median(&mut opens));
            }
            for q in QUERIES {
                let mut times = Vec::with_capacity(q.reps);
                for k in 0..q.reps {
                    let (first, n) = q.rows(ctx.rows, k);
                    let (lo, hi) = workload.range_of(first, n);
                    let t = Instant::now();
                    let out = reader.query(lo, hi)?;
                    times.push(t.elapsed().as_secs_f64());
                    // The same rows in every engine: count, order, first row.
                    if out.ts.len() as u64 != n
                        || out.columns.iter().any(|c| c.len() as u64 != n)
                        || !out.ts.is_sorted()
                        || (out.ts[0], [0, 1, 2, 3].map(|c| out.columns[c][0])) != workload.row_at(first)
                    {
                        return Err(
                            format!("{engine}: query {} [{lo}, {hi}] returned wrong rows", q.label).into()
                        );
                    }
                }
                report(&format!("query_{}_secs", q.label), median(&mut times));
            }
            for (k, v) in reader.facts() {
                report(&format!("{FACT}{k}"), v);
            }
        }
        other => return Err(format!("unknown phase {other}").into()),
    }
    report("peak_rss_bytes", peak_rss_bytes() as f64);
    Ok(())
}
