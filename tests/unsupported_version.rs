//! A file from a newer format version is refused and left untouched.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

#[test]
fn newer_version_is_refused_untouched() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db.close().unwrap();
    let mut b = std::fs::read(&path).unwrap();
    // One above the version this library writes (4).
    b[8..12].copy_from_slice(&5u32.to_le_bytes());
    std::fs::write(&path, &b).unwrap();
    let err = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);
    assert!(err.to_string().contains("version 5"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b);
    assert!(!wal_of(&path).exists());
}
