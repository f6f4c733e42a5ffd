//! Appends rows in a loop, for profiling the append path
//! (`perf record cargo run --release --example append_profile`).

use nanots::{NanoTsDb, NanoTsOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("nanots-append-profile-{}.ntt", std::process::id()));
    let rows: i64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    db.create_table("sensor", &["temp", "humidity"])?;
    let t = std::time::Instant::now();
    for i in 0..rows {
        db.append_row("sensor", i * 1000, &[20.0 + (i % 5000) as f64 * 0.01, 40.0])?;
    }
    db.close()?;
    println!("{rows} rows in {:.3} s", t.elapsed().as_secs_f64());
    std::fs::remove_file(&path)?;
    Ok(())
}
