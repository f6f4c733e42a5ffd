//! Model-based fuzzing of the engine: the input is a sequence of operations
//! run both on a database and on an in-memory model (rows per table, in
//! append order). After every reopen, every crash and at the end, the
//! database must hold exactly the model's rows; any difference panics.
//!
//! Run with `bash scripts/fuzz.sh 60 model` from the repository root.
//!
//! "Crash" copies the `.ntt` file and the WAL while the handle is open, as
//! a process crash at that instant leaves them (page cache included), then
//! opens the copy: every returned append, flush, delete and drop must be
//! there (SPEC.md section 6, "survives process crash").
//!
//! Retention is left out (the options set none): with no retention
//! `compact_retention_now` only applies deletes and dropped tables, which
//! must not change what queries return. Background maintenance (merges) is
//! not exercised either; it needs a thread.
//!
//! Input layout: byte 0 picks the options (sync mode, auto-flush size,
//! segment size); then one operation per opcode byte, each followed by
//! its argument bytes (see `Op::parse`).

#![no_main]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, SyncMode};

const TABLES: [&str; 3] = ["t0", "t1", "t2"];
const COLUMNS: [&str; 3] = ["a", "b", "c"];
/// Bounds the work of one input, so iterations stay fast.
const MAX_OPS: usize = 128;
const MAX_REOPENS: usize = 12;

/// Reads the input byte by byte; past its end every byte is 0.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, i| acc | u64::from(self.u8()) << (8 * i))
    }

    fn table(&mut self) -> &'static str {
        TABLES[self.u8() as usize % TABLES.len()]
    }

    /// Mostly a narrow range, so equal timestamps and overlapping flushes
    /// are common; sometimes the extremes.
    fn ts(&mut self) -> i64 {
        match self.u8() {
            255 => i64::MAX,
            254 => i64::MIN,
            253 => 1 << 40,
            b => i64::from(b % 40) - 8,
        }
    }

    /// Mostly small decimals (compressible); sometimes the special values
    /// that must round-trip bit-exactly, or arbitrary bits.
    fn value(&mut self) -> f64 {
        match self.u8() {
            b @ 0..=199 => f64::from(b) * 0.25,
            200 => f64::NAN,
            201 => -0.0,
            202 => f64::INFINITY,
            203 => f64::NEG_INFINITY,
            204 => f64::from_bits(0x7ff8_0000_dead_beef),
            205 => f64::from_bits(1),
            206 => f64::MAX,
            b @ 207..=239 => 1e6 + f64::from(b),
            _ => f64::from_bits(self.u64()),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    AppendRow {
        table: &'static str,
        ts: i64,
        values: Vec<f64>,
    },
    /// `columns[c][i]` is column `c` of row `i`; each `columns[c]` has
    /// `ts.len()` values.
    AppendRows {
        table: &'static str,
        ts: Vec<i64>,
        columns: Vec<Vec<f64>>,
    },
    Flush,
    Pack {
        table: &'static str,
        target: usize,
    },
    Delete {
        table: &'static str,
        start: i64,
        end: i64,
    },
    Drop {
        table: &'static str,
    },
    Create {
        table: &'static str,
        ncols: usize,
    },
    Compact,
    Reopen,
    Crash,
    /// Compare the open handle with the model.
    Check,
}

impl Op {
    /// `ncols` gives the column count to append with, per table name; a
    /// row for a missing table gets one column (and must fail NotFound).
    fn parse(b: &mut Bytes<'_>, ncols: &dyn Fn(&str) -> usize) -> Op {
        match b.u8() % 16 {
            0..=3 => {
                let table = b.table();
                let ts = b.ts();
                let values = (0..ncols(table)).map(|_| b.value()).collect();
                Op::AppendRow { table, ts, values }
            }
            4..=5 => {
                let table = b.table();
                let n = b.u8() as usize % 6;
                let ts = (0..n).map(|_| b.ts()).collect();
                let columns = (0..ncols(table)).map(|_| (0..n).map(|_| b.value()).collect()).collect();
                Op::AppendRows { table, ts, columns }
            }
            6 => Op::Flush,
            7 => Op::Pack { table: b.table(), target: 1 + b.u8() as usize % 8 },
            8 => {
                let table = b.table();
                let (x, y) = (b.ts(), b.ts());
                Op::Delete { table, start: x.min(y), end: x.max(y) }
            }
            9 => Op::Drop { table: b.table() },
            10 => Op::Create { table: b.table(), ncols: 1 + b.u8() as usize % COLUMNS.len() },
            11 => Op::Compact,
            12 => Op::Reopen,
            13 => Op::Crash,
            14 => {
                // Many rows from a few bytes, so short inputs reach the
                // checkpoint policy (64 records) and multi-segment flushes.
                let table = b.table();
                let n = 1 + b.u8() as usize % 64;
                let start = b.ts();
                let step = i64::from(b.u8() % 4);
                let base = f64::from(b.u8());
                let ts = (0..n as i64).map(|i| start.saturating_add(i * step)).collect();
                let columns = (0..ncols(table))
                    .map(|c| (0..n).map(|i| base + (i * (c + 1)) as f64 * 0.5).collect())
                    .collect();
                Op::AppendRows { table, ts, columns }
            }
            _ => Op::Check,
        }
    }
}

/// A table of the model: rows in append order, values as bit patterns.
#[derive(Debug, Clone)]
struct TableModel {
    ncols: usize,
    rows: Vec<(i64, Vec<u64>)>,
}

type Model = BTreeMap<&'static str, TableModel>;

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// The expected outcome of an operation on a table that may not exist.
fn expect_ok_or_not_found(r: nanots::Result<()>, exists: bool, what: &str, run: &Run<'_>) {
    match (r, exists) {
        (Ok(()), true) => {}
        (Err(e), false) if e.kind() == ErrorKind::NotFound => {}
        (r, _) => fail(run, &format!("{what}: got {r:?}, table exists: {exists}")),
    }
}

/// Reports a difference from the model: the bug signal.
fn fail(run: &Run<'_>, msg: &str) -> ! {
    let ops: Vec<String> = run.ops.iter().map(|op| format!("{op:?}")).collect();
    panic!("{msg}\noptions: {:?}\noperations so far:\n{}", run.opts, ops.join("\n"));
}

/// Applies `op` to the model and the database. Returns whether it was a
/// reopen or crash, after which the caller compares the two.
fn apply(op: &Op, model: &mut Model, db: &mut Option<NanoTsDb>, path: &mut PathBuf, run: &Run<'_>) -> bool {
    let h = db.as_ref().expect("open handle");
    match op {
        Op::AppendRow { table, ts, values } => {
            let r = h.append_row(table, *ts, values);
            let exists = model.contains_key(table);
            expect_ok_or_not_found(r, exists, "append_row", run);
            if let Some(t) = model.get_mut(table) {
                t.rows.push((*ts, bits(values)));
            }
        }
        Op::AppendRows { table, ts, columns } => {
            let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            let r = h.append_rows(table, ts, &refs);
            expect_ok_or_not_found(r, model.contains_key(table), "append_rows", run);
            if let Some(t) = model.get_mut(table) {
                for (i, &ts) in ts.iter().enumerate() {
                    t.rows.push((ts, columns.iter().map(|c| c[i].to_bits()).collect()));
                }
            }
        }
        Op::Flush => expect_ok_or_not_found(h.flush(), true, "flush", run),
        Op::Pack { table, target } => {
            expect_ok_or_not_found(h.pack_table(table, *target), model.contains_key(table), "pack_table", run)
        }
        Op::Delete { table, start, end } => {
            let r = h.delete_range(table, *start, *end);
            expect_ok_or_not_found(r, model.contains_key(table), "delete_range", run);
            if let Some(t) = model.get_mut(table) {
                t.rows.retain(|(ts, _)| !(start..=end).contains(&ts));
            }
        }
        Op::Drop { table } => {
            expect_ok_or_not_found(h.drop_table(table), model.contains_key(table), "drop_table", run);
            model.remove(table);
        }
        Op::Create { table, ncols } => {
            let r = h.create_table(table, &COLUMNS[..*ncols]);
            match (model.get(table), r) {
                (None, Ok(())) => {
                    model.insert(table, TableModel { ncols: *ncols, rows: Vec::new() });
                }
                (Some(t), Ok(())) if t.ncols == *ncols => {}
                (Some(t), Err(e)) if t.ncols != *ncols && e.kind() == ErrorKind::AlreadyExists => {}
                (t, r) => fail(run, &format!("create_table: got {r:?}, model has {t:?}")),
            }
        }
        Op::Compact => expect_ok_or_not_found(h.compact_retention_now(), true, "compact_retention_now", run),
        Op::Check => check(h, model, "live handle", run),
        Op::Reopen => {
            if let Err(e) = h.close() {
                fail(run, &format!("close: {e}"));
            }
            *db = None;
            *db = Some(run.open(path));
            return true;
        }
        Op::Crash => {
            let copy = run.dir.join(if path.ends_with("a.ntt") { "b.ntt" } else { "a.ntt" });
            common::snapshot_files(path, &copy);
            // Dropping closes the original, which no longer matters.
            *db = None;
            *path = copy;
            *db = Some(run.open(path));
            return true;
        }
    }
    false
}

/// What one input runs with.
#[derive(Clone, Copy)]
struct Run<'a> {
    dir: &'a Path,
    opts: &'a NanoTsOptions,
    ops: &'a [Op],
}

impl Run<'_> {
    fn open(&self, path: &Path) -> NanoTsDb {
        NanoTsDb::open(path, self.opts.clone())
            .unwrap_or_else(|e| fail(self, &format!("open {}: {e}", path.display())))
    }
}

/// Panics unless the database holds exactly the model's tables and rows.
fn check(db: &NanoTsDb, model: &Model, when: &str, run: &Run<'_>) {
    let tables = db.list_tables().unwrap_or_else(|e| fail(run, &format!("list_tables: {e}")));
    let expected: Vec<&str> = model.keys().copied().collect();
    if tables != expected {
        fail(run, &format!("{when}: tables {tables:?}, model has {expected:?}"));
    }
    for (name, t) in model {
        let (ts, cols) = db
            .query_table_range_columns(name, i64::MIN, i64::MAX)
            .unwrap_or_else(|e| fail(run, &format!("{when}: query {name}: {e}")));
        if cols.len() != t.ncols || cols.iter().any(|c| c.len() != ts.len()) {
            fail(run, &format!("{when}: table {name}: {} columns of {:?} rows", cols.len(), ts.len()));
        }
        let got: Vec<(i64, Vec<u64>)> =
            (0..ts.len()).map(|i| (ts[i], cols.iter().map(|c| c[i].to_bits()).collect())).collect();
        let mut got_set = got.clone();
        got_set.sort();
        let mut want_set = t.rows.clone();
        want_set.sort();
        if got_set != want_set {
            fail(
                run,
                &format!("{when}: table {name} holds other rows\n db:    {got_set:?}\n model: {want_set:?}"),
            );
        }
        // Same rows; the order must be by time, ties in append order.
        let mut want = t.rows.clone();
        want.sort_by_key(|r| r.0);
        if got != want {
            fail(run, &format!("{when}: table {name}: rows out of order\n db:    {got:?}\n model: {want:?}"));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let config = b.u8();
    let opts = NanoTsOptions {
        sync: [SyncMode::OnFlush, SyncMode::Never, SyncMode::EveryAppend, SyncMode::OnFlush]
            [(config & 3) as usize],
        // Bytes of buffered rows (8 per ts and value) before an auto-flush;
        // 0 disables it.
        auto_flush_bytes: [0, 48, 96, 256][(config >> 2 & 3) as usize],
        segment_max_rows: 1 + (config >> 4) as usize % 8,
        ..NanoTsOptions::default()
    };

    // Parse first, against the schemas the ops themselves set up, so the
    // whole sequence can be printed when something fails.
    let mut ops = Vec::new();
    let mut schema: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reopens = 0;
    while !b.0.is_empty() && ops.len() < MAX_OPS {
        let op = Op::parse(&mut b, &|t| schema.get(t).copied().unwrap_or(1));
        match &op {
            Op::Create { table, ncols } => {
                schema.entry(table).or_insert(*ncols);
            }
            Op::Drop { table } => {
                schema.remove(table);
            }
            Op::Reopen | Op::Crash => {
                reopens += 1;
                if reopens > MAX_REOPENS {
                    break;
                }
            }
            _ => {}
        }
        ops.push(op);
    }

    let dir = common::scratch_dir("model");
    common::clear_files(dir);
    let mut path = dir.join("a.ntt");
    let run = Run { dir, opts: &opts, ops: &ops };
    let mut db = Some(run.open(&path));
    let mut model = Model::new();
    for (i, op) in ops.iter().enumerate() {
        let run = Run { ops: &ops[..=i], ..run };
        if apply(op, &mut model, &mut db, &mut path, &run) {
            check(db.as_ref().unwrap(), &model, &format!("after {op:?}"), &run);
        }
    }
    check(db.as_ref().unwrap(), &model, "at the end", &run);
    let h = db.take().unwrap();
    if let Err(e) = h.close() {
        fail(&run, &format!("final close: {e}"));
    }
    drop(h);
    let h = run.open(&path);
    check(&h, &model, "after the final close and reopen", &run);
});
