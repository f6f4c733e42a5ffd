//! One writer process and three reader processes on the same file (the
//! single-process case is `tests/read_only.rs`).
//!
//! The writer child appends batches (one `append_rows` call each, whose
//! rows' timestamps and values are a function of the round's seed and the
//! batch id), flushes now and then, packs the table and runs retention
//! compactions. Its retention removes exactly the batches more than
//! `RETAINED_BATCHES` older than the newest one (see `RETENTION_MS`), so
//! every state of the table is a run of whole batches `lo..=hi`. A
//! restarted writer resumes after the last batch it finds.
//!
//! Reader children query the table in a loop and check every result: the
//! rows are exactly batches `lo..=hi`, each whole and bit-exact, in order,
//! with neither `lo` nor `hi` ever going backwards in one reader process;
//! now and then they back the database up (`BackupMode::Copy`), open the
//! copy as a writer and check it the same way, and that it lies between
//! the reader's queries before and after it.
//!
//! The parent kills the writer with SIGKILL at random moments (during its
//! open, after a flush or an append, inside a pack or compaction) and
//! restarts it on the same file, kills and restarts readers, and checks:
//! - every reopened writer finds every acknowledged batch (the rows only
//!   its WAL held are replayed, so readers' `hi` may jump), at most the one
//!   batch in flight beyond, and exactly the batches the compactions that
//!   returned (or the interrupted one) left;
//! - no reader ever fails, across writer kills, restarts, packs and
//!   compactions (which rename a new file over the path);
//! - at the end, the file opened by a writer holds a run of whole batches
//!   at least as far as any reader saw, and `verify()` finds no problem;
//! - the paths under test were taken (kills, replays, renames, queries).
//!
//! Two configurations: `FOLLOW` (every batch in one WAL frame; frequent
//! commits and renames for the readers to follow) and `SPLIT_FRAMES` (the
//! smallest record cap, so that `append_rows` logs every batch as several
//! WAL frames, and kills aimed at appends): a batch must be whole or absent
//! either way.
//!
//! A failure names the configuration, the round's seed and directory (kept
//! on failure), the process and the batch. Each round is a new database;
//! `NANOTS_SOAK=1` runs ten times as many rounds; `NANOTS_READERS_SEED=<seed>`
//! runs one round with the seed a failure named (the batches are the same;
//! the kill moments are not reproducible).

mod common;
use common::*;
use nanots::{BackupMode, NanoTsDb, NanoTsOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

const TABLE: &str = "batches";
/// Value columns: the batch id, the row's index in its batch, and 64 bits
/// of noise (any pattern, NaN payloads included), all exact in an f64.
const COLUMNS: [&str; 3] = ["batch", "row", "noise"];
/// Rows of the largest batch any configuration writes.
const MAX_BATCH_ROWS: u64 = 500;
/// Row `i` of batch `b` has timestamp `b * TS_PER_BATCH + i`: strictly
/// increasing, and at least `TS_PER_BATCH - MAX_BATCH_ROWS` ms between
/// batches, which is what makes the retention cut fall between batches.
const TS_PER_BATCH: i64 = 1000;
/// Batches a compaction keeps below the newest batch.
const RETAINED_BATCHES: u64 = 150;
/// The writer's retention. Timestamps lie in 1970, long before the wall
/// clock, so the cutoff is `newest - RETENTION_MS`, with newest the last
/// row of the newest batch `B`: `B * 1000 + n - 1` with `1 <= n <= 500`.
/// The cutoff is then `(B - 150 - 1) * 1000 + 500..=999`: above every row
/// of batch `B - 151` (which end by `+ 499`), below every row of batch
/// `B - 150`. A compaction removes exactly the batches below `B - 150`.
const RETENTION_MS: u64 = RETAINED_BATCHES * TS_PER_BATCH as u64 + 500;

const READERS: usize = 3;
/// How long the parent waits for any line from the writer before calling
/// it hung, and for readers to stop when asked.
const SILENCE_LIMIT: Duration = Duration::from_secs(120);
/// A writer whose kill plan did not trigger (no rewrite came) is killed
/// this long after its open returned. Counted from the open, not the spawn:
/// under qemu an open that replays and flushes a WAL of tens of thousands
/// of rows (into segments of 64) takes seconds while three readers share
/// two cores, and a limit counted from the spawn killed such writers
/// before they appended anything, round after round, so no open after them
/// ever replayed a WAL.
const WRITER_LIFE_LIMIT: Duration = Duration::from_secs(2);

const WRITER_CHILD: &str = "readers_processes_writer_child";
const READER_CHILD: &str = "readers_processes_reader_child";

/// One configuration of the scenario.
struct Config {
    name: &'static str,
    /// The writer's record cap (`max_record_size`); `None`: the default,
    /// 64 MiB. A batch larger than the cap is logged as several WAL frames.
    record_cap: Option<u32>,
    /// Rows of the smallest and the largest batch.
    batch_rows: (u64, u64),
    /// The writer flushes after 1 to this many batches; 0: only
    /// automatically, at `auto_flush_bytes`.
    flush_every: u64,
    auto_flush_bytes: usize,
    /// Chances in 1000, after each batch, of a pack and of a compaction.
    pack_per_mille: u64,
    compact_per_mille: u64,
    /// Weights of the writer's kill plans: after its spawn, after a flush,
    /// inside a rewrite, after an append.
    kill_weights: [u64; 4],
    /// Rounds (each a new database; ten times as many with `NANOTS_SOAK=1`)
    /// and the wall time of each.
    rounds: usize,
    round_time: Duration,
}

/// Every batch fits one WAL frame; flushes, packs and compactions are
/// frequent, so readers follow many commits and renames.
const FOLLOW: Config = Config {
    name: "follow",
    record_cap: None,
    batch_rows: (1, 200),
    flush_every: 6,
    auto_flush_bytes: 48 << 10,
    pack_per_mille: 8,
    compact_per_mille: 12,
    kill_weights: [2, 4, 3, 1],
    rounds: 4,
    round_time: Duration::from_secs(6),
};

/// The smallest record cap (4096 bytes: 127 rows of a timestamp and three
/// values per frame) and batches of 128 to 500 rows: `append_rows` logs
/// every batch as two to four WAL frames. The writer mostly appends
/// (automatic flushes only, rare compactions) and is killed right after an
/// append, so that kills land inside the next one, between its frames.
const SPLIT_FRAMES: Config = Config {
    name: "split-frames",
    record_cap: Some(4096),
    batch_rows: (128, MAX_BATCH_ROWS),
    flush_every: 0,
    auto_flush_bytes: 1 << 20,
    pack_per_mille: 0,
    compact_per_mille: 3,
    kill_weights: [1, 0, 0, 9],
    rounds: 2,
    round_time: Duration::from_secs(5),
};

const CONFIGS: [&Config; 2] = [&FOLLOW, &SPLIT_FRAMES];

fn config_named(name: &str) -> &'static Config {
    CONFIGS.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no configuration {name:?}"))
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

// ---------------------------------------------------------------------------
// Batches and the check every process applies

fn ts_of(b: u64, i: u64) -> i64 {
    b as i64 * TS_PER_BATCH + i as i64
}

/// The batches of one round: every process derives them from the round's
/// seed and the configuration, so a batch is the same whichever writer
/// incarnation wrote it.
#[derive(Clone, Copy)]
struct Batches {
    seed: u64,
    /// Rows of the smallest and the largest batch.
    rows: (u64, u64),
}

impl Batches {
    /// Rows of batch `b`.
    fn rows_in(&self, b: u64) -> u64 {
        let (least, most) = self.rows;
        least + mix(self.seed ^ mix(b)) % (most + 1 - least)
    }

    fn noise(&self, b: u64, i: u64) -> f64 {
        f64::from_bits(mix(mix(self.seed ^ b.rotate_left(32)) ^ i))
    }

    /// Row `i` of batch `b` as (timestamp, bit patterns of its values).
    fn row(&self, b: u64, i: u64) -> (i64, [u64; 3]) {
        (ts_of(b, i), [(b as f64).to_bits(), (i as f64).to_bits(), self.noise(b, i).to_bits()])
    }

    /// Batch `b` as `append_rows` takes it.
    fn batch(&self, b: u64) -> (Vec<i64>, Vec<Vec<f64>>) {
        let n = self.rows_in(b);
        let ts = (0..n).map(|i| ts_of(b, i)).collect();
        let ids = (0..n).map(|_| b as f64).collect();
        let rows = (0..n).map(|i| i as f64).collect();
        (ts, vec![ids, rows, (0..n).map(|i| self.noise(b, i)).collect()])
    }
}

fn show_row(ts: i64, bits: [u64; 3]) -> String {
    let [b, i, z] = bits.map(f64::from_bits);
    format!("(ts {ts}, batch {b}, row {i}, noise {:#018x})", z.to_bits())
}

/// The batches a query result holds: `Some((lo, hi))` when its rows are
/// exactly batches `lo..=hi`, each whole and bit-exact, in order; `None`
/// when it has no row. The error names the first row that breaks this.
fn batch_run(batches: Batches, ts: &[i64], cols: &[Vec<f64>]) -> Result<Option<(u64, u64)>, String> {
    if cols.len() != COLUMNS.len() || cols.iter().any(|c| c.len() != ts.len()) {
        let lens: Vec<usize> = cols.iter().map(Vec::len).collect();
        return Err(format!("{} timestamps but columns of lengths {lens:?}", ts.len()));
    }
    let Some(&first) = cols[0].first() else { return Ok(None) };
    let got = |j: usize| (ts[j], [cols[0][j].to_bits(), cols[1][j].to_bits(), cols[2][j].to_bits()]);
    if !(first >= 0.0 && first.fract() == 0.0 && first < 2f64.powi(40)) {
        return Err(format!("row 0 {} is no row of any batch", show_row(got(0).0, got(0).1)));
    }
    let lo = first as u64;
    let mut b = lo;
    let mut j = 0;
    loop {
        let n = batches.rows_in(b);
        for i in 0..n {
            if j == ts.len() {
                return Err(format!(
                    "batch {b} is torn: the result ends after its first {i} of {n} rows (batches {lo}..={b} expected whole)"
                ));
            }
            let want = batches.row(b, i);
            if got(j) != want {
                let (g, w) = (show_row(got(j).0, got(j).1), show_row(want.0, want.1));
                return Err(if j == 0 {
                    format!("the result starts inside batch {b}: row 0 is {g}, expected {w}")
                } else if i > 0 {
                    format!(
                        "batch {b} is torn or damaged: its first {i} of {n} rows are present, then row {j} is {g}, expected {w}"
                    )
                } else {
                    format!(
                        "batch {} is whole (ends at row {}), but batch {b} does not follow: row {j} is {g}, expected {w}",
                        b - 1,
                        j - 1
                    )
                });
            }
            j += 1;
        }
        if j == ts.len() {
            return Ok(Some((lo, b)));
        }
        b += 1;
    }
}

/// A run `lo..=hi` that some state of the writer's table could hold: a
/// compaction that removed batches below `lo` did so at newest batch
/// `lo + RETAINED_BATCHES`, which it kept.
fn check_run(run: (u64, u64)) -> Result<(), String> {
    let (lo, hi) = run;
    if lo > 0 && hi < lo + RETAINED_BATCHES {
        return Err(format!(
            "batches {lo}..={hi}: a compaction removed batches below {lo}, so it kept batch {} at least",
            lo + RETAINED_BATCHES
        ));
    }
    Ok(())
}

/// `later` does not go back from `earlier`, at either end.
fn check_forward(earlier: (u64, u64), later: (u64, u64), what: &str) -> Result<(), String> {
    if later.0 < earlier.0 || later.1 < earlier.1 {
        return Err(format!(
            "{what} went backwards: batches {}..={} after batches {}..={}",
            later.0, later.1, earlier.0, earlier.1
        ));
    }
    Ok(())
}

/// The whole table as a run of batches, or what is wrong with it.
fn read_run(db: &NanoTsDb, batches: Batches) -> Result<Option<(u64, u64)>, String> {
    let (ts, cols) =
        db.query_table_range_columns(TABLE, i64::MIN, i64::MAX).map_err(|e| format!("query failed: {e}"))?;
    let run = batch_run(batches, &ts, &cols)?;
    if let Some(r) = run {
        check_run(r)?;
    }
    Ok(run)
}

// ---------------------------------------------------------------------------
// The children

fn env_var(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("child: {k} not set"))
}

fn env_u64(k: &str) -> u64 {
    env_var(k).parse().unwrap_or_else(|_| panic!("child: {k} is not a number"))
}

/// The child's configuration and batches.
fn child_round() -> (&'static Config, Batches) {
    let cfg = config_named(&env_var("NANOTS_RP_CONFIG"));
    (cfg, Batches { seed: env_u64("NANOTS_RP_SEED"), rows: cfg.batch_rows })
}

/// Prints a marker line for the parent (stdout is a pipe: flushed at once).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Reports a violation to the parent and fails the child.
fn violation(who: &str, msg: &str) -> ! {
    say(&format!("@V {who}: {msg}"));
    panic!("{who}: {msg}");
}

/// The writer's options: retention as modelled above, small segments (a
/// batch spans several segment records of one transaction), the
/// configuration's record cap and automatic flush threshold.
fn writer_options(cfg: &Config) -> NanoTsOptions {
    NanoTsOptions {
        retention: Some(Duration::from_millis(RETENTION_MS)),
        segment_max_rows: 64,
        auto_flush_bytes: cfg.auto_flush_bytes,
        max_record_size: cfg.record_cap,
        ..Default::default()
    }
}

/// The writer: resumes after the last batch in the file and appends until
/// killed. Markers: `@O <lo> <hi or -> <rows replayed>` once open, `@A <b>`
/// after batch `b` was appended, `@F <n>` after a flush (batches `..n` are
/// committed), `@p` / `@P` before and after a pack, `@c <lo>` / `@C <lo>`
/// before and after a compaction that leaves batches `lo..`.
#[test]
#[ignore = "run as a child process by the readers_processes tests"]
fn readers_processes_writer_child() {
    let Ok(path) = std::env::var("NANOTS_RP_DB") else { return };
    let (cfg, batches) = child_round();
    let mut rng = Rng(env_u64("NANOTS_RP_WRITER_SEED") | 1);
    let who = env_var("NANOTS_RP_WHO");
    let who = who.as_str();
    let db =
        NanoTsDb::open(&path, writer_options(cfg)).unwrap_or_else(|e| violation(who, &format!("open: {e}")));
    db.create_table(TABLE, &COLUMNS).unwrap_or_else(|e| violation(who, &format!("create_table: {e}")));
    let report = db.recovery_report();
    let run = read_run(&db, batches).unwrap_or_else(|e| {
        let what = format!(
            "after its open replayed {} WAL frames holding {} rows (record cap {:?}): {e}",
            report.wal_frames_replayed, report.wal_rows_replayed, cfg.record_cap
        );
        violation(who, &what)
    });
    let replayed = report.wal_rows_replayed;
    let (mut lo, mut next) = run.map_or((0, 0), |(lo, hi)| (lo, hi + 1));
    let hi = run.map_or("-".to_owned(), |r| r.1.to_string());
    say(&format!("@O {lo} {hi} {replayed}"));
    let batches_to_flush = |rng: &mut Rng| match cfg.flush_every {
        0 => u64::MAX,
        n => 1 + rng.below(n),
    };
    // Batch 0 is flushed at once: readers start when it is committed.
    let mut until_flush = if next == 0 { 1 } else { batches_to_flush(&mut rng) };
    let (pack, compact) = (cfg.pack_per_mille, cfg.pack_per_mille + cfg.compact_per_mille);
    loop {
        let (ts, cols) = batches.batch(next);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        db.append_rows(TABLE, &ts, &refs)
            .unwrap_or_else(|e| violation(who, &format!("append batch {next}: {e}")));
        say(&format!("@A {next}"));
        next += 1;
        until_flush -= 1;
        if until_flush == 0 {
            db.flush().unwrap_or_else(|e| violation(who, &format!("flush: {e}")));
            say(&format!("@F {next}"));
            until_flush = batches_to_flush(&mut rng);
        }
        match rng.below(1000) {
            r if r < pack => {
                let target = 20 + rng.below(3000) as usize;
                say("@p");
                db.pack_table(TABLE, target).unwrap_or_else(|e| violation(who, &format!("pack: {e}")));
                say("@P");
            }
            r if r < compact => {
                let newest = next - 1;
                let keep_from = lo.max(newest.saturating_sub(RETAINED_BATCHES));
                say(&format!("@c {keep_from}"));
                db.compact_retention_now().unwrap_or_else(|e| violation(who, &format!("compact: {e}")));
                lo = keep_from;
                say(&format!("@C {lo}"));
            }
            _ => {}
        }
    }
}

/// A reader: queries and checks until the stop file appears. Markers:
/// `@Q <queries> <lo> <hi> <file changes> <backups>` after each query,
/// `@END` with the same fields when stopped, `@V <message>` on a violation.
#[test]
#[ignore = "run as a child process by the readers_processes tests"]
fn readers_processes_reader_child() {
    let Ok(path) = std::env::var("NANOTS_RP_DB") else { return };
    let path = PathBuf::from(path);
    let (_, batches) = child_round();
    let mut rng = Rng(env_u64("NANOTS_RP_READER_SEED") | 1);
    let stop = PathBuf::from(env_var("NANOTS_RP_STOP"));
    let backup_dir = PathBuf::from(env_var("NANOTS_RP_BACKUPS"));
    let who = env_var("NANOTS_RP_WHO");
    let who = who.as_str();
    let open = || {
        NanoTsDb::open_read_only(&path).unwrap_or_else(|e| violation(who, &format!("open_read_only: {e}")))
    };
    let mut db = open();
    let mut last: Option<(u64, u64)> = None;
    // A backup's run, to check against the next query.
    let mut copy: Option<(u64, u64)> = None;
    let mut queries = 0u64;
    let mut backups = 0u64;
    // Changes of the inode at the path: packs and compactions renamed in.
    let mut file_changes = 0u64;
    let mut inode = None;
    let status = |queries: u64, last: Option<(u64, u64)>, file_changes: u64, backups: u64| {
        let (lo, hi) = last.map_or(("-".to_owned(), "-".to_owned()), |(l, h)| (l.to_string(), h.to_string()));
        format!("{queries} {lo} {hi} {file_changes} {backups}")
    };
    while !stop.exists() {
        if let Ok(m) = std::fs::metadata(&path) {
            if inode.is_some_and(|i| i != m.ino()) {
                file_changes += 1;
            }
            inode = Some(m.ino());
        }
        let run = match read_run(&db, batches) {
            Ok(Some(run)) => run,
            Ok(None) => {
                violation(who, "the table is empty, though batch 0 was committed before any reader started")
            }
            Err(e) => violation(who, &format!("query {}: {e}", queries + 1)),
        };
        queries += 1;
        if let Some(prev) = last {
            check_forward(prev, run, "the table")
                .unwrap_or_else(|e| violation(who, &format!("query {queries}: {e}")));
        }
        if let Some(c) = copy.take() {
            check_forward(c, run, "the table after a backup")
                .unwrap_or_else(|e| violation(who, &format!("query {queries}: {e}")));
        }
        last = Some(run);
        say(&format!("@Q {}", status(queries, last, file_changes, backups)));
        match rng.below(40) {
            0 => {
                let dest = backup_dir.join(format!("{}-{backups}.ntt", who.replace(' ', "-")));
                let c = check_backup(&db, &dest, batches)
                    .unwrap_or_else(|e| violation(who, &format!("backup {backups}: {e}")));
                check_forward(run, c, "a backup")
                    .unwrap_or_else(|e| violation(who, &format!("backup {backups}: {e}")));
                copy = Some(c);
                backups += 1;
            }
            // Now and then a fresh handle, as well as the long-lived one.
            1 => db = open(),
            _ => {}
        }
    }
    say(&format!("@END {}", status(queries, last, file_changes, backups)));
}

/// Backs `db` up to `dest`, opens the copy as a writer and checks it;
/// returns its run of batches and removes it.
fn check_backup(db: &NanoTsDb, dest: &Path, batches: Batches) -> Result<(u64, u64), String> {
    db.backup(dest, BackupMode::Copy).map_err(|e| format!("backup to {}: {e}", dest.display()))?;
    let copy =
        NanoTsDb::open(dest, NanoTsOptions::default()).map_err(|e| format!("open of the copy: {e}"))?;
    let report = copy.recovery_report();
    if report != Default::default() {
        return Err(format!("opening the copy recovered something: {report:?}"));
    }
    let run = read_run(&copy, batches).map_err(|e| format!("the copy: {e}"))?.ok_or("the copy is empty")?;
    let verified = copy.verify().map_err(|e| format!("verify of the copy: {e}"))?;
    if !verified.is_ok() {
        return Err(format!("verify of the copy: {:?}", verified.problems));
    }
    copy.close().map_err(|e| format!("close of the copy: {e}"))?;
    drop(copy);
    std::fs::remove_file(dest).map_err(|e| format!("remove the copy: {e}"))?;
    Ok(run)
}

// ---------------------------------------------------------------------------
// The parent

#[derive(Clone, Copy, Debug)]
enum WriterKill {
    /// This many microseconds after the spawn, wherever it is (often in
    /// its open, replaying the WAL).
    AfterSpawn(u64),
    /// This many microseconds after its `n`-th flush marker.
    AfterFlush(u64, u64),
    /// This many microseconds after its next pack or compaction started.
    InRewrite(u64),
    /// This many microseconds after its `n`-th append marker.
    AfterAppend(u64, u64),
}

/// One child process; its stdout lines arrive on the round's channel.
struct Proc {
    child: Child,
    who: String,
    is_reader: bool,
    killed: bool,
    violations: Vec<String>,
    /// Last `@Q` / `@END` fields of a reader.
    status: ReaderStatus,
    ended: bool,
}

#[derive(Clone, Copy, Default, Debug)]
struct ReaderStatus {
    queries: u64,
    run: Option<(u64, u64)>,
    file_changes: u64,
    backups: u64,
}

fn parse_status(words: &[&str]) -> Option<ReaderStatus> {
    let n = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
    let run = match (n(1), n(2)) {
        (Some(lo), Some(hi)) => Some((lo, hi)),
        _ => None,
    };
    Some(ReaderStatus { queries: n(0)?, run, file_changes: n(3)?, backups: n(4)? })
}

/// Counts over all rounds, for the assertions that the paths under test
/// were taken.
#[derive(Default, Debug)]
struct Totals {
    writer_kills: u64,
    writer_kills_in_rewrite: u64,
    writer_opens_replaying_wal: u64,
    reader_kills: u64,
    reader_processes: u64,
    reader_queries: u64,
    reader_backups: u64,
    reader_file_changes: u64,
    packs: u64,
    compactions: u64,
    batches: u64,
}

/// What the parent knows of the writer's progress in a round.
#[derive(Default, Debug)]
struct WriterModel {
    /// Highest batch whose `append_rows` returned (`@A`).
    acked: Option<u64>,
    /// Batches `..committed` flushed (`@F`).
    committed: u64,
    /// First batch left by the last compaction that returned, and the one
    /// an interrupted compaction (`@c` without `@C`) would leave.
    lo: u64,
    lo_interrupted: Option<u64>,
    flushes_this_writer: u64,
    appends_this_writer: u64,
    /// A pack or compaction started and has not returned.
    in_rewrite: bool,
}

struct Round {
    cfg: &'static Config,
    seed: u64,
    dir: tempfile::TempDir,
    db: PathBuf,
    stop: PathBuf,
    backups: PathBuf,
    rng: Rng,
    tx: Sender<(usize, Option<String>)>,
    rx: Receiver<(usize, Option<String>)>,
    procs: Vec<Proc>,
    writer: Option<usize>,
    readers: [Option<usize>; READERS],
    reader_spawns: [u64; READERS],
    model: WriterModel,
    /// The highest `lo` and `hi` any reader saw.
    seen: Option<(u64, u64)>,
    /// The writer's kill plan, and the moment it fixed.
    kill: Option<(WriterKill, Option<Instant>)>,
    /// When the current writer's open returned (its `@O` line).
    writer_opened: Option<Instant>,
    totals: Totals,
}

impl Round {
    fn new(cfg: &'static Config, seed: u64) -> Round {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db.ntt");
        let stop = dir.path().join("stop");
        let backups = dir.path().join("backups");
        std::fs::create_dir(&backups).unwrap();
        let (tx, rx) = mpsc::channel();
        Round {
            cfg,
            seed,
            dir,
            db,
            stop,
            backups,
            rng: Rng(mix(seed) | 1),
            tx,
            rx,
            procs: Vec::new(),
            writer: None,
            readers: [None; READERS],
            reader_spawns: [0; READERS],
            model: WriterModel::default(),
            seen: None,
            kill: None,
            writer_opened: None,
            totals: Totals::default(),
        }
    }

    fn ctx(&self) -> String {
        format!("[{} round, seed {:#x}, {}]", self.cfg.name, self.seed, self.dir.path().display())
    }

    fn spawn(&mut self, name: &str, who: String, extra: &[(&str, String)]) -> usize {
        let mut envs: Vec<(&str, String)> = vec![
            ("NANOTS_RP_DB", self.db.to_str().unwrap().to_owned()),
            ("NANOTS_RP_SEED", self.seed.to_string()),
            ("NANOTS_RP_CONFIG", self.cfg.name.to_owned()),
            ("NANOTS_RP_WHO", who.clone()),
        ];
        envs.extend(extra.iter().cloned());
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut child = child_command(name, &envs).spawn().expect("spawn child");
        let id = self.procs.len();
        let stdout = child.stdout.take().unwrap();
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send((id, Some(line))).is_err() {
                    return;
                }
            }
            let _ = tx.send((id, None));
        });
        self.procs.push(Proc {
            child,
            is_reader: name == READER_CHILD,
            who,
            killed: false,
            violations: Vec::new(),
            status: ReaderStatus::default(),
            ended: false,
        });
        id
    }

    fn spawn_writer(&mut self) {
        let wseed = self.rng.next();
        let id = self.spawn(
            WRITER_CHILD,
            format!("writer {}", self.totals.writer_kills),
            &[("NANOTS_RP_WRITER_SEED", wseed.to_string())],
        );
        self.writer = Some(id);
        self.model.flushes_this_writer = 0;
        self.model.appends_this_writer = 0;
        self.writer_opened = None;
        let [spawn, flush, rewrite, append] = self.cfg.kill_weights;
        let plan = match self.rng.below(spawn + flush + rewrite + append) {
            r if r < spawn => WriterKill::AfterSpawn(self.rng.below(600_000)),
            r if r < spawn + flush => WriterKill::AfterFlush(1 + self.rng.below(40), self.rng.below(20_000)),
            r if r < spawn + flush + rewrite => WriterKill::InRewrite(self.rng.below(15_000)),
            _ => WriterKill::AfterAppend(1 + self.rng.below(60), self.rng.below(300)),
        };
        let at = match plan {
            WriterKill::AfterSpawn(us) => Some(Instant::now() + Duration::from_micros(us)),
            _ => None,
        };
        self.kill = Some((plan, at));
    }

    fn spawn_reader(&mut self, slot: usize) {
        let rseed = self.rng.next();
        let who = format!("reader {slot}.{}", self.reader_spawns[slot]);
        self.reader_spawns[slot] += 1;
        let id = self.spawn(
            READER_CHILD,
            who,
            &[
                ("NANOTS_RP_READER_SEED", rseed.to_string()),
                ("NANOTS_RP_STOP", self.stop.to_str().unwrap().to_owned()),
                ("NANOTS_RP_BACKUPS", self.backups.to_str().unwrap().to_owned()),
            ],
        );
        self.readers[slot] = Some(id);
        self.totals.reader_processes += 1;
    }

    /// Waits for the next line of any child, up to `until`. `Ok(None)` on
    /// a timeout.
    fn next_line(&mut self, until: Instant) -> Option<(usize, Option<String>)> {
        let wait = until.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(msg) => Some(msg),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => unreachable!("the round holds a sender"),
        }
    }

    /// Takes in one line of child `id` (`None`: its stdout closed).
    fn handle(&mut self, id: usize, line: Option<String>) {
        let ctx = self.ctx();
        let Some(line) = line else {
            self.procs[id].ended = true;
            let status = self.procs[id].child.wait().expect("wait");
            let p = &self.procs[id];
            let stopped = p.is_reader && self.stop.exists() && status.success();
            if !p.killed && !stopped {
                panic!(
                    "{ctx}: {} exited by itself ({status}) with violations {:?}; its panic message is above",
                    p.who, p.violations
                );
            }
            return;
        };
        let Some(at) = line.find('@') else { return };
        let words: Vec<&str> = line[at..].split_whitespace().collect();
        let num = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
        let is_writer = self.writer == Some(id);
        let who = self.procs[id].who.clone();
        let m = &mut self.model;
        match words[0] {
            "@V" => {
                let msg = line[at..].to_owned();
                self.procs[id].violations.push(msg.clone());
                // A killed reader's last words are still a violation.
                panic!("{ctx}: {msg}");
            }
            "@O" if is_writer => {
                let (lo, hi) = (num(1).unwrap(), num(2));
                let replayed = num(3).unwrap();
                // Every acknowledged batch is there, and at most the one in
                // flight beyond it; the batches below the last compaction
                // that returned (or the interrupted one) are gone.
                let most = m.acked.map_or(0, |a| a + 1);
                assert!(
                    hi >= m.acked && hi.is_none_or(|h| h <= most),
                    "{ctx}: {who} opened and found batches up to {hi:?}; acknowledged: up to {:?}",
                    m.acked
                );
                assert!(
                    lo == m.lo || Some(lo) == m.lo_interrupted,
                    "{ctx}: {who} opened and found batches from {lo}; compactions left batches from {} \
                     (interrupted one: {:?})",
                    m.lo,
                    m.lo_interrupted
                );
                m.lo = lo;
                m.lo_interrupted = None;
                m.acked = hi;
                if replayed > 0 {
                    self.totals.writer_opens_replaying_wal += 1;
                }
                self.writer_opened = Some(Instant::now());
            }
            "@A" if is_writer => {
                let b = num(1).unwrap();
                assert_eq!(b, m.acked.map_or(0, |a| a + 1), "{ctx}: {who} appended batch {b} out of turn");
                m.acked = Some(b);
                m.appends_this_writer += 1;
                self.totals.batches += 1;
                if let Some((WriterKill::AfterAppend(n, us), None)) = self.kill
                    && m.appends_this_writer >= n
                {
                    self.kill = Some((
                        WriterKill::AfterAppend(n, us),
                        Some(Instant::now() + Duration::from_micros(us)),
                    ));
                }
            }
            "@F" if is_writer => {
                m.committed = m.committed.max(num(1).unwrap());
                m.flushes_this_writer += 1;
                if let Some((WriterKill::AfterFlush(n, us), None)) = self.kill
                    && m.flushes_this_writer >= n
                {
                    self.kill = Some((
                        WriterKill::AfterFlush(n, us),
                        Some(Instant::now() + Duration::from_micros(us)),
                    ));
                }
            }
            "@p" | "@c" if is_writer => {
                m.in_rewrite = true;
                if words[0] == "@c" {
                    m.lo_interrupted = num(1);
                }
                if let Some((WriterKill::InRewrite(us), None)) = self.kill {
                    self.kill =
                        Some((WriterKill::InRewrite(us), Some(Instant::now() + Duration::from_micros(us))));
                }
            }
            "@P" if is_writer => {
                m.in_rewrite = false;
                self.totals.packs += 1;
            }
            "@C" if is_writer => {
                m.in_rewrite = false;
                m.lo = num(1).unwrap();
                m.lo_interrupted = None;
                self.totals.compactions += 1;
            }
            "@Q" | "@END" => {
                let status = parse_status(&words[1..]).unwrap_or_else(|| panic!("{ctx}: bad line {line:?}"));
                if let Some(run) = status.run {
                    self.seen = Some(self.seen.map_or(run, |s| (s.0.max(run.0), s.1.max(run.1))));
                }
                let p = &mut self.procs[id];
                p.status = status;
            }
            _ => {}
        }
    }

    /// Kills child `id` and takes in its lines up to the end of its stdout
    /// (lines of other children are taken in meanwhile).
    fn kill_and_drain(&mut self, id: usize) {
        self.procs[id].killed = true;
        self.procs[id].child.kill().expect("SIGKILL");
        while !self.procs[id].ended {
            match self.next_line(Instant::now() + SILENCE_LIMIT) {
                Some((i, line)) => self.handle(i, line),
                None => {
                    panic!("{}: {} does not close its stdout after SIGKILL", self.ctx(), self.procs[id].who)
                }
            }
        }
    }

    fn add_reader_totals(&mut self, id: usize) {
        let s = self.procs[id].status;
        self.totals.reader_queries += s.queries;
        self.totals.reader_backups += s.backups;
        self.totals.reader_file_changes += s.file_changes;
    }

    fn run(mut self) -> Totals {
        let ctx = self.ctx();
        self.spawn_writer();
        // Readers start once batch 0 is committed (they refuse an empty table).
        let mut last_line = Instant::now();
        while self.model.committed == 0 {
            let Some((id, line)) = self.next_line(last_line + SILENCE_LIMIT) else {
                panic!("{ctx}: the first writer printed nothing for {SILENCE_LIMIT:?}");
            };
            last_line = Instant::now();
            self.handle(id, line);
        }
        self.kill = Some((WriterKill::AfterFlush(self.rng.below(40), self.rng.below(3000)), None));
        for slot in 0..READERS {
            self.spawn_reader(slot);
        }
        let deadline = Instant::now() + self.cfg.round_time;
        let mut reader_kill_at = Instant::now() + Duration::from_millis(200 + self.rng.below(1200));
        let mut writer_spawn_at: Option<Instant> = None;
        let mut writer_line = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // Writer: kill when its plan says, restart (at once or after a
            // pause without any writer).
            if let Some(at) = writer_spawn_at
                && now >= at
            {
                writer_spawn_at = None;
                self.spawn_writer();
                writer_line = now;
            }
            if let (Some(w), Some((_, Some(at)))) = (self.writer, self.kill)
                && now >= at
            {
                self.kill_and_drain(w);
                self.writer = None;
                self.kill = None;
                self.totals.writer_kills += 1;
                if std::mem::take(&mut self.model.in_rewrite) {
                    self.totals.writer_kills_in_rewrite += 1;
                }
                let pause = if self.rng.below(4) == 0 { self.rng.below(300) } else { 0 };
                writer_spawn_at = Some(Instant::now() + Duration::from_millis(pause));
                continue;
            }
            if now >= reader_kill_at {
                let slot = self.rng.below(READERS as u64) as usize;
                let id = self.readers[slot].expect("every slot has a reader");
                self.kill_and_drain(id);
                self.add_reader_totals(id);
                self.totals.reader_kills += 1;
                self.spawn_reader(slot);
                reader_kill_at = Instant::now() + Duration::from_millis(100 + self.rng.below(1400));
                continue;
            }
            let mut until = deadline.min(reader_kill_at);
            if let Some((_, Some(at))) = self.kill {
                until = until.min(at);
            }
            if let Some(at) = writer_spawn_at {
                until = until.min(at);
            }
            if let Some((id, line)) = self.next_line(until) {
                if self.writer == Some(id) {
                    writer_line = Instant::now();
                }
                self.handle(id, line);
            } else if self.writer.is_some() && writer_line.elapsed() > SILENCE_LIMIT {
                panic!("{ctx}: the writer printed nothing for {SILENCE_LIMIT:?}: hung");
            }
            // A plan that never triggers (no rewrite came) ends in a kill anyway.
            if let Some((plan, None)) = self.kill
                && self.writer_opened.is_some_and(|at| at.elapsed() > WRITER_LIFE_LIMIT)
            {
                self.kill = Some((plan, Some(Instant::now())));
            }
        }

        // Stop: the writer by SIGKILL (not counted: not a random moment),
        // the readers by the stop file.
        if let Some(w) = self.writer {
            self.kill_and_drain(w);
            self.writer = None;
        }
        std::fs::write(&self.stop, b"").unwrap();
        let stop_by = Instant::now() + SILENCE_LIMIT;
        for slot in 0..READERS {
            let id = self.readers[slot].take().unwrap();
            while !self.procs[id].ended {
                match self.next_line(stop_by) {
                    Some((i, line)) => self.handle(i, line),
                    None => panic!("{ctx}: {} did not stop within {SILENCE_LIMIT:?}", self.procs[id].who),
                }
            }
            self.add_reader_totals(id);
        }

        // The file as a writer finds it.
        let m = &self.model;
        let db = NanoTsDb::open(&self.db, writer_options(self.cfg))
            .unwrap_or_else(|e| panic!("{ctx}: final open: {e}"));
        let batches = Batches { seed: self.seed, rows: self.cfg.batch_rows };
        let run = read_run(&db, batches)
            .unwrap_or_else(|e| panic!("{ctx}: final open: {e}"))
            .unwrap_or_else(|| panic!("{ctx}: final open: the table is empty"));
        let acked = m.acked.expect("batch 0 was committed");
        assert!(
            run.1 >= acked && run.1 <= acked + 1,
            "{ctx}: final open: batches {}..={}; acknowledged up to {acked}",
            run.0,
            run.1
        );
        assert!(
            run.1 + 1 >= m.committed,
            "{ctx}: final open: batches ..={}; flushed ..{}",
            run.1,
            m.committed
        );
        assert!(
            run.0 == m.lo || Some(run.0) == m.lo_interrupted,
            "{ctx}: final open: batches from {}; compactions left batches from {} (interrupted one: {:?})",
            run.0,
            m.lo,
            m.lo_interrupted
        );
        if let Some(seen) = self.seen {
            check_forward(seen, run, "the final table, after what readers saw,")
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        }
        let report = db.verify().unwrap_or_else(|e| panic!("{ctx}: verify: {e}"));
        assert!(report.is_ok(), "{ctx}: verify found problems: {:?}", report.problems);
        db.close().unwrap();
        println!("{ctx}: batches {}..={}, {:?}", run.0, run.1, self.totals);
        std::mem::take(&mut self.totals)
    }
}

impl Drop for Round {
    /// On a failure, kills the children still running and keeps the files.
    fn drop(&mut self) {
        for p in self.procs.iter_mut().filter(|p| !p.ended) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        if std::thread::panicking() {
            let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
            eprintln!("readers_processes: files kept in {}", dir.keep().display());
        }
    }
}

fn parse_seed(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|_| panic!("NANOTS_READERS_SEED: bad seed {s:?}"))
}

/// Runs the rounds of `cfg` and returns what they did.
/// Runs the configuration's rounds, then more (up to eight times as many)
/// until `reached` holds: the kills land where the machine's load lets
/// them, so on a busy machine a round may reach fewer of the states the
/// test is about, and the test runs longer rather than check less.
fn run_rounds(cfg: &'static Config, reached: impl Fn(&Totals) -> bool) -> Totals {
    let name = cfg.name.bytes().fold(0u64, |h, b| mix(h ^ b as u64));
    let (rounds, max_rounds) = match std::env::var("NANOTS_READERS_SEED") {
        Ok(_) => (1, 1),
        Err(_) if std::env::var_os("NANOTS_SOAK").is_some() => (cfg.rounds * 10, cfg.rounds * 10),
        Err(_) => (cfg.rounds, cfg.rounds * 8),
    };
    let seed_of = |r: usize| match std::env::var("NANOTS_READERS_SEED") {
        Ok(s) => parse_seed(&s),
        Err(_) => mix(name ^ r as u64),
    };
    let mut t = Totals::default();
    for r in 0..max_rounds {
        if r >= rounds && reached(&t) {
            break;
        }
        let seed = seed_of(r);
        let r = Round::new(cfg, seed).run();
        t.writer_kills += r.writer_kills;
        t.writer_kills_in_rewrite += r.writer_kills_in_rewrite;
        t.writer_opens_replaying_wal += r.writer_opens_replaying_wal;
        t.reader_kills += r.reader_kills;
        t.reader_processes += r.reader_processes;
        t.reader_queries += r.reader_queries;
        t.reader_backups += r.reader_backups;
        t.reader_file_changes += r.reader_file_changes;
        t.packs += r.packs;
        t.compactions += r.compactions;
        t.batches += r.batches;
    }
    println!("{}: {t:?}", cfg.name);
    t
}

#[test]
fn one_writer_and_three_readers_through_kills_packs_and_compactions() {
    let reached = |t: &Totals| {
        t.writer_kills >= 3
            && t.writer_kills_in_rewrite >= 1
            && t.writer_opens_replaying_wal >= 1
            && t.reader_kills >= 3
            && t.packs >= 1
            && t.compactions >= 1
            && t.reader_file_changes >= 1
            && t.reader_queries >= 300
            && t.reader_backups >= 1
    };
    let t = run_rounds(&FOLLOW, reached);
    assert!(t.writer_kills >= 3, "too few writer kills: {t:?}");
    assert!(t.writer_kills_in_rewrite >= 1, "no writer was killed inside a pack or compaction: {t:?}");
    assert!(
        t.writer_opens_replaying_wal >= 1,
        "no writer open replayed acknowledged rows from the WAL: {t:?}"
    );
    assert!(t.reader_kills >= 3, "too few reader kills: {t:?}");
    assert!(t.packs >= 1 && t.compactions >= 1, "no pack or no compaction returned: {t:?}");
    assert!(t.reader_file_changes >= 1, "no reader saw a pack or compaction rename a file in: {t:?}");
    assert!(t.reader_queries >= 300, "too few reader queries: {t:?}");
    assert!(t.reader_backups >= 1, "no reader took a backup: {t:?}");
}

/// `append_rows` logs a batch larger than the record cap as several WAL
/// frames; a batch must still be whole or absent after a kill.
#[test]
fn batches_split_across_wal_frames_stay_whole_through_writer_kills() {
    let reached =
        |t: &Totals| t.writer_kills >= 3 && t.writer_opens_replaying_wal >= 3 && t.reader_queries >= 100;
    let t = run_rounds(&SPLIT_FRAMES, reached);
    assert!(t.writer_kills >= 3, "too few writer kills: {t:?}");
    assert!(t.writer_opens_replaying_wal >= 3, "too few writer opens replayed rows from the WAL: {t:?}");
    assert!(t.reader_queries >= 100, "too few reader queries: {t:?}");
}
