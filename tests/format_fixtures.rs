//! Files written by every format version stay readable: the fixtures in
//! `tests/fixtures/` were written by that version of the library and are
//! never regenerated once committed (write new ones for a new version:
//! `NANOTS_WRITE_FIXTURES=1 cargo test --test format_fixtures -- --ignored`).

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The content of `v1-basic.ntt`, built the same way the fixture was.
fn v1_expected() -> Vec<(i64, [f64; 2])> {
    let mut rows: Vec<(i64, [f64; 2])> = (0..3000i64)
        .map(|i| (((i * 7919) % 3000) * 1000, [20.0 + (i % 100) as f64 * 0.25, 25.0 + i as f64 * 0.001]))
        .filter(|(t, _)| !(100_000..=199_000).contains(t))
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

#[test]
#[ignore = "writes the fixtures of the current format version"]
fn write_current_fixture() {
    if std::env::var_os("NANOTS_WRITE_FIXTURES").is_none() {
        return;
    }
    // The current format is 4; `v1-basic.ntt`, `v2-basic.ntt` and
    // `v3-basic.ntt` were written the same way by the format-1, -2 and -3
    // libraries and are never rewritten.
    // A fixture once committed is never rewritten: only missing ones are
    // written.
    for (name, write) in [
        ("v3-blocked.ntt", write_blocked_fixture as fn(&std::path::Path)),
        ("v3-codecs.ntt", write_codecs_fixture),
    ] {
        if !fixture(name).exists() {
            write(&fixture(name));
        }
    }
    let path = fixture("v4-basic.ntt");
    if path.exists() {
        return;
    }
    let _ = std::fs::remove_file(&path);
    let db = NanoTsDb::open(&path, NanoTsOptions { segment_max_rows: 1000, ..Default::default() }).unwrap();
    db.create_table("sensor", &["temp", "level"]).unwrap();
    db.create_table("gone", &["x"]).unwrap();
    db.append_row("gone", 1, &[1.0]).unwrap();
    for i in 0..3000i64 {
        // Out of order, two decimal columns (dict/decimal and affine codecs).
        let t = ((i * 7919) % 3000) * 1000;
        db.append_row("sensor", t, &[20.0 + (i % 100) as f64 * 0.25, 25.0 + i as f64 * 0.001]).unwrap();
        if i == 1500 {
            db.flush().unwrap();
        }
    }
    db.append("specials", 5, f64::from_bits(0x7ff8_dead_beef_0001)).unwrap();
    db.append("specials", 6, -0.0).unwrap();
    db.flush().unwrap();
    db.delete_range("sensor", 100_000, 199_000).unwrap();
    db.drop_table("gone").unwrap();
    db.close().unwrap();
}

/// Rows of `v3-blocked.ntt`'s table `blocked`: 20,000 rows 1 s apart from
/// 00:10 on 2024-01-01, so its segment is in the blocked layout (one-hour
/// blocks, format 3).
fn blocked_expected() -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    let ts: Vec<i64> = (0..20_000i64).map(|i| 1_704_067_800_000 + i * 1000).collect();
    let a: Vec<f64> = (0..20_000i64).map(|i| ((i * 7919) % 500) as f64 * 0.5).collect();
    let b: Vec<f64> = (0..20_000i64).map(|i| if i % 101 == 0 { f64::NAN } else { i as f64 }).collect();
    (ts, a, b)
}

fn write_blocked_fixture(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    db.create_table("blocked", &["a", "b"]).unwrap();
    let (ts, a, b) = blocked_expected();
    db.append_rows("blocked", &ts, &[&a, &b]).unwrap();
    db.close().unwrap();
}

/// Rows of `v3-codecs.ntt`: table `traffic`, 3,000 rows 5 minutes apart
/// with gaps of whole periods, a repeat and a step back, small counts
/// (timestamps by period, entropy-coded integers); table `levels`, 30,000
/// rows 1 s apart of 500 distinct values (a blocked segment whose column
/// shares one dictionary).
fn codecs_expected() -> [(Vec<i64>, Vec<f64>); 2] {
    let mut t = 1_441_712_340_000i64;
    let mut traffic = (Vec::new(), Vec::new());
    for i in 0..3000i64 {
        t += match i % 97 {
            0 => 3 * 300_000,
            50 => 0,
            _ => 300_000,
        };
        traffic.0.push(t);
        traffic.1.push(((i * i) % 23 + (i % 7) * 3) as f64);
    }
    let ts: Vec<i64> = (0..30_000i64).map(|i| 1_704_067_200_000 + i * 1000).collect();
    let v: Vec<f64> = (0..30_000u64).map(|i| ((i * 7919) % 500) as f64 * 0.37).collect();
    let mut traffic_sorted: Vec<(i64, f64)> =
        traffic.0.iter().copied().zip(traffic.1.iter().copied()).collect();
    traffic_sorted.sort_by_key(|r| r.0);
    [traffic_sorted.into_iter().unzip(), (ts, v)]
}

fn write_codecs_fixture(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, NanoTsOptions::default()).unwrap();
    let [traffic, levels] = codecs_expected();
    db.create_table("traffic", &["count"]).unwrap();
    db.append_rows("traffic", &traffic.0, &[&traffic.1]).unwrap();
    db.create_table("levels", &["level"]).unwrap();
    db.append_rows("levels", &levels.0, &[&levels.1]).unwrap();
    db.close().unwrap();
}

#[test]
fn v3_codecs_fixture_reads_back_exactly() {
    let (_dir, path) = temp_db();
    std::fs::copy(fixture("v3-codecs.ntt"), &path).expect("fixture present");
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    let [traffic, levels] = codecs_expected();
    for (table, (ts, v)) in [("traffic", traffic), ("levels", levels)] {
        let (got_ts, cols) = db.query_table_range_columns(table, i64::MIN, i64::MAX).unwrap();
        assert_eq!(got_ts, ts, "{table}");
        assert_eq!(bits(&cols[0]), bits(&v), "{table}");
    }
    // The fixture holds the codecs of format 3 it was written for.
    let names = |table: &str| {
        let s = db.stats(table).unwrap();
        let mut n: Vec<&str> = s.timestamps.codecs.iter().map(|c| c.name).collect();
        n.extend(s.columns[0].codecs.iter().map(|c| c.name));
        n
    };
    let all = [names("traffic"), names("levels")].concat();
    for want in ["ts-period", "dict-shared"] {
        assert!(all.iter().any(|n| n.starts_with(want)), "{want} not in {all:?}");
    }
    assert!(db.verify().unwrap().is_ok());
}

#[test]
fn v3_blocked_fixture_reads_back_exactly() {
    let (_dir, path) = temp_db();
    std::fs::copy(fixture("v3-blocked.ntt"), &path).expect("fixture present");
    // The fixture holds a segment in the blocked layout (flags bit 1).
    let bytes = std::fs::read(&path).unwrap();
    let blocked = records(&path).iter().filter(|r| r.1 == REC_SEGMENT).any(|&(at, _, _)| {
        let p = at as usize + 12 + 26;
        u16::from_le_bytes([bytes[p], bytes[p + 1]]) & 2 != 0
    });
    assert!(blocked, "no blocked segment in the fixture");
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    let (ts, a, b) = blocked_expected();
    let (got_ts, cols) = db.query_table_range_columns("blocked", i64::MIN, i64::MAX).unwrap();
    assert_eq!(got_ts, ts);
    assert_eq!(bits(&cols[0]), bits(&a));
    assert_eq!(bits(&cols[1]), bits(&b));
    // A range that cuts blocks.
    let (got_ts, _) = db.query_table_range_columns("blocked", ts[5000], ts[5099]).unwrap();
    assert_eq!(got_ts, &ts[5000..5100]);
    #[cfg(feature = "aggregate")]
    {
        let g = db.aggregate("blocked", i64::MIN, i64::MAX, 3_600_000, &[nanots::Agg::Count]).unwrap();
        assert_eq!(g.columns[0].values, nanots::AggValues::U64(vec![3000, 3600, 3600, 3600, 3600, 2600]));
    }
    assert!(db.verify().unwrap().is_ok());
}

#[test]
fn v4_fixture_reads_back_exactly() {
    basic_fixture_reads_back_exactly("v4-basic.ntt");
}

#[test]
fn v3_fixture_reads_back_exactly() {
    basic_fixture_reads_back_exactly("v3-basic.ntt");
}

#[test]
fn v1_fixture_reads_back_exactly() {
    basic_fixture_reads_back_exactly("v1-basic.ntt");
}

#[test]
fn v2_fixture_reads_back_exactly() {
    basic_fixture_reads_back_exactly("v2-basic.ntt");
}

fn basic_fixture_reads_back_exactly(name: &str) {
    let (_dir, path) = temp_db();
    std::fs::copy(fixture(name), &path).expect("fixture present");
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    assert_eq!(db.list_tables().unwrap(), ["sensor", "specials"]);
    let (ts, cols) = db.query_table_range_columns("sensor", i64::MIN, i64::MAX).unwrap();
    let want = v1_expected();
    assert_eq!(ts, want.iter().map(|r| r.0).collect::<Vec<_>>());
    assert_eq!(bits(&cols[0]), bits(&want.iter().map(|r| r.1[0]).collect::<Vec<_>>()));
    assert_eq!(bits(&cols[1]), bits(&want.iter().map(|r| r.1[1]).collect::<Vec<_>>()));
    let (ts, cols) = db.query_table_range_columns("specials", i64::MIN, i64::MAX).unwrap();
    assert_eq!(ts, [5, 6]);
    assert_eq!(bits(&cols[0]), [0x7ff8_dead_beef_0001, (-0.0f64).to_bits()]);
    let report = db.verify().unwrap();
    assert!(report.is_ok(), "{name}: {report:?}");
    // An old file is writable and packable by this library. Writing
    // upgrades formats 1 and 2 in place to 3, the newest with the 256-byte
    // header; a pack rewrites the file in format 4 (104-byte header), and
    // the handle goes on committing into it.
    let version = || u32::from_le_bytes(std::fs::read(&path).unwrap()[8..12].try_into().unwrap());
    let header_len = || if version() >= 4 { 104 } else { 256 };
    db.append_row("sensor", 10_000_000, &[1.0, 2.0]).unwrap();
    db.flush().unwrap();
    assert_eq!(version(), if name.starts_with("v4") { 4 } else { 3 }, "{name}");
    assert_eq!(first_record_at(&path), header_len());
    db.pack_table("sensor", 100_000).unwrap();
    assert_eq!(version(), 4, "{name}");
    assert_eq!(first_record_at(&path), 104);
    db.append_row("sensor", 10_000_001, &[3.0, 4.0]).unwrap();
    db.flush().unwrap();
    assert_eq!(db.query_table_range_columns("sensor", i64::MIN, i64::MAX).unwrap().0.len(), want.len() + 2);
    db.close().unwrap();
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    assert!(db.verify().unwrap().is_ok());
    let (ts, _) = db.query_table_range_columns("sensor", i64::MIN, i64::MAX).unwrap();
    assert_eq!(ts.len(), want.len() + 2);
    assert_eq!(ts[ts.len() - 2..], [10_000_000, 10_000_001]);
    assert_eq!(db.query_table_range_columns("specials", i64::MIN, i64::MAX).unwrap().0, [5, 6]);
}

/// Where the first record of the file at `path` starts: just after the
/// header, whose length the format version decides (a Table record, type
/// 1, comes first in every file these tests write).
fn first_record_at(path: &std::path::Path) -> usize {
    let b = std::fs::read(path).unwrap();
    let at = if u32::from_le_bytes(b[8..12].try_into().unwrap()) >= 4 { 104 } else { 256 };
    assert_eq!(b[at + 4], 1, "a Table record at {at}");
    at
}

/// Written by the format-1 library (commit 46a705f) one row per flush, and
/// copied as a crash leaves it right after the flush of row 41, whose commit
/// wrote a checkpoint. That library encoded a checkpoint from the index as
/// it was *before* its own transaction, so reading the checkpoint alone
/// loses row 41 (its WAL epoch is already marked flushed). This library
/// rebuilds a format-1 index from the records and finds every row.
#[test]
fn v1_crash_after_a_checkpoint_loses_no_row() {
    let (_dir, path) = temp_db();
    std::fs::copy(fixture("v1-crash-after-checkpoint.ntt"), &path).expect("fixture present");
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    assert_eq!(ts, (0..=41).collect::<Vec<i64>>());
    assert_eq!(cols[0], (0..=41).map(|i| i as f64).collect::<Vec<_>>());
    assert!(db.verify().unwrap().is_ok());
    db.close().unwrap();
    // Opening upgraded the file in place to format 3, the newest with its
    // 256-byte header.
    let b = std::fs::read(&path).unwrap();
    assert_eq!(u32::from_le_bytes(b[8..12].try_into().unwrap()), 3);
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    assert_eq!(db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0.len(), 42);
}
