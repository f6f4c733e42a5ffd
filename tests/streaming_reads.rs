//! Queries read segments with `pread` through the file they snapshotted,
//! not through the mapping (SPEC.md, 8.2): a streaming reader started before
//! a pack reads the old file to its end, and a file cut behind the handle's
//! back makes queries fail with an error instead of killing the process
//! with SIGBUS, as a read through the mapping would.

mod common;
use common::temp_db;

#[cfg(feature = "aggregate")]
use nanots::Agg;
use nanots::{Columns, ErrorKind, NanoTsDb, NanoTsOptions};

/// 20 segments of 1,000 rows of `t(v)`, `v = ts * 0.5`, in 4 flushes.
fn twenty_segments(path: &std::path::Path) -> NanoTsDb {
    let db = NanoTsDb::open(path, NanoTsOptions { segment_max_rows: 1000, ..Default::default() }).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for chunk in 0..4i64 {
        let ts: Vec<i64> = (chunk * 5000..(chunk + 1) * 5000).collect();
        let v: Vec<f64> = ts.iter().map(|&t| t as f64 * 0.5).collect();
        db.append_rows("t", &ts, &[&v]).unwrap();
        db.flush().unwrap();
    }
    assert_eq!(db.stats("t").unwrap().segments, 20);
    db
}

#[test]
fn a_streaming_reader_started_before_a_pack_reads_the_old_file_to_its_end() {
    let (_dir, path) = temp_db();
    let db = twenty_segments(&path);
    let mut reader = db.range_reader("t", 500, 18_499).unwrap();
    let mut got = Columns::with_columns(1, 0);
    assert!(reader.read_group_into(&mut got).unwrap());
    let inode = |p: &std::path::Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = inode(&path);
    // The pack writes a new file and renames it over the path; appends and
    // a delete change the new one further.
    db.pack_table("t", 7000).unwrap();
    assert_ne!(inode(&path), before, "the pack replaced the file");
    db.delete_range("t", 0, 10_000).unwrap();
    db.append_row("t", 600, &[-1.0]).unwrap();
    db.flush().unwrap();
    while reader.read_group_into(&mut got).unwrap() {}
    let want: Vec<i64> = (500..18_500).collect();
    assert_eq!(got.ts, want);
    assert_eq!(got.columns[0], want.iter().map(|&t| t as f64 * 0.5).collect::<Vec<_>>());
    // A reader started now sees the new file.
    let now = db.query_range("t", 500, 18_499).unwrap();
    assert_eq!(now.ts.first(), Some(&600));
    assert_eq!(now.columns[0][0], -1.0);
    assert_eq!(&now.ts[1..], &(10_001..18_500).collect::<Vec<_>>()[..]);
}

#[test]
fn a_file_cut_behind_the_handles_back_fails_queries_with_an_error_not_sigbus() {
    let (_dir, path) = temp_db();
    let db = twenty_segments(&path);
    let len = std::fs::metadata(&path).unwrap().len();
    // Another program ignores the lock and cuts the file in half: the
    // handle's mapping now covers pages past the end of the file, where a
    // read through the mapping would raise SIGBUS.
    common::truncate(&path, len / 2);

    // The first segments are still whole.
    assert_eq!(db.query_range("t", 0, 999).unwrap().ts, (0..1000).collect::<Vec<_>>());
    let mut reader = db.range_reader("t", i64::MIN, i64::MAX).unwrap();
    let mut cols = Columns::with_columns(1, 0);
    let err = loop {
        match reader.read_group_into(&mut cols) {
            Ok(true) => {}
            Ok(false) => panic!("read {} rows past the cut", cols.len()),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("cannot read"), "{err}");
    assert!(cols.len() >= 1000 && cols.len() < 20_000, "{}", cols.len());
    // Answers from segment headers read them the same way.
    #[cfg(feature = "aggregate")]
    {
        let err = db.aggregate("t", 0, i64::MAX, 1 << 40, &[Agg::Sum]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    }
    let err = db.latest("t").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    // Statistics come from the index: the headers were read (and kept) by
    // the first call, before the cut.
    let st = db.stats("t").unwrap();
    assert_eq!((st.segments, st.rows), (20, 20_000));
}
