//! A file cut at any byte inside its last record opens with exactly what
//! the records before it committed; the same holds for the WAL's last frame.

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions};

fn rows(db: &NanoTsDb) -> Vec<i64> {
    db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0
}

/// Two flushes of 40 rows each, then close.
fn build(path: &std::path::Path) {
    let db = open(path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..40 {
        db.append_row("t", i, &[i as f64 * 0.5]).unwrap();
    }
    db.flush().unwrap();
    for i in 40..80 {
        db.append_row("t", i, &[i as f64 * 0.5]).unwrap();
    }
    db.close().unwrap();
}

#[test]
fn cut_inside_the_final_checkpoint_loses_nothing() {
    let (dir, path) = temp_db();
    build(&path);
    let recs = records(&path);
    let &(off, kind, len) = recs.last().unwrap();
    assert_eq!(kind, REC_CHECKPOINT, "close ends with a checkpoint of its own");
    for cut in off..off + len {
        let p = dir.path().join(format!("cut{cut}.ntt"));
        std::fs::copy(&path, &p).unwrap();
        truncate(&p, cut);
        let db = NanoTsDb::open(&p, NanoTsOptions::default()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(rows(&db), (0..80).collect::<Vec<_>>(), "cut at {cut}");
        // The torn tail was cut off: new writes land after the last commit.
        db.append_row("t", 1000, &[1.0]).unwrap();
        db.close().unwrap();
        let db = open(&p);
        assert_eq!(rows(&db).len(), 81, "cut at {cut}, after rewrite");
        drop(db);
        std::fs::remove_file(&p).unwrap();
    }
}

#[test]
fn cut_inside_the_last_flush_drops_exactly_that_flush() {
    let (dir, path) = temp_db();
    build(&path);
    let recs = records(&path);
    // Layout: table, commit, segment(0..40), commit, segment(40..80), commit, checkpoint.
    let kinds: Vec<u8> = recs.iter().map(|r| r.1).collect();
    assert_eq!(
        kinds,
        [REC_TABLE, REC_COMMIT, REC_SEGMENT, REC_COMMIT, REC_SEGMENT, REC_COMMIT, REC_CHECKPOINT]
    );
    let (seg_off, _, _) = recs[4];
    let (commit_off, _, commit_len) = recs[5];
    for cut in seg_off..commit_off + commit_len {
        let p = dir.path().join(format!("cut{cut}.ntt"));
        std::fs::copy(&path, &p).unwrap();
        truncate(&p, cut);
        let db = NanoTsDb::open(&p, NanoTsOptions::default()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(rows(&db), (0..40).collect::<Vec<_>>(), "cut at {cut}");
        drop(db);
        std::fs::remove_file(&p).unwrap();
    }
}

#[test]
fn cut_inside_the_last_wal_frame_drops_only_that_row() {
    let (dir, _path) = temp_db();
    let crash = crash_copy_with_ten_wal_rows(dir.path());
    // Frames: 64-byte WAL header, then 16-byte frame header + 16-byte row.
    let frame = 32u64;
    let last = 64 + 9 * frame;
    for cut in last..last + frame {
        let p = dir.path().join(format!("w{cut}.ntt"));
        std::fs::copy(&crash, &p).unwrap();
        std::fs::copy(wal_of(&crash), wal_of(&p)).unwrap();
        truncate(&wal_of(&p), cut);
        let db = NanoTsDb::open(&p, NanoTsOptions::default()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(rows(&db), (0..9).collect::<Vec<_>>(), "WAL cut at {cut}");
    }
    // Uncut, all ten rows come back.
    let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
    assert_eq!(rows(&db), (0..10).collect::<Vec<_>>());
}
