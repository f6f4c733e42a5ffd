//! Maintenance benchmark (issue 5): pack and retention compaction over a
//! 10-million-row table (throughput, peak extra disk space), and the cost of
//! background maintenance on a steady ingest stream.
//!
//! `cargo run --release -p nanots-bench --bin maintenance [-- --rows N]`

use std::path::Path;
use std::time::{Duration, Instant};

use nanots::{AutoMaintenanceOptions, NanoTsDb, NanoTsDbShared, NanoTsOptions};
use nanots_bench::{Scratch, arg, mps};

const T0: i64 = 1_704_067_200_000;

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Appends `rows` rows (`step_ms` apart, 2 columns) in batches of 10,000.
fn fill(db: &NanoTsDb, rows: i64, step_ms: i64) -> nanots::Result<()> {
    db.create_table("sensor", &["temp", "humidity"])?;
    let mut start = 0;
    while start < rows {
        let end = (start + 10_000).min(rows);
        let ts: Vec<i64> = (start..end).map(|i| T0 + i * step_ms).collect();
        let a: Vec<f64> = (start..end).map(|i| 20.0 + ((i * 7919) % 1000) as f64 * 0.01).collect();
        let b: Vec<f64> = (start..end).map(|i| 50.0 + ((i / 60) % 200) as f64 * 0.1).collect();
        db.append_rows("sensor", &ts, &[&a, &b])?;
        start = end;
    }
    Ok(())
}

/// Watches `<path>.compact` while `f` runs and returns the largest size seen.
fn peak_temp_size(path: &Path, f: impl FnOnce()) -> u64 {
    let tmp = path.with_extension("ntt.compact");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(size(&tmp));
                std::thread::sleep(Duration::from_micros(200));
            }
            peak
        });
        f();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        watcher.join().unwrap()
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = arg("--rows", 10_000_000) as i64;
    let scratch = Scratch::new("maintenance");
    let path = scratch.path("m.ntt");
    println!("NanoTS maintenance benchmark: {rows} rows x 2 columns\n");

    // Small flushes make many small segments: the case pack is for.
    let opts = NanoTsOptions { segment_max_rows: 8192, ..Default::default() };
    let db = NanoTsDb::open(&path, opts.clone())?;
    fill(&db, rows, 1000)?;
    db.flush()?;
    let s = db.stats("sensor")?;
    println!("before: {} segments, file {:.1} MiB", s.segments, size(&path) as f64 / 1048576.0);
    let before = size(&path);
    let t = Instant::now();
    let peak = peak_temp_size(&path, || db.pack_table("sensor", 131_072).unwrap());
    let secs = t.elapsed().as_secs_f64();
    let s = db.stats("sensor")?;
    println!(
        "pack_table(131072): {:.2} s = {:.1} M rows/s; {} segments after; file {:.1} -> {:.1} MiB; peak extra disk {:.1} MiB ({:.0}% of the file before)",
        secs,
        mps(rows as f64, secs),
        s.segments,
        before as f64 / 1048576.0,
        size(&path) as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        peak as f64 * 100.0 / before as f64
    );
    db.close()?;

    // Retention: keep the newest half.
    let keep = Duration::from_secs((rows / 2) as u64);
    let db = NanoTsDb::open(&path, NanoTsOptions { retention: Some(keep), ..opts.clone() })?;
    let before = size(&path);
    let t = Instant::now();
    let peak = peak_temp_size(&path, || db.compact_retention_now().unwrap());
    let secs = t.elapsed().as_secs_f64();
    let left = db.stats("sensor")?.rows;
    println!(
        "compact_retention_now (half expired): {:.2} s = {:.1} M rows/s over the table; {} rows left; file {:.1} -> {:.1} MiB; peak extra disk {:.1} MiB",
        secs,
        mps(rows as f64, secs),
        left,
        before as f64 / 1048576.0,
        size(&path) as f64 / 1048576.0,
        peak as f64 / 1048576.0
    );
    db.close()?;

    // Ingest with and without background maintenance that has work to do
    // (wakes every 50 ms, flushes rows older than 100 ms, retention every
    // 500 ms keeping 10 s of data, merges small segments): unpaced
    // throughput, median of 3 runs each, alternating.
    println!();
    let busy = AutoMaintenanceOptions {
        interval: Duration::from_millis(50),
        flush_after: Duration::from_millis(100),
        retention_every: Duration::from_millis(500),
        ..Default::default()
    };
    let ingest_rows = (rows * 4).max(1);
    let mut runs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for r in 0..6 {
        let with = r % 2 == 1;
        let p = scratch.path(&format!("i{r}.ntt"));
        let o = NanoTsOptions {
            retention: Some(Duration::from_secs(10)),
            auto_maintenance: with.then(|| busy.clone()),
            ..Default::default()
        };
        let db = NanoTsDbShared::open(&p, o)?;
        let t = Instant::now();
        fill(&db, ingest_rows, 1)?;
        let secs = t.elapsed().as_secs_f64();
        let st = db.maintenance_status();
        db.close()?;
        runs[usize::from(with)].push(mps(ingest_rows as f64, secs));
        let what = if with {
            format!(
                "with maintenance: {:.1} M rows/s ({} wake-ups, {} flushes, {} retention runs, {} merges, {} errors)",
                mps(ingest_rows as f64, secs),
                st.runs,
                st.flushes,
                st.retention_runs,
                st.merges,
                st.errors
            )
        } else {
            format!("without:          {:.1} M rows/s", mps(ingest_rows as f64, secs))
        };
        println!("  run {r} {what}");
        std::fs::remove_file(&p)?;
    }
    let off = nanots_bench::median(&mut runs[0]);
    let on = nanots_bench::median(&mut runs[1]);
    println!(
        "unpaced ingest of {ingest_rows} rows (append_rows, batches of 10,000, 1 ms apart): {off:.1} M rows/s without maintenance, {on:.1} M rows/s with it: {:.1}% loss",
        (off - on) * 100.0 / off
    );

    // A steady 1M rows/s stream for 10 s with the busy maintenance: does it
    // keep up, and how far does it fall behind at worst?
    let p = scratch.path("paced.ntt");
    let o = NanoTsOptions {
        retention: Some(Duration::from_secs(5)),
        auto_maintenance: Some(busy),
        ..Default::default()
    };
    let db = NanoTsDbShared::open(&p, o)?;
    db.create_table("sensor", &["temp", "humidity"])?;
    let start = Instant::now();
    let mut sent = 0i64;
    let mut behind_max = 0f64;
    while start.elapsed() < Duration::from_secs(10) {
        // 1,000 rows every millisecond, 1 ms apart in data time.
        let due = (start.elapsed().as_secs_f64() * 1e6) as i64;
        if sent >= due {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        behind_max = behind_max.max((due - sent) as f64 / 1e6);
        let ts: Vec<i64> = (sent..sent + 1000).map(|i| T0 + i).collect();
        let v: Vec<f64> = ts.iter().map(|&t| (t % 1000) as f64 * 0.5).collect();
        db.append_rows("sensor", &ts, &[&v, &v])?;
        sent += 1000;
    }
    let secs = start.elapsed().as_secs_f64();
    let st = db.maintenance_status();
    let kept = db.stats("sensor")?.rows;
    db.close()?;
    println!(
        "paced 1 M rows/s for 10 s with busy maintenance: {:.3} M rows/s achieved, at most {:.1} ms behind schedule; {kept} rows kept (retention 5 s); maintenance: {} flushes, {} merges, {} retention runs, {} errors",
        sent as f64 / secs / 1e6,
        behind_max * 1e3,
        st.flushes,
        st.merges,
        st.retention_runs,
        st.errors
    );
    Ok(())
}
