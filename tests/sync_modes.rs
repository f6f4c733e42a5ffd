//! Every sync mode round-trips, and the auto-flush threshold bounds the
//! rows held in memory (and so the rows at risk on power loss).

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions, SyncMode};

#[test]
fn each_mode_round_trips_through_crash_copy_and_reopen() {
    for sync in [SyncMode::EveryAppend, SyncMode::OnFlush, SyncMode::Never] {
        let (dir, path) = temp_db();
        let opts = NanoTsOptions { sync, ..Default::default() };
        let db = NanoTsDb::open(&path, opts.clone()).unwrap();
        db.create_table("t", &["v"]).unwrap();
        for i in 0..500 {
            db.append_row("t", i, &[i as f64]).unwrap();
        }
        db.flush().unwrap();
        for i in 500..700 {
            db.append_row("t", i, &[i as f64]).unwrap();
        }
        let crash = dir.path().join("crash.ntt");
        snapshot_files(&path, &crash);
        db.close().unwrap();
        for p in [&path, &crash] {
            let db = NanoTsDb::open(p, opts.clone()).unwrap();
            assert_eq!(db.query_table_range_columns("t", 0, 1000).unwrap().0.len(), 700, "{sync:?} {p:?}");
        }
    }
}

#[test]
fn auto_flush_bounds_buffered_rows() {
    let (_dir, path) = temp_db();
    let limit = 64 << 10;
    let opts = NanoTsOptions { auto_flush_bytes: limit, ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["a", "b"]).unwrap();
    let mut max_seen = 0;
    for i in 0..100_000i64 {
        db.append_row("t", i, &[1.0, 2.0]).unwrap();
        max_seen = max_seen.max(db.pending_bytes().unwrap());
    }
    let batch: Vec<i64> = (100_000..101_000).collect();
    let ones = vec![1.0; 1000];
    db.append_rows("t", &batch, &[&ones, &ones]).unwrap();
    max_seen = max_seen.max(db.pending_bytes().unwrap());
    // One append may land on a full buffer before the next one flushes.
    assert!(max_seen <= limit + 24 * 1000, "buffered {max_seen} bytes with a limit of {limit}");
    let s = db.stats("t").unwrap();
    assert!(s.segments >= 30, "{} segments", s.segments);
    assert_eq!(s.rows, 101_000);
}

#[test]
fn auto_flush_zero_disables_it() {
    let (_dir, path) = temp_db();
    let db = NanoTsDb::open(&path, NanoTsOptions { auto_flush_bytes: 0, ..Default::default() }).unwrap();
    db.create_table("t", &["a"]).unwrap();
    for i in 0..100_000 {
        db.append_row("t", i, &[1.0]).unwrap();
    }
    assert_eq!(db.pending_bytes().unwrap(), 100_000 * 16);
    assert_eq!(db.stats("t").unwrap().segments, 0);
}
