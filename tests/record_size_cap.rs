//! `NANOTS_MAX_RECORD_SIZE` caps every record: nothing larger is written
//! (`TooLarge`), and a larger length while reading is corruption.

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
    db.create_table("wide", &refs).unwrap();
    let err = db.append_row("wide", 1, &vec![1.0; 600]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(err.to_string().contains("4096"), "{err}");
    assert_eq!(db.stats("wide").unwrap().rows, 0);
    // The handle stays usable.
    db.create_table("narrow", &["v"]).unwrap();
    db.append_row("narrow", 1, &[1.0]).unwrap();
}

#[test]
fn a_length_above_the_cap_while_reading_is_corruption_not_an_allocation() {
    let (dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let ts: Vec<i64> = (0..2000).collect();
    let mut rng = Rng(5);
    let v: Vec<f64> = (0..2000).map(|_| f64::from_bits(rng.next())).collect();
    db.append_rows("t", &ts, &[&v]).unwrap();
    db.close().unwrap();
    // Reopened with a cap below the segment's size: committed, so Corrupt.
    let small = NanoTsOptions { max_record_size: Some(4096), ..Default::default() };
    let db = NanoTsDb::open(&path, small).expect("open reads only the checkpoint");
    let err = db.query_table_range_columns("t", 0, 10).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    drop(db);
    assert!(err.to_string().contains("cap"), "{err}");
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
