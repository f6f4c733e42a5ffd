//! Segments in the blocked layout (SPEC.md §3.2.1): range reads that cut a
//! segment decode only the blocks they meet and return exactly the rows of
//! the range; damage to one block is reported by every read that needs
//! it, by `verify`, and by nothing that does not.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb};

const T0: i64 = 1_704_067_200_000;

/// Flags of every segment record of the file at `path`.
fn segment_flags(path: &std::path::Path) -> Vec<u16> {
    let b = std::fs::read(path).unwrap();
    records(path)
        .into_iter()
        .filter(|r| r.1 == REC_SEGMENT)
        .map(|(at, _, _)| {
            let p = at as usize + 12;
            u16::from_le_bytes([b[p + 26], b[p + 27]])
        })
        .collect()
}

/// A table of `n` rows 1 s apart (with a few repeated timestamps), flushed.
fn build(path: &std::path::Path, n: i64) -> (NanoTsDb, Vec<i64>, Vec<f64>, Vec<f64>) {
    let db = open(path);
    db.create_table("t", &["a", "b"]).unwrap();
    let ts: Vec<i64> = (0..n).map(|i| T0 + 500 + (i - i / 97) * 1000).collect();
    let a: Vec<f64> = (0..n).map(|i| (i % 1000) as f64 * 0.25).collect();
    let b: Vec<f64> = (0..n).map(|i| if i % 31 == 0 { f64::NAN } else { (i * i % 7777) as f64 }).collect();
    db.append_rows("t", &ts, &[&a, &b]).unwrap();
    db.flush().unwrap();
    (db, ts, a, b)
}

#[test]
fn range_reads_that_cut_blocks_return_exactly_the_range() {
    let (_dir, path) = temp_db();
    let (db, ts, a, b) = build(&path, 150_000);
    let flags = segment_flags(&path);
    assert!(flags.len() >= 2 && flags.iter().all(|f| f & 2 != 0), "segments not blocked: {flags:?}");
    let mut rng = Rng(42);
    for k in 0..60 {
        let lo = T0 + rng.below(160_000_000) as i64 - 5_000_000;
        let len = match k % 3 {
            0 => rng.below(5_000) as i64,
            1 => rng.below(3_000_000) as i64,
            _ => rng.below(90_000_000) as i64,
        };
        let hi = lo + len;
        let (got_ts, got) = db.query_table_range_columns("t", lo, hi).unwrap();
        let i0 = ts.partition_point(|&t| t < lo);
        let i1 = ts.partition_point(|&t| t <= hi);
        assert_eq!(got_ts, &ts[i0..i1], "range {lo}..={hi}");
        assert_eq!(bits(&got[0]), bits(&a[i0..i1]));
        assert_eq!(bits(&got[1]), bits(&b[i0..i1]));
    }
    // Exact block edges: a range ending on an hour boundary and one
    // starting there.
    let hour = 3_600_000;
    let edge = (T0 / hour + 5) * hour;
    for (lo, hi) in [(edge - 7_000, edge - 1), (edge, edge + 2_000), (edge - 1, edge)] {
        let (got_ts, _) = db.query_table_range_columns("t", lo, hi).unwrap();
        let want: Vec<i64> = ts.iter().copied().filter(|t| (lo..=hi).contains(t)).collect();
        assert_eq!(got_ts, want);
    }
    assert!(db.verify().unwrap().is_ok());
}

#[test]
fn a_damaged_block_fails_only_the_reads_that_need_it() {
    let (_dir, path) = temp_db();
    let (db, ts, _, _) = build(&path, 40_000);
    db.close().unwrap();
    let segs: Vec<_> = records(&path).into_iter().filter(|r| r.1 == REC_SEGMENT).collect();
    assert_eq!(segs.len(), 1);
    let (at, _, len) = segs[0];
    assert_ne!(segment_flags(&path)[0] & 2, 0);
    // A byte near the end of the record: inside the last block's chunks.
    let mut bytes = std::fs::read(&path).unwrap();
    let victim = (at + len - 40) as usize;
    bytes[victim] ^= 0x41;
    std::fs::write(&path, &bytes).unwrap();

    let db = open(&path);
    let first_hour_end = (ts[0] / 3_600_000 + 1) * 3_600_000 - 1;
    let (got, _) = db.query_table_range_columns("t", i64::MIN, first_hour_end).unwrap();
    assert!(!got.is_empty() && got.iter().all(|&t| t <= first_hour_end));
    let last = *ts.last().unwrap();
    for (lo, hi) in [(last - 10_000, last), (i64::MIN, i64::MAX)] {
        let err = db.query_table_range_columns("t", lo, hi).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    }
    let report = db.verify().unwrap();
    assert!(!report.is_ok(), "verify missed the damaged block");
}

#[test]
fn latest_rows_read_from_the_newest_blocks_match_a_full_read() {
    let (_dir, path) = temp_db();
    let (db, ts, _, _) = build(&path, 60_000);
    let last = *ts.last().unwrap();
    // A late row inside the newest block, a delete across the end of it,
    // and buffered rows: the first cut may fall short and is widened.
    db.append_row("t", last - 1_500_500, &[1.0, 2.0]).unwrap();
    db.flush().unwrap();
    db.delete_range("t", last - 600_000, last - 5_000).unwrap();
    db.append_row("t", last - 10, &[3.0, 4.0]).unwrap();
    for n in [1usize, 2, 5, 600, 3_000, 5_000, 100_000] {
        let (all_ts, all) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
        let skip = all_ts.len().saturating_sub(n);
        let got = db.latest_n("t", n).unwrap();
        assert_eq!(got.ts, &all_ts[skip..], "n = {n}");
        assert_eq!(bits(&got.columns[1]), bits(&all[1][skip..]), "n = {n}");
    }
}
