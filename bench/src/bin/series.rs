//! Per-series compression benchmark (issue 17): each of the 40 series of
//! `../shared/data` (`floats/*.csv` with timestamps 1 s apart from
//! 2024-01-01, `timestamped/*.csv` with their own timestamps) written as a
//! one-column table, beside pco and Gorilla on the same columns, in one run.
//!
//! `cargo run --release -p nanots-bench --bin series [-- --data DIR --runs R]`
//!
//! Columns, all in bits per row:
//! - `flush`, `pack`: the whole `.ntt` file after `flush()` + `close()`,
//!   then after `pack_table` (fixed per-file overhead included);
//! - `pco`: pco's standalone format (default level) on the timestamps as
//!   i64 plus the values as f64;
//! - `gorilla`: `encode_timestamps` plus Gorilla (id 2) on the values;
//! - `c.hot`, `c.cold`: codec bytes only, `encode_timestamps` plus
//!   `encode_values` at `Level::Hot` / `Level::Cold` on the whole series;
//! - `blk4k`: codec bytes of the series cut in blocks of 4096 rows, each
//!   block's timestamps and values (Hot) encoded on their own (what a
//!   segment of blocks spends);
//! - `ts`: `encode_timestamps` alone.
//!
//! Then encode and decode speeds (median of `--runs` runs, over all series)
//! of `encode_values`/`decode_values` at Hot and of the timestamp codec.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nanots::codec::{self, Level};
use nanots::{NanoTsDb, NanoTsOptions};
use nanots_bench::compare::data::parse_utc_ms;
use nanots_bench::{Scratch, arg, arg_str, median, mps};

/// 2024-01-01T00:00:00Z, the first timestamp given to `floats/` series.
const FLOATS_T0_MS: i64 = 1_704_067_200_000;

struct Series {
    name: String,
    ts: Vec<i64>,
    values: Vec<f64>,
}

fn load(dir: &Path) -> Result<Vec<Series>, String> {
    let mut out = Vec::new();
    for sub in ["floats", "timestamped"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .map_err(|e| format!("{}: {e}", dir.join(sub).display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let (mut ts, mut values) = (Vec::new(), Vec::new());
            for (n, line) in text.lines().enumerate() {
                let bad = |what: &str| format!("{}:{}: {what}", path.display(), n + 1);
                if sub == "floats" {
                    let field = line.trim().trim_matches('"');
                    if field.is_empty() {
                        // a few files mark a missing sample with an empty field
                        continue;
                    }
                    ts.push(FLOATS_T0_MS + values.len() as i64 * 1000);
                    values.push(field.parse().map_err(|e| bad(&format!("{e}")))?);
                } else {
                    if n == 0 {
                        continue; // header
                    }
                    let (t, v) = line.split_once(',').ok_or_else(|| bad("no comma"))?;
                    ts.push(parse_utc_ms(t).ok_or_else(|| bad("bad timestamp"))?);
                    values.push(v.trim().parse().map_err(|e| bad(&format!("{e}")))?);
                }
            }
            out.push(Series { name, ts, values });
        }
    }
    Ok(out)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Whole-file bytes after flush and after pack, and what the flushed
/// file's block directories take (SPEC.md §3.2.1).
fn nanots_file_bytes(
    s: &Series,
    scratch: &Scratch,
) -> Result<(u64, u64, nanots_bench::DirectoryBytes), nanots::Error> {
    let path = scratch.path("series.ntt");
    let _ = std::fs::remove_file(&path);
    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    db.create_table("s", &["v"])?;
    db.append_rows("s", &s.ts, &[&s.values])?;
    db.flush()?;
    db.close()?;
    let flushed = file_len(&path);
    let dir = nanots_bench::block_directory_bytes(&path).unwrap_or_default();
    let db = NanoTsDb::open(&path, NanoTsOptions::default())?;
    db.pack_table("s", 131_072)?;
    db.close()?;
    let packed = file_len(&path);
    for entry in std::fs::read_dir(&scratch.0).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
    Ok((flushed, packed, dir))
}

fn pco_bytes(s: &Series) -> u64 {
    let config = pco::ChunkConfig::default();
    let t = pco::standalone::simple_compress(&s.ts, &config).expect("pco ts");
    let v = pco::standalone::simple_compress(&s.values, &config).expect("pco values");
    (t.len() + v.len()) as u64
}

/// Rows per block of the `blk` column: what a segment of blocks (issue 17)
/// encodes at a time.
const BLOCK_ROWS: usize = 4096;

/// Codec bytes (timestamps + values, Hot) of the series encoded in blocks
/// of [`BLOCK_ROWS`].
fn block_bytes(s: &Series) -> u64 {
    let mut b = Vec::new();
    for (ts, v) in s.ts.chunks(BLOCK_ROWS).zip(s.values.chunks(BLOCK_ROWS)) {
        codec::encode_timestamps(ts, &mut b);
        codec::encode_values(v, Level::Hot, &mut b);
    }
    b.len() as u64
}

fn codec_bytes(s: &Series) -> (u64, u64, u64, u64) {
    let mut b = Vec::new();
    codec::encode_timestamps(&s.ts, &mut b);
    let ts = b.len() as u64;
    b.clear();
    codec::encode_values(&s.values, Level::Hot, &mut b);
    let hot = b.len() as u64;
    b.clear();
    codec::encode_values(&s.values, Level::Cold, &mut b);
    let cold = b.len() as u64;
    b.clear();
    assert!(codec::encode_values_as(codec::id::GORILLA, &s.values, &mut b));
    (ts, hot, cold, b.len() as u64)
}

struct Row {
    rows: u64,
    flush: u64,
    pack: u64,
    pco: u64,
    gorilla: u64,
    c_hot: u64,
    c_cold: u64,
    blk: u64,
    ts: u64,
    v_codec: u8,
    ts_codec: u8,
}

fn bits(bytes: u64, rows: u64) -> f64 {
    bytes as f64 * 8.0 / rows as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = arg("--runs", 5).max(1);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bench/ has a parent");
    let data_dir = arg_str("--data").map_or_else(|| repo.join("../shared/data"), PathBuf::from);
    let series = load(&data_dir)?;
    if let Some(loops) = arg_str("--encode-loops").and_then(|s| s.parse::<usize>().ok()) {
        // for `perf`: only encode_values Hot, `loops` times over all series
        let mut b = Vec::new();
        for _ in 0..loops {
            for s in &series {
                b.clear();
                codec::encode_values(&s.values, Level::Hot, &mut b);
            }
        }
        return Ok(());
    }
    if let Some(loops) = arg_str("--decode-loops").and_then(|s| s.parse::<usize>().ok()) {
        // for `perf stat`: encode (Hot), then only decode, `loops` times
        // over all series
        let enc: Vec<(u8, Vec<u8>)> = series
            .iter()
            .map(|s| {
                let mut b = Vec::new();
                (codec::encode_values(&s.values, Level::Hot, &mut b), b)
            })
            .collect();
        let mut out = Vec::new();
        for _ in 0..loops {
            for (s, (c, b)) in series.iter().zip(&enc) {
                out.clear();
                codec::decode_values(*c, b, s.values.len(), &mut out).expect("decode");
            }
        }
        return Ok(());
    }
    let scratch = Scratch::new("series");
    println!("NanoTS per-series benchmark: {} series from {}; bits/row", series.len(), data_dir.display());
    println!(
        "{:<52} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6}  codecs (ts, values hot)",
        "series",
        "rows",
        "flush",
        "pack",
        "pco",
        "gorilla",
        "c.hot",
        "c.cold",
        "blk4k",
        "ts",
        "fl/pco",
        "pk/pco"
    );
    let mut table = Vec::new();
    // (series with blocked segments, their directory bytes, their flushed
    // bytes)
    let mut dirs = (0u64, 0u64, 0u64);
    for s in &series {
        let (flush, pack, dir) = nanots_file_bytes(s, &scratch)?;
        if dir.blocked_segments > 0 {
            dirs = (dirs.0 + 1, dirs.1 + dir.directory_bytes, dirs.2 + flush);
        }
        let (ts, c_hot, c_cold, gor) = codec_bytes(s);
        let mut b = Vec::new();
        let ts_codec = codec::encode_timestamps(&s.ts, &mut b);
        b.clear();
        let v_codec = codec::encode_values(&s.values, Level::Hot, &mut b);
        let r = Row {
            rows: s.ts.len() as u64,
            flush,
            pack,
            pco: pco_bytes(s),
            gorilla: ts + gor,
            c_hot: ts + c_hot,
            c_cold: ts + c_cold,
            blk: block_bytes(s),
            ts,
            v_codec,
            ts_codec,
        };
        let n = r.rows;
        println!(
            "{:<52} {:>7} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>6.2} {:>6.2}  {}, {}{}",
            s.name,
            n,
            bits(r.flush, n),
            bits(r.pack, n),
            bits(r.pco, n),
            bits(r.gorilla, n),
            bits(r.c_hot, n),
            bits(r.c_cold, n),
            bits(r.blk, n),
            bits(r.ts, n),
            r.flush as f64 / r.pco as f64,
            r.pack as f64 / r.pco as f64,
            codec::codec_name(r.ts_codec),
            codec::codec_name(r.v_codec),
            if r.pack > r.flush { "  PACK > FLUSH" } else { "" },
        );
        table.push(r);
    }
    let k = table.len() as f64;
    let mean = |f: &dyn Fn(&Row) -> u64| table.iter().map(|r| bits(f(r), r.rows)).sum::<f64>() / k;
    let total = |f: &dyn Fn(&Row) -> u64| table.iter().map(f).sum::<u64>() as f64;
    let mean_ratio =
        |f: &dyn Fn(&Row) -> u64| table.iter().map(|r| f(r) as f64 / r.pco as f64).sum::<f64>() / k;
    println!(
        "{:<52} {:>7} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2}",
        "MEAN bits/row",
        "",
        mean(&|r| r.flush),
        mean(&|r| r.pack),
        mean(&|r| r.pco),
        mean(&|r| r.gorilla),
        mean(&|r| r.c_hot),
        mean(&|r| r.c_cold),
        mean(&|r| r.blk),
        mean(&|r| r.ts)
    );
    let rows_total = total(&|r| r.rows);
    println!(
        "{:<52} {:>7} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2}",
        "ALL ROWS bits/row",
        rows_total,
        total(&|r| r.flush) * 8.0 / rows_total,
        total(&|r| r.pack) * 8.0 / rows_total,
        total(&|r| r.pco) * 8.0 / rows_total,
        total(&|r| r.gorilla) * 8.0 / rows_total,
        total(&|r| r.c_hot) * 8.0 / rows_total,
        total(&|r| r.c_cold) * 8.0 / rows_total,
        total(&|r| r.blk) * 8.0 / rows_total,
        total(&|r| r.ts) * 8.0 / rows_total
    );
    println!();
    for (label, f) in [
        ("flush", &(|r: &Row| r.flush) as &dyn Fn(&Row) -> u64),
        ("pack", &|r: &Row| r.pack),
        ("gorilla", &|r: &Row| r.gorilla),
        ("codec hot", &|r: &Row| r.c_hot),
        ("codec cold", &|r: &Row| r.c_cold),
        ("blocks 4k", &|r: &Row| r.blk),
    ] {
        println!(
            "{label:<10} / pco: mean of per-series ratios {:.3}, ratio of totals {:.3}",
            mean_ratio(f),
            total(f) / total(&|r| r.pco)
        );
    }
    let worse = table.iter().filter(|r| r.pack > r.flush).count();
    println!(
        "block directories: {} of {} series have blocked segments; their directories are {} bytes, {:.2}% of those files",
        dirs.0,
        series.len(),
        dirs.1,
        100.0 * dirs.1 as f64 / dirs.2.max(1) as f64
    );
    println!("series where pack > flush: {worse}");

    // Speeds over all series, median of `runs` runs.
    let values: u64 = series.iter().map(|s| s.values.len() as u64).sum();
    let time = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..runs)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64()
            })
            .collect();
        median(&mut t)
    };
    let mut enc: Vec<(u8, Vec<u8>)> = Vec::new();
    let enc_s = time(&mut || {
        enc.clear();
        for s in &series {
            let mut b = Vec::new();
            let c = codec::encode_values(&s.values, Level::Hot, &mut b);
            enc.push((c, b));
        }
    });
    let mut out = Vec::new();
    let dec_s = time(&mut || {
        for (s, (c, b)) in series.iter().zip(&enc) {
            out.clear();
            codec::decode_values(*c, b, s.values.len(), &mut out).expect("decode");
        }
    });
    let mut tenc: Vec<(u8, Vec<u8>)> = Vec::new();
    let tenc_s = time(&mut || {
        tenc.clear();
        for s in &series {
            let mut b = Vec::new();
            let c = codec::encode_timestamps(&s.ts, &mut b);
            tenc.push((c, b));
        }
    });
    let mut tout = Vec::new();
    let tdec_s = time(&mut || {
        for (s, (c, b)) in series.iter().zip(&tenc) {
            tout.clear();
            codec::decode_timestamps(*c, b, s.ts.len(), &mut tout).expect("decode ts");
        }
    });
    for (s, (c, b)) in series.iter().zip(&tenc) {
        tout.clear();
        codec::decode_timestamps(*c, b, s.ts.len(), &mut tout).expect("decode ts");
        assert_eq!(tout, s.ts, "{}: timestamps round trip", s.name);
    }
    let cold_s = time(&mut || {
        for s in &series {
            let mut b = Vec::new();
            codec::encode_values(&s.values, Level::Cold, &mut b);
        }
    });
    if std::env::args().any(|a| a == "--per-series-speeds") {
        println!();
        println!(
            "{:<52} {:>16} {:>9} {:>16} {:>9}",
            "decode M values/s", "values codec", "M/s", "ts codec", "M/s"
        );
        for (s, ((c, b), (tc, tb))) in series.iter().zip(enc.iter().zip(&tenc)) {
            let n = s.values.len();
            let mut o = Vec::new();
            let v = time(&mut || {
                for _ in 0..20 {
                    o.clear();
                    codec::decode_values(*c, b, n, &mut o).expect("decode");
                }
            });
            let mut to = Vec::new();
            let t = time(&mut || {
                for _ in 0..20 {
                    to.clear();
                    codec::decode_timestamps(*tc, tb, n, &mut to).expect("decode");
                }
            });
            println!(
                "{:<52} {:>16} {:>9.1} {:>16} {:>9.1}",
                s.name,
                codec::codec_name(*c),
                mps(20.0 * n as f64, v),
                codec::codec_name(*tc),
                mps(20.0 * n as f64, t)
            );
        }
    }
    println!();
    println!("speeds over all {values} values, median of {runs} runs (M values/s):");
    println!("  encode_values Hot  {:>8.1}", mps(values as f64, enc_s));
    println!("  decode_values Hot  {:>8.1}", mps(values as f64, dec_s));
    println!("  encode_values Cold {:>8.1}", mps(values as f64, cold_s));
    println!("  encode_timestamps  {:>8.1}", mps(values as f64, tenc_s));
    println!("  decode_timestamps  {:>8.1}", mps(values as f64, tdec_s));
    Ok(())
}
