//! Bad input gets a clear error and writes nothing.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb};

fn kind<T: std::fmt::Debug>(r: nanots::Result<T>) -> ErrorKind {
    r.unwrap_err().kind()
}

fn file_state(path: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let wal = std::fs::read(wal_of(path)).unwrap();
    (std::fs::read(path).unwrap(), wal)
}

#[test]
fn bad_calls_are_refused_and_write_nothing() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["a", "b"]).unwrap();
    db.append_row("t", 1, &[1.0, 2.0]).unwrap();
    let before = file_state(&path);
    let long = "n".repeat(256);

    assert_eq!(kind(db.append_row("nope", 1, &[1.0, 2.0])), ErrorKind::NotFound);
    assert_eq!(kind(db.append_row("t", 1, &[1.0])), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append_row("t", 1, &[1.0, 2.0, 3.0])), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append_row("t", 1, &[])), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append_rows("t", &[1, 2], &[&[1.0, 2.0]])), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append_rows("t", &[1, 2], &[&[1.0, 2.0], &[1.0]])), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append("t", 1, 1.0)), ErrorKind::SchemaMismatch);
    assert_eq!(kind(db.append("", 1, 1.0)), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("", &["a"])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("u", &[])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("u", &["a", ""])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("u", &["a", "a"])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("u", &["ts_ms"])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table(&long, &["a"])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("u", &[long.as_str()])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("bad\nname", &["a"])), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.create_table("t", &["a"])), ErrorKind::AlreadyExists);
    assert_eq!(kind(db.create_table("t", &["b", "a"])), ErrorKind::AlreadyExists);
    let too_many: Vec<String> = (0..4097).map(|i| format!("c{i}")).collect();
    let refs: Vec<&str> = too_many.iter().map(String::as_str).collect();
    assert_eq!(kind(db.create_table("w", &refs)), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.query_table_range_columns("nope", 0, 1)), ErrorKind::NotFound);
    assert_eq!(kind(db.query_table_range_columns("t", 2, 1)), ErrorKind::InvalidArgument);
    assert_eq!(kind(db.table_columns("nope")), ErrorKind::NotFound);

    assert_eq!(file_state(&path), before, "a refused call changed the files");
    assert_eq!(db.list_tables().unwrap(), ["t"]);
    // Identical schema: a no-op, so start-up code may call it every time.
    db.create_table("t", &["a", "b"]).unwrap();
    assert_eq!(file_state(&path), before);
    db.close().unwrap();
    let db = open(&path);
    assert_eq!(db.query_table_range_columns("t", 0, 9).unwrap(), (vec![1], vec![vec![1.0], vec![2.0]]));
}

#[test]
fn error_messages_name_the_table_and_convert_to_io_errors() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("sensor", &["temp"]).unwrap();
    let e = db.append_row("sensor", 1, &[1.0, 2.0]).unwrap_err();
    assert!(e.to_string().contains("\"sensor\""), "{e}");
    let io: std::io::Error = db.append_row("missing", 1, &[1.0]).unwrap_err().into();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert!(io.to_string().contains("missing"));
}

#[test]
fn bad_options_are_refused() {
    let (_dir, path) = temp_db();
    for opts in [
        nanots::NanoTsOptions { segment_max_rows: 0, ..Default::default() },
        nanots::NanoTsOptions { segment_max_rows: (1 << 22) + 1, ..Default::default() },
        nanots::NanoTsOptions { max_record_size: Some(100), ..Default::default() },
    ] {
        assert_eq!(kind(NanoTsDb::open(&path, opts)), ErrorKind::InvalidArgument);
    }
    assert!(!path.exists(), "refused options must not create the file");
}
