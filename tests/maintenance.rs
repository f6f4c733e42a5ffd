//! Pack, retention compaction, deletes and drops: rows, order, space.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};
use std::time::Duration;

fn all(db: &NanoTsDb, t: &str) -> (Vec<i64>, Vec<Vec<f64>>) {
    db.query_table_range_columns(t, i64::MIN, i64::MAX).unwrap()
}

#[test]
fn pack_merges_overlapping_segments_in_order() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { segment_max_rows: 100, ..Default::default() };
    let db = NanoTsDb::open(&path, opts.clone()).unwrap();
    db.create_table("t", &["seq"]).unwrap();
    db.create_table("other", &["v"]).unwrap();
    let mut seq = 0.0;
    // Five flushes of interleaved timestamps, with duplicates.
    for round in 0..5 {
        for i in 0..1000i64 {
            db.append_row("t", i * 5 + round % 3, &[seq]).unwrap();
            seq += 1.0;
        }
        db.append_row("other", round, &[round as f64]).unwrap();
        db.flush().unwrap();
    }
    let before = all(&db, "t");
    assert_eq!(db.stats("t").unwrap().segments, 50);
    db.pack_table("t", 2048).unwrap();
    let s = db.stats("t").unwrap();
    assert_eq!(s.segments, 3, "5000 rows in segments of 2048");
    assert_eq!(all(&db, "t"), before, "pack keeps every row, in order, ties in append order");
    assert_eq!(all(&db, "other").0, vec![0, 1, 2, 3, 4]);
    drop(db);
    let db = NanoTsDb::open(&path, opts).unwrap();
    assert_eq!(all(&db, "t"), before);
    assert!(!path.with_extension("ntt.compact").exists());
}

#[test]
fn pack_of_a_compressible_table_shrinks_the_file() {
    let (_dir, path) = temp_db();
    let db = NanoTsDb::open(&path, NanoTsOptions { segment_max_rows: 500, ..Default::default() }).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for i in 0..20_000i64 {
        db.append_row("t", i * 1000, &[25.0 + i as f64 * 0.001]).unwrap();
        if i % 3_000 == 0 {
            db.flush().unwrap();
        }
    }
    db.flush().unwrap();
    let before = std::fs::metadata(&path).unwrap().len();
    db.pack_table("t", 8192).unwrap();
    let after = std::fs::metadata(&path).unwrap().len();
    assert!(after < before, "{after} >= {before}");
    assert_eq!(all(&db, "t").0.len(), 20_000);
}

#[test]
fn delete_range_hides_rows_at_once_and_later_rows_stay() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..100i64 {
        db.append_row("t", i, &[i as f64]).unwrap();
    }
    db.flush().unwrap();
    for i in 100..150i64 {
        db.append_row("t", i, &[i as f64]).unwrap(); // still buffered
    }
    db.delete_range("t", 40, 119).unwrap();
    let want: Vec<i64> = (0..40).chain(120..150).collect();
    assert_eq!(all(&db, "t").0, want);
    // A row appended after the delete inside its range is visible.
    db.append_row("t", 50, &[-1.0]).unwrap();
    let mut want2 = want.clone();
    want2.insert(40, 50);
    assert_eq!(all(&db, "t").0, want2);
    drop(db);
    let db = open(&path);
    assert_eq!(all(&db, "t").0, want2, "deletes survive reopen");
    let size_before = std::fs::metadata(&path).unwrap().len();
    db.compact_retention_now().unwrap();
    assert_eq!(all(&db, "t").0, want2, "compaction applies deletes exactly");
    assert!(std::fs::metadata(&path).unwrap().len() < size_before);
    assert_eq!(db.delete_range("t", 5, 4).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.delete_range("nope", 0, 1).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn drop_table_frees_the_name_and_compaction_the_space() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("big", &["v"]).unwrap();
    let ts: Vec<i64> = (0..50_000).collect();
    let mut rng = Rng(99);
    let v: Vec<f64> = ts.iter().map(|_| f64::from_bits(rng.next())).collect();
    db.append_rows("big", &ts, &[&v]).unwrap();
    db.create_table("small", &["v"]).unwrap();
    db.append_row("small", 1, &[1.0]).unwrap();
    db.flush().unwrap();
    db.drop_table("big").unwrap();
    assert_eq!(db.list_tables().unwrap(), ["small"]);
    assert_eq!(db.query_table_range_columns("big", 0, 1).unwrap_err().kind(), ErrorKind::NotFound);
    db.create_table("big", &["a", "b"]).unwrap(); // the name is free, with a new schema
    let size = std::fs::metadata(&path).unwrap().len();
    db.compact_retention_now().unwrap();
    let after = std::fs::metadata(&path).unwrap().len();
    assert!(after < size / 10, "{after} vs {size}");
    drop(db);
    let db = open(&path);
    assert_eq!(db.list_tables().unwrap(), ["big", "small"]);
    assert_eq!(db.table_columns("big").unwrap(), ["a", "b"]);
    assert_eq!(all(&db, "big").0.len(), 0);
    assert_eq!(all(&db, "small").0, vec![1]);
}

#[test]
fn retention_cuts_relative_to_the_newest_row_not_a_future_one() {
    let (_dir, path) = temp_db();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let opts = NanoTsOptions { retention: Some(Duration::from_secs(3600)), ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    // Ten hours of minutely rows ending now, and one row a year ahead.
    for m in 0..600i64 {
        db.append_row("t", now - (599 - m) * 60_000, &[m as f64]).unwrap();
    }
    db.append_row("t", now + 365 * 86_400_000, &[-1.0]).unwrap();
    db.flush().unwrap();
    db.compact_retention_now().unwrap();
    let (ts, cols) = all(&db, "t");
    // Cutoff = min(newest, now) - 1 h: the last hour (61 rows: minutes 539..=599) and the future row stay.
    let cutoff = now - 3_600_000;
    assert!(ts.iter().all(|&t| t >= cutoff));
    assert_eq!(ts.len(), 61, "{:?}", &cols[0][..3]);
    assert_eq!(*cols[0].last().unwrap(), -1.0);
}

#[test]
fn compaction_without_anything_to_remove_leaves_the_file_alone() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db.flush().unwrap();
    let before = std::fs::read(&path).unwrap();
    db.compact_retention_now().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(db.pack_table("t", 0).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.pack_table("nope", 10).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn queries_run_while_a_pack_runs_and_see_before_or_after() {
    let (_dir, path) = temp_db();
    let db = std::sync::Arc::new(
        NanoTsDb::open(&path, NanoTsOptions { segment_max_rows: 1000, ..Default::default() }).unwrap(),
    );
    db.create_table("t", &["v"]).unwrap();
    let ts: Vec<i64> = (0..200_000).rev().collect();
    let v: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
    for chunk in 0..4 {
        let r = chunk * 50_000..(chunk + 1) * 50_000;
        db.append_rows("t", &ts[r.clone()], &[&v[r]]).unwrap();
        db.flush().unwrap();
    }
    let want = all(&db, "t");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (db, stop, want) = (db.clone(), stop.clone(), want.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || n == 0 {
                    assert_eq!(db.query_table_range_columns("t", 0, i64::MAX).unwrap(), want);
                    n += 1;
                }
                n
            })
        })
        .collect();
    // Appends (outside the readers' range) and deletes go on meanwhile.
    for (k, target) in [5_000, 70_000, 1_000].into_iter().enumerate() {
        db.pack_table("t", target).unwrap();
        db.append_row("t", -1 - k as i64, &[0.0]).unwrap();
        db.delete_range("t", -100, -3).unwrap();
    }
    assert_eq!(db.query_table_range_columns("t", i64::MIN, -1).unwrap().0, vec![-2, -1]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
}

#[test]
fn appends_during_a_long_pack_stay_within_twice_the_threshold() {
    let (_dir, path) = temp_db();
    let limit = 64 << 10;
    let opts = NanoTsOptions { auto_flush_bytes: limit, segment_max_rows: 2000, ..Default::default() };
    let db = std::sync::Arc::new(NanoTsDb::open(&path, opts).unwrap());
    db.create_table("big", &["v"]).unwrap();
    db.create_table("live", &["v"]).unwrap();
    let ts: Vec<i64> = (0..400_000).collect();
    let mut rng = Rng(3);
    let v: Vec<f64> = ts.iter().map(|_| f64::from_bits(rng.next() >> 2)).collect();
    db.append_rows("big", &ts, &[&v]).unwrap();
    db.flush().unwrap();
    let packer = {
        let db = db.clone();
        std::thread::spawn(move || {
            for _ in 0..3 {
                db.pack_table("big", 100_000).unwrap();
            }
        })
    };
    let mut max_pending = 0;
    let mut i = 0i64;
    while !packer.is_finished() || i < 50_000 {
        db.append_row("live", i, &[i as f64]).unwrap();
        max_pending = max_pending.max(db.pending_bytes().unwrap());
        i += 1;
    }
    packer.join().unwrap();
    assert!(max_pending <= 2 * limit + 16, "buffered {max_pending} bytes with a threshold of {limit}");
    assert_eq!(db.query_table_range_columns("live", 0, i).unwrap().0.len(), i as usize);
    assert_eq!(db.query_table_range_columns("big", 0, 400_000).unwrap().0.len(), 400_000);
}

/// With time partitions, small segments that each lie in a partition of
/// their own cannot merge: a merge would write as many segments back, so it
/// must do nothing (before, it rewrote them on every call and the file
/// grew). Small segments sharing a partition still merge.
#[test]
fn merge_with_partitions_rewrites_only_what_it_can_reduce() {
    let (_dir, path) = temp_db();
    let hour = 3_600_000i64;
    let opts = NanoTsOptions { segment_partition_ms: Some(hour), ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    // Four flushes, each into an hour of its own.
    for h in 0..4i64 {
        for i in 0..10i64 {
            db.append_row("t", h * hour + i, &[(h * 10 + i) as f64]).unwrap();
        }
        db.flush().unwrap();
    }
    let before = all(&db, "t");
    assert_eq!(db.stats("t").unwrap().segments, 4);
    let commits = db.commit_stats().commits;
    let len = std::fs::metadata(&path).unwrap().len();
    for _ in 0..3 {
        assert_eq!(db.merge_small_segments(1000, 2).unwrap(), 0, "nothing to gain across partitions");
    }
    assert_eq!(db.commit_stats().commits, commits, "no transaction written");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "the file did not grow");
    assert_eq!(db.stats("t").unwrap().segments, 4);

    // Three more small flushes into the last hour: those four merge into one.
    for f in 0..3i64 {
        db.append_row("t", 3 * hour + 100 + f, &[f as f64]).unwrap();
        db.flush().unwrap();
    }
    assert_eq!(db.stats("t").unwrap().segments, 7);
    assert_eq!(db.merge_small_segments(1000, 2).unwrap(), 1);
    assert_eq!(db.stats("t").unwrap().segments, 4, "hours 0, 1, 2, and hour 3 merged");
    let after = all(&db, "t");
    assert_eq!(after.0.len(), before.0.len() + 3);
    assert_eq!(&after.0[..before.0.len()], &before.0[..]);
}
