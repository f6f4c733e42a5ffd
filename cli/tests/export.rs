//! `nanots export`: Parquet with the layout the issue asks for (read back
//! here with the parquet crate), day partitions, Arrow IPC and CSV, and no
//! half-written output after an error.

mod common;
use common::{entries, nanots, rows, tempdir, write};

use std::fs::File;
use std::path::Path;

use arrow_array::{Array, Float64Array, RecordBatch, TimestampMillisecondArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, LogicalType, TimeUnit, TimestampType, Type as PhysicalType};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const MIN: i64 = 60_000;

/// Table `t (a, b)` with `n` rows one minute apart from T0 (a = i / 8,
/// b = -i), written by `parts` imports (so `parts` segments).
fn sample(dir: &Path, n: i64, parts: i64) {
    let per = n / parts;
    for p in 0..parts {
        let csv: String = std::iter::once("ts_ms,a,b\n".to_owned())
            .chain((p * per..(p + 1) * per).map(|i| format!("{},{},{}\n", T0 + i * MIN, i as f64 / 8.0, -i)))
            .collect();
        write(dir, "part.csv", &csv);
        nanots(dir, &["import", "db.ntt", "t", "part.csv"]).ok();
    }
    std::fs::remove_file(dir.join("part.csv")).unwrap();
}

/// (ts, a bits, b bits) of every row of `batches`.
fn flatten(batches: &[RecordBatch]) -> (Vec<i64>, Vec<u64>, Vec<u64>) {
    let (mut ts, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for batch in batches {
        let t = batch.column(0).as_any().downcast_ref::<TimestampMillisecondArray>().unwrap();
        assert_eq!(t.null_count(), 0);
        ts.extend_from_slice(t.values());
        for (out, c) in [(&mut a, 1), (&mut b, 2)] {
            let col = batch.column(c).as_any().downcast_ref::<Float64Array>().unwrap();
            out.extend(col.values().iter().map(|v| v.to_bits()));
        }
    }
    (ts, a, b)
}

fn expected(db: &Path) -> (Vec<i64>, Vec<u64>, Vec<u64>) {
    let c = rows(db, "t");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    (c.ts.clone(), bits(&c.columns[0]), bits(&c.columns[1]))
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap().build().unwrap();
    reader.map(Result::unwrap).collect()
}

#[test]
fn parquet_layout_and_values() {
    let dir = tempdir();
    sample(dir.path(), 2500, 1);
    let run =
        nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "t.parquet", "--row-group-rows", "1000"]);
    assert_eq!(run.ok(), "");
    assert!(run.stderr.starts_with("exported 2500 rows of t to t.parquet ("), "{}", run.stderr);
    assert_eq!(entries(dir.path()), ["db.ntt", "t.parquet"]);

    let reader = SerializedFileReader::new(File::open(dir.path().join("t.parquet")).unwrap()).unwrap();
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let ts = schema.column(0);
    assert_eq!((ts.name(), ts.physical_type()), ("ts_ms", PhysicalType::INT64));
    assert_eq!(
        ts.logical_type_ref(),
        Some(&LogicalType::Timestamp(TimestampType { is_adjusted_to_u_t_c: true, unit: TimeUnit::MILLIS }))
    );
    for c in 1..3 {
        assert_eq!(schema.column(c).physical_type(), PhysicalType::DOUBLE);
    }
    assert_eq!(schema.column(1).name(), "a");
    let kv = meta.file_metadata().key_value_metadata().unwrap();
    assert!(kv.iter().any(|k| k.key == "nanots.table" && k.value.as_deref() == Some("t")));
    let sizes: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    for (g, rg) in meta.row_groups().iter().enumerate() {
        let sorting = rg.sorting_columns().expect("sorting columns declared");
        assert_eq!(sorting.len(), 1);
        assert_eq!((sorting[0].column_idx, sorting[0].descending), (0, false));
        for c in rg.columns() {
            assert!(matches!(c.compression(), Compression::ZSTD(_)), "{:?}", c.compression());
            let stats = c.statistics().expect("statistics written");
            assert_eq!(stats.null_count_opt(), Some(0));
            assert!(stats.min_bytes_opt().is_some() && stats.max_bytes_opt().is_some());
        }
        let ts_stats = rg.column(0).statistics().unwrap();
        let first = T0 + g as i64 * 1000 * MIN;
        assert_eq!(ts_stats.min_bytes_opt().unwrap(), first.to_le_bytes());
        let last = first + (sizes[g] - 1) * MIN;
        assert_eq!(ts_stats.max_bytes_opt().unwrap(), last.to_le_bytes());
    }
    // Page statistics: every column chunk has a column index.
    for rg in meta.row_groups() {
        assert!(rg.columns().iter().all(|c| c.column_index_offset().is_some()));
    }
    assert_eq!(flatten(&read_parquet(&dir.path().join("t.parquet"))), expected(&dir.path().join("db.ntt")));
    // Permissions are those of any new file (the umask's), not a
    // temporary file's 0600.
    write(dir.path(), "reference", "");
    assert_eq!(mode(&dir.path().join("t.parquet")), mode(&dir.path().join("reference")));
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn parquet_range_and_empty_range() {
    let dir = tempdir();
    sample(dir.path(), 100, 1);
    let from = (T0 + 10 * MIN).to_string();
    nanots(
        dir.path(),
        &["export", "db.ntt", "t", "--from", &from, "--to", "2024-01-01T00:19:00Z", "--parquet", "r.parquet"],
    )
    .ok();
    let (ts, _, b) = flatten(&read_parquet(&dir.path().join("r.parquet")));
    assert_eq!(ts, (10..20).map(|i| T0 + i * MIN).collect::<Vec<_>>());
    assert_eq!(b, (10..20).map(|i| (-(i as f64)).to_bits()).collect::<Vec<_>>());
    // Nothing in range: a file with the schema and no rows.
    let run = nanots(dir.path(), &["export", "db.ntt", "t", "--to", "0", "--parquet", "e.parquet"]);
    assert!(run.ok().is_empty() && run.stderr.starts_with("exported 0 rows"), "{}", run.stderr);
    let reader = SerializedFileReader::new(File::open(dir.path().join("e.parquet")).unwrap()).unwrap();
    assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
    assert_eq!(reader.metadata().file_metadata().schema_descr().num_columns(), 3);
}

#[test]
fn partition_by_day_is_hive_style() {
    let dir = tempdir();
    // 4000 minutes: 2024-01-01 to 2024-01-03 16:39.
    sample(dir.path(), 4000, 2);
    let run = nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "lake", "--partition", "day"]);
    assert_eq!(run.ok(), "");
    assert!(run.stderr.starts_with("exported 4000 rows of t to lake/table=t (3 files, "), "{}", run.stderr);
    assert_eq!(entries(&dir.path().join("lake")), ["table=t"], "no staging directory left");
    let days = entries(&dir.path().join("lake/table=t"));
    assert_eq!(days, ["date=2024-01-01", "date=2024-01-02", "date=2024-01-03"]);
    let mut all = (Vec::new(), Vec::new(), Vec::new());
    for (d, day) in days.iter().enumerate() {
        let part = dir.path().join("lake/table=t").join(day);
        assert_eq!(entries(&part), ["part-0.parquet"]);
        let (ts, a, b) = flatten(&read_parquet(&part.join("part-0.parquet")));
        let day_start = T0 + d as i64 * 86_400_000;
        assert!(ts.iter().all(|&t| (day_start..day_start + 86_400_000).contains(&t)), "{day}");
        all.0.extend(ts);
        all.1.extend(a);
        all.2.extend(b);
    }
    assert_eq!(all, expected(&dir.path().join("db.ntt")));
    std::fs::create_dir(dir.path().join("reference")).unwrap();
    assert_eq!(mode(&dir.path().join("lake/table=t")), mode(&dir.path().join("reference")));
    // Again: the partition exists.
    let err = nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "lake", "--partition", "day"])
        .fails(1)
        .to_owned();
    assert_eq!(err, "error: lake/table=t exists: remove it, or pass --force to replace it\n");
    // --force replaces it with a narrower export.
    nanots(
        dir.path(),
        &[
            "export",
            "db.ntt",
            "t",
            "--parquet",
            "lake",
            "--partition",
            "day",
            "--force",
            "--to",
            "2024-01-01T23:59:59.999Z",
        ],
    )
    .ok();
    assert_eq!(entries(&dir.path().join("lake/table=t")), ["date=2024-01-01"]);
    assert_eq!(entries(&dir.path().join("lake")), ["table=t"], "the replaced partition is gone");
    // CSV partitions too.
    nanots(dir.path(), &["export", "db.ntt", "t", "--csv", "csvlake", "--partition", "day"]).ok();
    let text =
        std::fs::read_to_string(dir.path().join("csvlake/table=t/date=2024-01-03/part-0.csv")).unwrap();
    assert!(text.starts_with("ts_ms,a,b\n2024-01-03T00:00:00.000Z,360.0,-2880.0\n"), "{}", &text[..80]);
}

#[test]
fn arrow_ipc_and_csv_files() {
    let dir = tempdir();
    sample(dir.path(), 300, 3);
    nanots(dir.path(), &["export", "db.ntt", "t", "--arrow-ipc", "t.arrow"]).ok();
    let reader =
        arrow_ipc::reader::FileReader::try_new(File::open(dir.path().join("t.arrow")).unwrap(), None)
            .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(flatten(&batches), expected(&dir.path().join("db.ntt")));

    nanots(dir.path(), &["export", "db.ntt", "t", "--csv", "t.csv", "--to", &(T0 + MIN).to_string()]).ok();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("t.csv")).unwrap(),
        "ts_ms,a,b\n2024-01-01T00:00:00.000Z,0.0,0.0\n2024-01-01T00:01:00.000Z,0.125,-1.0\n"
    );
    let run =
        nanots(dir.path(), &["export", "db.ntt", "t", "--csv", "-", "--from", &(T0 + 299 * MIN).to_string()]);
    assert_eq!(run.ok(), "ts_ms,a,b\n2024-01-01T04:59:00.000Z,37.375,-299.0\n");
    // The CSV imports back to the same rows.
    nanots(dir.path(), &["export", "db.ntt", "t", "--csv", "all.csv"]).ok();
    nanots(dir.path(), &["import", "copy.ntt", "t", "all.csv"]).ok();
    assert_eq!(rows(&dir.path().join("copy.ntt"), "t"), rows(&dir.path().join("db.ntt"), "t"));
}

#[test]
fn outputs_are_never_half_written() {
    let dir = tempdir();
    sample(dir.path(), 15_000, 3);
    let db = dir.path().join("db.ntt");
    // Damage the last segment's data (its last byte: the segment header
    // is read at open in a file this small, which has no checkpoint, SPEC.md
    // 3.4): the export fails after writing two thirds.
    let mut bytes = std::fs::read(&db).unwrap();
    let at = last_segment_end(&bytes) - 1;
    bytes[at] ^= 0x55;
    std::fs::write(&db, &bytes).unwrap();
    let two_thirds = (T0 + 9_999 * MIN).to_string();
    let q = nanots(dir.path(), &["query", "db.ntt", "t", "--to", &two_thirds, "--format", "csv"]);
    assert_eq!(q.ok().lines().count(), 10_001, "the first two segments are sound");

    for args in [
        &["--parquet", "t.parquet"][..],
        &["--arrow-ipc", "t.arrow"],
        &["--csv", "t.csv"],
        &["--parquet", "lake", "--partition", "day"],
    ] {
        let mut full = vec!["export", "db.ntt", "t"];
        full.extend_from_slice(args);
        let run = nanots(dir.path(), &full);
        let err = run.fails(1);
        assert!(err.starts_with("error: cannot read table \"t\" of db.ntt: corrupt: "), "{args:?}: {err}");
        let left: Vec<String> = entries(dir.path()).into_iter().filter(|e| e != "lake").collect();
        assert_eq!(left, ["db.ntt"], "{args:?} left a file");
    }
    assert!(entries(&dir.path().join("lake")).is_empty(), "no partition and no staging directory left");
    // An existing output is left as it was.
    write(dir.path(), "keep.parquet", "not parquet");
    let err = nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "keep.parquet", "--force"])
        .fails(1)
        .to_owned();
    assert!(err.starts_with("error: cannot read table"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("keep.parquet")).unwrap(), "not parquet");
}

#[test]
fn refusals() {
    let dir = tempdir();
    sample(dir.path(), 10, 1);
    write(dir.path(), "there.parquet", "x");
    for (args, err) in [
        (
            &["--parquet", "there.parquet"][..],
            "error: there.parquet exists: remove it, or pass --force to replace it\n",
        ),
        (&["--parquet", "-"], "error: only --csv can write to standard output (-)\n"),
        (
            &["--csv", "-", "--partition", "day"],
            "error: --partition writes files into a directory: it cannot go to standard output\n",
        ),
        (
            &["--parquet", "there.parquet", "--partition", "day"],
            "error: there.parquet is a file: --partition needs a directory to write table=t/ into\n",
        ),
        (
            &["--parquet", "no/such/dir/t.parquet"],
            "error: cannot write no/such/dir/t.parquet: no directory no/such/dir\n",
        ),
        (&["--parquet", "z.parquet", "--zstd-level", "99"], ""),
    ] {
        let mut full = vec!["export", "db.ntt", "t"];
        full.extend_from_slice(args);
        let run = nanots(dir.path(), &full);
        let got = run.fails(1);
        if err.is_empty() {
            assert!(got.starts_with("error: --zstd-level 99: "), "{got}");
        } else {
            assert_eq!(got, err, "{args:?}");
        }
    }
    let run = nanots(dir.path(), &["export", "db.ntt", "nope", "--parquet", "n.parquet"]);
    assert_eq!(run.fails(1), "error: no table \"nope\" in db.ntt; its tables: t\n");
    assert_eq!(entries(dir.path()), ["db.ntt", "there.parquet"]);
    // --force replaces a file.
    nanots(dir.path(), &["export", "db.ntt", "t", "--parquet", "there.parquet", "--force"]).ok();
    assert_eq!(flatten(&read_parquet(&dir.path().join("there.parquet"))).0.len(), 10);
}

/// End of the last Segment record (type 2) of a format-4 `.ntt` image,
/// walking the records from the end of its 104-byte header (SPEC.md 3).
fn last_segment_end(b: &[u8]) -> usize {
    assert_eq!(b[8..12], 4u32.to_le_bytes(), "a format-4 file");
    let (mut at, mut end) = (104, 0);
    while at + 12 <= b.len() {
        let len = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        if b[at + 4] == 2 {
            end = at + 12 + len;
        }
        at += 12 + len;
    }
    assert!(end > 0, "a segment record");
    end
}
