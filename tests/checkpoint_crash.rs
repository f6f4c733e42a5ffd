//! A crash right after a transaction that wrote a checkpoint recovers
//! exactly that transaction's state. The checkpoint of a commit must
//! describe the state *after* its own transaction: a checkpoint written
//! from the index as it was before would, on reopen, lose the rows of the
//! flush (whose WAL epoch is already marked flushed), bring deleted rows and
//! dropped tables back, or name merged segments that are not live.
//!
//! Each case runs one-row transactions until the handle reports that the
//! transaction under test wrote a checkpoint, then copies the files as a
//! crash at that instant leaves them and opens the copy.

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions};
use std::path::Path;

/// Opens the crash copy of `live` (taken now) and returns it.
fn crash_copy(live: &Path, dir: &Path, name: &str) -> NanoTsDb {
    let copy = dir.join(name);
    snapshot_files(live, &copy);
    NanoTsDb::open(&copy, NanoTsOptions::default()).unwrap_or_else(|e| panic!("{name}: reopen failed: {e}"))
}

fn values(db: &NanoTsDb, table: &str) -> Vec<f64> {
    db.query_table_range_columns(table, i64::MIN, i64::MAX).unwrap().1[0].clone()
}

/// Runs `step(i)` (one transaction each) until one of them writes a
/// checkpoint; returns that step's `i`.
fn until_checkpoint(db: &NanoTsDb, mut step: impl FnMut(u64)) -> u64 {
    for i in 0..10_000 {
        let before = db.commit_stats().checkpoints;
        step(i);
        if db.commit_stats().checkpoints > before {
            return i;
        }
    }
    panic!("no checkpoint after 10000 transactions");
}

#[test]
fn flush_that_writes_a_checkpoint_survives_a_crash() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let last = until_checkpoint(&db, |i| {
        db.append_row("t", i as i64, &[i as f64]).unwrap();
        db.flush().unwrap();
    });
    assert!(last > 10, "the checkpoint came after {last} flushes: the test must reach it by policy");
    let copy = crash_copy(&path, dir.path(), "copy.ntt");
    let want: Vec<f64> = (0..=last).map(|i| i as f64).collect();
    assert_eq!(values(&copy, "t"), want);
}

#[test]
fn delete_that_writes_a_checkpoint_survives_a_crash() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..1000 {
        db.append_row("t", i, &[i as f64]).unwrap();
    }
    db.flush().unwrap();
    // Each delete is one transaction (the buffers are empty).
    let last = until_checkpoint(&db, |i| db.delete_range("t", i as i64, i as i64).unwrap());
    let copy = crash_copy(&path, dir.path(), "copy.ntt");
    let want: Vec<f64> = (last as i64 + 1..1000).map(|i| i as f64).collect();
    assert_eq!(values(&copy, "t"), want, "deleted rows came back (or others went)");
}

#[test]
fn drop_that_writes_a_checkpoint_survives_a_crash() {
    let (dir, path) = temp_db();
    let db = open(&path);
    // Create-and-drop pairs, until a drop writes the checkpoint.
    let mut dropped = 0;
    for i in 0..10_000 {
        let name = format!("t{i}");
        db.create_table(&name, &["v"]).unwrap();
        let before = db.commit_stats().checkpoints;
        db.drop_table(&name).unwrap();
        if db.commit_stats().checkpoints > before {
            dropped = i;
            break;
        }
    }
    assert!(dropped > 0, "no drop wrote a checkpoint");
    let copy = crash_copy(&path, dir.path(), "copy.ntt");
    assert_eq!(copy.list_tables().unwrap(), Vec::<String>::new(), "a dropped table came back");
}

#[test]
fn create_that_writes_a_checkpoint_survives_a_crash() {
    let (dir, path) = temp_db();
    let db = open(&path);
    let last = until_checkpoint(&db, |i| db.create_table(&format!("t{i:05}"), &["v"]).unwrap());
    let copy = crash_copy(&path, dir.path(), "copy.ntt");
    let want: Vec<String> = (0..=last).map(|i| format!("t{i:05}")).collect();
    assert_eq!(copy.list_tables().unwrap(), want);
}

#[test]
fn merge_that_writes_a_checkpoint_survives_a_crash() {
    let (dir, path) = temp_db();
    // The merge step of background maintenance, run by hand: one becomes
    // due every 2 one-row flushes.
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let mut rows = 0u64;
    let mut merged_with_checkpoint = false;
    for i in 0..10_000u64 {
        db.append_row("t", i as i64, &[i as f64]).unwrap();
        db.flush().unwrap();
        rows += 1;
        let before = db.commit_stats().checkpoints;
        let merges = db.merge_small_segments(1000, 2).unwrap();
        if merges > 0 && db.commit_stats().checkpoints > before {
            merged_with_checkpoint = true;
            break;
        }
    }
    assert!(merged_with_checkpoint, "no merge wrote a checkpoint");
    let copy = crash_copy(&path, dir.path(), "copy.ntt");
    let want: Vec<f64> = (0..rows).map(|i| i as f64).collect();
    assert_eq!(values(&copy, "t"), want);
}
