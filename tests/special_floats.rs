//! Every f64 round-trips bit-exactly: NaN payloads, -0.0, +-inf,
//! subnormals, through the buffer, the WAL, segments and reopen.

mod common;
use common::*;
use proptest::prelude::*;

fn specials() -> Vec<f64> {
    vec![
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
        f64::from_bits(0xfff8_dead_beef_cafe), // negative NaN with payload
        -0.0,
        0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE / 2.0, // subnormal
        -5e-324,
        f64::MAX,
        f64::MIN,
        1.0 / 3.0,
    ]
}

#[test]
fn specials_survive_buffer_wal_segment_and_reopen() {
    let (dir, path) = temp_db();
    let vals = specials();
    let db = open(&path);
    db.create_table("t", &["v", "w"]).unwrap();
    for (i, v) in vals.iter().enumerate() {
        db.append_row("t", i as i64, &[*v, -*v]).unwrap();
    }
    let check = |db: &nanots::NanoTsDb| {
        let (_, cols) = db.query_table_range_columns("t", 0, 100).unwrap();
        assert_eq!(bits(&cols[0]), bits(&vals));
        assert_eq!(bits(&cols[1]), bits(&vals.iter().map(|v| -*v).collect::<Vec<_>>()));
    };
    check(&db); // buffer
    // WAL replay: a crash copy taken before any flush.
    let crash = dir.path().join("crash.ntt");
    snapshot_files(&path, &crash);
    check(&open(&crash));
    db.flush().unwrap();
    check(&db); // segment
    db.close().unwrap();
    check(&open(&path));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_bit_patterns_round_trip(raw in prop::collection::vec(any::<u64>(), 1..300)) {
        let (_dir, path) = temp_db();
        let vals: Vec<f64> = raw.iter().map(|b| f64::from_bits(*b)).collect();
        let ts: Vec<i64> = (0..vals.len() as i64).collect();
        let db = open(&path);
        db.create_table("t", &["v"]).unwrap();
        db.append_rows("t", &ts, &[&vals]).unwrap();
        db.close().unwrap();
        let (_, cols) = open(&path).query_table_range_columns("t", 0, i64::MAX).unwrap();
        prop_assert_eq!(bits(&cols[0]), raw);
    }
}
