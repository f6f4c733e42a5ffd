//! Readers benchmark: one writer and read-only handles in other processes
//! sharing one database of N rows x 4 columns (default 10 million, `--rows
//! N`), real value series cycled. In one run it measures:
//! 1. a reader process's latency for a 100,000-row query (`--query-rows`),
//!    with the writer idle and with it appending and flushing in a loop;
//! 2. the writer's append rate (`append_rows` batches of 1,000 rows, a flush
//!    every 100,000 rows: `--batch`, `--flush-rows`) with 0, 1 and 4 reader
//!    processes querying in a loop;
//! 3. backup throughput, `BackupMode::Copy` and `Pack`, from a writer handle
//!    and from a read-only handle.
//!
//! Compared configurations alternate run by run (A/B/A/B) and every figure
//! is the median of `--runs` runs (default 5; backups: 5 rounds of three
//! copies and one pack from each handle): the machine this is measured on
//! is small, shared and noisy, so the load average around the run is
//! printed too. Each timed phase of 1 and 2 lasts `--seconds` seconds
//! (default 4) and starts from a fresh fsynced copy of the closed base
//! database, so runs stay comparable although the writer grows the file.
//!
//! `cargo run --release -p nanots-bench --bin readers [-- --rows N --seconds S --runs R]`
//!
//! Reader processes are this binary started again as
//! `readers --reader PATH --rows N --query-rows Q`: they open PATH
//! read-only, print `ready`, query from the line `go` on stdin to the next
//! line (or end of input), then print their latencies in ns on one line.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nanots::{BackupMode, NanoTsDb, NanoTsOptions};
use nanots_bench::{Scratch, arg, median};

const T0: i64 = 1_704_067_200_000;
const STEP_MS: i64 = 1000;
const TABLE: &str = "sensor";
const COLUMNS: [&str; 4] = ["temp", "pressure", "wind", "price"];
/// One real series per column (`../shared/data/floats/`, 100,000 values
/// each), cycled over the rows.
const SERIES_FILES: [&str; 4] = ["City-temp.csv", "Air-pressure.csv", "Basel-wind.csv", "Stocks-USA.csv"];
/// Rows per `append_rows` call while building the database.
const BUILD_BATCH: usize = 100_000;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The value of command-line option `name` as a string (`--reader PATH`).
fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The column values, row `r` of column `c` being `cols[c][r % cycle]`.
/// Each column holds `cycle + max_batch` values so that any batch is one
/// contiguous slice starting at `r % cycle` (no copy while timing appends).
struct Values {
    cols: Vec<Vec<f64>>,
    cycle: usize,
    /// Where the values came from, for the report.
    source: String,
}

impl Values {
    fn load(max_batch: usize) -> Values {
        let dirs = [
            PathBuf::from("../shared/data/floats"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/floats"),
        ];
        let read = |dir: &Path| -> Option<Vec<Vec<f64>>> {
            SERIES_FILES
                .iter()
                .map(|f| {
                    let text = std::fs::read_to_string(dir.join(f)).ok()?;
                    let v: Vec<f64> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
                    (!v.is_empty()).then_some(v)
                })
                .collect()
        };
        let (mut cols, source) = match dirs.iter().find_map(|d| read(d).map(|c| (c, d))) {
            Some((c, d)) => {
                (c, format!("real series {} from {}, cycled", SERIES_FILES.join(", "), d.display()))
            }
            None => {
                // Sensor-like fallback: slow drift with two decimals.
                let c = (0..4)
                    .map(|k| {
                        (0..100_000)
                            .map(|i| 20.0 * (k + 1) as f64 + ((i * (k + 7)) % 5000) as f64 * 0.01)
                            .collect()
                    })
                    .collect();
                (c, "synthetic (../shared/data/floats not found)".to_string())
            }
        };
        // One offset for all columns: cut them to the shortest series.
        let cycle = cols.iter().map(Vec::len).min().expect("4 columns");
        for c in &mut cols {
            c.truncate(cycle);
            for i in 0..max_batch {
                c.push(c[i % cycle]);
            }
        }
        Values { cols, cycle, source }
    }

    /// Appends rows `first..first + n` (`n` at most the `max_batch` given
    /// to `load`).
    fn append(&self, db: &NanoTsDb, first: i64, n: usize) -> nanots::Result<()> {
        let ts: Vec<i64> = (first..first + n as i64).map(|i| T0 + i * STEP_MS).collect();
        let off = (first as usize) % self.cycle;
        let cols: Vec<&[f64]> = self.cols.iter().map(|c| &c[off..off + n]).collect();
        db.append_rows(TABLE, &ts, &cols)
    }
}

/// Reader process: queries random `q`-row ranges of the first `rows` rows
/// between the `go` and `stop` lines on stdin.
fn reader_main(path: &str) -> BoxResult<()> {
    let rows = arg("--rows", 10_000_000) as i64;
    let q = arg("--query-rows", 100_000) as i64;
    let db = NanoTsDb::open_read_only(path)?;
    let mut rng = u64::from(std::process::id()) | 1;
    let mut query = || -> nanots::Result<f64> {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let start = T0 + (rng % (rows - q + 1) as u64) as i64 * STEP_MS;
        let t = Instant::now();
        let (ts, cols) = db.query_table_range_columns(TABLE, start, start + (q - 1) * STEP_MS)?;
        let secs = t.elapsed().as_secs_f64();
        // The writer appends after the first `rows` rows: the range is fixed.
        assert_eq!((ts.len(), cols.len()), (q as usize, COLUMNS.len()));
        Ok(secs)
    };
    for _ in 0..10 {
        query()?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_in = Arc::clone(&stop);
    std::thread::spawn(move || {
        let mut l = String::new();
        let _ = std::io::stdin().read_line(&mut l);
        stop_in.store(true, Ordering::Relaxed);
    });
    let mut lat_ns = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        lat_ns.push(format!("{:.0}", query()? * 1e9));
    }
    writeln!(out, "{}", lat_ns.join(" "))?;
    out.flush()?;
    Ok(())
}

/// Reader processes on one database; killed on drop if not stopped.
struct Readers {
    procs: Vec<(Child, ChildStdin, BufReader<ChildStdout>)>,
}

impl Readers {
    /// Starts `n` reader processes on `path` and waits until each is ready.
    fn spawn(n: usize, path: &Path, rows: i64, q: i64) -> BoxResult<Readers> {
        let exe = std::env::current_exe()?;
        let mut readers = Readers { procs: Vec::new() };
        for _ in 0..n {
            let mut child = Command::new(&exe)
                .arg("--reader")
                .arg(path)
                .args(["--rows", &rows.to_string(), "--query-rows", &q.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let stdin = child.stdin.take().expect("piped");
            let stdout = BufReader::new(child.stdout.take().expect("piped"));
            readers.procs.push((child, stdin, stdout));
        }
        for (_, _, out) in &mut readers.procs {
            let mut line = String::new();
            out.read_line(&mut line)?;
            if line.trim() != "ready" {
                return Err(format!("reader process failed to start: {line:?}").into());
            }
        }
        Ok(readers)
    }

    fn go(&mut self) -> BoxResult<()> {
        for (_, stdin, _) in &mut self.procs {
            stdin.write_all(b"go\n")?;
            stdin.flush()?;
        }
        Ok(())
    }

    /// Stops the readers and returns each one's query latencies in seconds.
    fn stop(mut self) -> BoxResult<Vec<Vec<f64>>> {
        for (_, stdin, _) in &mut self.procs {
            stdin.write_all(b"stop\n")?;
            stdin.flush()?;
        }
        let mut all = Vec::new();
        for (mut child, _, mut out) in self.procs.drain(..) {
            let mut line = String::new();
            out.read_line(&mut line)?;
            let status = child.wait()?;
            if !status.success() {
                return Err(format!("reader process exited with {status}").into());
            }
            all.push(
                line.split_whitespace()
                    .map(|v| v.parse::<f64>().map(|ns| ns / 1e9))
                    .collect::<Result<_, _>>()?,
            );
        }
        Ok(all)
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        for (child, _, _) in &mut self.procs {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the writer did in one timed phase.
struct WriteRun {
    rows: i64,
    secs: f64,
}

/// The benchmark's settings (command-line options).
struct Settings {
    rows: i64,
    q: i64,
    secs: f64,
    runs: usize,
    batch: usize,
    flush_rows: i64,
}

/// A writer on a fresh copy of the base database, the copy fsynced so that
/// its write-back does not land in the timed phase.
fn fresh_writer(base: &Path, path: &Path) -> BoxResult<NanoTsDb> {
    remove_db(path);
    std::fs::copy(base, path)?;
    std::fs::File::open(path)?.sync_all()?;
    Ok(NanoTsDb::open(path, NanoTsOptions::default())?)
}

fn remove_db(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let _ = std::fs::remove_file(wal);
}

/// Appends `batch`-row batches after the first `rows` rows for `secs`
/// seconds, flushing every `flush_rows` rows.
fn write_for(db: &NanoTsDb, values: &Values, s: &Settings) -> nanots::Result<WriteRun> {
    let t = Instant::now();
    let mut next = s.rows;
    let mut since_flush = 0;
    while t.elapsed().as_secs_f64() < s.secs {
        values.append(db, next, s.batch)?;
        next += s.batch as i64;
        since_flush += s.batch as i64;
        if since_flush >= s.flush_rows {
            db.flush()?;
            since_flush = 0;
        }
    }
    Ok(WriteRun { rows: next - s.rows, secs: t.elapsed().as_secs_f64() })
}

/// One run: `readers` reader processes query while the writer appends
/// (`busy`) or sits idle for the phase. Returns the readers' latencies and,
/// if busy, what the writer did.
fn run_phase(
    base: &Path,
    path: &Path,
    values: &Values,
    s: &Settings,
    readers: usize,
    busy: bool,
) -> BoxResult<(Vec<Vec<f64>>, Option<WriteRun>)> {
    let db = fresh_writer(base, path)?;
    let mut procs = Readers::spawn(readers, path, s.rows, s.q)?;
    procs.go()?;
    let wrote = if busy {
        Some(write_for(&db, values, s)?)
    } else {
        std::thread::sleep(Duration::from_secs_f64(s.secs));
        None
    };
    let lat = procs.stop()?;
    db.close()?;
    drop(db);
    remove_db(path);
    Ok((lat, wrote))
}

/// The value at fraction `p` (0..=1) of the sorted `v` (nearest rank).
fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// `/proc/loadavg`: the 1, 5 and 15 minute load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".into(), |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

fn main() -> BoxResult<()> {
    if let Some(path) = arg_str("--reader") {
        return reader_main(&path);
    }
    let s = Settings {
        rows: arg("--rows", 10_000_000) as i64,
        q: arg("--query-rows", 100_000) as i64,
        secs: arg("--seconds", 4) as f64,
        runs: arg("--runs", 5).max(1),
        batch: arg("--batch", 1000).max(1),
        flush_rows: arg("--flush-rows", 100_000).max(1) as i64,
    };
    if s.q < 1 || s.rows < s.q {
        return Err(format!("--rows ({}) must be at least --query-rows ({}) >= 1", s.rows, s.q).into());
    }
    let cmd: Vec<String> = std::env::args().collect();
    println!("NanoTS readers benchmark: {} rows x {} columns", s.rows, COLUMNS.len());
    println!("command: {}", cmd.join(" "));
    println!(
        "machine: {} CPUs (nproc), {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    let values = Values::load(BUILD_BATCH.max(s.batch));
    println!("values: {}", values.source);
    // The machine may be shared: the load around the run qualifies the figures.
    println!("load average at start: {}", load_average());
    let scratch = Scratch::new("readers");
    let base = scratch.path("base.ntt");
    let run_path = scratch.path("run.ntt");
    println!("databases under {}\n", scratch.0.display());

    let t = Instant::now();
    let db = NanoTsDb::open(&base, NanoTsOptions::default())?;
    db.create_table(TABLE, &COLUMNS)?;
    let mut first = 0;
    while first < s.rows {
        let n = (s.rows - first).min(BUILD_BATCH as i64);
        values.append(&db, first, n as usize)?;
        first += n;
    }
    db.close()?;
    drop(db);
    let base_bytes = std::fs::metadata(&base)?.len();
    println!(
        "built in {:.1} s: {:.1} MiB, {:.2} bytes/row",
        t.elapsed().as_secs_f64(),
        base_bytes as f64 / 1048576.0,
        base_bytes as f64 / s.rows as f64
    );
    let mut table: Vec<(String, String)> = Vec::new();

    // 1. Reader latency, writer idle (A) vs busy (B), alternating.
    println!(
        "\n1. one reader process querying {}-row ranges, {} s per run; writer idle vs appending {}-row batches, flushing every {} rows",
        s.q, s.secs, s.batch, s.flush_rows
    );
    let mut p50 = [Vec::new(), Vec::new()];
    let mut p99 = [Vec::new(), Vec::new()];
    let mut busy_rate = Vec::new();
    for r in 0..s.runs * 2 {
        let busy = r % 2 == 1;
        let (mut lat, wrote) = run_phase(&base, &run_path, &values, &s, 1, busy)?;
        let lat = &mut lat[0];
        let (m, p) = (percentile(lat, 0.5), percentile(lat, 0.99));
        p50[usize::from(busy)].push(m);
        p99[usize::from(busy)].push(p);
        let writer = match wrote {
            Some(w) => {
                busy_rate.push(w.rows as f64 / w.secs);
                format!("writer busy: {:.2} M rows/s", w.rows as f64 / w.secs / 1e6)
            }
            None => "writer idle".into(),
        };
        println!(
            "  run {r} {writer:<27} {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            lat.len(),
            m * 1e3,
            p * 1e3,
            lat.last().copied().unwrap_or(0.0) * 1e3
        );
    }
    let [idle50, busy50] = p50.map(|mut v| median(&mut v) * 1e3);
    let [idle99, busy99] = p99.map(|mut v| median(&mut v) * 1e3);
    table.push((
        format!("reader query {}k rows x {} cols, writer idle", s.q / 1000, COLUMNS.len()),
        format!("p50 {idle50:.2} ms, p99 {idle99:.2} ms"),
    ));
    table.push((
        format!(
            "reader query {}k rows x {} cols, writer busy ({:.2} M rows/s)",
            s.q / 1000,
            COLUMNS.len(),
            median(&mut busy_rate) / 1e6
        ),
        format!(
            "p50 {busy50:.2} ms ({:+.0}%), p99 {busy99:.2} ms ({:+.0}%)",
            (busy50 / idle50 - 1.0) * 100.0,
            (busy99 / idle99 - 1.0) * 100.0
        ),
    ));

    // 2. Writer append rate with 0, 1, 4 reader processes, rotating.
    println!(
        "\n2. writer appending {}-row batches, flushing every {} rows, {} s per run, with 0/1/4 reader processes querying",
        s.batch, s.flush_rows, s.secs
    );
    let counts = [0usize, 1, 4];
    let mut rates = [Vec::new(), Vec::new(), Vec::new()];
    for r in 0..s.runs * counts.len() {
        let k = r % counts.len();
        let (lat, wrote) = run_phase(&base, &run_path, &values, &s, counts[k], true)?;
        let w = wrote.expect("busy run");
        let rate = w.rows as f64 / w.secs;
        rates[k].push(rate);
        let queries: usize = lat.iter().map(Vec::len).sum();
        println!(
            "  run {r} {} readers: {:.2} M rows/s; readers ran {:.0} queries/s in all",
            counts[k],
            rate / 1e6,
            queries as f64 / w.secs
        );
    }
    let alone = median(&mut rates[0].clone());
    for (k, n) in counts.iter().enumerate() {
        let m = median(&mut rates[k]);
        let vs = if k == 0 {
            String::new()
        } else {
            format!(" ({:+.0}% vs no reader)", (m / alone - 1.0) * 100.0)
        };
        table.push((
            format!("writer append_rows, {n} reader processes"),
            format!("{:.2} M rows/s{vs}", m / 1e6),
        ));
    }

    // 3. Backups of the base database: Copy and Pack, from a writer handle
    // and from a read-only handle, alternating. The source is in the page
    // cache (just written); the copy is fsynced by backup itself.
    println!(
        "\n3. backup of the {}-row database ({:.1} MB), {} rounds",
        s.rows,
        base_bytes as f64 / 1e6,
        s.runs
    );
    let writer = NanoTsDb::open(&base, NanoTsOptions::default())?;
    let reader = NanoTsDb::open_read_only(&base)?;
    let configs = [
        (BackupMode::Copy, false),
        (BackupMode::Copy, true),
        (BackupMode::Pack, false),
        (BackupMode::Pack, true),
    ];
    let mut secs = [const { Vec::new() }; 4];
    let mut dest_bytes = [0u64; 4];
    let dest = scratch.path("backup.ntt");
    for r in 0..s.runs {
        // A copy takes tens of ms: three of each per round for a steadier
        // median; a pack takes seconds: one.
        for k in [0, 1, 0, 1, 0, 1, 2, 3] {
            let (mode, read_only) = configs[k];
            let _ = std::fs::remove_file(&dest);
            let handle = if read_only { &reader } else { &writer };
            let t = Instant::now();
            handle.backup(&dest, mode)?;
            let e = t.elapsed().as_secs_f64();
            secs[k].push(e);
            dest_bytes[k] = std::fs::metadata(&dest)?.len();
            println!(
                "  run {r} {mode:?} from {}: {:.3} s, {:.0} MB/s",
                if read_only { "read-only handle" } else { "writer" },
                e,
                base_bytes as f64 / 1e6 / e
            );
        }
    }
    let _ = std::fs::remove_file(&dest);
    drop(reader);
    writer.close()?;
    for (k, &(mode, read_only)) in configs.iter().enumerate() {
        let m = median(&mut secs[k]);
        table.push((
            format!("backup {mode:?} from {}", if read_only { "a read-only handle" } else { "the writer" }),
            format!(
                "{:.0} MB/s of source ({:.3} s, median of {}; copy {:.1} MiB)",
                base_bytes as f64 / 1e6 / m,
                m,
                secs[k].len(),
                dest_bytes[k] as f64 / 1048576.0
            ),
        ));
    }

    println!("\nload average at end: {}", load_average());
    println!("\nSummary (medians of {} runs unless stated; MB = 10^6 bytes)", s.runs);
    let width = table.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &table {
        println!("  {k:<width$}  {v}");
    }
    Ok(())
}
