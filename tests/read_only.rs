//! Read-only handles next to a writer in the same process (the
//! multi-process case is `tests/readers_processes.rs`): no lock, no write,
//! a consistent view that follows the writer's commits, and backups.

mod common;
use common::*;
use nanots::{BackupMode, ErrorKind, NanoTsDb, NanoTsOptions};

fn ts(db: &NanoTsDb) -> Vec<i64> {
    db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0
}

#[test]
fn readers_open_next_to_the_writer_and_follow_its_commits() {
    let (_dir, path) = temp_db();
    let w = open(&path);
    w.create_table("t", &["v"]).unwrap();
    for i in 0..10 {
        w.append_row("t", i, &[i as f64]).unwrap();
    }
    w.flush().unwrap();
    let r1 = NanoTsDb::open_read_only(&path).unwrap();
    let r2 = NanoTsDb::open_read_only(&path).unwrap();
    assert!(r1.is_read_only() && !w.is_read_only());
    assert_eq!(ts(&r1), (0..10).collect::<Vec<_>>());
    // Rows only in the writer's WAL are invisible; a flush makes them visible.
    w.append_row("t", 10, &[10.0]).unwrap();
    assert_eq!(ts(&r1).len(), 10);
    w.flush().unwrap();
    assert_eq!(ts(&r1).len(), 11);
    // New tables, deletes and drops show up too.
    w.create_table("u", &["a", "b"]).unwrap();
    w.delete_range("t", 0, 4).unwrap();
    assert_eq!(r2.list_tables().unwrap(), ["t", "u"]);
    assert_eq!(ts(&r2), (5..11).collect::<Vec<_>>());
    // A pack replaces the file by rename: readers pick the new one up.
    let before = std::fs::metadata(&path).unwrap();
    w.pack_table("t", 1000).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), before.ino(), "pack must rename a new file in");
    w.append_row("t", 11, &[11.0]).unwrap();
    w.flush().unwrap();
    assert!(r1.refresh().unwrap());
    assert!(!r1.refresh().unwrap(), "nothing changed since the last look");
    assert_eq!(ts(&r1), (5..12).collect::<Vec<_>>());
    w.drop_table("u").unwrap();
    assert_eq!(r1.list_tables().unwrap(), ["t"]);
    // A second writer is still refused.
    assert_eq!(NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_err().kind(), ErrorKind::Locked);
    w.close().unwrap();
    assert_eq!(ts(&r2), (5..12).collect::<Vec<_>>());
}

#[test]
fn every_write_call_on_a_reader_is_read_only_and_writes_nothing() {
    let (_dir, path) = temp_db();
    {
        let w = open(&path);
        w.create_table("t", &["v"]).unwrap();
        w.append_row("t", 1, &[1.0]).unwrap();
        w.close().unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let r = NanoTsDb::open_read_only(&path).unwrap();
    let calls: Vec<(&str, nanots::Result<()>)> = vec![
        ("create_table (existing)", r.create_table("t", &["v"])),
        ("create_table", r.create_table("x", &["v"])),
        ("append_row", r.append_row("t", 2, &[2.0])),
        ("append_rows", r.append_rows("t", &[3], &[&[3.0]])),
        ("append", r.append("s", 1, 1.0)),
        ("flush", r.flush()),
        ("delete_range", r.delete_range("t", 0, 10)),
        ("drop_table", r.drop_table("t")),
        ("pack_table", r.pack_table("t", 100)),
        ("compact_retention_now", r.compact_retention_now()),
        ("merge_small_segments", r.merge_small_segments(100, 2).map(|_| ())),
        #[cfg(feature = "sql")]
        ("exec_sql", r.exec_sql("INSERT INTO t VALUES (5, 5.0)").map(|_| ())),
    ];
    for (what, res) in calls {
        assert_eq!(res.unwrap_err().kind(), ErrorKind::ReadOnly, "{what}");
    }
    r.close().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "a reader wrote to the file");
    assert!(!wal_of(&path).exists(), "a reader created a WAL");
}

#[test]
fn a_reader_of_a_crashed_file_sees_its_last_commit_and_changes_nothing() {
    let (dir, path) = temp_db();
    let w = open(&path);
    w.create_table("t", &["v"]).unwrap();
    for i in 0..5 {
        w.append_row("t", i, &[i as f64]).unwrap();
    }
    w.flush().unwrap();
    w.append_row("t", 5, &[5.0]).unwrap(); // only in the WAL
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(w);
    // A torn record after the last commit, as a crash mid-flush leaves it.
    let mut b = std::fs::read(&crash).unwrap();
    b.extend_from_slice(&[200, 0, 0, 0, 2, 0, 0, 0, 1, 2, 3]);
    std::fs::write(&crash, &b).unwrap();
    let wal = std::fs::read(wal_of(&crash)).unwrap();
    let r = NanoTsDb::open_read_only(&crash).unwrap();
    assert_eq!(ts(&r), (0..5).collect::<Vec<_>>(), "the committed state, without the WAL's row");
    drop(r);
    assert_eq!(std::fs::read(&crash).unwrap(), b, "the reader cut the tail");
    assert_eq!(std::fs::read(wal_of(&crash)).unwrap(), wal, "the reader touched the WAL");
    // The writer recovers everything afterwards.
    assert_eq!(ts(&open(&crash)), (0..6).collect::<Vec<_>>());
}

#[test]
fn read_only_opens_refuse_missing_empty_and_truncated_files() {
    let (dir, path) = temp_db();
    assert_eq!(NanoTsDb::open_read_only(&path).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(!path.exists(), "a reader created the file");
    std::fs::write(&path, []).unwrap();
    assert_eq!(NanoTsDb::open_read_only(&path).unwrap_err().kind(), ErrorKind::NotFound);
    let p = dir.path().join("full.ntt");
    let w = open(&p);
    w.create_table("t", &["v"]).unwrap();
    w.append_row("t", 1, &[1.0]).unwrap();
    w.close().unwrap();
    let len = std::fs::metadata(&p).unwrap().len();
    truncate(&p, len - 3);
    assert_eq!(NanoTsDb::open_read_only(&p).unwrap_err().kind(), ErrorKind::Corrupt);
}

#[test]
fn backups_from_a_writer_and_a_reader_are_closed_databases_with_the_committed_rows() {
    let (dir, path) = temp_db();
    let w = open(&path);
    w.create_table("t", &["v"]).unwrap();
    for i in 0..100 {
        w.append_row("t", i, &[i as f64 * 0.5]).unwrap();
    }
    w.flush().unwrap();
    w.delete_range("t", 10, 19).unwrap();
    for i in 100..150 {
        w.append_row("t", i, &[i as f64 * 0.5]).unwrap(); // buffered
    }
    let want: Vec<i64> = (0..10).chain(20..150).collect();
    let copy = dir.path().join("copy.ntt");
    w.backup(&copy, BackupMode::Copy).unwrap();
    assert_eq!(w.backup(&copy, BackupMode::Copy).unwrap_err().kind(), ErrorKind::AlreadyExists);
    assert_eq!(w.backup(&path, BackupMode::Copy).unwrap_err().kind(), ErrorKind::InvalidArgument);
    let r = NanoTsDb::open_read_only(&path).unwrap();
    let packed = dir.path().join("packed.ntt");
    r.backup(&packed, BackupMode::Pack).unwrap();
    // The writer goes on meanwhile; the copies do not change.
    w.append_row("t", 1000, &[1.0]).unwrap();
    w.flush().unwrap();
    for p in [&copy, &packed] {
        assert!(!wal_of(p).exists());
        let db = open(p);
        assert_eq!(ts(&db), want, "{}", p.display());
        assert!(db.verify().unwrap().is_ok());
        assert_eq!(db.recovery_report(), Default::default(), "a backup needs no recovery");
    }
    assert_eq!(open(&packed).stats("t").unwrap().segments, 1);
}
