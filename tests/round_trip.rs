//! Rows survive close and reopen; tables and columns are listed.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

#[test]
fn rows_survive_close_and_reopen() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("sensor", &["temp", "humidity"]).unwrap();
    db.create_table("power", &["watts"]).unwrap();
    for i in 0..10_000i64 {
        db.append_row("sensor", 1_000 * i, &[20.0 + i as f64 * 0.01, 50.0]).unwrap();
    }
    db.flush().unwrap();
    for i in 10_000..12_000i64 {
        db.append_row("sensor", 1_000 * i, &[20.0 + i as f64 * 0.01, 51.0]).unwrap();
    }
    db.append("cpu", 5, 0.5).unwrap();
    db.close().unwrap();
    assert!(!wal_of(&path).exists(), "close leaves the .ntt file alone");

    let db = open(&path);
    assert_eq!(db.list_tables().unwrap(), ["cpu", "power", "sensor"]);
    assert_eq!(db.table_columns("sensor").unwrap(), ["temp", "humidity"]);
    assert_eq!(db.table_columns("cpu").unwrap(), ["value"]);
    let (ts, cols) = db.query_table_range_columns("sensor", 0, i64::MAX).unwrap();
    assert_eq!(ts.len(), 12_000);
    assert!(ts.iter().enumerate().all(|(i, &t)| t == 1_000 * i as i64));
    assert_eq!(cols[0][11_999], 20.0 + 11_999.0 * 0.01);
    assert_eq!(cols[1][9_999], 50.0);
    assert_eq!(cols[1][10_000], 51.0);
    let (ts, cols) = db.query_table_range_columns("power", i64::MIN, i64::MAX).unwrap();
    assert!(ts.is_empty() && cols.len() == 1 && cols[0].is_empty());
    assert_eq!(db.query_table_range_columns("cpu", 5, 5).unwrap(), (vec![5], vec![vec![0.5]]));
}

#[test]
fn ranges_are_inclusive_at_both_ends() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..100i64 {
        db.append_row("t", i * 10, &[i as f64]).unwrap();
    }
    let check = |db: &NanoTsDb| {
        let (ts, cols) = db.query_table_range_columns("t", 100, 200).unwrap();
        assert_eq!(ts, (10..=20).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(cols[0], (10..=20).map(|i| i as f64).collect::<Vec<_>>());
        assert_eq!(db.query_table_range_columns("t", 101, 109).unwrap().0, Vec::<i64>::new());
        assert_eq!(db.query_table_range_columns("t", 990, 990).unwrap().0, vec![990]);
    };
    check(&db); // from the buffer
    db.flush().unwrap();
    check(&db); // from a segment
}

#[test]
fn segments_split_at_the_row_limit_and_queries_cut_mid_segment() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { segment_max_rows: 1000, ..Default::default() };
    let db = NanoTsDb::open(&path, opts.clone()).unwrap();
    db.create_table("t", &["a", "b"]).unwrap();
    let n = 10_500i64;
    let ts: Vec<i64> = (0..n).collect();
    let a: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let b: Vec<f64> = (0..n).map(|i| -(i as f64)).collect();
    db.append_rows("t", &ts, &[&a, &b]).unwrap();
    db.flush().unwrap();
    let stats = db.stats("t").unwrap();
    assert_eq!((stats.segments, stats.flushed_rows, stats.buffered_rows), (11, 10_500, 0));
    drop(db);
    let db = NanoTsDb::open(&path, opts).unwrap();
    let (got_ts, cols) = db.query_table_range_columns("t", 1_500, 7_499).unwrap();
    assert_eq!(got_ts, (1_500..7_500).collect::<Vec<_>>());
    assert_eq!(cols[1], (1_500..7_500).map(|i| -(i as f64)).collect::<Vec<_>>());
}

#[test]
fn closed_handle_refuses_calls_and_the_file_reopens() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db.close().unwrap();
    db.close().unwrap();
    assert_eq!(db.append_row("t", 2, &[2.0]).unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(db.query_table_range_columns("t", 0, 9).unwrap_err().kind(), ErrorKind::Closed);
    let again = open(&path);
    assert_eq!(again.query_table_range_columns("t", 0, 9).unwrap().0, vec![1]);
}

#[test]
fn drop_without_close_keeps_every_row() {
    let (_dir, path) = temp_db();
    {
        let db = open(&path);
        db.create_table("t", &["v"]).unwrap();
        for i in 0..1000 {
            db.append_row("t", i, &[i as f64]).unwrap();
        }
    }
    let db = open(&path);
    assert_eq!(db.query_table_range_columns("t", 0, 999).unwrap().0.len(), 1000);
}

#[test]
fn stats_report_rows_bytes_and_codecs() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..5000i64 {
        db.append_row("t", i * 1000, &[(i % 10) as f64]).unwrap();
    }
    db.flush().unwrap();
    db.append_row("t", 10_000_000, &[1.0]).unwrap();
    let s = db.stats("t").unwrap();
    assert_eq!((s.rows, s.flushed_rows, s.buffered_rows, s.segments), (5001, 5000, 1, 1));
    assert_eq!(s.raw_bytes, 5000 * 16);
    assert_eq!(s.columns[0].raw_bytes, 5000 * 8);
    assert!(s.bytes_on_disk > s.columns[0].bytes_on_disk + s.timestamps.bytes_on_disk);
    assert_eq!(s.columns[0].codecs.iter().map(|c| c.segments).sum::<u64>(), 1);
    assert_eq!(s.columns[0].name, "v");
    assert!(s.compression_ratio() > 0.0);
    assert_eq!(db.stats("nope").unwrap_err().kind(), ErrorKind::NotFound);
}
