//! NanoTS side by side with its peers on real data (issue 16): SQLite,
//! Parquet, DuckDB (with the cargo feature `duckdb`), pco (size only) and a
//! `memcpy` floor, in the same run, interleaved, median of several runs,
//! every ratio NanoTS/peer printed.
//!
//! `cargo run --release -p nanots-bench [--features duckdb] --bin compare
//! [-- --rows N --runs R --data DIR --json PATH --workloads floats,timestamped]`
//!
//! Each engine's phase (ingest one row per call, ingest in batches, open +
//! queries) runs in a child process of its own (this binary re-executed
//! with a hidden subcommand), so its peak RSS is its own. Within a run the
//! engines take turns phase by phase, in an order rotated from run to run.
//! `bench/README.md` describes the workloads and every figure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nanots_bench::compare::data::{self, Arrival, Workload};
use nanots_bench::compare::engines::ALL;
use nanots_bench::compare::engines::floor::RAW_BYTES_PER_ROW;
use nanots_bench::compare::engines::parquet_file::row_group_rows;
use nanots_bench::compare::report::{self, Samples, json_num, json_str};
use nanots_bench::compare::{BATCH_ROWS, QUERIES, child, machine, remove_files};
use nanots_bench::{Scratch, arg, arg_str};

/// DuckDB in this build: how it is set up, or why it is not measured.
#[cfg(feature = "duckdb")]
const DUCKDB_NOTE: &str = "duckdb: bundled DuckDB (crate `duckdb`), its default settings (its thread count \
is in the notes below); t(ts BIGINT, v1..v4 DOUBLE) without a primary key; 1 row/call = Appender::append_row, \
batches = Appender::append_record_batch of Arrow batches; close = appender flush + CHECKPOINT + close; queries \
SELECT ... WHERE ts BETWEEN ? AND ? ORDER BY ts, streamed as Arrow and copied out.";
/// DuckDB in this build: how it is set up, or why it is not measured.
#[cfg(not(feature = "duckdb"))]
const DUCKDB_NOTE: &str = "DuckDB: not measured in this build; it is a peer with the cargo feature `duckdb` \
(`--features duckdb`), off by default because it compiles DuckDB's C++ (44 minutes for its C++ alone on the 2-core development machine, niced, beside other work).";

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some(child::SUBCOMMAND) {
        if let Err(e) = child::run(&argv[2..]) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let started = Instant::now();
    let load_start = machine::load_average();
    let rows = arg("--rows", 10_000_000) as u64;
    let runs = arg("--runs", 5).max(1);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bench/ has a parent");
    let data_dir = arg_str("--data").map_or_else(|| repo.join("../shared/data"), PathBuf::from);
    let json_path = arg_str("--json").map_or_else(|| repo.join("target/compare.json"), PathBuf::from);
    let names = arg_str("--workloads").unwrap_or_else(|| "floats,timestamped".to_owned());
    let workloads: Vec<Workload> = names
        .split(',')
        .map(|n| {
            Workload::load(&data_dir, n).unwrap_or_else(|e| panic!("{e} (--data {})", data_dir.display()))
        })
        .collect();

    let mut head = String::new();
    let _ = writeln!(head, "NanoTS compare: {rows} rows x 4 columns per table, median of {runs} runs");
    let _ = writeln!(head, "command: {}", argv.join(" "));
    let _ = writeln!(
        head,
        "machine: {}, {} cores; load average at start {:.2} {:.2} {:.2}",
        machine::cpu_model(),
        machine::cores(),
        load_start[0],
        load_start[1],
        load_start[2]
    );
    let _ = writeln!(head, "data: {}", data_dir.canonicalize().unwrap_or(data_dir.clone()).display());
    // Per workload, the arrival orders measured: the late variant only if
    // some row does arrive out of order (with a sampling period longer than
    // the lateness, none does, and it would repeat the in-order figures).
    let mut arrivals: Vec<Vec<Arrival>> = Vec::new();
    for w in &workloads {
        let late = data::count_out_of_order(w.rows(rows, Arrival::Late));
        let _ = writeln!(head, "  {}", w.description);
        let _ = writeln!(
            head,
            "  {}+late: the same rows, 1 in 10 up to {} s late: {late} rows ({:.2}%) arrive after a later one{}",
            w.name,
            data::MAX_LATENESS_MS / 1000,
            late as f64 * 100.0 / rows as f64,
            if late == 0 { "; not run (same as in order)" } else { "" }
        );
        arrivals.push(if late == 0 { vec![Arrival::InOrder] } else { vec![Arrival::InOrder, Arrival::Late] });
    }
    print!("{head}");

    let scratch = Scratch::new("compare");
    let mut samples = Samples::default();
    // Per (workload, engine): how it laid the table out, for the notes.
    let mut facts: BTreeMap<(String, String), BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut add_facts = |label: &str, e: &str, m: &BTreeMap<String, f64>| {
        for (k, v) in m {
            if let Some(k) = k.strip_prefix(child::FACT) {
                let of = facts.entry((label.to_owned(), e.to_owned())).or_default();
                of.entry(k.to_owned()).or_default().push(*v);
            }
        }
    };
    for run in 0..runs {
        for (w, arrivals) in workloads.iter().zip(&arrivals) {
            for &arrival in arrivals {
                let label = workload_label(w, arrival);
                let ctx = RunCtx { w, arrival, rows, data: &data_dir, scratch: &scratch, run };
                // The floor is the same for late rows: measured in order only.
                let engines: Vec<&str> = match arrival {
                    Arrival::InOrder => ALL.to_vec(),
                    Arrival::Late => ALL.iter().copied().filter(|&e| e != "memcpy").collect(),
                };
                for e in rotated(&engines, run) {
                    let path = ctx.path(e, "row");
                    let m = ctx.child(e, child::INGEST_ROW, &path);
                    samples.add(&label, e, child::INGEST_ROW, &m);
                    if e == "sqlite" {
                        // No columnar path: its batch figures are these.
                        samples.add(&label, e, child::INGEST_BATCH, &m);
                    } else {
                        remove_files(&path);
                    }
                }
                let batch_engines: Vec<&str> = engines.iter().copied().filter(|&e| e != "sqlite").collect();
                for e in rotated(&batch_engines, run) {
                    let m = ctx.child(e, child::INGEST_BATCH, &ctx.path(e, "batch"));
                    samples.add(&label, e, child::INGEST_BATCH, &m);
                }
                for e in rotated(&engines, run) {
                    let path = ctx.path(e, if e == "sqlite" { "row" } else { "batch" });
                    let m = ctx.child(e, child::QUERY, &path);
                    add_facts(&label, e, &m);
                    samples.add(&label, e, child::QUERY, &m);
                    remove_files(&path);
                }
                if run == 0 && arrival == Arrival::InOrder {
                    let m = ctx.child("pco", child::PCO_SIZE, &ctx.path("pco", "none"));
                    add_facts(&label, "pco", &m);
                    let per_row = BTreeMap::from([("bytes_per_row".to_owned(), m["bytes"] / rows as f64)]);
                    samples.add(&label, "pco", child::INGEST_BATCH, &per_row);
                }
            }
        }
    }

    let wl: Vec<(String, Option<String>)> = workloads
        .iter()
        .zip(&arrivals)
        .flat_map(|(w, arrivals)| {
            let base = workload_label(w, Arrival::InOrder);
            arrivals.iter().map(move |&a| (workload_label(w, a), (a == Arrival::Late).then(|| base.clone())))
        })
        .collect();
    let report_engines: Vec<&str> = ALL.iter().copied().chain(["pco"]).collect();
    let lines = report::lines(&samples, &wl, &report_engines);
    let load_end = machine::load_average();
    let elapsed = started.elapsed().as_secs_f64();

    let mut notes = vec![
        format!(
            "NanoTS/peer: NanoTS's median over the peer's; every figure is lower-is-better, so below 1 NanoTS \
             does better. min..max: over the {runs} runs; each query figure is, per run, the median of \
             {} queries at different places in the table.",
            QUERIES.iter().map(|q| format!("{} ({})", q.reps, q.label)).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "nanots: default options (auto-flush every 4 MiB, fsync at each flush, close); batches of \
             {BATCH_ROWS} rows through append_rows; queries read the file of the batch ingest."
        ),
        "sqlite: WAL, synchronous=NORMAL, one transaction, prepared INSERT per row; close checkpoints. \
         sqlite*: no columnar path, its batch figures are its per-row insert (same samples); queries read \
         that file."
            .to_owned(),
        format!(
            "parquet: ZSTD(3), page statistics, delta-encoded ts, row groups of {} rows, fsync at close; \
             1 row/call = one row per call into Arrow builders, a batch written per row group; open (both lines) \
             reads the footer; queries keep the row groups whose ts statistics overlap, filter rows, sort them if written out of order.",
            row_group_rows()
        ),
        format!(
            "memcpy: the floor: rows kept as raw arrays in memory ({RAW_BYTES_PER_ROW} B/row, no file, no \
             open); a query copies the rows it returns. pco: default level on the 5 raw columns, size only."
        ),
        "Ingest figures include generating the rows from the real series (the same for every engine); \
         peak RSS is each child's VmHWM, and the query child's includes the 100% result (40 B/row)."
            .to_owned(),
        "Cycling repeats each series exactly (a timestamped column every 2,162 to 10,320 rows, a floats \
         column about every 100,000): coders that find repeats (ZSTD, dictionaries) can use that, where a \
         real stream would not repeat; the per-column sizes below show where."
            .to_owned(),
        DUCKDB_NOTE.to_owned(),
    ];
    for ((label, e), of) in &facts {
        let list: Vec<String> = of
            .iter()
            .map(|(k, v)| format!("{k} {}", report::num(nanots_bench::median(&mut v.clone()))))
            .collect();
        notes.push(format!("{label}, {e}: {}", list.join(", ")));
    }

    println!("\n{}", report::table(&lines));
    for n in &notes {
        println!("note: {n}");
    }
    println!(
        "\nload average at end {:.2} {:.2} {:.2}; run time {:.1} s",
        load_end[0], load_end[1], load_end[2], elapsed
    );

    let json = format!(
        "{{\n  \"command\": {},\n  \"cpu\": {},\n  \"cores\": {},\n  \"load_average_start\": [{}],\n  \
         \"load_average_end\": [{}],\n  \"rows\": {rows},\n  \"runs\": {runs},\n  \"run_time_secs\": {},\n  \
         \"workloads\": [{}],\n  \"notes\": [{}],\n  \"results\": {}\n}}\n",
        json_str(&argv.join(" ")),
        json_str(&machine::cpu_model()),
        machine::cores(),
        load_start.map(json_num).join(", "),
        load_end.map(json_num).join(", "),
        json_num(elapsed),
        workloads.iter().map(|w| json_str(&w.description)).collect::<Vec<_>>().join(", "),
        notes.iter().map(|n| json_str(n)).collect::<Vec<_>>().join(", "),
        report::json_lines(&lines)
    );
    if let Some(dir) = json_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&json_path, json).unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
    println!("JSON: {}", json_path.display());
}

fn workload_label(w: &Workload, arrival: Arrival) -> String {
    match arrival {
        Arrival::InOrder => w.name.to_owned(),
        Arrival::Late => format!("{}+late", w.name),
    }
}

/// `engines` rotated left by `run`: each engine follows a different one
/// from run to run.
fn rotated<'a>(engines: &[&'a str], run: usize) -> Vec<&'a str> {
    let mut v = engines.to_vec();
    v.rotate_left(run % engines.len());
    v
}

/// What the children of one run, workload and arrival order share.
struct RunCtx<'a> {
    w: &'a Workload,
    arrival: Arrival,
    rows: u64,
    data: &'a Path,
    scratch: &'a Scratch,
    run: usize,
}

impl RunCtx<'_> {
    /// The file of `engine` for `phase` (no file name is a prefix of
    /// another's: the size counts every file starting with it).
    fn path(&self, engine: &str, phase: &str) -> PathBuf {
        let late = if self.arrival == Arrival::Late { "late" } else { "in" };
        let ext = match engine {
            "nanots" => "ntt",
            "sqlite" => "sqlite",
            "parquet" => "parquet",
            "duckdb" => "duckdb",
            _ => "none",
        };
        self.scratch.path(&format!("{}.{late}.{engine}.{phase}.{ext}", self.w.name))
    }

    /// Runs one child; returns what it reported.
    fn child(&self, engine: &str, phase: &str, path: &Path) -> BTreeMap<String, f64> {
        let args = child::args(engine, phase, self.w.name, self.arrival, self.rows, self.data, path);
        let t = Instant::now();
        let out = Command::new(std::env::current_exe().expect("current exe"))
            .arg(child::SUBCOMMAND)
            .args(&args)
            .output()
            .expect("spawn child");
        assert!(out.status.success(), "child {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        eprintln!(
            "[run {}] {:<17} {:<8} {:<13} {:>7.2} s",
            self.run + 1,
            format!("{}{}", self.w.name, if self.arrival == Arrival::Late { "+late" } else { "" }),
            engine,
            phase,
            t.elapsed().as_secs_f64()
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_owned(), v.parse().ok()?))
            })
            .collect()
    }
}
