//! The reference design's README examples compile and run unchanged, in a
//! scratch working directory (they use the relative path data/nanots.ntt).

use nanots::{NanoTsDb, NanoTsOptions};

#[allow(unused_mut)] // the reference examples declare `let mut db`
fn reference_minimal_example() -> std::io::Result<()> {
    let mut db = NanoTsDb::open("data/nanots.ntt", NanoTsOptions::default())?;
    db.create_table("sensor", &["temp", "humidity"])?;
    db.append_row("sensor", 1704067200000, &[25.5, 60.0])?;
    db.flush()?;
    Ok::<(), std::io::Error>(())
}

#[allow(unused_mut)]
fn reference_full_example() -> std::io::Result<()> {
    use std::time::Duration;

    let opts = NanoTsOptions {
        retention: Some(Duration::from_secs(3600)), // 1 小时
        ..Default::default()
    };
    let mut db = NanoTsDb::open("data/nanots.ntt", opts)?;

    db.create_table("sensor", &["temp", "humidity"])?;

    let t0 = 1704067200000i64;
    for i in 0..10_000i64 {
        let ts = t0 + i * 1000;
        db.append_row("sensor", ts, &[25.0 + (i as f64) * 0.001, 60.0])?;
    }

    db.flush()?;

    let (ts_ms, cols) = db.query_table_range_columns("sensor", t0, t0 + 60_000)?;
    println!("rows={}", ts_ms.len());
    assert_eq!(cols.len(), 2);

    db.compact_retention_now()?;
    db.pack_table("sensor", 8192)?;

    Ok::<(), std::io::Error>(())
}

#[cfg(feature = "maintenance")]
fn reference_shared_example() -> std::io::Result<()> {
    use nanots::{AutoMaintenanceOptions, NanoTsDbShared, NanoTsOptions};
    use std::time::Duration;

    let opts = NanoTsOptions {
        retention: Some(Duration::from_secs(3600)),
        auto_maintenance: Some(AutoMaintenanceOptions::default()),
        ..Default::default()
    };
    let db = NanoTsDbShared::open("data/nanots.ntt", opts)?;
    drop(db);
    Ok(())
}

/// One test: the examples share a relative path, so they run in order in
/// one scratch directory (and this is the only test of this binary, since
/// it changes the working directory).
#[test]
fn reference_examples_run_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    std::fs::create_dir("data").unwrap();
    reference_minimal_example().unwrap();
    // Running it again (a restarted program) must work too.
    reference_minimal_example().unwrap();
    let db = NanoTsDb::open("data/nanots.ntt", NanoTsOptions::default()).unwrap();
    let (ts, cols) = db.query_table_range_columns("sensor", 0, i64::MAX).unwrap();
    assert_eq!(ts, [1704067200000, 1704067200000]);
    assert_eq!(cols, [vec![25.5, 25.5], vec![60.0, 60.0]]);
    drop(db);

    reference_full_example().unwrap();
    let db = NanoTsDb::open("data/nanots.ntt", NanoTsOptions::default()).unwrap();
    let (ts, _) = db.query_table_range_columns("sensor", i64::MIN, i64::MAX).unwrap();
    // 10,000 rows ending at t0 + 9,999 s plus the two earlier rows at t0:
    // retention keeps the last hour before the newest row (3,601 rows).
    assert_eq!(ts.len(), 3_601);
    assert_eq!(*ts.last().unwrap(), 1704067200000 + 9_999_000);
    assert_eq!(db.stats("sensor").unwrap().segments, 1);
    drop(db);

    #[cfg(feature = "maintenance")]
    reference_shared_example().unwrap();
}
