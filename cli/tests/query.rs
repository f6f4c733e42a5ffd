//! `nanots query`, `aggregate` and `latest`: exactly these rows, in every
//! output format, and clear errors.

mod common;
use common::{nanots, tempdir};

use arrow_array::{Array, Float64Array, TimestampMillisecondArray, UInt64Array};

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// Table `t (a, b)`: rows at T0 + i minutes, a = i, b = -i / 4, i in 0..6,
/// plus a NaN in `b` at i = 6.
fn sample(dir: &std::path::Path) {
    let mut sql = String::from("CREATE TABLE t (a, b); INSERT INTO t VALUES ");
    let rows: Vec<String> =
        (0..6).map(|i| format!("({}, {i}, {})", T0 + i * 60_000, -(i as f64) / 4.0)).collect();
    sql.push_str(&rows.join(", "));
    sql.push_str(&format!(", ({}, 6, NaN)", T0 + 6 * 60_000));
    nanots(dir, &["sql", "db.ntt", &sql]).ok();
}

#[test]
fn query_csv_json_and_range_bounds() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(
        dir.path(),
        &[
            "query",
            "db.ntt",
            "t",
            "--from",
            "2024-01-01T00:01:00Z",
            "--to",
            &(T0 + 3 * 60_000).to_string(),
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        run.ok(),
        "ts_ms,a,b\n\
         2024-01-01T00:01:00.000Z,1.0,-0.25\n\
         2024-01-01T00:02:00.000Z,2.0,-0.5\n\
         2024-01-01T00:03:00.000Z,3.0,-0.75\n"
    );
    assert_eq!(run.stderr, "");
    let run =
        nanots(dir.path(), &["query", "db.ntt", "t", "--from", "2024-01-01 00:05:00", "--format", "json"]);
    assert_eq!(
        run.ok(),
        "{\"ts_ms\":\"2024-01-01T00:05:00.000Z\",\"a\":5.0,\"b\":-1.25}\n\
         {\"ts_ms\":\"2024-01-01T00:06:00.000Z\",\"a\":6.0,\"b\":null}\n"
    );
    // An empty range still has its header.
    assert_eq!(
        nanots(dir.path(), &["query", "db.ntt", "t", "--to", "0", "--format", "csv"]).ok(),
        "ts_ms,a,b\n"
    );
}

#[test]
fn query_table_shows_both_ends_of_a_long_result() {
    let dir = tempdir();
    sample(dir.path());
    let out = nanots(dir.path(), &["query", "db.ntt", "t", "--max-rows", "4"]).ok().to_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].contains("ts_ms") && lines[1].contains(" a ") && lines[1].contains(" b "), "{out}");
    let body: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("│")).collect();
    assert_eq!(body.len(), 6, "header, 2 first rows, an ellipsis row, 2 last rows:\n{out}");
    assert!(
        body[1].contains("2024-01-01T00:00:00.000Z") && body[2].contains("2024-01-01T00:01:00.000Z"),
        "{out}"
    );
    assert!(body[3].contains('…'), "{out}");
    assert!(body[4].contains("2024-01-01T00:05:00.000Z") && body[5].contains("NaN"), "{out}");
    assert_eq!(*lines.last().unwrap(), "7 rows (4 shown; --max-rows 0 shows all, --format csv for data)");
    let all = nanots(dir.path(), &["query", "db.ntt", "t", "--max-rows", "0"]).ok().to_owned();
    assert_eq!(all.lines().filter(|l| l.starts_with("│")).count(), 8, "{all}");
    assert!(all.ends_with("\n7 rows\n"), "{all}");
}

#[test]
fn query_arrow_stream_is_bit_exact() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(dir.path(), &["query", "db.ntt", "t", "--format", "arrow"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reader =
        arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(run.stdout_bytes), None).unwrap();
    let schema = reader.schema();
    assert_eq!(format!("{:?}", schema.field(0).data_type()), "Timestamp(Millisecond, Some(\"UTC\"))");
    let (mut ts, mut b, mut nulls) = (Vec::new(), Vec::new(), 0);
    for batch in reader {
        let batch = batch.unwrap();
        let t = batch.column(0).as_any().downcast_ref::<TimestampMillisecondArray>().unwrap();
        ts.extend_from_slice(t.values());
        let col = batch.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
        b.extend(col.values().iter().map(|v| v.to_bits()));
        nulls += col.null_count();
    }
    assert_eq!(ts, (0..7).map(|i| T0 + i * 60_000).collect::<Vec<_>>());
    let want: Vec<u64> = (0..6).map(|i| (-(i as f64) / 4.0).to_bits()).chain([f64::NAN.to_bits()]).collect();
    assert_eq!(b, want);
    assert_eq!(nulls, 0);
}

#[test]
fn aggregate_buckets_and_functions() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(
        dir.path(),
        &[
            "aggregate",
            "db.ntt",
            "t",
            "--bucket",
            "2m",
            "--agg",
            "min,max,mean,count,first,last",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        run.ok(),
        "bucket_start,a_min,a_max,a_mean,a_count,a_first,a_last,b_min,b_max,b_mean,b_count,b_first,b_last\n\
         2024-01-01T00:00:00.000Z,0.0,1.0,0.5,2,0.0,1.0,-0.25,-0.0,-0.125,2,-0.0,-0.25\n\
         2024-01-01T00:02:00.000Z,2.0,3.0,2.5,2,2.0,3.0,-0.75,-0.5,-0.625,2,-0.5,-0.75\n\
         2024-01-01T00:04:00.000Z,4.0,5.0,4.5,2,4.0,5.0,-1.25,-1.0,-1.125,2,-1.0,-1.25\n\
         2024-01-01T00:06:00.000Z,6.0,6.0,6.0,1,6.0,6.0,NaN,NaN,NaN,1,NaN,NaN\n"
    );
    // Arrow: counts are uint64.
    let run = nanots(
        dir.path(),
        &["aggregate", "db.ntt", "t", "--bucket", "1h", "--agg", "count", "--format", "arrow"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader =
        arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(run.stdout_bytes), None).unwrap();
    let batch = reader.next().unwrap().unwrap();
    let counts = batch.column(1).as_any().downcast_ref::<UInt64Array>().unwrap();
    assert_eq!(counts.values().to_vec(), [7]);
    // A bucket in raw ms and a range.
    let run = nanots(
        dir.path(),
        &[
            "aggregate",
            "db.ntt",
            "t",
            "--bucket",
            "600000",
            "--agg",
            "sum",
            "--from",
            "2024-01-01T00:03:00Z",
            "--format",
            "csv",
        ],
    );
    assert_eq!(run.ok(), "bucket_start,a_sum,b_sum\n2024-01-01T00:00:00.000Z,18.0,-3.0\n");
}

#[test]
fn latest_rows() {
    let dir = tempdir();
    sample(dir.path());
    assert_eq!(
        nanots(dir.path(), &["latest", "db.ntt", "t", "--format", "csv"]).ok(),
        "ts_ms,a,b\n2024-01-01T00:06:00.000Z,6.0,NaN\n"
    );
    assert_eq!(
        nanots(dir.path(), &["latest", "db.ntt", "t", "-n", "3", "--format", "csv"]).ok(),
        "ts_ms,a,b\n2024-01-01T00:04:00.000Z,4.0,-1.0\n2024-01-01T00:05:00.000Z,5.0,-1.25\n2024-01-01T00:06:00.000Z,6.0,NaN\n"
    );
    let table = nanots(dir.path(), &["latest", "db.ntt", "t", "-n", "50"]).ok().to_owned();
    assert!(table.ends_with("\n7 rows\n"), "{table}");
}

#[test]
fn errors_name_what_and_where() {
    let dir = tempdir();
    sample(dir.path());
    for (args, err) in [
        (&["query", "db.ntt", "nope"][..], "error: no table \"nope\" in db.ntt; its tables: t\n"),
        (&["latest", "db.ntt", "nope"], "error: no table \"nope\" in db.ntt; its tables: t\n"),
        (
            &["aggregate", "db.ntt", "nope", "--bucket", "1h", "--agg", "min"],
            "error: no table \"nope\" in db.ntt; its tables: t\n",
        ),
        (&["query", "missing.ntt", "t"], "error: missing.ntt: no such database file\n"),
        (
            &["query", "db.ntt", "t", "--from", "2024-02-01", "--to", "2024-01-01"],
            "error: --from (1706745600000 ms) is after --to (1704067200000 ms)\n",
        ),
    ] {
        let run = nanots(dir.path(), args);
        assert_eq!(run.fails(1), err, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
    assert_eq!(common::entries(dir.path()), ["db.ntt"], "a read creates nothing");
}
