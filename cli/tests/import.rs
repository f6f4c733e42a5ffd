//! `nanots import`: CSV in, exactly these rows stored; a bad line names
//! itself and leaves nothing imported.

mod common;
use common::{entries, nanots, nanots_stdin, rows, tempdir, write};

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

#[test]
fn creates_the_table_from_the_header_with_exact_values() {
    let dir = tempdir();
    write(
        dir.path(),
        "a.csv",
        "time,temp,hum\n\
         2024-01-01T00:00:00Z,21.5,40\n\
         2024-01-01 00:01:00,-0.0,1e-300\n\
         2024-01-01T02:02:00+02:00,NaN,inf\n\
         2024-01-01T00:03:00.250Z,0.1,-infinity\n",
    );
    let run = nanots(dir.path(), &["import", "db.ntt", "env", "a.csv"]);
    run.ok();
    assert_eq!(run.stdout, "", "import writes its summary to stderr");
    assert!(
        run.stderr.starts_with("imported 4 rows into new table \"env\" of db.ntt from a.csv in "),
        "{}",
        run.stderr
    );
    assert_eq!(entries(dir.path()), ["a.csv", "db.ntt"], "no WAL and no staging file left");
    let db = nanots::NanoTsDb::open_read_only(dir.path().join("db.ntt")).unwrap();
    assert_eq!(db.table_columns("env").unwrap(), ["temp", "hum"]);
    let got = db.query_range("env", i64::MIN, i64::MAX).unwrap();
    assert_eq!(got.ts, [T0, T0 + 60_000, T0 + 120_000, T0 + 180_250]);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got.columns[0]), bits(&[21.5, -0.0, f64::NAN, 0.1]));
    assert_eq!(bits(&got.columns[1]), bits(&[40.0, 1e-300, f64::INFINITY, f64::NEG_INFINITY]));
}

#[test]
fn timestamp_column_and_units() {
    let dir = tempdir();
    // ts_ms wins over the others and is in ms whatever its magnitude.
    write(dir.path(), "ms.csv", "v,time,ts_ms\n1,99,5\n2,99,6\n");
    nanots(dir.path(), &["import", "db.ntt", "a", "ms.csv"]).ok();
    let a = rows(&dir.path().join("db.ntt"), "a");
    assert_eq!((a.ts.as_slice(), a.columns.len()), (&[5, 6][..], 2));
    // Seconds, decided from the first value's magnitude; fractions allowed.
    write(dir.path(), "s.csv", "timestamp,v\n1704067200,1\n1704067201.5,2\n");
    nanots(dir.path(), &["import", "db.ntt", "b", "s.csv"]).ok();
    assert_eq!(rows(&dir.path().join("db.ntt"), "b").ts, [T0, T0 + 1500]);
    // Milliseconds from the magnitude.
    write(dir.path(), "m.csv", "timestamp,v\n1704067200000,1\n");
    nanots(dir.path(), &["import", "db.ntt", "c", "m.csv"]).ok();
    assert_eq!(rows(&dir.path().join("db.ntt"), "c").ts, [T0]);
    // No known name: the first column; --ts-unit overrides the guess.
    write(dir.path(), "first.csv", "at,v\n7,1\n");
    nanots(dir.path(), &["import", "db.ntt", "d", "first.csv", "--ts-unit", "ms"]).ok();
    assert_eq!(rows(&dir.path().join("db.ntt"), "d").ts, [7]);
    nanots(dir.path(), &["import", "db.ntt", "e", "first.csv"]).ok();
    assert_eq!(rows(&dir.path().join("db.ntt"), "e").ts, [7000]);
    // --ts-column names it; the other columns are values, in CSV order.
    write(dir.path(), "named.csv", "x;sampled;y\n1;2024-01-01;2\n");
    nanots(dir.path(), &["import", "db.ntt", "f", "named.csv", "--ts-column", "sampled", "--delimiter", ";"])
        .ok();
    let f = rows(&dir.path().join("db.ntt"), "f");
    assert_eq!((f.ts, f.columns), (vec![T0], vec![vec![1.0], vec![2.0]]));
    let run = nanots(dir.path(), &["import", "db.ntt", "g", "named.csv", "--ts-column", "when"]);
    assert_eq!(
        run.fails(1),
        "error: named.csv has no column \"when\" (--ts-column); its columns: x;sampled;y\n"
    );
}

#[test]
fn an_existing_table_takes_its_columns_in_any_order_and_nothing_else() {
    let dir = tempdir();
    let db = dir.path().join("db.ntt");
    nanots(dir.path(), &["sql", "db.ntt", "CREATE TABLE t (a, b)"]).ok();
    write(dir.path(), "swapped.csv", "b,ts_ms,a\n20,1,10\n21,2,11\n");
    let run = nanots(dir.path(), &["import", "db.ntt", "t", "swapped.csv"]);
    assert!(
        run.ok().is_empty() && run.stderr.starts_with("imported 2 rows into table \"t\""),
        "{}",
        run.stderr
    );
    let got = rows(&db, "t");
    assert_eq!((got.ts, got.columns), (vec![1, 2], vec![vec![10.0, 11.0], vec![20.0, 21.0]]));

    write(dir.path(), "other.csv", "ts_ms,a,c\n3,1,2\n");
    let run = nanots(dir.path(), &["import", "db.ntt", "t", "other.csv"]);
    assert_eq!(
        run.fails(1),
        "error: table \"t\" has the value columns \"a\", \"b\"; other.csv (timestamp column \"ts_ms\") does not \
         match: missing \"b\"; not in the table \"c\"\n"
    );
    assert_eq!(rows(&db, "t").ts, [1, 2], "nothing added");
}

#[test]
fn a_bad_line_names_itself_and_imports_nothing() {
    let dir = tempdir();
    let db = dir.path().join("db.ntt");
    let good: String = (0..10_000).map(|i| format!("{},{}.5,{}\n", T0 + i, i, -i)).collect();
    let cases = [
        ("x", "line 7003, column \"b\": \"x\" is not a number"),
        ("", "line 7003, column \"b\": empty value (a value is a number, NaN or inf: there is no NULL)"),
    ];
    for (bad_value, message) in cases {
        // The bad line comes after more rows than one commit batch holds.
        let lines: Vec<&str> = good.lines().collect();
        let mut csv = String::from("ts_ms,a,b\n");
        for (i, l) in lines.iter().enumerate() {
            if i == 7001 {
                csv.push_str(&format!("{},1,{bad_value}\n", T0 + i as i64));
            } else {
                csv.push_str(l);
                csv.push('\n');
            }
        }
        write(dir.path(), "bad.csv", &csv);
        // Into a new file: the database is not even created.
        let run = nanots(dir.path(), &["import", "db.ntt", "t", "bad.csv"]);
        assert_eq!(run.fails(1), format!("error: bad.csv: {message}\n"));
        assert_eq!(entries(dir.path()), ["bad.csv"]);
    }
    // Into an existing table: it keeps exactly its rows.
    nanots(dir.path(), &["sql", "db.ntt", "CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 1, 1)"]).ok();
    let before = std::fs::read(&db).unwrap();
    for (csv, message) in [
        ("ts_ms,a,b\n5,1,2\n6,1\n", "line 3: 2 fields where the header has 3"),
        ("ts_ms,a,b\n5,1,2\n6,1,2,3\n", "line 3: 4 fields where the header has 3"),
        ("ts_ms,a,b\n5,1,2\nsoon,1,2\n", "line 3, column \"ts_ms\": bad timestamp \"soon\""),
        (
            "ts_ms,a,b\n5,1,2\n6.5,1,2\n",
            "line 3, column \"ts_ms\": timestamp 6.5 has a fraction of a millisecond",
        ),
        ("ts_ms,a,b\n5,1,2\n6,\"1,2\n", "line 3: 2 fields where the header has 3"),
    ] {
        write(dir.path(), "bad.csv", csv);
        let run = nanots(dir.path(), &["import", "db.ntt", "t", "bad.csv"]);
        let err = run.fails(1);
        assert!(err.starts_with(&format!("error: bad.csv: {message}")), "{csv:?}: {err}");
        assert_eq!(rows(&db, "t").ts, [1], "{csv:?}");
        assert_eq!(entries(dir.path()), ["bad.csv", "db.ntt"], "no staging file left");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database file is untouched, byte for byte");
    // Into a new table of an existing file: the table is not created.
    write(dir.path(), "bad.csv", "ts_ms,c\n1,1\n2,two\n");
    nanots(dir.path(), &["import", "db.ntt", "u", "bad.csv"]).fails(1);
    assert_eq!(nanots::NanoTsDb::open_read_only(&db).unwrap().list_tables().unwrap(), ["t"]);
}

#[test]
fn a_header_the_engine_refuses_leaves_nothing() {
    let dir = tempdir();
    write(dir.path(), "long.csv", &format!("ts_ms,{}\n1,1\n", "x".repeat(300)));
    let run = nanots(dir.path(), &["import", "db.ntt", "t", "long.csv"]);
    let err = run.fails(1);
    assert!(
        err.starts_with("error: import failed; db.ntt (created by it) was removed: cannot create table \"t\" from the header of long.csv: invalid argument: column name"),
        "{err}"
    );
    assert_eq!(entries(dir.path()), ["long.csv"]);
    for (csv, message) in [
        ("", "error: empty.csv is empty: its first line must name the columns\n"),
        (
            "ts_ms\n1\n",
            "error: empty.csv has only the timestamp column \"ts_ms\": a table needs at least one value column\n",
        ),
        ("ts_ms,a,a\n", "error: empty.csv: line 1 (header): column \"a\" appears twice\n"),
        ("ts_ms,,b\n", "error: empty.csv: line 1 (header), field 2: empty column name\n"),
    ] {
        write(dir.path(), "empty.csv", csv);
        assert_eq!(nanots(dir.path(), &["import", "db.ntt", "t", "empty.csv"]).fails(1), message, "{csv:?}");
    }
    assert_eq!(
        nanots(dir.path(), &["import", "db.ntt", "t", "missing.csv"]).fails(1),
        "error: cannot open CSV file missing.csv: No such file or directory (os error 2)\n"
    );
    assert_eq!(entries(dir.path()), ["empty.csv", "long.csv"]);
}

#[test]
fn from_standard_input_and_a_header_only_file() {
    let dir = tempdir();
    let run = nanots_stdin(dir.path(), &["import", "db.ntt", "t", "-"], b"time,v\n2024-01-01,1.25\n");
    assert!(run.ok().is_empty() && run.stderr.contains("from standard input"), "{}", run.stderr);
    let got = rows(&dir.path().join("db.ntt"), "t");
    assert_eq!((got.ts, got.columns), (vec![T0], vec![vec![1.25]]));
    // A header alone creates the (empty) table.
    write(dir.path(), "h.csv", "time,a,b\n");
    let run = nanots(dir.path(), &["import", "db.ntt", "empty", "h.csv"]);
    assert!(run.ok().is_empty() && run.stderr.starts_with("imported 0 rows into new table \"empty\""));
    let db = nanots::NanoTsDb::open_read_only(dir.path().join("db.ntt")).unwrap();
    assert_eq!(db.table_columns("empty").unwrap(), ["a", "b"]);
}

#[test]
fn progress_is_not_drawn_when_stderr_is_not_a_terminal() {
    let dir = tempdir();
    let csv: String =
        std::iter::once("ts_ms,v\n".to_owned()).chain((0..200_000).map(|i| format!("{i},{i}\n"))).collect();
    write(dir.path(), "big.csv", &csv);
    let run = nanots(dir.path(), &["import", "db.ntt", "t", "big.csv"]);
    run.ok();
    // One summary line and no bar (no carriage returns or escape sequences).
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    assert!(!run.stderr.contains('\r') && !run.stderr.contains('\x1b'), "{:?}", run.stderr);
    assert_eq!(rows(&dir.path().join("db.ntt"), "t").len(), 200_000);
}
