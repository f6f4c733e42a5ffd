//! Ingest benchmark (issue 16) on real data, cycled to N rows (default 10
//! million, `--rows N`):
//! - columnar `append_rows` (batches of 65,536 rows) plus the final flush,
//!   2 and 4 value columns, default options (auto-flush every 4 MiB), and
//!   with auto-flush off (all rows buffered, then one flush);
//! - `append_row` (one row per call, then a flush) against SQLite's
//!   prepared INSERT in one transaction (WAL mode, synchronous=NORMAL),
//!   interleaved run by run, `--row-rows N` rows (default 2 million);
//! - `small-flush`: the values of 2 columns at 1 Hz (timestamps 1 s apart,
//!   not the real ones), through `append_rows` with a `flush()` every 7,200
//!   rows: two hours, as a device that flushes on a timer writes them
//!   (segments of two or three one-hour blocks), `--row-rows N` rows;
//! - `row-parts`: where an `append_row` goes, per row in ns (CPU time): the
//!   append path and the flushes (every 4 MiB, as auto-flush would), and the
//!   pieces measured alone (the frame's CRC-32, an uncontended lock);
//! - the file's bytes per row, and the bytes of every real series written
//!   as a one-column table, so a change to the flush-time codec chooser
//!   shows its cost in size.
//!
//! Data (read at run time from `$NANOTS_DATA_DIR`, else `../shared/data`
//! beside the repository): timestamps and the first column from the
//! `timestamped/` series (their real irregular steps, one file after the
//! other; the 24 repeated timestamps become 1 ms steps so the SQLite table
//! can key on them), the other columns from the `floats/` series,
//! concatenated and cycled, each column starting at another offset.
//!
//! `cargo run --release -p nanots-bench --bin ingest [-- --rows N --runs R --row-rows N
//! --only PREFIX]`, where `--only` runs the parts whose name starts with
//! PREFIX: `columnar-2-auto`, `columnar-2-off`, `columnar-4-...`, `row-2`,
//! `row-4`, `small-flush`, `row-parts`, `sizes`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nanots::{NanoTsDb, NanoTsOptions};
use nanots_bench::compare::data::parse_utc_ms;
use nanots_bench::{Scratch, arg, median, mps};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Rows per `append_rows` call.
const BATCH: usize = 65_536;
const COLUMNS: [&str; 4] = ["v1", "v2", "v3", "v4"];

fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NANOTS_DATA_DIR") {
        return PathBuf::from(d);
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    if beside.is_dir() { beside } else { PathBuf::from("../shared/data") }
}

fn csv_files(dir: &Path) -> BoxResult<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e} (set NANOTS_DATA_DIR)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    Ok(files)
}

/// One timestamped series: its steps between rows (ms; the first row gets
/// the series' first step) and its values.
struct Stamped {
    name: String,
    ts: Vec<i64>,
    values: Vec<f64>,
}

fn load_stamped(dir: &Path) -> BoxResult<Vec<Stamped>> {
    let mut out = Vec::new();
    for f in csv_files(dir)? {
        let text = std::fs::read_to_string(&f)?;
        let (mut ts, mut values) = (Vec::new(), Vec::new());
        for line in text.lines().skip(1) {
            let Some((t, v)) = line.split_once(',') else { continue };
            if let (Some(t), Ok(v)) = (parse_utc_ms(t), v.trim().parse::<f64>()) {
                ts.push(t);
                values.push(v);
            }
        }
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        out.push(Stamped { name, ts, values });
    }
    Ok(out)
}

fn load_floats(dir: &Path) -> BoxResult<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for f in csv_files(dir)? {
        let text = std::fs::read_to_string(&f)?;
        let v: Vec<f64> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        out.push((name, v));
    }
    Ok(out)
}

/// `rows` rows: timestamps and four value columns.
struct Rows {
    ts: Vec<i64>,
    cols: Vec<Vec<f64>>,
}

fn build_rows(stamped: &[Stamped], floats: &[(String, Vec<f64>)], rows: usize) -> Rows {
    let mut steps = Vec::new();
    let mut first_col = Vec::new();
    for s in stamped {
        for (i, w) in s.ts.iter().enumerate() {
            let step = if i == 0 { s.ts.get(1).map_or(1000, |b| b - w) } else { w - s.ts[i - 1] };
            steps.push(step.max(1));
        }
        first_col.extend_from_slice(&s.values);
    }
    let all: Vec<f64> = floats.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    let mut ts = Vec::with_capacity(rows);
    let mut t = stamped.first().and_then(|s| s.ts.first().copied()).unwrap_or(0);
    for i in 0..rows {
        t += steps[i % steps.len()];
        ts.push(t);
    }
    let mut cols = vec![(0..rows).map(|i| first_col[i % first_col.len()]).collect::<Vec<f64>>()];
    for k in 0..3 {
        let off = k * all.len() / 3;
        cols.push((0..rows).map(|i| all[(off + i) % all.len()]).collect());
    }
    Rows { ts, cols }
}

/// CPU seconds (user + system) this process has used so far: on a busy
/// machine the wall clock also counts time spent waiting for a core.
fn cpu_secs() -> f64 {
    // SAFETY: getrusage only writes the struct it is handed.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Wall and CPU seconds of `f`.
fn timed<T>(f: impl FnOnce() -> BoxResult<T>) -> BoxResult<(f64, f64, T)> {
    let (t, c) = (Instant::now(), cpu_secs());
    let r = f()?;
    Ok((t.elapsed().as_secs_f64(), cpu_secs() - c, r))
}

/// Appends `rows` with `ncols` value columns through `append_rows` in
/// batches, then flushes. Returns (wall seconds, CPU seconds) of the
/// appends and the flush, and the file's bytes after close.
fn columnar(path: &Path, rows: &Rows, ncols: usize, opts: NanoTsOptions) -> BoxResult<(f64, f64, u64)> {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, opts)?;
    db.create_table("t", &COLUMNS[..ncols])?;
    let (wall, cpu, ()) = timed(|| {
        let mut start = 0;
        while start < rows.ts.len() {
            let end = (start + BATCH).min(rows.ts.len());
            let cols: Vec<&[f64]> = rows.cols[..ncols].iter().map(|c| &c[start..end]).collect();
            db.append_rows("t", &rows.ts[start..end], &cols)?;
            start = end;
        }
        Ok(db.flush()?)
    })?;
    db.close()?;
    let size = std::fs::metadata(path)?.len();
    std::fs::remove_file(path)?;
    Ok((wall, cpu, size))
}

/// `runs` runs of an ingest of `nrows` rows that returns (wall seconds, CPU
/// seconds, file bytes), as printed: the median rows per second of wall and
/// of CPU time, and the last run's bytes per row.
fn file_ingest_figures(
    runs: usize,
    nrows: usize,
    mut ingest: impl FnMut() -> BoxResult<(f64, f64, u64)>,
) -> BoxResult<String> {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut size = 0;
    for _ in 0..runs {
        let (w, c, b) = ingest()?;
        wall.push(w);
        cpu.push(c);
        size = b;
    }
    Ok(format!(
        "{:>7.2} M rows/s ({:>6.2} per CPU-s)  {:.3} bytes/row ({size} bytes)",
        mps(nrows as f64, median(&mut wall)),
        mps(nrows as f64, median(&mut cpu)),
        size as f64 / nrows as f64
    ))
}

/// Rows per explicit flush in the `small-flush` part.
const SMALL_FLUSH_ROWS: usize = 7_200;

/// The values of the first `n` rows (2 value columns) at 1 Hz through
/// `append_rows`, with a flush after every [`SMALL_FLUSH_ROWS`]: (wall,
/// CPU) seconds and the file's bytes after close.
fn small_flushes(path: &Path, rows: &Rows, n: usize) -> BoxResult<(f64, f64, u64)> {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, NanoTsOptions::default())?;
    db.create_table("t", &COLUMNS[..2])?;
    let t0 = rows.ts.first().copied().unwrap_or(0);
    let ts: Vec<i64> = (0..n as i64).map(|i| t0 + i * 1000).collect();
    let (wall, cpu, ()) = timed(|| {
        let mut start = 0;
        while start < n {
            let end = (start + SMALL_FLUSH_ROWS).min(n);
            let cols: Vec<&[f64]> = rows.cols[..2].iter().map(|c| &c[start..end]).collect();
            db.append_rows("t", &ts[start..end], &cols)?;
            db.flush()?;
            start = end;
        }
        Ok(())
    })?;
    db.close()?;
    let size = std::fs::metadata(path)?.len();
    std::fs::remove_file(path)?;
    Ok((wall, cpu, size))
}

/// `append_row` for each of the first `n` rows, then a flush: (wall, CPU)
/// seconds.
fn nanots_rows(path: &Path, rows: &Rows, ncols: usize, n: usize) -> BoxResult<(f64, f64)> {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, NanoTsOptions::default())?;
    db.create_table("t", &COLUMNS[..ncols])?;
    let mut row = [0.0; 4];
    let (wall, cpu, ()) = timed(|| {
        for i in 0..n {
            for (c, v) in row[..ncols].iter_mut().enumerate() {
                *v = rows.cols[c][i];
            }
            db.append_row("t", rows.ts[i], &row[..ncols])?;
        }
        Ok(db.flush()?)
    })?;
    db.close()?;
    std::fs::remove_file(path)?;
    Ok((wall, cpu))
}

/// SQLite: the first `n` rows through a prepared INSERT in one
/// transaction: (wall, CPU) seconds.
fn sqlite_rows(path: &Path, rows: &Rows, ncols: usize, n: usize) -> BoxResult<(f64, f64)> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let conn = rusqlite::Connection::open(path)?;
    let cols: Vec<String> = COLUMNS[..ncols].iter().map(|c| format!("{c} REAL")).collect();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE t (ts INTEGER PRIMARY KEY, {});",
        cols.join(", ")
    ))?;
    let marks: Vec<String> = (0..=ncols).map(|i| format!("?{}", i + 1)).collect();
    let sql = format!("INSERT INTO t VALUES ({})", marks.join(", "));
    let (wall, cpu, ()) = timed(|| {
        let tx = conn.unchecked_transaction()?;
        {
            let mut st = tx.prepare(&sql)?;
            for i in 0..n {
                let c = &rows.cols;
                match ncols {
                    2 => st.execute(rusqlite::params![rows.ts[i], c[0][i], c[1][i]])?,
                    _ => st.execute(rusqlite::params![rows.ts[i], c[0][i], c[1][i], c[2][i], c[3][i]])?,
                };
            }
        }
        Ok(tx.commit()?)
    })?;
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok((wall, cpu))
}

/// `append_row` for the first `n` rows, flushed every 4 MiB of row data
/// like the default auto-flush, but by hand so the two are timed apart:
/// CPU nanoseconds per row of the appends and of the flushes.
fn row_parts(path: &Path, rows: &Rows, ncols: usize, n: usize) -> BoxResult<(f64, f64)> {
    let _ = std::fs::remove_file(path);
    let opts = NanoTsOptions { auto_flush_bytes: 0, ..Default::default() };
    let every = NanoTsOptions::default().auto_flush_bytes / (8 * (1 + ncols));
    let db = NanoTsDb::open(path, opts)?;
    db.create_table("t", &COLUMNS[..ncols])?;
    let mut row = [0.0; 4];
    let (mut append, mut flush) = (0.0, 0.0);
    let mut start = 0;
    while start < n {
        let end = (start + every).min(n);
        let (_, a, ()) = timed(|| {
            for i in start..end {
                for (c, v) in row[..ncols].iter_mut().enumerate() {
                    *v = rows.cols[c][i];
                }
                db.append_row("t", rows.ts[i], &row[..ncols])?;
            }
            Ok(())
        })?;
        let (_, f, ()) = timed(|| Ok(db.flush()?))?;
        append += a;
        flush += f;
        start = end;
    }
    db.close()?;
    std::fs::remove_file(path)?;
    Ok((append * 1e9 / n as f64, flush * 1e9 / n as f64))
}

/// CPU nanoseconds per call of `f`, over `n` calls.
fn per_call(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let c = cpu_secs();
    for i in 0..n {
        f(i);
    }
    (cpu_secs() - c) * 1e9 / n as f64
}

/// The pieces of an append measured alone, in ns: the CRC-32 of a one-row
/// WAL frame of `ncols` values (bytes 4.. of the frame, seeded like the
/// WAL's), and an uncontended `RwLock` write lock taken and released.
fn row_piece_costs(ncols: usize, n: usize) -> (f64, f64) {
    let mut frame = vec![0u8; 16 + 8 + 8 * ncols];
    let mut sink = 0u32;
    let crc = per_call(n, |i| {
        frame[16..24].copy_from_slice(&(i as i64).to_le_bytes());
        let mut h = crc32fast::Hasher::new_with_initial(0x1234_5678);
        h.update(std::hint::black_box(&frame[4..]));
        sink ^= h.finalize();
    });
    let lock = std::sync::RwLock::new(0u64);
    let locked = per_call(n, |i| *std::hint::black_box(&lock).write().expect("not poisoned") += i as u64);
    std::hint::black_box((sink, lock));
    (crc, locked)
}

/// File bytes of one series written as a one-column table (append_rows of
/// the whole series, flush, close).
fn series_bytes(path: &Path, ts: &[i64], values: &[f64]) -> BoxResult<u64> {
    let _ = std::fs::remove_file(path);
    let db = NanoTsDb::open(path, NanoTsOptions::default())?;
    db.create_table("s", &["value"])?;
    db.append_rows("s", ts, &[values])?;
    db.close()?;
    let size = std::fs::metadata(path)?.len();
    std::fs::remove_file(path)?;
    Ok(size)
}

fn main() -> BoxResult<()> {
    let nrows = arg("--rows", 10_000_000);
    let runs = arg("--runs", 5);
    let row_rows = arg("--row-rows", 2_000_000).min(nrows);
    let dir = data_dir();
    let stamped = load_stamped(&dir.join("timestamped"))?;
    let floats = load_floats(&dir.join("floats"))?;
    if stamped.is_empty() || floats.is_empty() {
        return Err(format!("no series under {}", dir.display()).into());
    }
    let rows = build_rows(&stamped, &floats, nrows);
    let scratch = Scratch::new("ingest");
    let path = scratch.path("ingest.ntt");
    println!(
        "NanoTS ingest benchmark: {nrows} rows of real data ({} timestamped + {} float series from {}), median of {runs} runs\n",
        stamped.len(),
        floats.len(),
        dir.display()
    );

    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let part = |name: &str| only.as_deref().is_none_or(|o| name.starts_with(o));

    let no_auto = NanoTsOptions { auto_flush_bytes: 0, ..Default::default() };
    for ncols in [2, 4] {
        for (what, opts) in
            [("auto-flush 4 MiB", NanoTsOptions::default()), ("auto-flush off", no_auto.clone())]
        {
            let auto = if opts.auto_flush_bytes == 0 { "off" } else { "auto" };
            if !part(&format!("columnar-{ncols}-{auto}")) {
                continue;
            }
            let figures = file_ingest_figures(runs, nrows, || columnar(&path, &rows, ncols, opts.clone()))?;
            println!("append_rows + flush, {ncols} columns, {what:<16}: {figures}");
        }
    }

    if part("row-2") || part("row-4") {
        println!(
            "\nappend_row (one row per call, then flush) vs SQLite {} prepared INSERT",
            rusqlite::version()
        );
        println!(
            "(one transaction, WAL, synchronous=NORMAL, ts INTEGER PRIMARY KEY), {row_rows} rows, interleaved:"
        );
        let sq = scratch.path("peer.sqlite");
        for ncols in [2, 4].into_iter().filter(|n| part(&format!("row-{n}"))) {
            let (mut nano, mut lite, mut nano_cpu, mut lite_cpu) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..runs {
                let (w, c) = nanots_rows(&path, &rows, ncols, row_rows)?;
                nano.push(w);
                nano_cpu.push(c);
                let (w, c) = sqlite_rows(&sq, &rows, ncols, row_rows)?;
                lite.push(w);
                lite_cpu.push(c);
            }
            let m = |v: &mut Vec<f64>| mps(row_rows as f64, median(v));
            let (n, l, nc, lc) = (m(&mut nano), m(&mut lite), m(&mut nano_cpu), m(&mut lite_cpu));
            println!(
                "  {ncols} columns: NanoTS {n:>6.2} M rows/s, SQLite {l:>5.2}: {:>4.1}x   (per CPU-s: {nc:>6.2} vs {lc:>5.2}: {:>4.1}x)",
                n / l,
                nc / lc
            );
        }
    }

    if part("small-flush") {
        let figures = file_ingest_figures(runs, row_rows, || small_flushes(&path, &rows, row_rows))?;
        println!(
            "\nappend_rows + flush every {SMALL_FLUSH_ROWS} rows, 2 columns at 1 Hz, {row_rows} rows: {figures}"
        );
    }

    if part("row-parts") {
        println!(
            "\nappend_row per row, ns of CPU time, median (min..max) of {runs} runs; {row_rows} rows, flushed every 4 MiB of rows:"
        );
        for ncols in [2, 4] {
            let (mut app, mut fl, mut crc, mut lock) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..runs {
                let (a, f) = row_parts(&path, &rows, ncols, row_rows)?;
                app.push(a);
                fl.push(f);
                let (c, l) = row_piece_costs(ncols, row_rows);
                crc.push(c);
                lock.push(l);
            }
            let spread = |v: &mut Vec<f64>| {
                let m = median(v);
                format!("{m:>5.1} ({:.1}..{:.1})", v[0], v[v.len() - 1])
            };
            println!(
                "  {ncols} columns: append path {}  flush {}  | alone: frame CRC-32 {}, RwLock write {}",
                spread(&mut app),
                spread(&mut fl),
                spread(&mut crc),
                spread(&mut lock)
            );
        }
    }

    if !part("sizes") {
        return Ok(());
    }
    println!("\nfile bytes of each real series as a one-column table (flush-time codecs):");
    let mut total = 0;
    for s in &stamped {
        let b = series_bytes(&path, &s.ts, &s.values)?;
        total += b;
        println!("  {:<58} {:>6} rows {:>9} bytes", s.name, s.ts.len(), b);
    }
    for (name, v) in &floats {
        let ts: Vec<i64> = (0..v.len() as i64).map(|i| 1_700_000_000_000 + i * 1000).collect();
        let b = series_bytes(&path, &ts, v)?;
        total += b;
        println!("  {:<58} {:>6} rows {:>9} bytes", name, v.len(), b);
    }
    println!("  total {total} bytes");
    Ok(())
}
