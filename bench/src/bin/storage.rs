//! Storage-core benchmark (issue 2): a 2-column table of N rows (default
//! 10 million, `--rows N`), NanoTS against SQLite in the same run.
//!
//! `cargo run --release -p nanots-bench --bin storage [-- --rows N --runs R]`

use std::time::Instant;

use nanots::{NanoTsDb, NanoTsOptions};
use nanots_bench::{Scratch, arg, median_secs, mps, peak_rss_bytes, reset_peak_rss};

const T0: i64 = 1_704_067_200_000;

fn value(i: i64) -> [f64; 2] {
    // Sensor-like: slow drift with two decimals, and a 0.1-step humidity.
    [20.0 + ((i % 5000) as f64) * 0.01, 40.0 + ((i / 7) % 300) as f64 * 0.1]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = arg("--rows", 10_000_000) as i64;
    let runs = arg("--runs", 3);
    let scratch = Scratch::new("storage");
    println!("NanoTS storage benchmark: {rows} rows x 2 columns, median of {runs} runs\n");

    // append_row with auto-flush disabled, then one flush: separates the
    // two costs. Writer memory here is all rows (that is the point).
    let mut append_s = Vec::new();
    let mut flush_s = Vec::new();
    for r in 0..runs {
        let path = scratch.path(&format!("a{r}.ntt"));
        let db = NanoTsDb::open(&path, NanoTsOptions { auto_flush_bytes: 0, ..Default::default() })?;
        db.create_table("sensor", &["temp", "humidity"])?;
        let t = Instant::now();
        for i in 0..rows {
            db.append_row("sensor", T0 + i * 1000, &value(i))?;
        }
        append_s.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        db.flush()?;
        flush_s.push(t.elapsed().as_secs_f64());
        db.close()?;
        std::fs::remove_file(&path)?;
    }
    let append = nanots_bench::median(&mut append_s);
    let flush = nanots_bench::median(&mut flush_s);
    println!("append_row (WAL fsync at flush, no auto-flush): {:>8.2} M rows/s", mps(rows as f64, append));
    println!("flush of {rows} buffered rows:                 {:>8.2} M rows/s", mps(rows as f64, flush));

    // The default configuration: auto-flush every 4 MiB, fsync at flush.
    let path = scratch.path("main.ntt");
    let mut peak_pending = 0usize;
    reset_peak_rss();
    let rss_before = peak_rss_bytes();
    let (secs, ()) = median_secs(runs, || {
        let _ = std::fs::remove_file(&path);
        let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
        db.create_table("sensor", &["temp", "humidity"]).unwrap();
        for i in 0..rows {
            db.append_row("sensor", T0 + i * 1000, &value(i)).unwrap();
            if i % 65_536 == 0 {
                peak_pending = peak_pending.max(db.pending_bytes().unwrap());
            }
        }
        db.close().unwrap();
    });
    println!(
        "append_row + auto-flush (defaults) + close:     {:>8.2} M rows/s; buffered rows peaked at {:.1} MiB (threshold {:.0} MiB); peak RSS {:.0} MiB (was {:.0})",
        mps(rows as f64, secs),
        peak_pending as f64 / 1048576.0,
        NanoTsOptions::default().auto_flush_bytes as f64 / 1048576.0,
        peak_rss_bytes() as f64 / 1048576.0,
        rss_before as f64 / 1048576.0
    );
    let mut batch_s = Vec::new();
    for _ in 0..runs {
        let p = scratch.path("batch.ntt");
        let _ = std::fs::remove_file(&p);
        let db = NanoTsDb::open(&p, NanoTsOptions::default())?;
        db.create_table("sensor", &["temp", "humidity"])?;
        let chunk = 65_536i64;
        let t = Instant::now();
        let mut start = 0;
        while start < rows {
            let end = (start + chunk).min(rows);
            let ts: Vec<i64> = (start..end).map(|i| T0 + i * 1000).collect();
            let a: Vec<f64> = (start..end).map(|i| value(i)[0]).collect();
            let b: Vec<f64> = (start..end).map(|i| value(i)[1]).collect();
            db.append_rows("sensor", &ts, &[&a, &b])?;
            start = end;
        }
        db.close()?;
        batch_s.push(t.elapsed().as_secs_f64());
    }
    println!(
        "append_rows 64K batches + auto-flush + close:   {:>8.2} M rows/s (includes building the batches)",
        mps(rows as f64, nanots_bench::median(&mut batch_s))
    );
    let size = std::fs::metadata(&path)?.len();
    println!("file: {:.1} MiB, {:.2} bytes/row (raw 24)", size as f64 / 1048576.0, size as f64 / rows as f64);

    let mut opens: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
            let e = t.elapsed().as_secs_f64();
            drop(db);
            e
        })
        .collect();
    println!(
        "open of the {rows}-row file:                    {:>8.3} ms (median of 21)",
        nanots_bench::median(&mut opens) * 1e3
    );

    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    let q = 100_000i64;
    let mid = T0 + (rows / 2) * 1000;
    let mut qs: Vec<f64> = (0..51)
        .map(|k| {
            let start = mid + (k % 7) * 1000 * 12_345;
            let t = Instant::now();
            let (ts, cols) = db.query_table_range_columns("sensor", start, start + (q - 1) * 1000).unwrap();
            let e = t.elapsed().as_secs_f64();
            assert_eq!(ts.len(), q as usize);
            assert_eq!(cols.len(), 2);
            e
        })
        .collect();
    let nano_q = nanots_bench::median(&mut qs);
    println!("query 100,000 rows (ts + 2 columns):            {:>8.3} ms (median of 51)", nano_q * 1e3);
    db.close()?;

    // Peer: SQLite (bundled), one table, WAL mode, synchronous=NORMAL,
    // rows inserted in one transaction with a prepared statement.
    let sq = scratch.path("peer.sqlite");
    let conn = rusqlite::Connection::open(&sq)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE sensor (ts_ms INTEGER PRIMARY KEY, temp REAL, humidity REAL) WITHOUT ROWID;",
    )?;
    let t = Instant::now();
    {
        let tx = conn.unchecked_transaction()?;
        {
            let mut st = tx.prepare("INSERT INTO sensor VALUES (?1, ?2, ?3)")?;
            for i in 0..rows {
                let v = value(i);
                st.execute(rusqlite::params![T0 + i * 1000, v[0], v[1]])?;
            }
        }
        tx.commit()?;
    }
    let sqlite_insert = t.elapsed().as_secs_f64();
    let mut sqs: Vec<f64> = (0..21)
        .map(|k| {
            let start = mid + (k % 7) * 1000 * 12_345;
            let t = Instant::now();
            let mut st = conn
                .prepare_cached("SELECT ts_ms, temp, humidity FROM sensor WHERE ts_ms BETWEEN ?1 AND ?2")
                .unwrap();
            let mut ts = Vec::new();
            let mut a = Vec::new();
            let mut b = Vec::new();
            let mut it = st.query(rusqlite::params![start, start + (q - 1) * 1000]).unwrap();
            while let Some(r) = it.next().unwrap() {
                ts.push(r.get::<_, i64>(0).unwrap());
                a.push(r.get::<_, f64>(1).unwrap());
                b.push(r.get::<_, f64>(2).unwrap());
            }
            assert_eq!(ts.len(), q as usize);
            t.elapsed().as_secs_f64()
        })
        .collect();
    let sqlite_q = nanots_bench::median(&mut sqs);
    drop(conn);
    let sq_size = std::fs::metadata(&sq)?.len()
        + std::fs::metadata(scratch.path("peer.sqlite-wal")).map_or(0, |m| m.len());
    println!("\npeer SQLite {} (bundled, WAL, synchronous=NORMAL, one transaction):", rusqlite::version());
    println!(
        "insert (prepared, one row at a time):           {:>8.2} M rows/s (1 run)",
        mps(rows as f64, sqlite_insert)
    );
    println!("query 100,000 rows (ts + 2 columns):            {:>8.3} ms (median of 21)", sqlite_q * 1e3);
    println!("file: {:.1} MiB, {:.2} bytes/row", sq_size as f64 / 1048576.0, sq_size as f64 / rows as f64);
    println!("\nNanoTS query is {:.1}x faster than SQLite's on the same rows", sqlite_q / nano_q);
    Ok(())
}
