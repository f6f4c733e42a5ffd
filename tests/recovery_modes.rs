//! Strict and salvage opens, creation, and the integrity check.
//!
//! Strict (the default) opens only a file whose committed data is intact,
//! and never modifies a file it refuses; salvage opens what can be opened
//! and reports what it dropped. `verify` walks and decodes everything.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, RecoveryMode, SyncMode};
use std::path::Path;

fn salvage() -> NanoTsOptions {
    NanoTsOptions { recovery: RecoveryMode::Salvage, ..Default::default() }
}

/// Two tables, several flushes, a delete; closed cleanly.
fn build(path: &Path) {
    let db = open(path);
    db.create_table("a", &["v"]).unwrap();
    db.create_table("b", &["x", "y"]).unwrap();
    for k in 0..5i64 {
        for i in 0..20 {
            let t = k * 100 + i;
            db.append_row("a", t, &[t as f64]).unwrap();
            db.append_row("b", t, &[t as f64, -(t as f64)]).unwrap();
        }
        db.flush().unwrap();
    }
    db.delete_range("a", 0, 9).unwrap();
    db.close().unwrap();
}

fn ts(db: &NanoTsDb, table: &str) -> Vec<i64> {
    db.query_table_range_columns(table, i64::MIN, i64::MAX).unwrap().0
}

#[test]
fn verify_finds_nothing_in_a_sound_file_and_every_damaged_segment_in_a_flipped_one() {
    let (dir, path) = temp_db();
    build(&path);
    let db = open(&path);
    let report = db.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!((report.segments, report.rows), (10, 200));
    assert_eq!(report.records as usize, records(&path).len());
    drop(db);
    // Damage the payload of the second segment: open is lazy about segment
    // payloads, verify is not.
    let seg = records(&path).into_iter().filter(|r| r.1 == REC_SEGMENT).nth(1).unwrap();
    let copy = dir.path().join("flip.ntt");
    let mut b = std::fs::read(&path).unwrap();
    b[(seg.0 + seg.2 - 3) as usize] ^= 0x10;
    std::fs::write(&copy, &b).unwrap();
    let db = NanoTsDb::open(&copy, NanoTsOptions::default()).unwrap();
    let report = db.verify().unwrap();
    let at: Vec<u64> = report.problems.iter().map(|p| p.offset).collect();
    assert!(at.contains(&seg.0), "{:?}", report.problems);
    assert!(report.problems.iter().all(|p| p.offset == seg.0), "{:?}", report.problems);
}

#[test]
fn a_truncated_copy_is_corrupt_and_untouched_in_strict_mode_and_salvaged_on_request() {
    let (dir, path) = temp_db();
    build(&path);
    let full = std::fs::read(&path).unwrap();
    let recs = records(&path);
    // Cut in the middle of the last flush's segments: committed data gone.
    let cut = recs.iter().rfind(|r| r.1 == REC_SEGMENT).unwrap().0 + 5;
    let copy = dir.path().join("cut.ntt");
    std::fs::write(&copy, &full[..cut as usize]).unwrap();
    let err = NanoTsDb::open(&copy, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    assert!(err.to_string().contains("truncated") && err.to_string().contains("offset"), "{err}");
    assert!(std::fs::read(&copy).unwrap() == full[..cut as usize], "a refused open modified the file");

    let db = NanoTsDb::open(&copy, salvage()).unwrap();
    let report = db.recovery_report();
    assert!(!report.problems.is_empty());
    // Every transaction before the last flush survives, exactly (the
    // delete came after it and is gone with it).
    let a = ts(&db, "a");
    assert_eq!(a, (0..4).flat_map(|k| k * 100..k * 100 + 20).collect::<Vec<_>>());
    assert!(db.verify().unwrap().is_ok());
    drop(db);
    // The damaged original is kept beside the salvaged database.
    let mut kept = copy.as_os_str().to_owned();
    kept.push(".damaged");
    assert!(std::fs::read(&kept).unwrap() == full[..cut as usize], "the damaged file was not kept as it was");
    // And the salvaged file opens strictly.
    NanoTsDb::open(&copy, NanoTsOptions::default()).unwrap();
}

#[test]
fn salvage_skips_a_damaged_segment_and_keeps_the_rest() {
    let (dir, path) = temp_db();
    build(&path);
    let seg = records(&path).into_iter().find(|r| r.1 == REC_SEGMENT).unwrap();
    let copy = dir.path().join("flip.ntt");
    let mut b = std::fs::read(&path).unwrap();
    b[(seg.0 + seg.2 - 1) as usize] ^= 0x01;
    std::fs::write(&copy, &b).unwrap();
    let db = NanoTsDb::open(&copy, salvage()).unwrap();
    let report = db.recovery_report();
    assert!(report.problems.iter().any(|p| p.offset == seg.0), "{:?}", report.problems);
    // The first segment (table a, rows 0..20, 0..9 deleted) is gone; all
    // else is there.
    let a = ts(&db, "a");
    assert_eq!(a, (1..5).flat_map(|k| k * 100..k * 100 + 20).collect::<Vec<_>>());
    assert_eq!(ts(&db, "b").len(), 100);
    assert!(db.verify().unwrap().is_ok());
}

#[test]
fn creation_is_whole_or_nothing() {
    let (dir, path) = temp_db();
    // A file shorter than its header is damage, never a fresh start.
    std::fs::write(&path, [0x89, b'N', b'T']).unwrap();
    let err = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert_eq!(std::fs::read(&path).unwrap(), [0x89, b'N', b'T']);
    // An empty file is a new database (as in SQLite).
    std::fs::write(&path, []).unwrap();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.close().unwrap();
    // A missing file is created whole; nothing else is left beside it.
    let fresh = dir.path().join("fresh.ntt");
    open(&fresh).close().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["fresh.ntt", "test.ntt"]);
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().len(),
        104 + records(&fresh).iter().map(|r| r.2).sum::<u64>()
    );
}

#[test]
fn a_wal_whose_header_never_reached_the_disk_guards_no_rows() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db.flush().unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    // Zeros where the header should be (preallocated, never written), and
    // a file too short for a header: both are empty WALs.
    for wal in [vec![0u8; 1 << 20], vec![0u8; 10]] {
        std::fs::write(wal_of(&crash), &wal).unwrap();
        let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
        assert_eq!(ts(&db, "t"), [1]);
        assert_eq!(db.recovery_report().wal_frames_replayed, 0);
    }
}

#[test]
fn never_mode_publishes_slots_only_at_synced_points_and_cuts_a_damaged_unsynced_tail() {
    let (dir, path) = temp_db();
    let never = NanoTsOptions { sync: SyncMode::Never, ..Default::default() };
    let db = NanoTsDb::open(&path, never.clone()).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for k in 0..4i64 {
        db.append_row("t", k, &[k as f64]).unwrap();
        db.flush().unwrap();
    }
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    // Damage the second flush's segment: its pages "did not reach the
    // disk" while later ones did. Unsynced, that is not corruption: the
    // file is cut there (the WAL's rows of the last epoch come back).
    let segs: Vec<_> = records(&crash).into_iter().filter(|r| r.1 == REC_SEGMENT).collect();
    assert_eq!(segs.len(), 4);
    let mut b = std::fs::read(&crash).unwrap();
    b[(segs[1].0 + segs[1].2 - 1) as usize] ^= 0xFF;
    std::fs::write(&crash, &b).unwrap();
    std::fs::remove_file(wal_of(&crash)).unwrap();
    let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
    assert_eq!(ts(&db, "t"), [0]);
    assert!(db.recovery_report().file_bytes_cut > 0);
}
