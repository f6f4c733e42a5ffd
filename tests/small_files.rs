//! Fixed overhead of small databases (issue 17): the compact format-4
//! header, and no checkpoint at close or at the end of a rewrite while the
//! records after the newest checkpoint total at most 64 KiB (SPEC.md 2,
//! 3.4). Each case checks the records on disk, then that the file opens
//! and reads back exactly (a crash copy too, which recovery must scan).

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions};

/// 64 KiB: the records a file may hold past its newest checkpoint and
/// still close without a new one.
const SMALL_TAIL_BYTES: u64 = 64 << 10;

fn kinds(path: &std::path::Path) -> Vec<u8> {
    records(path).iter().map(|r| r.1).collect()
}

/// Rows of `n` timestamps with values that do not compress (so a few
/// thousand rows are past 64 KiB).
fn rows(n: i64, seed: u64) -> (Vec<i64>, Vec<f64>) {
    let mut rng = Rng(seed);
    let ts: Vec<i64> = (0..n).map(|i| i * 1000).collect();
    let v: Vec<f64> = (0..n).map(|_| f64::from_bits(rng.next() >> 2)).collect();
    (ts, v)
}

/// A new database at `path` with table `t` holding `rows`, closed.
fn write_closed(path: &std::path::Path, rows: &(Vec<i64>, Vec<f64>)) {
    let db = open(path);
    db.create_table("t", &["v"]).unwrap();
    db.append_rows("t", &rows.0, &[&rows.1]).unwrap();
    db.close().unwrap();
}

fn read_back(path: &std::path::Path, want: &(Vec<i64>, Vec<f64>)) {
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    assert_eq!(ts, want.0);
    assert_eq!(bits(&cols[0]), bits(&want.1));
    assert!(db.verify().unwrap().is_ok());
    db.close().unwrap();
}

#[test]
fn an_empty_database_is_its_104_byte_header() {
    let (_dir, path) = temp_db();
    open(&path).close().unwrap();
    let b = std::fs::read(&path).unwrap();
    assert_eq!(b.len(), 104);
    assert_eq!(u32::from_le_bytes(b[8..12].try_into().unwrap()), 4);
    assert_eq!(header_len(&b), 104);
    let db = open(&path);
    assert!(db.list_tables().unwrap().is_empty());
}

#[test]
fn a_small_database_closes_and_packs_without_a_checkpoint() {
    let (dir, path) = temp_db();
    let want = rows(500, 1);
    write_closed(&path, &want);
    assert!(std::fs::metadata(&path).unwrap().len() < SMALL_TAIL_BYTES);
    assert_eq!(kinds(&path), [REC_TABLE, REC_COMMIT, REC_SEGMENT, REC_COMMIT]);
    read_back(&path, &want);

    let db = open(&path);
    db.pack_table("t", 100_000).unwrap();
    db.close().unwrap();
    assert_eq!(kinds(&path), [REC_TABLE, REC_SEGMENT, REC_COMMIT]);
    // Fixed overhead: the header, the Table record (12 + 12 bytes) and a
    // commit (28) beside the segment record (12 + 100 bytes of framing and
    // header, then its data).
    let seg = records(&path)[1].2;
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 104 + 24 + seg + 28);
    read_back(&path, &want);

    // A crash copy of the open writer (WAL and all) recovers by scanning.
    let db = open(&path);
    db.append_row("t", 10_000_000, &[1.5]).unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    let mut want2 = want.clone();
    want2.0.push(10_000_000);
    want2.1.push(1.5);
    read_back(&crash, &want2);
}

#[test]
fn a_larger_database_gets_its_checkpoint() {
    let (_dir, path) = temp_db();
    let want = rows(20_000, 2);
    write_closed(&path, &want);
    assert!(std::fs::metadata(&path).unwrap().len() > 104 + SMALL_TAIL_BYTES);
    assert_eq!(kinds(&path).last(), Some(&REC_CHECKPOINT));
    read_back(&path, &want);

    let db = open(&path);
    db.pack_table("t", 100_000).unwrap();
    db.close().unwrap();
    assert_eq!(kinds(&path).last(), Some(&REC_CHECKPOINT));
    read_back(&path, &want);

    // A few rows more: past the checkpoint only a small tail, so closing
    // writes no new checkpoint, and opening scans the tail after it.
    let db = open(&path);
    db.append_row("t", 100_000_000, &[2.5]).unwrap();
    db.close().unwrap();
    let k = kinds(&path);
    assert_eq!(k[k.len() - 3..], [REC_CHECKPOINT, REC_SEGMENT, REC_COMMIT]);
    let mut want2 = want.clone();
    want2.0.push(100_000_000);
    want2.1.push(2.5);
    read_back(&path, &want2);
}
