//! Time-bucket aggregation and latest rows against a naive reference (sort
//! all rows, fold per bucket), over random tables with out-of-order
//! appends, deletes, packs and reopens.
#![cfg(feature = "aggregate")]

mod common;
use common::*;
use nanots::{Agg, AggValues, Aggregation, ErrorKind, NanoTsDb, NanoTsOptions};
use proptest::prelude::*;

const ALL: [Agg; 7] = [Agg::Count, Agg::Sum, Agg::Min, Agg::Max, Agg::Mean, Agg::First, Agg::Last];

#[derive(Debug, Clone)]
enum Op {
    Row(i64, f64),
    Flush,
    Delete(i64, i64),
    Pack(usize),
    Reopen,
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![8 => (-100i32..100).prop_map(|v| f64::from(v) / 4.0), 1 => Just(f64::NAN), 1 => Just(-0.0)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (-300i64..300, value()).prop_map(|(t, v)| Op::Row(t, v)),
        2 => Just(Op::Flush),
        1 => (-300i64..300, 0i64..60).prop_map(|(a, l)| Op::Delete(a, a + l)),
        1 => (1usize..40).prop_map(Op::Pack),
        1 => Just(Op::Reopen),
    ]
}

/// Naive reference: (bucket start, per agg value) from rows in append order.
fn reference(rows: &[(i64, f64)], lo: i64, hi: i64, b: i64) -> Vec<(i64, Vec<f64>)> {
    let mut v: Vec<(i64, f64)> = rows.iter().copied().filter(|r| (lo..=hi).contains(&r.0)).collect();
    v.sort_by_key(|r| r.0);
    let mut out: Vec<(i64, Vec<(i64, f64)>)> = Vec::new();
    for r in v {
        let start = r.0.div_euclid(b) * b;
        match out.last_mut() {
            Some((s, rs)) if *s == start => rs.push(r),
            _ => out.push((start, vec![r])),
        }
    }
    out.into_iter()
        .map(|(s, rs)| {
            let vals: Vec<f64> = rs.iter().map(|r| r.1).filter(|v| !v.is_nan()).collect();
            let sum: f64 = vals.iter().sum();
            let min = vals.iter().copied().fold(f64::NAN, f64::min);
            let max = vals.iter().copied().fold(f64::NAN, f64::max);
            let mean = if vals.is_empty() { f64::NAN } else { sum / vals.len() as f64 };
            (s, vec![rs.len() as f64, sum, min, max, mean, rs[0].1, rs[rs.len() - 1].1])
        })
        .collect()
}

fn same(agg: Agg, got: f64, want: f64) -> bool {
    match agg {
        // Sums add per segment first: equal up to rounding.
        Agg::Sum | Agg::Mean => {
            (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-9 * want.abs().max(1.0)
        }
        Agg::Min | Agg::Max => (got.is_nan() && want.is_nan()) || got == want,
        _ => {
            got.to_bits() == want.to_bits()
                || (got.is_nan() && want.is_nan() && agg != Agg::First && agg != Agg::Last)
        }
    }
}

fn check(a: &Aggregation, want: &[(i64, Vec<f64>)]) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.bucket_start, &want.iter().map(|w| w.0).collect::<Vec<_>>());
    for (k, agg) in ALL.iter().enumerate() {
        let col = &a.columns[k];
        prop_assert_eq!(&col.name, &format!("v_{}", agg.name()));
        for (i, w) in want.iter().enumerate() {
            let got = match &col.values {
                AggValues::U64(v) => v[i] as f64,
                AggValues::F64(v) => v[i],
            };
            prop_assert!(same(*agg, got, w.1[k]), "{:?} bucket {}: got {got}, want {}", agg, w.0, w.1[k]);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_naive_reference(ops in prop::collection::vec(op(), 1..120), lo in -320i64..320, len in 0i64..700, b in 1i64..90, part in prop::option::of(1i64..100)) {
        let (_dir, path) = temp_db();
        let opts = NanoTsOptions { segment_max_rows: 5, segment_partition_ms: part, ..Default::default() };
        let mut db = NanoTsDb::open(&path, opts.clone()).unwrap();
        db.create_table("t", &["v"]).unwrap();
        let mut model: Vec<(i64, f64)> = Vec::new();
        for op in ops {
            match op {
                Op::Row(t, v) => {
                    db.append_row("t", t, &[v]).unwrap();
                    model.push((t, v));
                }
                Op::Flush => db.flush().unwrap(),
                Op::Delete(a, z) => {
                    db.delete_range("t", a, z).unwrap();
                    model.retain(|r| !(a..=z).contains(&r.0));
                }
                Op::Pack(n) => db.pack_table("t", n).unwrap(),
                Op::Reopen => {
                    drop(db);
                    db = NanoTsDb::open(&path, opts.clone()).unwrap();
                }
            }
        }
        let hi = lo + len;
        let got = db.aggregate("t", lo, hi, b, &ALL).unwrap();
        check(&got, &reference(&model, lo, hi, b))?;
        // The streaming reader gives the same buckets, in order.
        let mut r = db.aggregate_reader("t", lo, hi, b, &ALL).unwrap();
        let mut starts = Vec::new();
        while let Some(batch) = r.next_batch().unwrap() {
            prop_assert!(!batch.bucket_start.is_empty());
            starts.extend(batch.bucket_start);
        }
        prop_assert_eq!(starts, got.bucket_start.clone());
        // Latest rows: the model's last rows by (ts, append order).
        let mut sorted = model.clone();
        sorted.sort_by_key(|r| r.0);
        for n in [1usize, 3, 50] {
            let l = db.latest_n("t", n).unwrap();
            let want = &sorted[sorted.len().saturating_sub(n)..];
            prop_assert_eq!(&l.ts, &want.iter().map(|r| r.0).collect::<Vec<_>>());
            prop_assert_eq!(bits(&l.columns[0]), bits(&want.iter().map(|r| r.1).collect::<Vec<_>>()));
        }
    }
}

#[test]
fn whole_segments_inside_a_bucket_come_from_statistics() {
    let (_dir, path) = temp_db();
    let db = NanoTsDb::open(&path, NanoTsOptions { segment_max_rows: 100, ..Default::default() }).unwrap();
    db.create_table("t", &["a", "b"]).unwrap();
    let ts: Vec<i64> = (0..10_000).collect();
    let a: Vec<f64> = ts.iter().map(|&t| (t % 17) as f64).collect();
    let b: Vec<f64> = ts.iter().map(|&t| if t % 5 == 0 { f64::NAN } else { t as f64 }).collect();
    db.append_rows("t", &ts, &[&a, &b]).unwrap();
    db.flush().unwrap();
    // Buckets of 1000 ms: 10 segments per bucket, all from statistics;
    // the range cuts the first and last bucket mid-segment.
    let mut r =
        db.aggregate_reader("t", 50, 9_949, 1000, &[Agg::Count, Agg::Max, Agg::Mean, Agg::First]).unwrap();
    let mut buckets = 0;
    while let Some(batch) = r.next_batch().unwrap() {
        buckets += batch.bucket_start.len();
    }
    assert_eq!(buckets, 10);
    assert_eq!((r.segments_from_stats, r.segments_decoded), (98, 2));
    let g = db.aggregate("t", 0, 9_999, 1000, &[Agg::Count, Agg::Max, Agg::Mean, Agg::First]).unwrap();
    assert_eq!(g.columns[0].name, "a_count");
    assert_eq!(g.columns[0].values, AggValues::U64(vec![1000; 10]));
    assert_eq!(g.columns[5].name, "b_max");
    assert_eq!(g.columns[5].values, AggValues::F64((0..10).map(|k| (k * 1000 + 999) as f64).collect()));
    assert_eq!(g.columns[6].name, "b_mean");
    // b_first of every bucket is NaN (t = k * 1000 is a multiple of 5).
    match &g.columns[7].values {
        AggValues::F64(v) => assert!(v.iter().all(|x| x.is_nan())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_arguments_and_extremes() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    assert_eq!(db.aggregate("t", 5, 4, 10, &[Agg::Count]).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.aggregate("t", 0, 4, 0, &[Agg::Count]).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.aggregate("t", 0, 4, -5, &[Agg::Count]).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.aggregate("t", 0, 4, 10, &[]).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(db.aggregate("nope", 0, 4, 10, &[Agg::Count]).unwrap_err().kind(), ErrorKind::NotFound);
    // Empty table and empty range: no bucket, but the columns are named.
    let e = db.aggregate("t", i64::MIN, i64::MAX, 7, &[Agg::Sum]).unwrap();
    assert!(e.bucket_start.is_empty());
    assert_eq!(e.columns[0].name, "v_sum");
    assert_eq!(db.latest("t").unwrap().ts, Vec::<i64>::new());
    for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
        db.append_row("t", t, &[1.0]).unwrap();
    }
    db.flush().unwrap();
    let g = db.aggregate("t", i64::MIN, i64::MAX, i64::MAX, &[Agg::Count]).unwrap();
    // Buckets of i64::MAX ms: floor(ts / MAX) is -2 for MIN (its start,
    // -2 * MAX, is clipped to MIN), -1 for MIN + 1 and -1, 0 for 0 and
    // MAX - 1, and 1 for MAX.
    assert_eq!(g.bucket_start, [i64::MIN, i64::MIN + 1, 0, i64::MAX]);
    assert_eq!(g.columns[0].values, AggValues::U64(vec![1, 2, 2, 1]));
    let g = db.aggregate("t", i64::MIN, i64::MAX, 1, &[Agg::Count]).unwrap();
    assert_eq!(g.bucket_start, [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX]);
    assert_eq!(db.latest("t").unwrap().ts, vec![i64::MAX]);
}

#[test]
fn time_partitions_let_hourly_buckets_come_from_statistics() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { segment_partition_ms: Some(3_600_000), ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    // 30 hours at 1 s, starting mid-hour.
    let ts: Vec<i64> = (0..108_000i64).map(|i| 1_800_000 + i * 1000).collect();
    let v: Vec<f64> = ts.iter().map(|&t| (t / 1000 % 977) as f64).collect();
    db.append_rows("t", &ts, &[&v]).unwrap();
    db.flush().unwrap();
    let s = db.stats("t").unwrap();
    assert_eq!(s.segments, 31, "one segment per hour touched");
    let mut r = db.aggregate_reader("t", i64::MIN, i64::MAX, 3_600_000, &[Agg::Max, Agg::Count]).unwrap();
    while r.next_batch().unwrap().is_some() {}
    assert_eq!((r.segments_from_stats, r.segments_decoded), (31, 0));
    let g = db.aggregate("t", i64::MIN, i64::MAX, 3_600_000, &[Agg::Count]).unwrap();
    assert_eq!(g.columns[0].values, AggValues::U64([vec![1800], vec![3600; 29], vec![1800]].concat()));
    // Pack keeps the partitions.
    db.pack_table("t", 1 << 20).unwrap();
    assert_eq!(db.stats("t").unwrap().segments, 31);
    let bad = NanoTsOptions { segment_partition_ms: Some(0), ..Default::default() };
    assert_eq!(NanoTsDb::open(temp_db().1, bad).unwrap_err().kind(), ErrorKind::InvalidArgument);
}

/// Row `i`'s value in the long tests: NaN when `pick` is 0, -0.0 when 1,
/// else one of 2,000 quarter steps.
fn sample(i: i64, pick: u64) -> f64 {
    match pick {
        0 => f64::NAN,
        1 => -0.0,
        _ => ((i * 7919) % 2000) as f64 / 4.0 - 100.0,
    }
}

/// Aggregates table "t" over `range` with all aggregates, checks the
/// result against the naive reference of `model` (`pass` names the state
/// in a failure), and returns a reader that aggregated the same, drained,
/// for its counts of what it read.
fn aggregate_checked(
    db: &NanoTsDb,
    model: &[(i64, f64)],
    range: (i64, i64),
    bucket: i64,
    pass: &str,
) -> nanots::AggregateReader {
    let (lo, hi) = range;
    let got = db.aggregate("t", lo, hi, bucket, &ALL).unwrap();
    check(&got, &reference(model, lo, hi, bucket)).unwrap_or_else(|e| panic!("{pass} {bucket} {lo}: {e}"));
    let mut r = db.aggregate_reader("t", lo, hi, bucket, &ALL).unwrap();
    while r.next_batch().unwrap().is_some() {}
    r
}

/// Writes `model`'s rows to table "t" in one batch and flushes; then
/// `late.2` rows, one call each, from `late.0` and `late.1` ms apart (late
/// for the rows written), and flushes; then deletes `del`. `model` follows.
fn write_late_and_delete(db: &NanoTsDb, model: &mut Vec<(i64, f64)>, late: (i64, i64, i64), del: (i64, i64)) {
    let (ts, vs): (Vec<i64>, Vec<f64>) = model.iter().copied().unzip();
    db.append_rows("t", &ts, &[&vs]).unwrap();
    db.flush().unwrap();
    for k in 0..late.2 {
        let row = (late.0 + k * late.1, (k % 13) as f64);
        db.append_row("t", row.0, &[row.1]).unwrap();
        model.push(row);
    }
    db.flush().unwrap();
    db.delete_range("t", del.0, del.1).unwrap();
    model.retain(|r| !(del.0..=del.1).contains(&r.0));
}

#[test]
fn blocked_segments_match_the_naive_reference() {
    // 1 Hz rows with jitter and repeated timestamps: segments in the
    // blocked layout (one-hour blocks), a late batch overlapping them, a
    // delete cutting a block, then the same after a pack.
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let mut rng = Rng(0x5eed);
    let mut model: Vec<(i64, f64)> = Vec::new();
    let t0 = 1_704_067_200_000i64 + 777_000;
    let mut t = t0;
    for i in 0..70_000i64 {
        t += [1000, 1000, 1000, 999, 1001, 0][rng.below(6) as usize];
        model.push((t, sample(i, rng.below(50))));
    }
    write_late_and_delete(&db, &mut model, (t0 + 20_000_000, 997, 1500), (t0 + 40_000_123, t0 + 40_900_456));

    let end = model.iter().map(|r| r.0).max().unwrap();
    for pass in ["flushed", "packed"] {
        let mut from_stats = 0;
        let mut decoded = 0;
        for bucket in [3_600_000i64, 420_000, 86_400_000, 5_400_000, 1000] {
            for (lo, hi) in [(i64::MIN, i64::MAX), (t0 + 1_234_567, end - 3_456_789)] {
                let r = aggregate_checked(&db, &model, (lo, hi), bucket, pass);
                if bucket == 3_600_000 {
                    from_stats += r.blocks_from_stats;
                }
                if bucket == 420_000 {
                    decoded += r.blocks_decoded;
                }
            }
        }
        // Hourly buckets come from block statistics; 7-minute ones decode.
        assert!(from_stats > 20, "{pass}: {from_stats} blocks from statistics");
        assert!(decoded > 20, "{pass}: {decoded} blocks decoded");
        db.pack_table("t", 1 << 20).unwrap();
    }
}

#[test]
fn regular_blocks_fold_without_decoding_timestamps() {
    regular_runs_fold_without_decoding_timestamps(None);
}

#[test]
fn regular_classic_segments_fold_without_decoding_timestamps() {
    // hourly partitions: segments of 3,600 rows, in the classic layout
    regular_runs_fold_without_decoding_timestamps(Some(3_600_000));
}

/// 1 Hz rows, one timestamp gap and one stretch of jitter (their blocks or
/// segments decode their timestamps), a late batch overlapping them, a
/// delete cutting a block (decoded too), ranges and buckets cutting blocks
/// anywhere, then the same after a pack; segments cut at multiples of
/// `partition` ms, if given.
fn regular_runs_fold_without_decoding_timestamps(partition: Option<i64>) {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { segment_partition_ms: partition, ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    let t0 = 1_704_067_200_000i64 + 123;
    let mut model: Vec<(i64, f64)> = Vec::new();
    let mut t = t0;
    for i in 0..120_000i64 {
        t += match i {
            50_000 => 7_000,
            80_000..=80_300 => 1000 + i % 3 - 1,
            _ => 1000,
        };
        model.push((t, sample(i, (i % 97) as u64)));
    }
    write_late_and_delete(&db, &mut model, (t0 + 30_000_000, 1_997, 500), (t0 + 90_000_500, t0 + 90_100_000));

    let end = model.iter().map(|r| r.0).max().unwrap();
    for pass in ["flushed", "packed"] {
        let (mut regular, mut decoded, mut segments_regular, mut segments_decoded) = (0, 0, 0, 0);
        for bucket in [60_000i64, 1000, 1500, 7, 420_000, 3_600_000] {
            for (lo, hi) in
                [(i64::MIN, i64::MAX), (t0 + 1_234_567, end - 3_456_789), (t0 + 5_000, t0 + 5_000)]
            {
                let r = aggregate_checked(&db, &model, (lo, hi), bucket, pass);
                regular += r.blocks_regular;
                decoded += r.blocks_decoded - r.blocks_regular;
                segments_regular += r.segments_regular;
                segments_decoded += r.segments_decoded - r.segments_regular;
            }
        }
        // Both paths were taken: blocks (or classic segments) of the
        // regular stretches without their timestamps, the gap's, jitter's
        // and delete's with them.
        if partition.is_none() {
            assert!(regular > 100, "{pass}: {regular} blocks folded from a regular run");
            assert!(decoded > 5, "{pass}: {decoded} blocks decoded with their timestamps");
            if pass == "flushed" {
                // the late rows' segment is small, so classic, and regular
                assert!(segments_regular > 0, "{pass}: {segments_regular} classic segments regular");
            }
        } else {
            assert!(segments_regular > 100, "{pass}: {segments_regular} classic segments regular");
            assert!(segments_decoded > 5, "{pass}: {segments_decoded} segments decoded with timestamps");
        }
        db.pack_table("t", 1 << 20).unwrap();
    }
}
