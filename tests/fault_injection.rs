//! I/O errors injected into every write, sync, set_len, rename, allocate
//! and map call of a workload, at every position, once and persistently,
//! as EIO, ENOSPC and short writes. The error reaches the caller; after an
//! I/O error the handle reports no further success; and reopening without
//! faults shows every acknowledged row exactly once, every acknowledged
//! delete and drop applied, and interrupted ones all-or-nothing.

mod common;
use common::*;
use nanots::testing::{FAULT_OPS, Fault, FaultKind, FaultOp, op_count, set_fault};
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, SyncMode};
use std::collections::BTreeMap;
use std::path::Path;

/// What the workload was told succeeded (and what it attempted).
#[derive(Default, Debug)]
struct Ledger {
    /// (table, ts) -> acknowledged?
    rows: BTreeMap<(String, i64), bool>,
    /// Deletes: (table, start, end, acknowledged).
    deletes: Vec<(String, i64, i64, bool)>,
    /// A table dropped (acknowledged or not) and recreated.
    dropped: Option<(String, bool)>,
    errors: Vec<String>,
}

/// Rows `PREFILL` of table `a`, written and closed before the faults start.
const PREFILL: std::ops::Range<i64> = -5..0;

/// A database with the prefill rows, closed, then a torn record appended as
/// a crash mid-write leaves it: the faulty run's open must cut it (a
/// `set_len` and a sync) before anything else.
fn prepare(path: &Path) {
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    db.create_table("a", &["v"]).unwrap();
    for t in PREFILL {
        db.append_row("a", t, &[t as f64]).unwrap();
    }
    db.close().unwrap();
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    std::io::Write::write_all(&mut f, &[40, 0, 0, 0, 2, 0, 0]).unwrap();
}

/// Runs the workload until its first error; returns what was acknowledged.
fn workload(path: &Path, sync: SyncMode) -> Ledger {
    let mut l = Ledger::default();
    for t in PREFILL {
        l.rows.insert(("a".into(), t), true);
    }
    let opts = NanoTsOptions { sync, segment_max_rows: 8, ..Default::default() };
    let db = match NanoTsDb::open(path, opts) {
        Ok(db) => db,
        Err(e) => {
            l.errors.push(format!("open: {e}"));
            return l;
        }
    };
    macro_rules! step {
        ($what:expr, $e:expr) => {
            if let Err(e) = $e {
                l.errors.push(format!("{}: {e}", $what));
                after_error(&db, &e);
                return l;
            }
        };
    }
    step!("create a", db.create_table("a", &["v"]));
    step!("create b", db.create_table("b", &["x", "y"]));
    let mut ts = 0i64;
    for round in 0..4 {
        for _ in 0..10 {
            l.rows.insert(("a".into(), ts), false);
            step!("append a", db.append_row("a", ts, &[ts as f64]));
            l.rows.insert(("a".into(), ts), true);
            ts += 1;
        }
        let batch: Vec<i64> = (ts..ts + 10).collect();
        let x: Vec<f64> = batch.iter().map(|&t| t as f64).collect();
        let y: Vec<f64> = batch.iter().map(|&t| -(t as f64)).collect();
        for &t in &batch {
            l.rows.insert(("b".into(), t), false);
        }
        step!("append b", db.append_rows("b", &batch, &[&x, &y]));
        for &t in &batch {
            l.rows.insert(("b".into(), t), true);
        }
        ts += 10;
        step!("flush", db.flush());
        match round {
            0 => {
                l.deletes.push(("a".into(), 2, 5, false));
                step!("delete", db.delete_range("a", 2, 5));
                l.deletes.last_mut().unwrap().3 = true;
            }
            1 => step!("pack", db.pack_table("a", 16)),
            2 => {
                l.dropped = Some(("b".into(), false));
                step!("drop", db.drop_table("b"));
                l.dropped = Some(("b".into(), true));
                l.rows.retain(|k, _| k.0 != "b");
                step!("recreate b", db.create_table("b", &["x", "y"]));
            }
            _ => step!("compact", db.compact_retention_now()),
        }
    }
    step!("close", db.close());
    l
}

/// After an I/O error on the database or its WAL the handle must not report
/// a later write as done. (A rewrite that failed while building its
/// `.compact` file left the database untouched: the handle stays usable.)
fn after_error(db: &NanoTsDb, e: &nanots::Error) {
    if e.kind() == ErrorKind::Io && !e.to_string().contains(".compact") {
        let again = db.append_row("a", 1_000_000, &[0.0]);
        assert!(again.is_err(), "a write succeeded after an I/O error ({e})");
    }
}

fn check(path: &Path, l: &Ledger, what: &str) {
    let db = NanoTsDb::open(path, NanoTsOptions::default())
        .unwrap_or_else(|e| panic!("{what}: reopen without faults failed: {e} (errors: {:?})", l.errors));
    assert!(db.verify().unwrap().is_ok(), "{what}: verify found problems");
    let tables = db.list_tables().unwrap();
    for table in ["a", "b"] {
        let got: Vec<i64> = if tables.iter().any(|t| t == table) {
            let (ts, cols) = db.query_table_range_columns(table, i64::MIN, i64::MAX).unwrap();
            for (i, &t) in ts.iter().enumerate() {
                assert_eq!(cols[0][i], t as f64, "{what}: {table} row {t} has a wrong value");
            }
            ts
        } else {
            Vec::new()
        };
        let mut seen = got.clone();
        seen.dedup();
        assert_eq!(seen.len(), got.len(), "{what}: {table} has duplicate rows");
        for &t in &got {
            assert!(
                l.rows.contains_key(&(table.to_string(), t)),
                "{what}: {table} row {t} was never appended"
            );
        }
        let deleted = |t: i64, acked_only: bool| {
            l.deletes
                .iter()
                .any(|(tb, s, e, ack)| tb == table && (*ack || !acked_only) && (*s..=*e).contains(&t))
        };
        // An interrupted drop is all or nothing: the table is gone whole.
        let dropped_whole = got.is_empty() && l.dropped.as_ref().is_some_and(|(d, ack)| d == table && !ack);
        for ((tb, t), &ack) in &l.rows {
            if dropped_whole {
                break;
            }
            // A row an interrupted delete covers may be gone (with all of
            // that delete's rows: checked below).
            if tb == table && ack && !deleted(*t, false) {
                assert!(
                    got.contains(t),
                    "{what}: acknowledged row {table}/{t} lost (errors: {:?})",
                    l.errors
                );
            }
            if tb == table && deleted(*t, true) {
                assert!(!got.contains(t), "{what}: row {table}/{t} of an acknowledged delete is back");
            }
        }
        // An interrupted delete is all or nothing.
        for (tb, s, e, ack) in &l.deletes {
            if tb == table && !ack {
                let present: Vec<bool> = (*s..=*e).map(|t| got.contains(&t)).collect();
                assert!(present.iter().all(|p| *p) || present.iter().all(|p| !*p), "{what}: half a delete");
            }
        }
    }
    let compact = {
        let mut s = path.as_os_str().to_owned();
        s.push(".compact");
        s
    };
    assert!(!Path::new(&compact).exists(), "{what}: a .compact file was left");
}

#[test]
fn every_injected_io_error_is_reported_and_loses_nothing_acknowledged() {
    let mut runs = 0;
    let mut per_op: BTreeMap<String, u64> = BTreeMap::new();
    let stride = target::scaled(1, 4);
    for sync in [SyncMode::OnFlush, SyncMode::EveryAppend] {
        // A clean run counts the calls of each kind.
        let (_d, path) = temp_db();
        prepare(&path);
        set_fault(None);
        let l = workload(&path, sync);
        let counts: Vec<(FaultOp, u64)> = FAULT_OPS.iter().map(|&op| (op, op_count(op))).collect();
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        check(&path, &l, "clean run");
        for (op, n) in counts {
            assert!(n > 0, "{sync:?}: the workload makes no {op:?} call");
            for nth in 0..n {
                // Under an emulator (qemu), the first two calls of each
                // kind, the last, and every fourth between.
                if nth >= 2 && nth + 1 != n && nth % stride != 0 {
                    continue;
                }
                // A short write is a write's own failure; elsewhere it is ENOSPC.
                let kinds: &[FaultKind] = if op == FaultOp::Write {
                    &[FaultKind::Eio, FaultKind::Enospc, FaultKind::ShortWrite]
                } else {
                    &[FaultKind::Eio, FaultKind::Enospc]
                };
                for &kind in kinds {
                    for persistent in [false, true] {
                        let (_d, path) = temp_db();
                        prepare(&path);
                        set_fault(Some(Fault { op, nth, kind, persistent }));
                        let l = workload(&path, sync);
                        set_fault(None);
                        let what = format!("{sync:?} {op:?} #{nth} {kind:?} persistent={persistent}");
                        assert!(!l.errors.is_empty(), "{what}: the fault did not reach the caller");
                        check(&path, &l, &what);
                        runs += 1;
                        *per_op.entry(format!("{op:?}")).or_default() += 1;
                    }
                }
            }
        }
    }
    println!("fault injection: {runs} faulty runs, 0 losses; per call kind: {per_op:?}");
}
