//! Any timestamp order is accepted; queries return rows sorted by ts, equal
//! timestamps in append order, nothing deduplicated, across buffer,
//! segments, flushes and reopens.

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Row(i64),
    Batch(Vec<i64>),
    Flush,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    // Narrow timestamp ranges force many equal timestamps and overlaps.
    prop_oneof![
        8 => (-50i64..50).prop_map(Op::Row),
        2 => prop::collection::vec(-50i64..50, 0..40).prop_map(Op::Batch),
        1 => Just(Op::Flush),
        1 => Just(Op::Reopen),
    ]
}

/// The naive model: all rows in append order; a query filters the range
/// and stable-sorts by timestamp.
fn expected(rows: &[(i64, f64)], lo: i64, hi: i64) -> (Vec<i64>, Vec<f64>) {
    let mut v: Vec<(i64, f64)> = rows.iter().copied().filter(|r| (lo..=hi).contains(&r.0)).collect();
    v.sort_by_key(|r| r.0);
    v.into_iter().unzip()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_naive_model(ops in prop::collection::vec(op(), 1..80), lo in -60i64..60, len in 0i64..120) {
        let (_dir, path) = temp_db();
        // Tiny segments so flushes produce several overlapping ones.
        let opts = NanoTsOptions { segment_max_rows: 7, ..Default::default() };
        let mut db = NanoTsDb::open(&path, opts.clone()).unwrap();
        db.create_table("t", &["seq", "neg"]).unwrap();
        let mut model = Vec::new();
        for op in ops {
            match op {
                Op::Row(ts) => {
                    let seq = model.len() as f64;
                    db.append_row("t", ts, &[seq, -seq]).unwrap();
                    model.push((ts, seq));
                }
                Op::Batch(ts) => {
                    let seq: Vec<f64> = (0..ts.len()).map(|i| (model.len() + i) as f64).collect();
                    let neg: Vec<f64> = seq.iter().map(|v| -v).collect();
                    db.append_rows("t", &ts, &[&seq, &neg]).unwrap();
                    model.extend(ts.iter().copied().zip(seq));
                }
                Op::Flush => db.flush().unwrap(),
                Op::Reopen => {
                    drop(db);
                    db = NanoTsDb::open(&path, opts.clone()).unwrap();
                }
            }
        }
        let hi = lo + len;
        let (ts, cols) = db.query_table_range_columns("t", lo, hi).unwrap();
        let (want_ts, want_seq) = expected(&model, lo, hi);
        prop_assert_eq!(&ts, &want_ts);
        prop_assert_eq!(&cols[0], &want_seq);
        prop_assert_eq!(cols[1].iter().map(|v| -v).collect::<Vec<_>>(), want_seq);
        // The streaming reader returns the same rows, group by group.
        let mut reader = db.range_reader("t", lo, hi).unwrap();
        let mut streamed = nanots::Columns::with_columns(2, 0);
        while reader.read_group_into(&mut streamed).unwrap() {}
        prop_assert_eq!(streamed.ts, want_ts);
        prop_assert_eq!(&streamed.columns[0], &cols[0]);
    }
}

#[test]
fn reverse_order_appends_across_flushes() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in (0..30_000i64).rev() {
        db.append_row("t", i, &[i as f64]).unwrap();
        if i % 7_000 == 0 {
            db.flush().unwrap();
        }
    }
    let (ts, cols) = db.query_table_range_columns("t", 0, 29_999).unwrap();
    assert_eq!(ts, (0..30_000).collect::<Vec<_>>());
    assert_eq!(cols[0], (0..30_000).map(|i| i as f64).collect::<Vec<_>>());
}

#[test]
fn extreme_timestamps() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let ts = [i64::MAX, i64::MIN, 0, -1, i64::MAX, i64::MIN + 1];
    for (i, t) in ts.iter().enumerate() {
        db.append_row("t", *t, &[i as f64]).unwrap();
    }
    db.flush().unwrap();
    let (got, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    assert_eq!(got, [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX, i64::MAX]);
    assert_eq!(cols[0], [1.0, 5.0, 3.0, 2.0, 0.0, 4.0]);
}
