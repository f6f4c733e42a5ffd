//! The Parquet export read back by pyarrow and by DuckDB (in the virtual
//! environment of `scripts/pyenv.sh`): the same rows and bit-identical
//! values as the database holds, as one file and as day partitions.
//! Skipped (with `SKIPPED` on stderr) when the environment cannot be made,
//! a failure under `NANOTS_NO_SKIP=1`.

mod common;
use common::{nanots, python_with_pyarrow_and_duckdb, rows, tempdir, write};

use std::path::Path;
use std::process::Command;

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// Doubles from a fixed sequence of bit patterns (finite ones: CSV has no
/// NaN payloads), printed in Rust's shortest round-trip form, plus the
/// special values.
fn values(n: usize) -> Vec<f64> {
    let mut specials = vec![
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        0.1,
        -1e-300,
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while specials.len() < n {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let v = f64::from_bits(x);
        if v.is_finite() {
            specials.push(v);
        }
    }
    specials
}

/// `reader ts bits...` lines from the script, as (ts, bits) for `reader`.
fn seen(out: &str, reader: &str) -> Vec<(i64, Vec<u64>)> {
    out.lines()
        .filter_map(|l| l.strip_prefix(reader).and_then(|r| r.strip_prefix(' ')))
        .map(|l| {
            let mut it = l.split(' ');
            let ts = it.next().unwrap().parse().unwrap();
            let bits =
                it.map(|h| u64::from_le_bytes(u64::from_str_radix(h, 16).unwrap().to_be_bytes())).collect();
            (ts, bits)
        })
        .collect()
}

fn read_back(py: &Path, path: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_parquet.py");
    let out = Command::new(py).arg(script).arg(path).output().expect("python runs");
    assert!(out.status.success(), "read_parquet.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pyarrow_and_duckdb_read_the_same_rows_bit_exactly() {
    let Some(py) = python_with_pyarrow_and_duckdb() else { return };
    let dir = tempdir();
    // 3000 rows, 100 s apart (3.5 days), two value columns.
    let n = 3000;
    let a = values(n);
    let b: Vec<f64> = a.iter().rev().copied().collect();
    let csv: String = std::iter::once("ts_ms,a,b\n".to_owned())
        .chain((0..n).map(|i| format!("{},{:?},{:?}\n", T0 + i as i64 * 100_000, a[i], b[i])))
        .collect();
    write(dir.path(), "in.csv", &csv);
    nanots(dir.path(), &["import", "db.ntt", "t", "in.csv"]).ok();
    let stored = rows(&dir.path().join("db.ntt"), "t");
    let want: Vec<(i64, Vec<u64>)> = (0..n)
        .map(|i| (stored.ts[i], vec![stored.columns[0][i].to_bits(), stored.columns[1][i].to_bits()]))
        .collect();
    // What was stored is what the CSV said, bit for bit.
    assert_eq!(
        want.iter().map(|r| r.1[0]).collect::<Vec<_>>(),
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );

    nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "t.parquet", "--row-group-rows", "1000"]).ok();
    let out = read_back(&py, &dir.path().join("t.parquet"));
    assert!(out.contains("schema pyarrow ts_ms: timestamp[ms, tz=UTC] nullable=False\n"), "{out}");
    assert!(out.contains("schema pyarrow a: double nullable=False\n"), "{out}");
    assert!(out.contains("duckdb-type ts_ms TIMESTAMP WITH TIME ZONE\n"), "{out}");
    assert!(out.contains("duckdb-type b DOUBLE\n"), "{out}");
    assert_eq!(seen(&out, "pyarrow"), want, "pyarrow");
    assert_eq!(seen(&out, "duckdb"), want, "duckdb");

    nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "lake", "--partition", "day"]).ok();
    let out = read_back(&py, &dir.path().join("lake/table=t"));
    assert_eq!(seen(&out, "pyarrow"), want, "pyarrow, partitioned");
    assert_eq!(seen(&out, "duckdb"), want, "duckdb, partitioned");
    // DuckDB's Hive filter sees the days: 864 rows a day, 408 on the last.
    let days: Vec<&str> = out.lines().filter(|l| l.starts_with("duckdb-day ")).collect();
    assert_eq!(
        days,
        [
            "duckdb-day 2024-01-01 864",
            "duckdb-day 2024-01-02 864",
            "duckdb-day 2024-01-03 864",
            "duckdb-day 2024-01-04 408"
        ]
    );
}
