//! Codec benchmark: compression ratio and speed on the float data sets in
//! `../shared/data/floats` (or `$NANOTS_DATA_DIR`), one decimal per line,
//! and on synthetic timestamp series. Run: `cargo bench --bench codecs`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use nanots::codec::{
    Level, codec_name, decode_timestamps, decode_values, encode_timestamps, encode_values, encode_values_as,
    id,
};

const RUNS: usize = 5;

/// This thread's CPU time in seconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Median seconds of `RUNS` runs of `f`: wall-clock time, or this thread's
/// CPU time if `NANOTS_BENCH_CPU_TIME` is set (robust on a loaded machine).
fn time(mut f: impl FnMut()) -> f64 {
    let cpu = std::env::var("NANOTS_BENCH_CPU_TIME").is_ok();
    let mut t: Vec<f64> = (0..RUNS)
        .map(|_| {
            if cpu {
                let s = cpu_now();
                f();
                cpu_now() - s
            } else {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64()
            }
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[RUNS / 2]
}

struct Row {
    bits: f64,
    enc: f64,
    dec: f64,
    codec: u8,
}

fn measure_values(v: &[f64], enc: impl Fn(&[f64], &mut Vec<u8>) -> u8) -> Row {
    let mut buf = Vec::new();
    let codec = enc(v, &mut buf);
    let mut out = Vec::with_capacity(v.len());
    decode_values(codec, &buf, v.len(), &mut out).expect("decode");
    assert!(out.iter().zip(v).all(|(a, b)| a.to_bits() == b.to_bits()), "round trip failed");
    let te = time(|| {
        let mut b = Vec::with_capacity(buf.len());
        black_box(enc(black_box(v), &mut b));
    });
    let td = time(|| {
        out.clear();
        decode_values(codec, black_box(&buf), v.len(), &mut out).expect("decode");
        black_box(&out);
    });
    let n = v.len() as f64;
    Row { bits: buf.len() as f64 * 8.0 / n, enc: n / te / 1e6, dec: n / td / 1e6, codec }
}

#[cfg(feature = "pco")]
fn pco_alone(v: &[f64]) -> Row {
    let cfg = pco::ChunkConfig::default();
    let bytes = pco::standalone::simple_compress(v, &cfg).expect("pco");
    let te = time(|| {
        black_box(pco::standalone::simple_compress(black_box(v), &cfg).expect("pco"));
    });
    let td = time(|| {
        black_box(pco::standalone::simple_decompress::<f64>(black_box(&bytes)).expect("pco"));
    });
    let n = v.len() as f64;
    Row { bits: bytes.len() as f64 * 8.0 / n, enc: n / te / 1e6, dec: n / td / 1e6, codec: id::PCO }
}

#[cfg(not(feature = "pco"))]
fn pco_alone(_v: &[f64]) -> Row {
    Row { bits: f64::NAN, enc: f64::NAN, dec: f64::NAN, codec: id::PCO }
}

fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("NANOTS_DATA_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/floats")
}

fn main() {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(e) => {
            eprintln!("cannot read {}: {e} (set NANOTS_DATA_DIR)", dir.display());
            Vec::new()
        }
    };
    files.sort();
    // NANOTS_BENCH_FILTER=substring restricts the data files (for profiling)
    if let Ok(f) = std::env::var("NANOTS_BENCH_FILTER") {
        files.retain(|p| p.to_string_lossy().contains(&f));
    }
    let clock = if std::env::var("NANOTS_BENCH_CPU_TIME").is_ok() { "thread CPU time" } else { "wall clock" };
    println!(
        "bits/value (b/v) and speed (M values/s, median of {RUNS}, {clock}); Hot / Cold codec in brackets"
    );
    println!(
        "{:<18} {:>7} | {:>20} | {:>20} | {:>20} | {:>20}",
        "file", "n", "Hot b/v enc dec", "Cold b/v enc dec", "Gorilla b/v enc dec", "pco b/v enc dec"
    );
    let mut sums = [[0f64; 3]; 4];
    let mut count = 0usize;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read data file");
        let v: Vec<f64> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        if v.is_empty() {
            continue;
        }
        // NANOTS_BENCH_PROFILE_HOT=1: only loop Hot encodes (for perf)
        if std::env::var("NANOTS_BENCH_PROFILE_HOT").is_ok() {
            for _ in 0..200 {
                let mut b = Vec::new();
                black_box(encode_values(&v, Level::Hot, &mut b));
            }
            continue;
        }
        let rows = [
            measure_values(&v, |v, b| encode_values(v, Level::Hot, b)),
            measure_values(&v, |v, b| encode_values(v, Level::Cold, b)),
            measure_values(&v, |v, b| {
                assert!(encode_values_as(id::GORILLA, v, b));
                id::GORILLA
            }),
            pco_alone(&v),
        ];
        let name = f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name = name.trim_end_matches(".csv");
        print!("{:<18} {:>7}", name, v.len());
        for (k, r) in rows.iter().enumerate() {
            print!(" | {:>6.2} {:>6.1} {:>6.0}", r.bits, r.enc, r.dec);
            sums[k][0] += r.bits;
            sums[k][1] += r.enc;
            sums[k][2] += r.dec;
        }
        println!("  [{} / {}]", codec_name(rows[0].codec), codec_name(rows[1].codec));
        count += 1;
    }
    if count > 0 {
        let c = count as f64;
        print!("{:<18} {:>7}", "MEAN", "");
        for s in &sums {
            print!(" | {:>6.2} {:>6.1} {:>6.0}", s[0] / c, s[1] / c, s[2] / c);
        }
        println!();
        let (hot, cold, gor, pco) = (sums[0][0] / c, sums[1][0] / c, sums[2][0] / c, sums[3][0] / c);
        println!("Hot/pco = {:.3}  Hot/Gorilla = {:.3}  Cold/pco = {:.3}", hot / pco, hot / gor, cold / pco);
    }

    database_level(&files, sums[2][0] / count.max(1) as f64, sums[3][0] / count.max(1) as f64);
    reference_workload();

    println!();
    println!("synthetic columns, 1M values: Hot bits/value, encode and decode M values/s");
    let mut y = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd2 = move || {
        y ^= y << 13;
        y ^= y >> 7;
        y ^= y << 17;
        y
    };
    let mut acc = 0i64;
    let walk: Vec<i64> = (0..1_000_000)
        .map(|_| {
            acc += (rnd2() % 201) as i64 - 100;
            acc
        })
        .collect();
    let synth: [(&str, Vec<f64>); 3] = [
        ("integer walk", walk.iter().map(|&i| i as f64).collect()),
        ("decimal walk e=2", walk.iter().map(|&i| i as f64 / 100.0).collect()),
        ("gorilla sine", (0..1_000_000).map(|i| (f64::from(i) * 1e-3).sin()).collect()),
    ];
    // NANOTS_BENCH_PROFILE=<k>: decode synthetic column k in a loop (for perf)
    if let Ok(k) = std::env::var("NANOTS_BENCH_PROFILE") {
        let v = &synth[k.parse::<usize>().unwrap_or(0) % synth.len()].1;
        let mut buf = Vec::new();
        let c = encode_values(v, Level::Hot, &mut buf);
        let mut out = Vec::with_capacity(v.len());
        for _ in 0..300 {
            out.clear();
            decode_values(c, &buf, v.len(), &mut out).expect("decode");
        }
        black_box(&out);
        return;
    }
    for (name, v) in &synth {
        let r = measure_values(v, |v, b| encode_values(v, Level::Hot, b));
        println!(
            "{:<18} {:>8.3} b/v  enc {:>7.1}  dec {:>7.1}  [{}]",
            name,
            r.bits,
            r.enc,
            r.dec,
            codec_name(r.codec)
        );
    }

    println!();
    println!("timestamps, 100k each: bits/ts, encode and decode M ts/s (median of {RUNS})");
    let n = 100_000i64;
    let t0 = 1_700_000_000_000i64;
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let regular: Vec<i64> = (0..n).map(|i| t0 + i * 1000).collect();
    let jit1: Vec<i64> = (0..n).map(|i| t0 + i * 1000 + (rnd() % 3) as i64 - 1).collect();
    let jit50: Vec<i64> = (0..n).map(|i| t0 + i * 1000 + (rnd() % 101) as i64 - 50).collect();
    let mut t = t0;
    let gappy: Vec<i64> = (0..n)
        .map(|_| {
            t += if rnd() % 2000 == 0 { 3_600_000 * (1 + (rnd() % 5) as i64) } else { 1000 };
            t
        })
        .collect();
    for (name, ts) in [
        ("regular 1000 ms", &regular),
        ("jitter +-1 ms", &jit1),
        ("jitter +-50 ms", &jit50),
        ("gappy (hours)", &gappy),
    ] {
        let mut buf = Vec::new();
        let codec = encode_timestamps(ts, &mut buf);
        let mut out = Vec::with_capacity(ts.len());
        decode_timestamps(codec, &buf, ts.len(), &mut out).expect("decode");
        assert_eq!(&out, ts);
        let te = time(|| {
            let mut b = Vec::with_capacity(buf.len());
            black_box(encode_timestamps(black_box(ts), &mut b));
        });
        let td = time(|| {
            out.clear();
            decode_timestamps(codec, black_box(&buf), ts.len(), &mut out).expect("decode");
            black_box(&out);
        });
        let nf = ts.len() as f64;
        println!(
            "{:<18} {:>8.4} bits/ts  enc {:>7.1}  dec {:>7.1}  [{}]",
            name,
            buf.len() as f64 * 8.0 / nf,
            nf / te / 1e6,
            nf / td / 1e6,
            codec_name(codec)
        );
    }
}

/// The same files stored through the database: one-column tables with
/// timestamps 1 s apart, flushed with the defaults (segments of up to 131,072 rows),
/// then packed (cold tier, one segment). Bits/value of the value column's
/// chunks, from `stats`.
fn database_level(files: &[PathBuf], gorilla_mean: f64, pco_mean: f64) {
    use nanots::{NanoTsDb, NanoTsOptions};
    println!();
    println!("database level: value-column bits/value after flush and after pack_table (codec used)");
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut flush_sum, mut pack_sum, mut n) = (0.0, 0.0, 0usize);
    for f in files {
        let text = std::fs::read_to_string(f).expect("read data file");
        let v: Vec<f64> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        if v.is_empty() {
            continue;
        }
        let ts: Vec<i64> = (0..v.len() as i64).map(|i| 1_700_000_000_000 + i * 1000).collect();
        let path = dir.path().join("db.ntt");
        let _ = std::fs::remove_file(&path);
        let db = NanoTsDb::open(&path, NanoTsOptions::default()).expect("open");
        db.create_table("t", &["v"]).expect("create");
        db.append_rows("t", &ts, &[&v]).expect("append");
        db.flush().expect("flush");
        let bits = |db: &NanoTsDb| {
            let s = db.stats("t").expect("stats");
            let c = &s.columns[0];
            (
                c.bytes_on_disk as f64 * 8.0 / v.len() as f64,
                c.codecs.iter().map(|u| u.name).collect::<Vec<_>>().join("+"),
            )
        };
        let (after_flush, flush_codecs) = bits(&db);
        db.pack_table("t", 1 << 20).expect("pack");
        let (after_pack, pack_codecs) = bits(&db);
        let (got_ts, got) = db.query_table_range_columns("t", i64::MIN, i64::MAX).expect("query");
        assert_eq!(got_ts, ts);
        assert!(got[0].iter().zip(&v).all(|(a, b)| a.to_bits() == b.to_bits()), "round trip");
        db.close().expect("close");
        let name = f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        println!(
            "{:<18} {:>7} | flush {:>6.2} b/v ({flush_codecs}) | pack {:>6.2} b/v ({pack_codecs})",
            name.trim_end_matches(".csv"),
            v.len(),
            after_flush,
            after_pack
        );
        flush_sum += after_flush;
        pack_sum += after_pack;
        n += 1;
    }
    if n > 0 {
        let (fl, pk) = (flush_sum / n as f64, pack_sum / n as f64);
        println!(
            "MEAN: after flush {fl:.2} b/v, after pack {pk:.2} b/v; Gorilla alone {gorilla_mean:.2}, pco alone {pco_mean:.2}"
        );
        println!(
            "after pack / pco = {:.3} (bar <= 1.05); after flush / pco = {:.3} (bar <= 1.6); after flush / Gorilla = {:.3} (bar <= 0.4)",
            pk / pco_mean,
            fl / pco_mean,
            fl / gorilla_mean
        );
    }
}

/// The reference design's workload: 100,000 rows, one every 1000 ms, value
/// `25.0 + i * 0.001`, whole-file bytes against 16 raw bytes per row (the
/// reference reports 79.82x); and a query of all 100,000 rows.
fn reference_workload() {
    use nanots::{NanoTsDb, NanoTsOptions};
    println!();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reference.ntt");
    let rows = 100_000i64;
    let t0 = 1_704_067_200_000i64;
    {
        let db = NanoTsDb::open(&path, NanoTsOptions::default()).expect("open");
        for i in 0..rows {
            db.append("sensor", t0 + i * 1000, 25.0 + i as f64 * 0.001).expect("append");
        }
        db.close().expect("close");
    }
    let raw = rows as f64 * 16.0;
    let flushed = std::fs::metadata(&path).expect("stat").len();
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).expect("open");
    db.pack_table("sensor", 8192).expect("pack");
    db.close().expect("close");
    let packed = std::fs::metadata(&path).expect("stat").len();
    println!(
        "reference workload (100,000 rows, 16 raw bytes each): whole file {flushed} bytes after flush+close = {:.0}x; {packed} bytes after pack_table(8192) = {:.0}x (reference: 79.82x)",
        raw / flushed as f64,
        raw / packed as f64
    );
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).expect("open");
    let mut times: Vec<f64> = (0..51)
        .map(|_| {
            let t = std::time::Instant::now();
            let (ts, cols) =
                db.query_table_range_columns("sensor", t0, t0 + (rows - 1) * 1000).expect("query");
            let e = t.elapsed().as_secs_f64();
            assert_eq!((ts.len(), cols[0].len()), (rows as usize, rows as usize));
            black_box(&cols);
            e
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "query of 100,000 rows (ts + 1 column): median {:.3} ms of 51 (reference: 15.58 ms)",
        times[25] * 1e3
    );
}
