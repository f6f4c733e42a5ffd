//! Damaged bytes give `Corrupt` naming the offset: never a panic, never
//! silently wrong data.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, RecoveryMode, SyncMode};

fn build(path: &std::path::Path) -> Vec<i64> {
    let db = open(path);
    db.create_table("t", &["v", "w"]).unwrap();
    for i in 0..50 {
        db.append_row("t", i * 3, &[i as f64 / 7.0, 1.0]).unwrap();
    }
    db.flush().unwrap();
    for i in 50..90 {
        db.append_row("t", i * 3, &[i as f64 / 7.0, 2.0]).unwrap();
    }
    db.close().unwrap();
    (0..90).map(|i| i * 3).collect()
}

/// Opens and reads everything; returns the error kind of the first failure.
fn read_all(path: &std::path::Path) -> Result<Vec<i64>, nanots::Error> {
    let db = NanoTsDb::open(path, NanoTsOptions::default())?;
    Ok(db.query_table_range_columns("t", i64::MIN, i64::MAX)?.0)
}

#[test]
fn every_flipped_byte_after_the_header_is_reported_or_harmless() {
    let (dir, path) = temp_db();
    let want = build(&path);
    let original = std::fs::read(&path).unwrap();
    // Live data: the segments and the final checkpoint that indexes them.
    // Records before that checkpoint (the table and commit records) are
    // superseded by it and never read again once it exists. This file is
    // small, so it has none (SPEC.md 3.4): opening reads every record.
    let recs = records(&path);
    let checkpointed = recs.last().is_some_and(|r| r.1 == REC_CHECKPOINT);
    assert!(!checkpointed, "a file this small ends with a commit, not a checkpoint");
    let live: Vec<(u64, u64)> = recs
        .iter()
        .enumerate()
        .filter(|(i, r)| !checkpointed || r.1 == REC_SEGMENT || *i == recs.len() - 1)
        .map(|(_, r)| (r.0, r.0 + r.2))
        .collect();
    let p = dir.path().join("flip.ntt");
    for at in header_len(&original)..original.len() {
        let mut b = original.clone();
        b[at] ^= 0x04;
        std::fs::write(&p, &b).unwrap();
        let in_live = live.iter().any(|&(lo, hi)| (lo..hi).contains(&(at as u64)));
        match read_all(&p) {
            Err(e) => assert_eq!(e.kind(), ErrorKind::Corrupt, "flip at {at}: {e}"),
            Ok(got) => {
                assert!(!in_live, "flip at {at} inside live data went unnoticed");
                assert_eq!(got, want, "flip at {at} changed what is read");
            }
        }
        // The file is left as it was: opening never "repairs" committed data.
        assert_eq!(std::fs::read(&p).unwrap(), b, "flip at {at}: file modified");
    }
}

#[test]
fn flipped_segment_bytes_name_the_segment_offset_at_query_time() {
    let (dir, path) = temp_db();
    build(&path);
    let seg = records(&path).into_iter().find(|r| r.1 == REC_SEGMENT).unwrap();
    let p = dir.path().join("seg.ntt");
    let mut b = std::fs::read(&path).unwrap();
    let last = (seg.0 + seg.2 - 1) as usize; // inside the last column chunk
    b[last] ^= 0xff;
    std::fs::write(&p, &b).unwrap();
    let db = NanoTsDb::open(&p, NanoTsOptions::default()).expect("open does not decode payloads");
    let err = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains(&format!("offset {}", seg.0)), "{err}");
    // Ranges that skip the damaged segment still read fine.
    assert_eq!(db.query_table_range_columns("t", 150, 300).unwrap().0.len(), 40);
}

#[test]
fn damaged_commit_slots_fall_back_to_the_other_slot_or_a_scan() {
    let (dir, path) = temp_db();
    let want = build(&path);
    let original = std::fs::read(&path).unwrap();
    let p = dir.path().join("slot.ntt");
    // The two commit slots (SPEC.md 2): 40..104 in format 4.
    assert_eq!(header_len(&original), 104);
    for at in 40..104 {
        let mut b = original.clone();
        b[at] ^= 0x20;
        std::fs::write(&p, &b).unwrap();
        assert_eq!(read_all(&p).unwrap_or_else(|e| panic!("slot flip at {at}: {e}")), want);
    }
}

#[test]
fn damaged_static_header_is_refused() {
    let (dir, path) = temp_db();
    build(&path);
    let original = std::fs::read(&path).unwrap();
    let p = dir.path().join("hdr.ntt");
    for at in 0..40 {
        let mut b = original.clone();
        b[at] ^= 0x01;
        std::fs::write(&p, &b).unwrap();
        let e = read_all(&p).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::UnsupportedVersion), "flip at {at}: {e}");
    }
    std::fs::write(&p, b"hello, this is not a database at all; it is long enough to hold a header?").unwrap();
    assert_eq!(read_all(&p).unwrap_err().kind(), ErrorKind::Corrupt);
    std::fs::write(&p, b"short").unwrap();
    assert_eq!(read_all(&p).unwrap_err().kind(), ErrorKind::Corrupt);
}

#[test]
fn a_damaged_frame_before_valid_ones_cuts_an_unsynced_wal_and_is_corrupt_in_a_synced_one() {
    let (dir, _path) = temp_db();
    // OnFlush (the default) never syncs the WAL: after a power cut a later
    // page may be on disk without an earlier one. Cut, open, report.
    let crash = crash_copy_with_ten_wal_rows(dir.path());
    let wal = std::fs::read(wal_of(&crash)).unwrap();
    // Frame 3 of 10 (64-byte header, 32-byte frames): damage its value.
    let mut b = wal.clone();
    b[64 + 3 * 32 + 24] ^= 0x01;
    std::fs::write(wal_of(&crash), &b).unwrap();
    let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
    assert_eq!(db.query_table_range_columns("t", 0, 100).unwrap().0, vec![0, 1, 2]);
    let report = db.recovery_report();
    assert_eq!((report.wal_frames_replayed, report.wal_frames_dropped), (3, 6), "{report:?}");
    assert!(report.problems.iter().any(|p| p.in_wal && p.offset == 64 + 3 * 32), "{report:?}");
    drop(db);

    // EveryAppend syncs each frame before its append returns: the same
    // damage is corruption, and the refused open changes nothing.
    let live = dir.path().join("every.ntt");
    let every = NanoTsOptions { sync: SyncMode::EveryAppend, ..Default::default() };
    let db = NanoTsDb::open(&live, every.clone()).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for i in 0..10 {
        db.append_row("t", i, &[i as f64]).unwrap();
    }
    let crash = dir.path().join("every-crash.ntt");
    snapshot_files(&live, &crash);
    drop(db);
    let mut b = std::fs::read(wal_of(&crash)).unwrap();
    b[64 + 3 * 32 + 24] ^= 0x01;
    std::fs::write(wal_of(&crash), &b).unwrap();
    let before = (std::fs::read(&crash).unwrap(), b.clone());
    let err = NanoTsDb::open(&crash, every.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains(&format!("offset {}", 64 + 3 * 32)), "{err}");
    assert_eq!((std::fs::read(&crash).unwrap(), std::fs::read(wal_of(&crash)).unwrap()), before);
    // Salvage opens it with the frames before the damage, and says so.
    let salvage = NanoTsOptions { recovery: RecoveryMode::Salvage, ..every };
    let db = NanoTsDb::open(&crash, salvage).unwrap();
    assert_eq!(db.query_table_range_columns("t", 0, 100).unwrap().0, vec![0, 1, 2]);
    assert_eq!(db.recovery_report().wal_frames_dropped, 6);
    drop(db);
    let crash = crash_copy_with_ten_wal_rows(&dir.path().join("sub"));
    let wal = std::fs::read(wal_of(&crash)).unwrap();
    // The same damage in the last frame is a torn tail: that row is dropped.
    let mut b = wal.clone();
    b[64 + 9 * 32 + 24] ^= 0x01;
    std::fs::write(wal_of(&crash), &b).unwrap();
    let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
    assert_eq!(db.query_table_range_columns("t", 0, 100).unwrap().0, (0..9).collect::<Vec<_>>());
}

#[test]
fn a_wal_from_another_database_is_refused() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    let (_dir2, other) = temp_db();
    let db2 = open(&other);
    db2.create_table("t", &["v"]).unwrap();
    db2.close().unwrap();
    std::fs::copy(wal_of(&crash), wal_of(&other)).unwrap();
    let err = NanoTsDb::open(&other, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains("another database"), "{err}");
}

#[test]
fn a_torn_wal_header_after_a_flush_loses_nothing() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..10 {
        db.append_row("t", i, &[i as f64]).unwrap();
    }
    // The flush starts a new WAL epoch: a new salt, the old frames left
    // behind. A crash while that header is written tears it.
    db.flush().unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    let mut wal = std::fs::read(wal_of(&crash)).unwrap();
    wal[24..32].copy_from_slice(&u64::MAX.to_le_bytes()); // epoch torn, CRC now fails
    std::fs::write(wal_of(&crash), &wal).unwrap();
    let db = NanoTsDb::open(&crash, NanoTsOptions::default()).unwrap();
    assert_eq!(db.query_table_range_columns("t", 0, 100).unwrap().0, (0..10).collect::<Vec<_>>());
}
