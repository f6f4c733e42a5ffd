//! Aggregation benchmark (issue 6): N rows (default 100 million), 2 columns,
//! 1 s apart. Hourly min/max/mean over the whole range and over a range
//! cut mid-segment, and `latest`, against pulling all rows through
//! `query_table_range_columns` and bucketing them, in the same run. Runs
//! with hourly time partitions (`segment_partition_ms = 1 h`) and with the
//! default (no partitions).
//!
//! `cargo run --release -p nanots-bench --bin aggregate [-- --rows N]`

use std::time::Instant;

use nanots::{Agg, NanoTsDb, NanoTsOptions};
use nanots_bench::{Scratch, arg, median};

const T0: i64 = 1_704_067_200_000;
const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

fn build(path: &std::path::Path, rows: i64, opts: NanoTsOptions) -> nanots::Result<NanoTsDb> {
    let db = NanoTsDb::open(path, opts)?;
    db.create_table("sensor", &["temp", "humidity"])?;
    let mut start = 0;
    while start < rows {
        let end = (start + 100_000).min(rows);
        let ts: Vec<i64> = (start..end).map(|i| T0 + i * 1000).collect();
        let a: Vec<f64> = (start..end).map(|i| 20.0 + ((i * 7919) % 1000) as f64 * 0.01).collect();
        let b: Vec<f64> = (start..end).map(|i| 50.0 + ((i / 60) % 200) as f64 * 0.1).collect();
        db.append_rows("sensor", &ts, &[&a, &b])?;
        start = end;
    }
    db.flush()?;
    Ok(db)
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64());
    }
    (median(&mut times), last.unwrap())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = arg("--rows", 100_000_000) as i64;
    let scratch = Scratch::new("aggregate");
    let aggs = [Agg::Min, Agg::Max, Agg::Mean, Agg::Count];
    let end = T0 + (rows - 1) * 1000;
    println!(
        "NanoTS aggregation benchmark: {rows} rows x 2 columns, 1 s apart; hourly and minutely min/max/mean/count\n"
    );
    let configs = [("hourly partitions", Some(HOUR)), ("no partitions (default)", None)];
    let skip = usize::from(std::env::var_os("NANOTS_AGG_PROFILE").is_some());
    for (label, partition) in configs.into_iter().skip(skip) {
        let path = scratch.path("agg.ntt");
        let _ = std::fs::remove_file(&path);
        let t = Instant::now();
        let db = build(&path, rows, NanoTsOptions { segment_partition_ms: partition, ..Default::default() })?;
        let s = db.stats("sensor")?;
        println!(
            "[{label}] built in {:.1} s: {} segments, {:.1} MiB",
            t.elapsed().as_secs_f64(),
            s.segments,
            std::fs::metadata(&path)?.len() as f64 / 1048576.0
        );

        let codecs = |c: &nanots::ColumnStorage| {
            let names: Vec<String> = c.codecs.iter().map(|u| format!("{} x{}", u.name, u.segments)).collect();
            format!("{} {:.3} B/row ({})", c.name, c.bytes_on_disk as f64 / rows as f64, names.join(", "))
        };
        let storage: Vec<String> = std::iter::once(&s.timestamps).chain(&s.columns).map(codecs).collect();
        println!("  {}", storage.join("; "));
        let dir = nanots_bench::block_directory_bytes(&path)?;
        println!(
            "  {} of {} segments blocked; directories {} bytes = {:.2}% of the file",
            dir.blocked_segments,
            dir.segments,
            dir.directory_bytes,
            100.0 * dir.directory_bytes as f64 / std::fs::metadata(&path)?.len() as f64
        );
        if let (None, Some(n)) = (partition, std::env::var("NANOTS_AGG_PROFILE").ok()) {
            // For a profiler: only minutely aggregations, n times.
            let (secs, ()) = timed(n.parse::<usize>()?, || {
                let mut r = db.aggregate_reader("sensor", T0, end, MINUTE, &aggs).unwrap();
                while r.next_batch().unwrap().is_some() {}
            });
            println!("  minutely, whole range: {:.2} ms (median of {n})", secs * 1e3);
            return Ok(());
        }
        for (name, bucket) in [("hourly", HOUR), ("minutely", MINUTE)] {
            let (secs, (buckets, r)) = timed(5, || {
                let mut r = db.aggregate_reader("sensor", T0, end, bucket, &aggs).unwrap();
                let mut n = 0;
                while let Some(b) = r.next_batch().unwrap() {
                    n += b.bucket_start.len();
                }
                (n, r)
            });
            println!(
                "  {name}, whole range: {:.2} ms (median of 5) = {:.2} G rows/s effective; {buckets} buckets; segments: {} from statistics, {} decoded ({} classic with regular timestamps); blocks: {} from statistics, {} decoded ({} with regular timestamps)",
                secs * 1e3,
                rows as f64 / secs / 1e9,
                r.segments_from_stats,
                r.segments_decoded,
                r.segments_regular,
                r.blocks_from_stats,
                r.blocks_decoded,
                r.blocks_regular,
            );
        }

        let (lo, hi) = (T0 + 1_234_567, end - 7_654_321);
        let (secs, (stats, decoded)) = timed(5, || {
            let mut r = db.aggregate_reader("sensor", lo, hi, HOUR, &aggs).unwrap();
            while r.next_batch().unwrap().is_some() {}
            (r.segments_from_stats, r.segments_decoded)
        });
        println!(
            "  range cut mid-segment: {:.2} ms = {:.2} G rows/s effective; {stats} segments from statistics, {decoded} decoded",
            secs * 1e3,
            ((hi - lo) / 1000) as f64 / secs / 1e9
        );

        let mut lat: Vec<f64> = (0..1001)
            .map(|_| {
                let t = Instant::now();
                let l = db.latest("sensor").unwrap();
                let e = t.elapsed().as_secs_f64();
                assert_eq!(l.ts, vec![end]);
                e
            })
            .collect();
        println!("  latest: {:.1} us (median of 1001)", median(&mut lat) * 1e6);

        {
            // The naive way, same run: pull every row, bucket in Rust.
            let (secs, n) = timed(1, || {
                let (ts, cols) = db.query_table_range_columns("sensor", T0, end).unwrap();
                let mut buckets = 0usize;
                let mut i = 0;
                while i < ts.len() {
                    let b = ts[i].div_euclid(HOUR);
                    let (mut mn, mut mx, mut sum, mut k) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
                    while i < ts.len() && ts[i].div_euclid(HOUR) == b {
                        for c in &cols {
                            mn = mn.min(c[i]);
                            mx = mx.max(c[i]);
                            sum += c[i];
                        }
                        k += 1;
                        i += 1;
                    }
                    std::hint::black_box((mn, mx, sum / k as f64));
                    buckets += 1;
                }
                buckets
            });
            println!(
                "  naive (query_table_range_columns + bucketing): {:.0} ms = {:.3} G rows/s ({n} buckets)",
                secs * 1e3,
                rows as f64 / secs / 1e9
            );
        }
        db.close()?;
        println!();
    }
    Ok(())
}
