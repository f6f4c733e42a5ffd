//! A closed file cut at any byte inside its last records lost transactions
//! its commit slot says were committed: strict opening refuses it
//! (`Corrupt`, naming the offset, the file untouched) and salvage opens it
//! with exactly what the records before the cut committed. (A tail torn by
//! a crash, which no slot names yet, is cut silently: see
//! `tests/power_loss.rs` and the crash suites.) A WAL cut inside its last
//! frame loses only that frame's row.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, RecoveryMode};

/// Strict: `Corrupt` naming the offset, the file unchanged. Salvage: opens.
fn open_cut(p: &std::path::Path, cut: u64) -> NanoTsDb {
    let before = std::fs::read(p).unwrap();
    let err = NanoTsDb::open(p, NanoTsOptions::default()).map(|_| ()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "cut at {cut}: {err}");
    assert!(err.to_string().contains("truncated"), "cut at {cut}: {err}");
    assert!(std::fs::read(p).unwrap() == before, "cut at {cut}: a refused open modified the file");
    let salvage = NanoTsOptions { recovery: RecoveryMode::Salvage, ..Default::default() };
    NanoTsDb::open(p, salvage).unwrap_or_else(|e| panic!("cut at {cut}: salvage failed: {e}"))
}

fn rows(db: &NanoTsDb) -> Vec<i64> {
    db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0
}

/// Two flushes, of `first` rows then of 40, then close. The rows' values
/// do not compress, so with `first` in the thousands the file passes the
/// 64 KiB below which closing writes no checkpoint (SPEC.md 3.4).
fn build(path: &std::path::Path, first: i64) -> Vec<i64> {
    // pseudo-random bits (finite: the top two are clear): no codec finds
    // structure in them
    let mut rng = Rng(7);
    let mut value = || f64::from_bits(rng.next() >> 2);
    let db = open(path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..first {
        db.append_row("t", i, &[value()]).unwrap();
    }
    db.flush().unwrap();
    for i in first..first + 40 {
        db.append_row("t", i, &[value()]).unwrap();
    }
    db.close().unwrap();
    (0..first + 40).collect()
}

#[test]
fn cut_inside_the_final_checkpoint_is_refused_and_salvaged_whole() {
    let (dir, path) = temp_db();
    let all = build(&path, 16_000);
    let recs = records(&path);
    let &(off, kind, len) = recs.last().unwrap();
    assert_eq!(kind, REC_CHECKPOINT, "close of a file past 64 KiB ends with a checkpoint of its own");
    for cut in off..off + len {
        let p = dir.path().join(format!("cut{cut}.ntt"));
        std::fs::copy(&path, &p).unwrap();
        truncate(&p, cut);
        let db = open_cut(&p, cut);
        assert_eq!(rows(&db), all, "cut at {cut}");
        // The torn tail was cut off: new writes land after the last commit.
        db.append_row("t", 100_000, &[1.0]).unwrap();
        db.close().unwrap();
        let db = open(&p);
        assert_eq!(rows(&db).len(), all.len() + 1, "cut at {cut}, after rewrite");
        drop(db);
        std::fs::remove_file(&p).unwrap();
        let _ = std::fs::remove_file(dir.path().join(format!("cut{cut}.ntt.damaged")));
    }
}

#[test]
fn cut_inside_the_last_flush_is_refused_and_salvaged_without_it() {
    let (dir, path) = temp_db();
    build(&path, 40);
    let recs = records(&path);
    // Layout: table, commit, segment(0..40), commit, segment(40..80), commit
    // (a file this small closes without a checkpoint, SPEC.md 3.4).
    let kinds: Vec<u8> = recs.iter().map(|r| r.1).collect();
    assert_eq!(kinds, [REC_TABLE, REC_COMMIT, REC_SEGMENT, REC_COMMIT, REC_SEGMENT, REC_COMMIT]);
    let (seg_off, _, _) = recs[4];
    let (commit_off, _, commit_len) = recs[5];
    for cut in seg_off..commit_off + commit_len {
        let p = dir.path().join(format!("cut{cut}.ntt"));
        std::fs::copy(&path, &p).unwrap();
        truncate(&p, cut);
        let db = open_cut(&p, cut);
        assert_eq!(rows(&db), (0..40).collect::<Vec<_>>(), "cut at {cut}");
        drop(db);
        std::fs::remove_file(&p).unwrap();
        let _ = std::fs::remove_file(dir.path().join(format!("cut{cut}.ntt.damaged")));
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

/// A batch larger than the record cap is logged as several WAL frames; a
/// crash between two of them (the batch was never acknowledged) must not
/// leave half of it: replay takes a batch only with all of its frames.
#[test]
fn a_batch_split_across_wal_frames_is_replayed_whole_or_not_at_all() {
    let (dir, path) = temp_db();
    let opts = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let db = NanoTsDb::open(&path, opts.clone()).unwrap();
    db.create_table("t", &["a", "b", "c"]).unwrap();
    db.append_row("t", -1, &[0.0, 0.0, 0.0]).unwrap();
    let ts: Vec<i64> = (0..200).collect();
    let v: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
    db.append_rows("t", &ts, &[&v, &v, &v]).unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    // Frames: 64-byte header, a one-row frame (16 + 32 bytes), then the
    // batch: 127 rows (16 + 8 + 127 * 32 = 4088 bytes), then 73 rows.
    let wal = std::fs::read(wal_of(&crash)).unwrap();
    let second = 64 + 48 + 4088;
    assert_eq!(u32::from_le_bytes(wal[second + 16..second + 20].try_into().unwrap()), 73, "layout");
    for (what, damage) in [("whole", None), ("second frame torn", Some(second))] {
        let copy = dir.path().join(format!("{}.ntt", what.replace(' ', "-")));
        snapshot_files(&crash, &copy);
        let mut b = wal.clone();
        if let Some(at) = damage {
            b[at..at + 4].fill(0); // its CRC never written
        }
        std::fs::write(wal_of(&copy), &b).unwrap();
        let db = NanoTsDb::open(&copy, opts.clone()).unwrap();
        let got = rows(&db);
        let want: Vec<i64> = if damage.is_none() { (-1..200).collect() } else { vec![-1] };
        assert_eq!(got, want, "{what}");
    }
}
