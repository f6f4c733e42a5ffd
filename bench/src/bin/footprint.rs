//! Memory footprint of the library on a small board (issue 14, "Memory"):
//! writer peak RSS for two table sizes, peak RSS and speed of streaming
//! reads (rows, Arrow batches, aggregates, two readers at once), open time
//! and RSS of the larger file, `stats` RSS, and the threads the library
//! starts.
//!
//! `cargo run --release -p nanots-bench --bin footprint [-- --rows 10000000
//! --large-rows 50000000 --runs 3 --auto-flush-sweep]`
//!
//! `--auto-flush-sweep` adds the writer's peak RSS and file size for the
//! smaller table at several `auto_flush_bytes` (how the default was chosen).
//!
//! Every measurement runs in a child process of its own (this binary,
//! re-executed), so each peak RSS (`VmHWM`) is that workload's alone; the
//! parent prints the median over `--runs` children. The table is
//! `sensor(temp, humidity)`, one row a second, appended row by row with the
//! default options: the shape of a firmware logging one sample at a time.
//! Reads run with the file in the page cache (it was just written), so they
//! measure CPU and memory, not the disk.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use nanots::{Agg, Columns, NanoTsDb, NanoTsDbShared, NanoTsOptions};
use nanots_bench::{Scratch, arg, median};

const T0: i64 = 1_704_067_200_000;
const TABLE: &str = "sensor";

fn value(i: i64) -> [f64; 2] {
    // A temperature with a daily swing and sensor noise in 0.01 steps, and
    // a humidity drifting in 0.1 steps: about one byte per row once
    // compressed, timestamps included (the shape the issue measured).
    let noise = (lcg(i) % 5) as f64 - 2.0;
    let day = (i % 86_400) as f64 / 86_400.0 * std::f64::consts::TAU;
    let temp = ((20.0 + 5.0 * day.sin()) * 100.0).round() / 100.0 + noise / 100.0;
    [temp, 40.0 + ((i / 7) % 300) as f64 * 0.1]
}

/// Jitter of the sampling clock: 0 to 7 ms late.
fn ts(i: i64) -> i64 {
    T0 + i * 1000 + (lcg(i + 7) % 8) as i64
}

/// A fixed pseudo-random number for row `i` (64-bit LCG, high bits).
fn lcg(i: i64) -> u64 {
    (i as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 33
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`, `RssAnon`,
/// `RssFile`, ...), 0 if absent.
fn status_bytes(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Threads of this process (`/proc/self/task`).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// User plus system CPU time of this process so far, in seconds: less
/// disturbed than wall time by other work on a loaded machine.
fn cpu_secs() -> f64 {
    let u = rusage();
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

fn rusage() -> libc::rusage {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is valid for writes for the duration of the call.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u
}

/// Prints one measurement for the parent: `name value`.
fn report(name: &str, value: f64) {
    println!("{name} {value}");
}

fn report_memory(prefix: &str) {
    report(&format!("{prefix}.cpu_secs"), cpu_secs());
    report(&format!("{prefix}.minor_faults"), rusage().ru_minflt as f64);
    report(&format!("{prefix}.peak_rss"), status_bytes("VmHWM") as f64);
    report(&format!("{prefix}.rss"), status_bytes("VmRSS") as f64);
    report(&format!("{prefix}.rss_anon"), status_bytes("RssAnon") as f64);
    report(&format!("{prefix}.rss_file"), (status_bytes("RssFile") + status_bytes("RssShmem")) as f64);
}

/// Child: appends `rows` rows one by one with the default options (but
/// `auto_flush_bytes`, if given), closes.
fn child_write(path: &Path, rows: i64, auto_flush_bytes: Option<usize>) {
    let t = Instant::now();
    let mut opts = NanoTsOptions::default();
    opts.auto_flush_bytes = auto_flush_bytes.unwrap_or(opts.auto_flush_bytes);
    let db = NanoTsDb::open(path, opts).unwrap();
    db.create_table(TABLE, &["temp", "humidity"]).unwrap();
    for i in 0..rows {
        db.append_row(TABLE, ts(i), &value(i)).unwrap();
    }
    db.close().unwrap();
    report("write.secs", t.elapsed().as_secs_f64());
    report_memory("write");
    report("write.file_bytes", std::fs::metadata(path).unwrap().len() as f64);
}

/// Child: opens the file (a writer, defaults), then runs `what`.
fn child_read(path: &Path, what: &str) {
    if std::env::var_os("NANOTS_BENCH_COLD").is_some() {
        drop_from_page_cache(path);
    }
    let base_rss = status_bytes("VmRSS");
    let t = Instant::now();
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    let open_secs = t.elapsed().as_secs_f64();
    match what {
        "open" => {
            report("open.secs", open_secs);
            report("open.rss_added", status_bytes("VmRSS").saturating_sub(base_rss) as f64);
            report_memory("open");
            report("open.threads", threads() as f64);
        }
        "stats" => {
            let before = status_bytes("VmRSS");
            let t = Instant::now();
            let st = db.stats(TABLE).unwrap();
            report("stats.secs", t.elapsed().as_secs_f64());
            assert!(st.rows > 0);
            // The first call read the headers; the next ones use the index.
            let t = Instant::now();
            assert_eq!(db.stats(TABLE).unwrap(), st);
            report("stats.again_secs", t.elapsed().as_secs_f64());
            report("stats.rss_added", status_bytes("VmRSS").saturating_sub(before) as f64);
            report_memory("stats");
        }
        "stream" => {
            let t = Instant::now();
            let (rows, sum) = stream(&db);
            report("stream.secs", t.elapsed().as_secs_f64());
            report("stream.mrows_per_s", rows as f64 / t.elapsed().as_secs_f64() / 1e6);
            assert!(sum.is_finite());
            report_memory("stream");
            report("stream.threads", threads() as f64);
        }
        "arrow" => {
            let t = Instant::now();
            let reader = db.range_reader(TABLE, i64::MIN, i64::MAX).unwrap();
            let mut rows = 0;
            for b in nanots::arrow::RangeBatches::new(reader, 65_536) {
                rows += b.unwrap().num_rows();
            }
            assert!(rows > 0);
            report("arrow.secs", t.elapsed().as_secs_f64());
            report_memory("arrow");
        }
        "aggregate" => {
            let t = Instant::now();
            let mut agg =
                db.aggregate_reader(TABLE, i64::MIN, i64::MAX, 3_600_000, &[Agg::Mean, Agg::Max]).unwrap();
            let mut buckets = 0;
            while let Some(b) = agg.next_batch().unwrap() {
                buckets += b.bucket_start.len();
            }
            assert!(buckets > 0);
            report("aggregate.secs", t.elapsed().as_secs_f64());
            report_memory("aggregate");
        }
        "two_readers" => {
            // Two streaming reads of the same table at once, from two
            // threads of one handle (sharing its mapping).
            let t = Instant::now();
            std::thread::scope(|s| {
                let a = s.spawn(|| stream(&db));
                let b = s.spawn(|| stream(&db));
                assert_eq!(a.join().unwrap(), b.join().unwrap());
            });
            report("two_readers.secs", t.elapsed().as_secs_f64());
            report_memory("two_readers");
        }
        other => panic!("unknown workload {other}"),
    }
    db.close().unwrap();
}

/// Asks the kernel to drop the file's clean pages from the page cache
/// (`POSIX_FADV_DONTNEED`; no privilege needed), so the next read of it
/// comes from the disk: the cold-start case of a board after boot.
fn drop_from_page_cache(path: &Path) {
    use std::os::unix::io::AsRawFd;
    let f = std::fs::File::open(path).unwrap();
    f.sync_all().unwrap();
    // SAFETY: a valid descriptor; offset 0 and length 0 mean the whole file.
    let rc = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(rc, 0, "posix_fadvise");
}

/// Reads the whole table group by group into one reused buffer; returns
/// the row count and a checksum.
fn stream(db: &NanoTsDb) -> (usize, f64) {
    let mut reader = db.range_reader(TABLE, i64::MIN, i64::MAX).unwrap();
    let mut cols = Columns::with_columns(2, 0);
    let (mut rows, mut sum) = (0, 0.0);
    loop {
        cols.ts.clear();
        cols.columns.iter_mut().for_each(Vec::clear);
        if !reader.read_group_into(&mut cols).unwrap() {
            break;
        }
        rows += cols.len();
        sum += cols.columns[0].iter().sum::<f64>();
    }
    (rows, sum)
}

/// Child: threads started by a plain handle and by a shared one with
/// background maintenance.
fn child_threads(path: &Path) {
    let before = threads();
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db.flush().unwrap();
    let _ = db.query_range("t", 0, 10).unwrap();
    report("threads.plain", (threads() - before) as f64);
    db.close().unwrap();
    let shared = NanoTsDbShared::open(
        path,
        NanoTsOptions { auto_maintenance: Some(Default::default()), ..Default::default() },
    )
    .unwrap();
    report("threads.maintenance", (threads() - before) as f64);
    shared.close().unwrap();
}

/// Runs this binary as a child with `args`; returns what it reported.
fn run_child(args: &[&str]) -> BTreeMap<String, f64> {
    let out = Command::new(std::env::current_exe().unwrap()).arg("--child").args(args).output().unwrap();
    assert!(out.status.success(), "child {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

/// Medians over runs, per reported name.
#[derive(Default)]
struct Samples(BTreeMap<String, Vec<f64>>);

impl Samples {
    fn add(&mut self, prefix: &str, m: BTreeMap<String, f64>) {
        for (k, v) in m {
            self.0.entry(format!("{prefix}{k}")).or_default().push(v);
        }
    }

    fn median(&mut self, key: &str) -> f64 {
        self.0.get_mut(key).map_or(f64::NAN, |v| median(v))
    }

    fn range(&self, key: &str) -> (f64, f64) {
        self.0.get(key).map_or((f64::NAN, f64::NAN), |v| {
            (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            )
        })
    }
}

fn mib(b: f64) -> f64 {
    b / 1048576.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let path = Path::new(&args[3]);
        match args[2].as_str() {
            "write" => child_write(path, args[4].parse().unwrap(), args.get(5).map(|a| a.parse().unwrap())),
            "threads" => child_threads(path),
            what => child_read(path, what),
        }
        return;
    }
    let small = arg("--rows", 10_000_000);
    let large = arg("--large-rows", 50_000_000);
    let runs = arg("--runs", 3);
    let scratch = Scratch::new("footprint");
    println!("NanoTS footprint: sensor(temp, humidity), row-by-row appends, defaults; median of {runs} runs");
    println!("(min..max in brackets); every figure from a child process of its own\n");

    let mut s = Samples::default();
    let sizes = [("small", small), ("large", large)];
    for (name, rows) in sizes {
        for r in 0..runs {
            let p = scratch.path(&format!("{name}{r}.ntt"));
            s.add(&format!("{name}."), run_child(&["write", p.to_str().unwrap(), &rows.to_string()]));
            // Keep the first file of each size for the reads.
            if r > 0 {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    let workloads = ["open", "stats", "stream", "arrow", "aggregate", "two_readers"];
    for r in 0..runs {
        for (name, _) in sizes {
            let p = scratch.path(&format!("{name}0.ntt"));
            // Alternate the order between runs so neither workload always
            // follows the same neighbour.
            let order: Vec<&str> =
                if r % 2 == 0 { workloads.to_vec() } else { workloads.iter().rev().copied().collect() };
            for w in order {
                s.add(&format!("{name}."), run_child(&[w, p.to_str().unwrap()]));
            }
        }
    }
    let p = scratch.path("threads.ntt");
    s.add("", run_child(&["threads", p.to_str().unwrap()]));
    let sweep: &[usize] = if std::env::args().any(|a| a == "--auto-flush-sweep") {
        &[2 << 20, 3 << 20, 4 << 20, 6 << 20, 8 << 20]
    } else {
        &[]
    };
    for &bytes in sweep {
        for _ in 0..runs {
            let p = scratch.path("sweep.ntt");
            let m = run_child(&["write", p.to_str().unwrap(), &small.to_string(), &bytes.to_string()]);
            s.add(&format!("sweep{bytes}."), m);
            std::fs::remove_file(&p).unwrap();
        }
    }

    let line = |s: &mut Samples, label: &str, key: &str| {
        let m = s.median(key);
        let (lo, hi) = s.range(key);
        println!("{label:<48} {:>8.1} MiB  [{:.1}..{:.1}]", mib(m), mib(lo), mib(hi));
    };
    for (name, rows) in sizes {
        println!("-- {rows} rows ({:.1} MiB file)", mib(s.median(&format!("{name}.write.file_bytes"))));
        let secs = s.median(&format!("{name}.write.secs"));
        line(&mut s, "writer peak RSS", &format!("{name}.write.peak_rss"));
        println!("{:<48} {:>8.2} M rows/s", "  append_row + auto-flush + close", rows as f64 / secs / 1e6);
        line(&mut s, "open: RSS added", &format!("{name}.open.rss_added"));
        println!("{:<48} {:>8.2} ms", "open: time", s.median(&format!("{name}.open.secs")) * 1e3);
        line(&mut s, "stats: peak RSS", &format!("{name}.stats.peak_rss"));
        line(&mut s, "stats: RSS added", &format!("{name}.stats.rss_added"));
        println!(
            "{:<48} {:>8.2} ms",
            "stats: time, first call",
            s.median(&format!("{name}.stats.secs")) * 1e3
        );
        println!(
            "{:<48} {:>8.2} ms",
            "stats: time, next call",
            s.median(&format!("{name}.stats.again_secs")) * 1e3
        );
        for w in ["stream", "arrow", "aggregate", "two_readers"] {
            line(&mut s, &format!("{w}: peak RSS"), &format!("{name}.{w}.peak_rss"));
            line(&mut s, &format!("{w}:   anonymous at end"), &format!("{name}.{w}.rss_anon"));
            line(&mut s, &format!("{w}:   file pages at end"), &format!("{name}.{w}.rss_file"));
            println!("{:<48} {:>8.1} ms", format!("{w}: time"), s.median(&format!("{name}.{w}.secs")) * 1e3);
        }
        println!(
            "{:<48} {:>8.0}",
            "threads after open (plain handle)",
            s.median(&format!("{name}.open.threads"))
        );
        println!();
    }
    println!(
        "threads started: plain handle {}, with background maintenance {}",
        s.median("threads.plain"),
        s.median("threads.maintenance")
    );
    for &bytes in sweep {
        let key = format!("sweep{bytes}.write.peak_rss");
        let (lo, hi) = s.range(&key);
        println!(
            "auto_flush_bytes {:>2} MiB: writer peak RSS {:>5.1} MiB [{:.1}..{:.1}], {small} rows in {:.2} MiB",
            bytes >> 20,
            mib(s.median(&key)),
            mib(lo),
            mib(hi),
            mib(s.median(&format!("sweep{bytes}.write.file_bytes"))),
        );
    }
}
