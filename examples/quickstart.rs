//! Writes a table, flushes, reopens the file and queries it back.
//!
//! Run with `cargo run --release --example quickstart [path]`.

use std::time::Instant;

use nanots::{NanoTsDb, NanoTsOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "quickstart.ntt".into());
    let _ = std::fs::remove_file(&path);

    let rows = 1_000_000i64;
    let t0 = 1_704_067_200_000i64;
    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    db.create_table("sensor", &["temp", "humidity"])?;
    let started = Instant::now();
    for i in 0..rows {
        db.append_row("sensor", t0 + i * 1000, &[25.0 + i as f64 * 0.001, 60.0 + (i % 7) as f64])?;
    }
    db.flush()?;
    println!("wrote {rows} rows to {path} and flushed in {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    db.close()?;
    let size = std::fs::metadata(&path)?.len();
    println!("closed: {size} bytes on disk ({:.2} bytes/row, raw 24 bytes/row)", size as f64 / rows as f64);

    let started = Instant::now();
    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    println!("reopened in {:.3} ms; tables: {:?}", started.elapsed().as_secs_f64() * 1e3, db.list_tables()?);

    let started = Instant::now();
    let (ts, cols) = db.query_table_range_columns("sensor", t0, t0 + 99_999 * 1000)?;
    println!(
        "queried {} rows x {} columns in {:.3} ms; first row ts={} temp={} humidity={}",
        ts.len(),
        cols.len(),
        started.elapsed().as_secs_f64() * 1e3,
        ts[0],
        cols[0][0],
        cols[1][0]
    );
    db.close()?;
    Ok(())
}
