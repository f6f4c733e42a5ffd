//! The reference design's README examples compile and run unchanged (those
//! whose APIs exist so far), in a scratch working directory.

use nanots::{NanoTsDb, NanoTsOptions};

#[allow(unused_mut)] // the reference examples declare `let mut db`
fn reference_minimal_example() -> std::io::Result<()> {
    let mut db = NanoTsDb::open("data/nanots.ntt", NanoTsOptions::default())?;
    db.create_table("sensor", &["temp", "humidity"])?;
    db.append_row("sensor", 1704067200000, &[25.5, 60.0])?;
    db.flush()?;
    Ok::<(), std::io::Error>(())
}

#[test]
fn minimal_example_runs_twice() {
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
}
