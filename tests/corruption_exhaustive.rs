//! Every single-bit flip and every truncation of a small database, and of
//! its WAL, either reads back exactly the right rows or is refused with
//! `Corrupt` naming a file offset: never wrong data, never a panic, never a
//! hang, and a file that `open` refuses is left byte for byte as it was.
//!
//! The database is built once through the public API (several tables, a
//! table that never got a row, several flushes, a `delete_range` that the
//! pack applies, a `pack_table`, a close, then a reopen with a dropped and
//! re-created table, another flush and a `delete_range` whose tombstone
//! follows the final checkpoint), so the damaged bytes include the header,
//! both commit slots, a checkpoint, records the checkpoint supersedes,
//! records scanned after it, live and dead segments.
//!
//! Every variant is opened at a fresh path with default options and read
//! completely (`list_tables`, `table_columns`, `query_table_range_columns`
//! over the whole time range, f64 compared by bit pattern). What is
//! acceptable:
//!
//! - `.ntt` bit flips: exactly the data, or `Corrupt` naming an offset. A
//!   flip in a commit slot (a hint: the other slot or a scan reads the
//!   file, SPEC.md section 2) must read exactly; a flip in the version field may also be
//!   `UnsupportedVersion` (SPEC.md checks the version before the CRC).
//! - `.ntt` truncations: to 0 bytes, a new empty database (like SQLite);
//!   to 1..103 bytes (shorter than the header), `Corrupt`; longer, the commit slots record the
//!   committed end, so a shorter file is damage, never a torn tail to cut
//!   silently: `Corrupt` (or all the data, which no cut here leaves).
//! - WAL with rows appended since the last flush: exactly the flushed data
//!   plus the rows of every frame before the damaged one (the default sync
//!   mode does not sync the WAL, so losing a suffix is allowed, losing an
//!   intact frame before the damage is not), or `Corrupt` naming an offset.
//! - WAL of an epoch without a frame: exactly the flushed data, since no
//!   row depends on it.
//!
//! Failures are collected, not stopped at, so one run lists every broken
//! variant, grouped by rule and by damaged field or record.
//!
//! Cost: about 38,000 variants (every bit of the 3.5 KB `.ntt` file; see
//! `wal_variants` for which bits of the 1 MiB WAL), about 30 s of CPU in a
//! debug build, spread over two cores by the test harness; under qemu
//! every seventh variant (`run_variants`).

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::FileExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

/// A variant that takes longer than this is a hang. Opening a 3.5 KB file
/// takes milliseconds even in a debug build; the margin is for loaded CI.
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// Size of the `.ntt` header (SPEC.md section 2: the compact layout of
/// format 4, which the fixture is written in).
const HEADER_LEN: usize = 104;
/// The fixture's format version.
const VERSION: u32 = 4;
/// Size of the WAL header (SPEC.md section 5).
const WAL_HEADER_LEN: usize = 64;
/// Record types of SPEC.md section 3 beyond those `common` names.
const REC_DROP_TABLE: u8 = 5;
const REC_TOMBSTONE: u8 = 6;

// ---------------------------------------------------------------------------
// What the database holds: a model kept beside the real handle.

/// One table as the reader sees it: columns, then rows sorted by time with
/// values as bit patterns.
#[derive(Debug, Clone, PartialEq)]
struct TableContents {
    name: String,
    columns: Vec<String>,
    ts: Vec<i64>,
    /// `values[c][i]`: column `c`, row `i`, as `f64::to_bits`.
    values: Vec<Vec<u64>>,
}

/// A whole database: its tables in `list_tables` order (sorted by name).
type Contents = Vec<TableContents>;

/// A table's columns, and its rows `(ts_ms, values)` in append order; a
/// query returns them stably sorted by time.
type ModelTable = (Vec<String>, Vec<(i64, Vec<f64>)>);

#[derive(Debug, Clone, Default)]
struct Model {
    tables: BTreeMap<String, ModelTable>,
}

impl Model {
    fn contents(&self) -> Contents {
        self.tables
            .iter()
            .map(|(name, (columns, rows))| {
                let mut rows = rows.clone();
                rows.sort_by_key(|r| r.0);
                TableContents {
                    name: name.clone(),
                    columns: columns.clone(),
                    ts: rows.iter().map(|r| r.0).collect(),
                    values: (0..columns.len())
                        .map(|c| rows.iter().map(|r| r.1[c].to_bits()).collect())
                        .collect(),
                }
            })
            .collect()
    }

    fn append(&mut self, table: &str, ts: &[i64], columns: &[&[f64]]) {
        let rows = &mut self.tables.get_mut(table).expect("model table").1;
        for (i, &t) in ts.iter().enumerate() {
            rows.push((t, columns.iter().map(|c| c[i]).collect()));
        }
    }
}

/// The database handle and the model, changed together.
struct Recorder {
    db: NanoTsDb,
    model: Model,
}

impl Recorder {
    fn create_table(&mut self, table: &str, columns: &[&str]) {
        self.db.create_table(table, columns).unwrap();
        let columns = columns.iter().map(|c| c.to_string()).collect();
        self.model.tables.insert(table.to_owned(), (columns, Vec::new()));
    }

    fn append_row(&mut self, table: &str, ts: i64, values: &[f64]) {
        self.db.append_row(table, ts, values).unwrap();
        let columns: Vec<&[f64]> = values.iter().map(std::slice::from_ref).collect();
        self.model.append(table, &[ts], &columns);
    }

    fn append_rows(&mut self, table: &str, ts: &[i64], columns: &[&[f64]]) {
        self.db.append_rows(table, ts, columns).unwrap();
        self.model.append(table, ts, columns);
    }

    fn delete_range(&mut self, table: &str, start: i64, end: i64) {
        self.db.delete_range(table, start, end).unwrap();
        let rows = &mut self.model.tables.get_mut(table).expect("model table").1;
        rows.retain(|r| !(start..=end).contains(&r.0));
    }

    fn drop_table(&mut self, table: &str) {
        self.db.drop_table(table).unwrap();
        self.model.tables.remove(table);
    }
}

// ---------------------------------------------------------------------------
// The database, built once.

/// One live frame of the WAL: the bytes its CRC covers (SPEC.md section 5:
/// frame header and payload; padding is not covered).
#[derive(Debug, Clone, Copy)]
struct WalFrame {
    start: usize,
    covered_end: usize,
}

/// A WAL file: the written bytes, then zeros up to the pre-allocated length.
struct WalImage {
    bytes: Vec<u8>,
    /// Every byte at or after this is zero (checked at build time).
    written_end: usize,
}

struct Fixture {
    /// The `.ntt` file as a crash after the last commit leaves it.
    ntt: Vec<u8>,
    /// (offset, type, length) of each record of `ntt`.
    records: Vec<(u64, u8, u64)>,
    /// What `ntt` holds.
    flushed: Contents,
    /// The WAL right after the last commit: a header and stale frames of an
    /// earlier epoch (another salt), no live frame.
    idle_wal: WalImage,
    /// The WAL with rows appended after the last commit.
    wal: WalImage,
    wal_frames: Vec<WalFrame>,
    /// `with_frames[j]`: `flushed` plus the rows of the first `j` frames.
    with_frames: Vec<Contents>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

/// Values that exercise the bit-exact paths: NaN payloads, signed zero,
/// infinities, subnormals, extremes.
const SPECIAL: [f64; 10] =
    [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, f64::MAX, f64::MIN_POSITIVE, -1.5, 0.1, 1e300];

fn build() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("build.ntt");
    let mut r = Recorder { db: open(&path), model: Model::default() };

    // Phase 1: three flushes, a delete the pack applies, the pack, a
    // tombstone the final checkpoint lists, close.
    r.create_table("cpu", &["user", "sys"]);
    r.create_table("mem", &["used"]);
    r.create_table("tmp", &["x"]);
    r.create_table("empty", &["a"]);
    let ts: Vec<i64> = (0..20).map(|i| i * 1000).collect();
    let user: Vec<f64> = (0..20).map(|i| 10.0 + i as f64 * 0.5).collect();
    r.append_rows("cpu", &ts, &[&user, &[1.0; 20]]);
    for i in 0..15 {
        r.append_row("mem", i * 5000, &[(i * i) as f64 * 1024.0]);
    }
    let ts: Vec<i64> = (0..8).map(|i| 7 - i).collect(); // descending
    let nan_payload = f64::from_bits(0x7ff8_0000_dead_beef);
    let x = [nan_payload, -0.0, f64::INFINITY, 5e-324, 1.0, 2.0, 3.0, f64::NAN];
    r.append_rows("tmp", &ts, &[&x]);
    r.db.flush().unwrap();

    // Out of order: this flush's rows interleave the first flush's.
    let ts: Vec<i64> = (0..20).map(|i| 20_000 + (19 - i) * 1000 - 500).collect();
    let user: Vec<f64> = (0..20).map(|i| (i as f64 * 0.7).sin() * 100.0).collect();
    let sys: Vec<f64> = (0..20).map(|i| if i % 3 == 0 { f64::NAN } else { i as f64 / 3.0 }).collect();
    r.append_rows("cpu", &ts, &[&user, &sys]);
    for i in 15..30 {
        r.append_row("mem", i * 5000, &[(i * i) as f64 * 1024.0]);
    }
    r.db.flush().unwrap();
    r.delete_range("mem", 10_000, 20_000);
    r.db.pack_table("cpu", 16).unwrap();
    let ts: Vec<i64> = (40..50).map(|i| i * 1000).collect();
    r.append_rows("cpu", &ts, &[&SPECIAL, &[2.5; 10]]);
    r.db.flush().unwrap();
    r.delete_range("mem", 100_000, 120_000);
    // Short-lived tables, created and dropped, until a checkpoint comes
    // due: a file this small gets none at close (SPEC.md 3.4), only from
    // enough transactions, and the history must hold one.
    let before = r.db.commit_stats().checkpoints;
    let mut k = 0;
    while r.db.commit_stats().checkpoints == before {
        assert!(k < 64, "no checkpoint came due after {k} tables");
        r.create_table(&format!("churn{k}"), &["c"]);
        r.drop_table(&format!("churn{k}"));
        k += 1;
    }
    r.db.close().unwrap();
    drop(r.db);

    // Phase 2: reopen; drop and re-create a table, one more flush, and a
    // tombstone: records the open after a crash reads past the checkpoint.
    r.db = open(&path);
    r.drop_table("tmp");
    r.create_table("tmp", &["y", "z"]);
    for i in 0..5 {
        r.append_row("tmp", 100 + i, &[i as f64, -(i as f64)]);
    }
    for i in 30..42 {
        r.append_row("mem", i * 5000, &[i as f64 * 0.25]);
    }
    r.db.flush().unwrap(); // starts a new WAL epoch: those frames go stale
    r.delete_range("cpu", 44_000, 45_000);
    let flushed = r.model.contents();

    let idle = dir.path().join("idle.ntt");
    snapshot_files(&path, &idle);

    // Phase 3: rows only in the WAL (one-row and batch frames).
    let mut frames: Vec<(usize, u8)> = Vec::new(); // (payload length, kind)
    let mut with_frames = vec![flushed.clone()];
    let mut logged = |r: &mut Recorder, payload_len: usize, kind: u8| {
        frames.push((payload_len, kind));
        with_frames.push(r.model.contents());
    };
    r.append_row("cpu", 50_000, &[1.25, f64::NAN]);
    logged(&mut r, 8 + 16, 1);
    r.append_rows("mem", &[210_000, 215_000, 220_000], &[&[1.0, -0.0, 3.0]]);
    logged(&mut r, 8 + 3 * 16, 2);
    r.append_row("tmp", 105, &[f64::INFINITY, 5e-324]);
    logged(&mut r, 8 + 16, 1);
    r.append_row("empty", -7, &[42.0]);
    logged(&mut r, 8 + 8, 1);
    r.append_rows("cpu", &[19_750, 60_000], &[&[7.0, 8.0], &[f64::MAX, f64::MIN]]);
    logged(&mut r, 8 + 2 * 24, 2);
    r.append_row("mem", 225_000, &[-1.0]);
    logged(&mut r, 8 + 8, 1);
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(r.db);

    let ntt = fs::read(&crash).unwrap();
    assert_eq!(
        ntt[8..12],
        VERSION.to_le_bytes(),
        "the fixture is in format {VERSION}, whose header is {HEADER_LEN} bytes"
    );
    assert_eq!(fs::read(&idle).unwrap(), ntt, "WAL appends must not touch the .ntt file");
    let records = records(&crash);
    let end = records.last().map(|r| r.0 + r.2).unwrap();
    assert_eq!(end, ntt.len() as u64, "the file is whole records");
    let kinds: Vec<u8> = records.iter().map(|r| r.1).collect();
    for kind in [REC_TABLE, REC_SEGMENT, REC_COMMIT, REC_CHECKPOINT, REC_DROP_TABLE, REC_TOMBSTONE] {
        assert!(kinds.contains(&kind), "record type {kind} missing from the history: {kinds:?}");
    }
    let last_checkpoint = kinds.iter().rposition(|&k| k == REC_CHECKPOINT).unwrap();
    assert!(
        kinds[last_checkpoint..].contains(&REC_TOMBSTONE)
            && kinds[last_checkpoint..].contains(&REC_DROP_TABLE),
        "records after the last checkpoint are read at open: {kinds:?}"
    );

    let wal = wal_image(fs::read(wal_of(&crash)).unwrap());
    let idle_wal = wal_image(fs::read(wal_of(&idle)).unwrap());
    assert!(
        idle_wal.written_end > WAL_HEADER_LEN + 64,
        "the idle WAL holds stale frames of the flushed epoch (written to {})",
        idle_wal.written_end
    );
    let mut wal_frames = Vec::new();
    let mut at = WAL_HEADER_LEN;
    for &(payload_len, kind) in &frames {
        let len_field = u32::from_le_bytes(wal.bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        assert_eq!((len_field, wal.bytes[at + 8]), (payload_len, kind), "WAL frame at {at}");
        wal_frames.push(WalFrame { start: at, covered_end: at + 16 + payload_len });
        at += (16 + payload_len).next_multiple_of(8);
    }
    assert!(wal.written_end >= at, "the WAL's live frames end at {at}");

    Fixture { ntt, records, flushed, idle_wal, wal, wal_frames, with_frames }
}

fn wal_image(bytes: Vec<u8>) -> WalImage {
    let last_nonzero = bytes.iter().rposition(|&b| b != 0).expect("WAL has a header");
    // One zero frame header past the last written byte is part of the
    // exhaustively damaged region: it is where replay stops.
    let written_end = ((last_nonzero + 1).next_multiple_of(8) + 16).min(bytes.len());
    WalImage { bytes, written_end }
}

// ---------------------------------------------------------------------------
// Damage, outcomes and what is acceptable.

#[derive(Debug, Clone, Copy)]
enum Damage {
    Flip { at: usize, bit: u8 },
    Cut { len: usize },
}

impl Damage {
    fn apply(self, original: &[u8]) -> Vec<u8> {
        match self {
            Damage::Flip { at, bit } => {
                let mut b = original.to_vec();
                b[at] ^= 1 << bit;
                b
            }
            Damage::Cut { len } => original[..len].to_vec(),
        }
    }
}

/// What opening and reading a variant gave.
enum Outcome {
    Read(Contents),
    /// The error, and whether `open` itself returned it (rather than a read).
    Refused(nanots::Error, bool),
}

/// What a variant may give. `None` data: it must be refused.
struct Acceptable<'a> {
    data: Option<&'a Contents>,
    corrupt: bool,
    /// Only for the `.ntt` version field: SPEC.md section 2 checks the
    /// version before the CRC, so a flip there reads as a newer version.
    unsupported_version: bool,
    /// Why, for the failure message.
    why: &'static str,
}

impl<'a> Acceptable<'a> {
    fn exactly(data: &'a Contents, why: &'static str) -> Self {
        Acceptable { data: Some(data), corrupt: false, unsupported_version: false, why }
    }

    fn exactly_or_corrupt(data: &'a Contents, why: &'static str) -> Self {
        Acceptable { data: Some(data), corrupt: true, unsupported_version: false, why }
    }

    fn corrupt(why: &'static str) -> Self {
        Acceptable { data: None, corrupt: true, unsupported_version: false, why }
    }
}

/// A variant in words. Failures are summarised by `region` (the damaged
/// field or record), listing the bytes or lengths `at` that failed.
struct Described {
    region: String,
    at: usize,
    text: String,
}

/// A broken expectation.
struct Failure {
    rule: &'static str,
    region: String,
    at: usize,
    /// The variant and what happened.
    detail: String,
}

fn fail(rule: &'static str, what: &Described, happened: String) -> Result<(), Failure> {
    Err(Failure {
        rule,
        region: what.region.clone(),
        at: what.at,
        detail: format!("{}: {happened}", what.text),
    })
}

/// Whether `msg` contains "offset" followed by a number.
fn names_an_offset(msg: &str) -> bool {
    msg.match_indices("offset").any(|(i, w)| {
        let rest = msg[i + w.len()..].trim_start();
        rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

fn read_everything(db: &NanoTsDb) -> nanots::Result<Contents> {
    let mut out = Vec::new();
    for name in db.list_tables()? {
        let columns = db.table_columns(&name)?;
        let (ts, values) = db.query_table_range_columns(&name, i64::MIN, i64::MAX)?;
        out.push(TableContents { name, columns, ts, values: values.iter().map(|c| bits(c)).collect() });
    }
    Ok(out)
}

fn open_and_read(path: &Path) -> Outcome {
    match NanoTsDb::open(path, NanoTsOptions::default()) {
        Err(e) => Outcome::Refused(e, true),
        Ok(db) => match read_everything(&db) {
            Ok(c) => Outcome::Read(c),
            Err(e) => Outcome::Refused(e, false),
        },
    }
}

/// The first difference between two databases, in words.
fn difference(want: &Contents, got: &Contents) -> String {
    let names = |c: &Contents| c.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    if names(want) != names(got) {
        return format!("tables {:?}, want {:?}", names(got), names(want));
    }
    for (w, g) in want.iter().zip(got) {
        if w.columns != g.columns {
            return format!("table {:?} has columns {:?}, want {:?}", w.name, g.columns, w.columns);
        }
        if w.ts != g.ts {
            let i = w.ts.iter().zip(&g.ts).position(|(a, b)| a != b).unwrap_or(w.ts.len().min(g.ts.len()));
            return format!(
                "table {:?} has {} rows, want {}; first difference at row {i}: ts {:?}, want {:?}",
                w.name,
                g.ts.len(),
                w.ts.len(),
                g.ts.get(i),
                w.ts.get(i)
            );
        }
        for (c, (wv, gv)) in w.values.iter().zip(&g.values).enumerate() {
            if let Some(i) = wv.iter().zip(gv).position(|(a, b)| a != b) {
                return format!(
                    "table {:?} column {:?} row {i} (ts {}) has bits {:#018x}, want {:#018x}",
                    w.name, w.columns[c], w.ts[i], gv[i], wv[i]
                );
            }
        }
    }
    "no difference".into()
}

fn judge(what: &Described, outcome: Outcome, ok: &Acceptable<'_>) -> Result<(), Failure> {
    match outcome {
        Outcome::Read(got) => match ok.data {
            Some(want) if *want == got => Ok(()),
            Some(want) => {
                fail("opened and read wrong data", what, format!("{}; {}", difference(want, &got), ok.why))
            }
            None => fail(
                "opened although it must be refused",
                what,
                format!("opened with {} tables; {}", got.len(), ok.why),
            ),
        },
        Outcome::Refused(e, at_open) => {
            let stage = if at_open { "open" } else { "a read" };
            match e.kind() {
                ErrorKind::Corrupt if ok.corrupt => {
                    if names_an_offset(e.message()) {
                        Ok(())
                    } else {
                        fail("Corrupt without a file offset", what, format!("{stage} failed with \"{e}\""))
                    }
                }
                ErrorKind::UnsupportedVersion if ok.unsupported_version => Ok(()),
                ErrorKind::Corrupt => fail(
                    "refused although it must open",
                    what,
                    format!("{stage} failed with \"{e}\"; {}", ok.why),
                ),
                _ => fail(
                    "refused with a kind other than Corrupt",
                    what,
                    format!("{stage} failed with \"{e}\"; {}", ok.why),
                ),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Running many variants: watched for hangs, panics caught, failures listed.

/// Where variants are written. Each opened copy is flushed and closed,
/// which fsyncs several times: on a disk that, not the code under test,
/// would dominate the run time, so a tmpfs is used when there is one
/// (unless `TMPDIR` says otherwise). Durability is not what this file tests.
fn variant_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if std::env::var_os("TMPDIR").is_none()
        && shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("tempdir")
}

/// Which variant checks a file.
type Check = fn(&Fixture, &Path, Damage, &Described) -> Result<(), Failure>;

/// Runs `check` on every variant in a worker thread, each at a fresh path
/// in one tempdir; fails if a variant hangs, then with a summary of every
/// failure.
fn run_variants(
    test: &str,
    variants: Vec<Damage>,
    describe: fn(&Fixture, Damage) -> Described,
    check: Check,
) {
    let fx = fixture();
    // Under an emulator (qemu, ~50x slower than the host here) every
    // seventh variant: 7 is prime to the 8 bits of a byte, so each bit
    // position of each field is still flipped somewhere in it.
    let stride = target::scaled(1, 7) as usize;
    let all = variants.len();
    let variants: Vec<Damage> = variants.into_iter().step_by(stride).collect();
    if stride > 1 {
        println!("{test}: under emulation, every {stride}th of {all} variants");
    }
    let count = variants.len();
    let (tx, rx) = mpsc::channel::<Result<usize, Vec<Failure>>>();
    let worker_variants = variants.clone();
    // A plain (not scoped) thread: if a variant hangs, this test fails and
    // the harness exits without waiting for it.
    std::thread::spawn(move || {
        let dir = variant_dir();
        let mut failures = Vec::new();
        for (i, &d) in worker_variants.iter().enumerate() {
            tx.send(Ok(i)).unwrap();
            let path = dir.path().join(format!("v{i}.ntt"));
            let what = describe(fx, d);
            match catch_unwind(AssertUnwindSafe(|| check(fx, &path, d, &what))) {
                Ok(Ok(())) => {}
                Ok(Err(f)) => failures.push(f),
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.extend(fail("panicked", &what, msg).err());
                }
            }
            let _ = fs::remove_file(&path);
            let _ = fs::remove_file(wal_of(&path));
        }
        // Removed before the result is sent: once the last test has its
        // result the harness may exit, and a directory still to be dropped
        // by this thread would be left behind.
        drop(dir);
        tx.send(Err(failures)).unwrap();
    });
    let mut current = None;
    let failures = loop {
        match rx.recv_timeout(HANG_LIMIT) {
            Ok(Ok(i)) => current = Some(i),
            Ok(Err(failures)) => break failures,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let what = current.map(|i| describe(fx, variants[i]).text);
                panic!("{test}: variant {what:?} still running after {HANG_LIMIT:?}: a hang");
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{test}: the worker thread died"),
        }
    };
    assert!(failures.is_empty(), "{}", summary(test, count, &failures));
    println!("{test}: {count} variants, 0 failed");
}

/// Failures grouped by rule, then by region, with the failing bytes or
/// lengths as ranges and one example each.
fn summary(test: &str, count: usize, failures: &[Failure]) -> String {
    let mut by_rule: BTreeMap<&str, Vec<(&str, Vec<&Failure>)>> = BTreeMap::new();
    for f in failures {
        let regions = by_rule.entry(f.rule).or_default();
        match regions.iter_mut().find(|(r, _)| *r == f.region) {
            Some((_, fs)) => fs.push(f),
            None => regions.push((&f.region, vec![f])),
        }
    }
    let mut out = format!("{test}: {} of {count} variants failed\n", failures.len());
    for (rule, regions) in by_rule {
        let n: usize = regions.iter().map(|r| r.1.len()).sum();
        out += &format!("  {rule} ({n} variants):\n");
        for (region, fs) in regions {
            let mut ats: Vec<usize> = fs.iter().map(|f| f.at).collect();
            ats.dedup();
            let mut ranges: Vec<String> = Vec::new();
            let mut i = 0;
            while i < ats.len() {
                let mut j = i;
                while j + 1 < ats.len() && ats[j + 1] == ats[j] + 1 {
                    j += 1;
                }
                ranges.push(if i == j { ats[i].to_string() } else { format!("{}..={}", ats[i], ats[j]) });
                i = j + 1;
            }
            out += &format!("    {region}: {} variants at {}\n", fs.len(), ranges.join(", "));
            out += &format!("      e.g. {}\n", fs[0].detail);
            if fs.len() > 1 {
                out += &format!("      and  {}\n", fs[fs.len() - 1].detail);
            }
        }
    }
    out
}

/// Checks that a file `open` refused still holds exactly `want`.
fn unchanged(path: &Path, want: &[u8], what: &Described) -> Result<(), Failure> {
    match fs::read(path) {
        Ok(got) if got == want => Ok(()),
        Ok(got) => {
            let first = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
            fail(
                "modified a file it refused",
                what,
                format!(
                    "{} is now {} bytes (was {}), first changed byte {first}",
                    path.display(),
                    got.len(),
                    want.len()
                ),
            )
        }
        Err(e) => fail("modified a file it refused", what, format!("{} is gone: {e}", path.display())),
    }
}

// ---------------------------------------------------------------------------
// The `.ntt` file.

/// The field or record of the `.ntt` file that byte `at` belongs to.
fn ntt_region(fx: &Fixture, at: usize) -> String {
    let field = match at {
        0..8 => "header magic",
        8..12 => "header version",
        12..16 | 32..36 => "header reserved (CRC-covered)",
        16..24 => "header database id",
        24..32 => "header creation time",
        36..40 => "header CRC",
        40..72 => "commit slot A",
        72..104 => "commit slot B",
        _ => "",
    };
    if !field.is_empty() {
        return field.into();
    }
    let (i, &(off, kind, _)) =
        fx.records.iter().enumerate().rfind(|(_, r)| r.0 <= at as u64).expect("byte after the header");
    let kind = match kind {
        1 => "Table",
        2 => "Segment",
        3 => "Commit",
        4 => "Checkpoint",
        5 => "DropTable",
        6 => "Tombstone",
        7 => "Supersede",
        _ => "?",
    };
    format!("record #{i} ({kind} at {off})")
}

fn describe_ntt(fx: &Fixture, d: Damage) -> Described {
    match d {
        Damage::Flip { at, bit } => {
            let region = ntt_region(fx, at);
            let text = format!("flip of bit {bit} of byte {at} ({region})");
            Described { region: format!("bit flips in {region}"), at, text }
        }
        Damage::Cut { len } => Described {
            region: "truncations (length)".into(),
            at: len,
            text: format!("file cut to {len} of {} bytes", fx.ntt.len()),
        },
    }
}

fn check_ntt(fx: &Fixture, path: &Path, d: Damage, what: &Described) -> Result<(), Failure> {
    let bytes = d.apply(&fx.ntt);
    fs::write(path, &bytes).unwrap();
    let outcome = open_and_read(path);
    if let Outcome::Refused(_, true) = outcome {
        unchanged(path, &bytes, what)?;
    }
    let no_tables = Contents::new();
    let ok = match d {
        Damage::Flip { at: at @ 8..12, bit } => Acceptable {
            // The fixture's version with one bit flipped: a value above
            // the library's version reads as a newer one; 0 or an older
            // one is damage (the header CRC fails).
            unsupported_version: (VERSION ^ (1u32 << (8 * (at - 8) as u32 + bit as u32))) > VERSION,
            ..Acceptable::exactly_or_corrupt(&fx.flushed, "a flip in the version field")
        },
        Damage::Flip { at: 40..104, .. } => Acceptable::exactly(
            &fx.flushed,
            "a damaged commit slot is only a hint lost: the other slot or a scan reads the file (SPEC.md 2)",
        ),
        Damage::Flip { .. } => Acceptable::exactly_or_corrupt(&fx.flushed, "damaged bytes"),
        Damage::Cut { len: 0 } => Acceptable::exactly(&no_tables, "an empty file is a new database"),
        Damage::Cut { len: 1..HEADER_LEN } => Acceptable::corrupt("a file shorter than its header"),
        Damage::Cut { .. } => Acceptable::exactly_or_corrupt(
            &fx.flushed,
            "the commit slots record the committed end: a shorter file is damage, not a torn tail",
        ),
    };
    judge(what, outcome, &ok)
}

#[test]
fn every_bit_flip_of_the_database_file_reads_right_or_is_corrupt() {
    let fx = fixture();
    let flips = (0..fx.ntt.len()).flat_map(|at| (0..8).map(move |bit| Damage::Flip { at, bit }));
    run_variants("every_bit_flip_of_the_database_file", flips.collect(), describe_ntt, check_ntt);
}

#[test]
fn every_truncation_of_the_database_file_reads_right_or_is_corrupt() {
    let fx = fixture();
    let cuts = (0..fx.ntt.len()).map(|len| Damage::Cut { len });
    run_variants("every_truncation_of_the_database_file", cuts.collect(), describe_ntt, check_ntt);
}

// ---------------------------------------------------------------------------
// The WAL.

/// Writes `img` (damaged by `d`) to `path`. Its bytes past `written_end`
/// are zero, so they are left as a hole instead of being written.
fn write_wal(path: &Path, img: &WalImage, d: Damage) -> Vec<u8> {
    let bytes = d.apply(&img.bytes);
    let head = img.written_end.min(bytes.len());
    let f = fs::File::create(path).unwrap();
    f.write_all_at(&bytes[..head], 0).unwrap();
    f.set_len(bytes.len() as u64).unwrap();
    if let Damage::Flip { at, .. } = d
        && at >= head
    {
        f.write_all_at(&bytes[at..at + 1], at as u64).unwrap();
    }
    bytes
}

/// Every bit of every byte up to `all_bits_end` (the header and, for the
/// live WAL, every live frame and the 16 bytes after them, where replay
/// stops); one bit per byte of the rest of the written bytes (stale
/// frames of the flushed epoch: under the current salt no CRC covers them,
/// so a flip there is like any other garbage after the last frame); in the
/// pre-allocated zero tail (about 1 MiB, where each variant costs as much
/// as in the written part: replay scans the whole file for a valid frame,
/// but tests nothing new) one bit every 16381 bytes (a prime, so the flips
/// fall at every alignment) and the last byte. Cuts: every length up to the
/// end of the written bytes, then the same sample of the tail.
fn wal_variants(img: &WalImage, all_bits_end: usize, flips: bool) -> Vec<Damage> {
    let len = img.bytes.len();
    let mut tail: Vec<usize> = (img.written_end..len).step_by(16381).collect();
    tail.push(len - 1);
    if !flips {
        return (0..img.written_end).chain(tail).map(|len| Damage::Cut { len }).collect();
    }
    let mut v: Vec<Damage> =
        (0..all_bits_end).flat_map(|at| (0..8).map(move |bit| Damage::Flip { at, bit })).collect();
    let one_bit = (all_bits_end..img.written_end).chain(tail);
    v.extend(one_bit.map(|at| Damage::Flip { at, bit: (at % 8) as u8 }));
    v
}

/// The end of the live frames and of the frame header's worth of bytes
/// after them (where replay stops).
fn live_wal_all_bits_end(fx: &Fixture) -> usize {
    fx.wal_frames.last().unwrap().covered_end.next_multiple_of(8) + 16
}

fn describe_wal(fx: &Fixture, img: &WalImage, d: Damage) -> Described {
    let region = |at: usize| -> String {
        match at {
            0..8 => "WAL header magic".into(),
            8..12 => "WAL header version".into(),
            12..16 => "WAL header salt".into(),
            16..24 => "WAL header database id".into(),
            24..32 => "WAL header epoch".into(),
            32..60 => "WAL header zero bytes".into(),
            60..64 => "WAL header CRC".into(),
            _ => match fx.wal_frames.iter().position(|f| (f.start..f.covered_end).contains(&at)) {
                Some(i) if std::ptr::eq(img, &fx.wal) => {
                    format!("live WAL frame #{i} (at {})", fx.wal_frames[i].start)
                }
                _ if at < img.written_end => "stale WAL frames of the flushed epoch".into(),
                _ => "the WAL's pre-allocated zero tail".into(),
            },
        }
    };
    match d {
        Damage::Flip { at, bit } => {
            let region = region(at);
            let text = format!("flip of bit {bit} of WAL byte {at} ({region})");
            Described { region: format!("bit flips in {region}"), at, text }
        }
        Damage::Cut { len } => Described {
            region: "WAL truncations (length)".into(),
            at: len,
            text: format!("WAL cut to {len} of {} bytes", img.bytes.len()),
        },
    }
}

fn describe_live_wal(fx: &Fixture, d: Damage) -> Described {
    describe_wal(fx, &fx.wal, d)
}

fn describe_idle_wal(fx: &Fixture, d: Damage) -> Described {
    describe_wal(fx, &fx.idle_wal, d)
}

/// Opens the undamaged `.ntt` file with the WAL `img` damaged by `d`.
fn open_with_wal(
    fx: &Fixture,
    img: &WalImage,
    path: &Path,
    d: Damage,
    what: &Described,
    ok: &Acceptable<'_>,
) -> Result<(), Failure> {
    fs::write(path, &fx.ntt).unwrap();
    let wal = write_wal(&wal_of(path), img, d);
    let outcome = open_and_read(path);
    if let Outcome::Refused(_, true) = outcome {
        unchanged(path, &fx.ntt, what)?;
        unchanged(&wal_of(path), &wal, what)?;
    }
    judge(what, outcome, ok)
}

fn check_live_wal(fx: &Fixture, path: &Path, d: Damage, what: &Described) -> Result<(), Failure> {
    // Frames before the damage are intact and must all come back; the
    // damaged frame and everything after it may be cut (OnFlush does not
    // sync the WAL, so after power loss any suffix may be missing).
    let intact = match d {
        Damage::Flip { at, .. } if at < WAL_HEADER_LEN => 0,
        Damage::Flip { at, .. } => {
            fx.wal_frames.iter().take_while(|f| !(f.start..f.covered_end).contains(&at)).count()
        }
        Damage::Cut { len } => fx.wal_frames.iter().take_while(|f| f.covered_end <= len).count(),
    };
    let why = "replay must keep every frame before the damage and nothing else";
    let ok = match d {
        // The header guards every frame: damage there while frames depend
        // on it is corruption (or, if no frame validates any more, an empty
        // WAL: the prefix of zero frames).
        Damage::Flip { at, .. } if at < WAL_HEADER_LEN => {
            Acceptable::exactly_or_corrupt(&fx.with_frames[intact], why)
        }
        // A frame of an unsynced (OnFlush) WAL: pages reach the disk in any
        // order, so the log is cut at the first bad frame, never refused.
        _ => Acceptable::exactly(&fx.with_frames[intact], why),
    };
    open_with_wal(fx, &fx.wal, path, d, what, &ok)
}

fn check_idle_wal(fx: &Fixture, path: &Path, d: Damage, what: &Described) -> Result<(), Failure> {
    let ok = Acceptable::exactly(
        &fx.flushed,
        "this WAL guards no row (its epoch has no frame): refusing it would lock the database out for nothing",
    );
    open_with_wal(fx, &fx.idle_wal, path, d, what, &ok)
}

#[test]
fn every_bit_flip_of_the_wal_replays_a_prefix_or_is_corrupt() {
    let fx = fixture();
    let variants = wal_variants(&fx.wal, live_wal_all_bits_end(fx), true);
    run_variants("every_bit_flip_of_the_wal", variants, describe_live_wal, check_live_wal);
}

#[test]
fn every_truncation_of_the_wal_replays_a_prefix_or_is_corrupt() {
    let fx = fixture();
    let variants = wal_variants(&fx.wal, live_wal_all_bits_end(fx), false);
    run_variants("every_truncation_of_the_wal", variants, describe_live_wal, check_live_wal);
}

#[test]
fn damage_to_a_wal_without_live_frames_loses_nothing() {
    let fx = fixture();
    // The header and the first frame slot, which the epoch's start zeroed.
    let all_bits_end = WAL_HEADER_LEN + 16;
    let mut variants = wal_variants(&fx.idle_wal, all_bits_end, true);
    variants.extend(wal_variants(&fx.idle_wal, all_bits_end, false));
    run_variants("damage_to_a_wal_without_live_frames", variants, describe_idle_wal, check_idle_wal);
}

#[test]
fn undamaged_copies_read_back_exactly() {
    let fx = fixture();
    let dir = variant_dir();
    let cases: [(&str, Option<&WalImage>, &Contents); 3] = [
        ("no WAL", None, &fx.flushed),
        ("the WAL without live frames", Some(&fx.idle_wal), &fx.flushed),
        ("the WAL with live frames", Some(&fx.wal), fx.with_frames.last().unwrap()),
    ];
    for (i, (case, wal, want)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("whole{i}.ntt"));
        fs::write(&path, &fx.ntt).unwrap();
        if let Some(img) = wal {
            write_wal(&wal_of(&path), img, Damage::Cut { len: img.bytes.len() });
            assert_eq!(fs::read(wal_of(&path)).unwrap(), img.bytes, "{case}: WAL written as it was");
        }
        let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let got = read_everything(&db).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(got == *want, "{case}: {}", difference(want, &got));
    }
}

#[test]
fn offsets_are_recognised_in_messages() {
    assert!(names_an_offset("segment at file offset 1234: header fails its CRC32 check"));
    assert!(names_an_offset("bad magic at offset 0"));
    assert!(!names_an_offset("test.ntt is 12 bytes long, too short for a NanoTS file header"));
    assert!(!names_an_offset("offset unknown"));
}
