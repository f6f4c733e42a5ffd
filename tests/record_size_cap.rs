//! `NANOTS_MAX_RECORD_SIZE` caps every record that is *written*: nothing
//! larger is written (`TooLarge`). It never makes a record or WAL frame
//! that a larger cap wrote unreadable: reads are bounded by the bytes
//! present (a length past the end of the file is corruption, never an
//! allocation).

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

#[test]
fn flush_splits_segments_to_fit_the_cap() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let db = NanoTsDb::open(&path, opts.clone()).unwrap();
    db.create_table("t", &["a", "b", "c"]).unwrap();
    // Incompressible values so segments are about 32 bytes per row.
    let mut rng = Rng(7);
    let mut want = Vec::new();
    for i in 0..2000 {
        let v = [f64::from_bits(rng.next()), f64::from_bits(rng.next()), f64::from_bits(rng.next())];
        db.append_row("t", i, &v).unwrap();
        want.push(v[2].to_bits());
    }
    db.close().unwrap();
    let recs = records(&path);
    assert!(recs.iter().filter(|r| r.1 == REC_SEGMENT).count() >= 16);
    assert!(recs.iter().all(|r| r.2 <= 12 + 4096), "a record exceeds the cap");
    let db = NanoTsDb::open(&path, opts).unwrap();
    let (ts, cols) = db.query_table_range_columns("t", 0, 1999).unwrap();
    assert_eq!(ts.len(), 2000);
    assert_eq!(bits(&cols[2]), want);
}

#[test]
fn a_row_that_cannot_fit_is_too_large_and_nothing_is_written() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    let names: Vec<String> = (0..600).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Refused at creation: a flush could never write one of its rows.
    let len = std::fs::metadata(&path).unwrap().len();
    let err = db.create_table("wide", &refs).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(err.to_string().contains("4096"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "something was written");
    assert_eq!(db.list_tables().unwrap(), Vec::<String>::new());
    // The handle stays usable.
    db.create_table("narrow", &["v"]).unwrap();
    db.append_row("narrow", 1, &[1.0]).unwrap();
}

#[test]
fn records_written_under_a_larger_cap_stay_readable_and_huge_lengths_are_corruption() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let ts: Vec<i64> = (0..2000).collect();
    let mut rng = Rng(5);
    let v: Vec<f64> = (0..2000).map(|_| f64::from_bits(rng.next())).collect();
    db.append_rows("t", &ts, &[&v]).unwrap();
    db.close().unwrap();
    // Reopened with a cap below the segment's size: still readable.
    let small = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let db = NanoTsDb::open(&path, small).unwrap();
    let (got_ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    assert_eq!(got_ts, ts);
    assert_eq!(bits(&cols[0]), bits(&v));
    drop(db);
    // A length field of almost 4 GiB in a committed record.
    let seg = records(&path).into_iter().find(|r| r.1 == REC_SEGMENT).unwrap();
    let mut b = std::fs::read(&path).unwrap();
    b[seg.0 as usize..seg.0 as usize + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let p = dir.path().join("huge.ntt");
    std::fs::write(&p, &b).unwrap();
    let db = NanoTsDb::open(&p, NanoTsOptions::default());
    let err = db.and_then(|db| db.query_table_range_columns("t", 0, 10)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
}

#[test]
fn wal_rows_logged_under_a_larger_cap_survive_a_reopen_with_a_smaller_one() {
    let (dir, path) = temp_db();
    let big = NanoTsOptions { max_record_size: Some(1 << 20), ..Default::default() };
    let db = NanoTsDb::open(&path, big).unwrap();
    db.create_table("t", &["v"]).unwrap();
    let ts: Vec<i64> = (0..1000).collect();
    let v: Vec<f64> = ts.iter().map(|&t| t as f64 * 0.5).collect();
    // One 16 KB WAL frame, over the smaller cap below.
    db.append_rows("t", &ts, &[&v]).unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    for cap in [4096, 1 << 20] {
        let copy = dir.path().join(format!("copy-{cap}.ntt"));
        snapshot_files(&crash, &copy);
        let db = NanoTsDb::open(&copy, NanoTsOptions { max_record_size: Some(cap), ..Default::default() })
            .unwrap();
        let (got, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
        assert_eq!(got, ts, "cap {cap}: acknowledged WAL rows lost");
        assert_eq!(bits(&cols[0]), bits(&v));
        db.close().unwrap();
        assert!(records(&copy).iter().all(|r| r.2 <= 12 + cap as u64), "cap {cap}: a record exceeds it");
    }
}

#[test]
fn a_table_too_wide_for_a_smaller_cap_refuses_the_open_and_keeps_its_rows() {
    let (dir, path) = temp_db();
    let names: Vec<String> = (0..600).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let db = open(&path);
    db.create_table("wide", &refs).unwrap();
    db.append_row("wide", 1, &vec![2.5; 600]).unwrap();
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    let before = std::fs::read(&crash).unwrap();
    let small = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let err = NanoTsDb::open(&crash, small).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.to_string().contains("wide"), "{err}");
    assert_eq!(std::fs::read(&crash).unwrap(), before, "a refused open modified the file");
    let db = open(&crash);
    assert_eq!(db.query_table_range_columns("wide", 0, 10).unwrap().1[599], vec![2.5]);
}

#[test]
#[ignore = "run as a child process by the environment variable test"]
fn env_child() {
    let Ok(path) = std::env::var("NANOTS_ENV_DB") else {
        return;
    };
    match NanoTsDb::open(&path, NanoTsOptions::default()) {
        Ok(db) => {
            db.create_table("t", &["v"]).unwrap();
            let ts: Vec<i64> = (0..3000).collect();
            let v: Vec<f64> =
                (0..3000).map(|i| f64::from_bits((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))).collect();
            db.append_rows("t", &ts, &[&v]).unwrap();
            db.close().unwrap();
            println!("OK");
        }
        Err(e) => println!("ERR {:?} {e}", e.kind()),
    }
}

#[test]
fn the_environment_variable_is_read_and_checked_at_open() {
    let (_dir, path) = temp_db();
    let run = |value: &str| {
        let out = child_command(
            "env_child",
            &[("NANOTS_ENV_DB", path.to_str().unwrap()), ("NANOTS_MAX_RECORD_SIZE", value)],
        )
        .output()
        .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    for bad in ["0", "-1", "lots", "64MiB", ""] {
        let out = run(bad);
        assert!(out.contains("ERR InvalidArgument"), "{bad:?}: {out}");
        assert!(out.contains("NANOTS_MAX_RECORD_SIZE"), "{bad:?}: {out}");
    }
    assert!(run("8192").contains("OK"));
    assert!(records(&path).iter().all(|r| r.2 <= 12 + 8192));
    assert!(records(&path).iter().filter(|r| r.1 == REC_SEGMENT).count() >= 3);
}
