//! Buffers rows without auto-flush, then times one flush, for profiling
//! the flush path (`perf record cargo run --release --example flush_profile`).

use nanots::{NanoTsDb, NanoTsOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("nanots-flush-profile-{}.ntt", std::process::id()));
    let rows: i64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let db = NanoTsDb::open(&path, NanoTsOptions { auto_flush_bytes: 0, ..Default::default() })?;
    db.create_table("sensor", &["temp", "humidity"])?;
    let started = std::time::Instant::now();
    for i in 0..rows {
        db.append_row(
            "sensor",
            i * 1000,
            &[20.0 + (i % 5000) as f64 * 0.01, 40.0 + ((i / 7) % 300) as f64 * 0.1],
        )?;
    }
    eprintln!("appended in {:.0} ms; flushing", started.elapsed().as_secs_f64() * 1e3);
    let t = std::time::Instant::now();
    db.flush()?;
    let secs = t.elapsed().as_secs_f64();
    println!("flushed {rows} rows in {:.1} ms = {:.1} M rows/s", secs * 1e3, rows as f64 / secs / 1e6);
    db.close()?;
    std::fs::remove_file(&path)?;
    Ok(())
}
