//! The SQL front (`nanots::sql`) against a real database: statements,
//! quoting, comments, special floats, every error with its position,
//! statement atomicity, plus a deterministic no-panic fuzz loop and
//! property-based parse round trips.
#![cfg(feature = "sql")]

use nanots::sql::{self, Statement, exec_sql, exec_sql_partial};
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};
use proptest::prelude::*;

fn temp_db() -> (tempfile::TempDir, NanoTsDb) {
    let dir = tempfile::tempdir().unwrap();
    let db = NanoTsDb::open(dir.path().join("sql.ntt"), NanoTsOptions::default()).unwrap();
    (dir, db)
}

fn rows(db: &NanoTsDb, table: &str) -> (Vec<i64>, Vec<Vec<f64>>) {
    db.query_table_range_columns(table, i64::MIN, i64::MAX).unwrap()
}

/// The error of running `sql`, as (kind, message without the kind prefix).
fn err(db: &NanoTsDb, sql: &str) -> (ErrorKind, String) {
    let e = exec_sql(db, sql).unwrap_err();
    (e.kind(), e.message().to_owned())
}

/// The message of a parse error.
fn parse_err(sql: &str) -> String {
    let e = sql::parse(sql).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{sql:?}");
    e.message().to_owned()
}

#[test]
fn create_insert_and_query_back() {
    let (_dir, db) = temp_db();
    let out = exec_sql(
        &db,
        "CREATE TABLE sensor (temp DOUBLE, humidity float);\n\
         ;;\n\
         insert into sensor values (1000, 25.5, 60), (-5, -1.5e-3, +2);\n\
         INSERT INTO sensor VALUES (3000, .5, 5.);",
    )
    .unwrap();
    assert_eq!((out.statements, out.tables_created, out.rows_inserted), (3, 1, 3));
    assert_eq!(db.table_columns("sensor").unwrap(), ["temp", "humidity"]);
    let (ts, cols) = rows(&db, "sensor");
    assert_eq!(ts, [-5, 1000, 3000]);
    assert_eq!(cols, [vec![-1.5e-3, 25.5, 0.5], vec![2.0, 60.0, 5.0]]);
    db.flush().unwrap();
    assert_eq!(rows(&db, "sensor").0, [-5, 1000, 3000]);
}

#[test]
fn empty_scripts_do_nothing() {
    let (_dir, db) = temp_db();
    for sql in ["", "  ", ";", ";;; ;", "-- only a comment", "/* c */ ;\n-- x"] {
        let out = exec_sql(&db, sql).unwrap();
        assert_eq!(out.statements, 0, "{sql:?}");
    }
    assert!(db.list_tables().unwrap().is_empty());
}

#[test]
fn column_list_in_any_order() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "CREATE TABLE t (a, b REAL, c F64);
         INSERT INTO t (c, ts_ms, a, b) VALUES (3, 10, 1, 2), (30, 20, 10, 20);
         INSERT INTO t (ts_ms, a, b, c) VALUES (30, 100, 200, 300)",
    )
    .unwrap();
    let (ts, cols) = rows(&db, "t");
    assert_eq!(ts, [10, 20, 30]);
    assert_eq!(cols, [vec![1.0, 10.0, 100.0], vec![2.0, 20.0, 200.0], vec![3.0, 30.0, 300.0]]);
}

#[test]
fn keywords_are_case_insensitive_and_not_reserved() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "cReAtE tAbLe values (insert Double Precision, Table dOUBLE);
         CREATE TABLE if (into);
         InSeRt InTo values VaLuEs (1, 2, 3);
         insert into if (into, ts_ms) values (4, 5)",
    )
    .unwrap();
    assert_eq!(db.table_columns("values").unwrap(), ["insert", "Table"]);
    assert_eq!(rows(&db, "values"), (vec![1], vec![vec![2.0], vec![3.0]]));
    assert_eq!(rows(&db, "if"), (vec![5], vec![vec![4.0]]));
    // Bare names keep their case: `T` is another table.
    assert_eq!(err(&db, "INSERT INTO VALUES VALUES (1, 2, 3)").0, ErrorKind::NotFound);
}

#[test]
fn quoted_identifiers_with_escapes() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "CREATE TABLE \"my \"\"big\"\" table\" (`a``b` DOUBLE, \"x y\", `with \"dq\"`, \"émoji 🦀\");
         INSERT INTO `my \"big\" table` (\"émoji 🦀\", ts_ms, \"a`b\", `x y`, \"with \"\"dq\"\"\")
             VALUES (4, 1, 1, 2, 3)",
    )
    .unwrap();
    assert_eq!(db.list_tables().unwrap(), ["my \"big\" table"]);
    assert_eq!(db.table_columns("my \"big\" table").unwrap(), ["a`b", "x y", "with \"dq\"", "émoji 🦀"]);
    assert_eq!(rows(&db, "my \"big\" table"), (vec![1], vec![vec![1.0], vec![2.0], vec![3.0], vec![4.0]]));
    // A quoted keyword or `ts_ms`-like name is just a name.
    exec_sql(&db, "CREATE TABLE \"select\" (\"ts_ms2\", `TS_MS`)").unwrap();
    assert_eq!(db.table_columns("select").unwrap(), ["ts_ms2", "TS_MS"]);
}

#[test]
fn comments_anywhere() {
    let (_dir, db) = temp_db();
    let out = exec_sql(
        &db,
        "-- a table\n\
         CREATE /* inline */ TABLE t -- name\n\
         ( a /* multi\n line */ DOUBLE -- trailing\n\
         );/**/INSERT INTO t VALUES (1,--one\n 2) -- done",
    )
    .unwrap();
    assert_eq!(out.statements, 2);
    assert_eq!(rows(&db, "t"), (vec![1], vec![vec![2.0]]));
    // `--` inside a quoted name is part of the name.
    exec_sql(&db, "CREATE TABLE \"a--b\" (\"c/*d*/\")").unwrap();
    assert_eq!(db.table_columns("a--b").unwrap(), ["c/*d*/"]);
}

#[test]
fn special_floats_and_exact_rounding() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "CREATE TABLE f (v);
         INSERT INTO f VALUES
           (1, NaN), (2, nan), (3, inf), (4, -inf), (5, +Infinity), (6, -INFINITY),
           (7, -0.0), (8, 0.1), (9, 2.2250738585072011e-308), (10, 1e400), (11, -1e-400),
           (12, 1.7976931348623158e308), (15, 1.7976931348623159e308),
           (13, 9007199254740993), (14, 0.30000000000000004)",
    )
    .unwrap();
    let (ts, cols) = rows(&db, "f");
    assert_eq!(ts, (1..=15).collect::<Vec<_>>());
    let v = &cols[0];
    assert!(v[0].is_nan() && v[1].is_nan());
    assert_eq!(v[2..6], [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY]);
    let bits = |x: f64| x.to_bits();
    assert_eq!(bits(v[6]), bits(-0.0));
    assert_eq!(bits(v[7]), bits(0.1));
    // The literal that once hung Java and PHP: the largest subnormal.
    assert_eq!(bits(v[8]), 0x000F_FFFF_FFFF_FFFF);
    assert_eq!(v[9], f64::INFINITY, "beyond f64::MAX rounds to infinity");
    assert_eq!(bits(v[10]), bits(-0.0));
    // Correct rounding at the very top: below the halfway point to 2^1024
    // is MAX, above it infinity.
    assert_eq!(v[11], f64::MAX);
    assert_eq!(v[14], f64::INFINITY);
    assert_eq!(v[12], 9007199254740992.0, "ties to even");
    assert_eq!(bits(v[13]), bits(0.1 + 0.2));
}

#[test]
fn timestamps_cover_i64() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "CREATE TABLE t (v);
         INSERT INTO t VALUES (-9223372036854775808, 1), (9223372036854775807, 2), (+7, 3), (- 8, 4), (0, 5)",
    )
    .unwrap();
    assert_eq!(rows(&db, "t").0, [i64::MIN, -8, 0, 7, i64::MAX]);
}

#[test]
fn ts_ms_may_be_declared_first_with_an_integer_type() {
    let (_dir, db) = temp_db();
    exec_sql(
        &db,
        "CREATE TABLE a (ts_ms BIGINT, v DOUBLE);
         CREATE TABLE b (ts_ms INTEGER, v);
         CREATE TABLE c (ts_ms timestamp, v);
         CREATE TABLE d (ts_ms, v);
         CREATE TABLE e (ts_ms int, v)",
    )
    .unwrap();
    for t in ["a", "b", "c", "d", "e"] {
        assert_eq!(db.table_columns(t).unwrap(), ["v"]);
    }
    assert_eq!(
        err(&db, "CREATE TABLE x (v, ts_ms BIGINT)"),
        (
            ErrorKind::InvalidArgument,
            "line 1, column 20: column ts_ms is the implicit timestamp: declare it first (as BIGINT, INTEGER or TIMESTAMP) or not at all".into()
        )
    );
    assert_eq!(
        err(&db, "CREATE TABLE x (ts_ms DOUBLE, v)"),
        (
            ErrorKind::InvalidArgument,
            "line 1, column 23: column ts_ms is the implicit i64 millisecond timestamp: its type must be BIGINT, INTEGER or TIMESTAMP, not DOUBLE".into()
        )
    );
    assert_eq!(
        err(&db, "CREATE TABLE x (ts_ms BIGINT)"),
        (
            ErrorKind::InvalidArgument,
            "line 1, column 29: a table needs at least one value column besides ts_ms".into()
        )
    );
    assert_eq!(
        err(&db, "CREATE TABLE x (v BIGINT)"),
        (
            ErrorKind::InvalidArgument,
            "line 1, column 19: unsupported type BIGINT for column \"v\": value columns are DOUBLE (also spelled FLOAT, REAL or F64)".into()
        )
    );
    assert!(!db.list_tables().unwrap().contains(&"x".to_owned()));
}

#[test]
fn if_not_exists() {
    let (_dir, db) = temp_db();
    let out = exec_sql(&db, "CREATE TABLE t (a, b)").unwrap();
    assert_eq!(out.tables_created, 1);
    // Without IF NOT EXISTS, SQL semantics: an error even for the same schema.
    assert_eq!(
        err(&db, "CREATE TABLE t (a, b)"),
        (
            ErrorKind::AlreadyExists,
            "line 1, column 14: table \"t\" already exists (with columns [\"a\", \"b\"]); use CREATE TABLE IF NOT EXISTS".into()
        )
    );
    let out = exec_sql(&db, "create table if not exists t (a double, b double)").unwrap();
    assert_eq!((out.statements, out.tables_created), (1, 0));
    // With IF NOT EXISTS, as in SQLite and PostgreSQL, an existing table
    // is left alone whatever its columns: no error, nothing created.
    let out = exec_sql(&db, "\n  CREATE TABLE IF NOT EXISTS t (b, a)").unwrap();
    assert_eq!((out.statements, out.tables_created), (1, 0));
    let out = exec_sql(&db, "CREATE TABLE IF NOT EXISTS t (x)").unwrap();
    assert_eq!((out.statements, out.tables_created), (1, 0));
    assert_eq!(db.table_columns("t").unwrap(), ["a", "b"]);
    // The statement must still parse: a bad type is an error, table or not.
    assert_eq!(
        err(&db, "CREATE TABLE IF NOT EXISTS t (a BIGINT)"),
        (
            ErrorKind::InvalidArgument,
            "line 1, column 33: unsupported type BIGINT for column \"a\": value columns are DOUBLE (also spelled FLOAT, REAL or F64)".into()
        )
    );
    let out = exec_sql(&db, "CREATE TABLE IF NOT EXISTS u (a)").unwrap();
    assert_eq!(out.tables_created, 1);
    assert_eq!(db.list_tables().unwrap(), ["t", "u"]);
}

#[test]
fn one_bad_row_inserts_nothing() {
    let (_dir, db) = temp_db();
    exec_sql(&db, "CREATE TABLE t (a, b)").unwrap();
    let bad = [
        // Syntax error in the last row.
        "INSERT INTO t VALUES (1, 1, 1), (2, 2, 2), (3, 3, x)",
        // A row too short or too long.
        "INSERT INTO t VALUES (1, 1, 1), (2, 2)",
        "INSERT INTO t VALUES (1, 1, 1), (2, 2, 2, 2)",
        // All rows consistent but not the table's width.
        "INSERT INTO t VALUES (1, 1), (2, 2)",
        // Bad timestamp in a later row.
        "INSERT INTO t VALUES (1, 1, 1), (2.5, 2, 2)",
        "INSERT INTO t VALUES (1, 1, 1), (99999999999999999999, 2, 2)",
        // A missing or unknown column.
        "INSERT INTO t (ts_ms, a) VALUES (1, 1)",
        "INSERT INTO t (ts_ms, a, b, c) VALUES (1, 1, 1, 1)",
        // Unterminated statement.
        "INSERT INTO t VALUES (1, 1, 1), (2, 2, 2),",
    ];
    for sql in bad {
        let e = exec_sql(&db, sql).unwrap_err();
        assert!(e.message().starts_with("line 1, column "), "{e}");
        assert_eq!(rows(&db, "t").0.len(), 0, "{sql}");
    }
    assert_eq!(db.pending_bytes().unwrap(), 0);
}

#[test]
fn earlier_statements_stay_executed() {
    let (_dir, db) = temp_db();
    let (out, e) = exec_sql_partial(
        &db,
        "CREATE TABLE t (a);\nINSERT INTO t VALUES (1, 1);\nINSERT INTO t VALUES (2, oops);\nINSERT INTO t VALUES (3, 3);",
    );
    assert_eq!((out.statements, out.tables_created, out.rows_inserted), (2, 1, 1));
    assert_eq!(
        e.unwrap().to_string(),
        "invalid argument: line 3, column 26: expected a value (a number, NaN or inf), found 'oops'"
    );
    assert_eq!(rows(&db, "t").0, [1]);
    // An engine error stops the script the same way.
    let (out, e) = exec_sql_partial(
        &db,
        "INSERT INTO t VALUES (4, 4); INSERT INTO nope VALUES (5, 5); INSERT INTO t VALUES (6, 6)",
    );
    assert_eq!((out.statements, out.rows_inserted), (1, 1));
    assert_eq!(e.unwrap().kind(), ErrorKind::NotFound);
    assert_eq!(rows(&db, "t").0, [1, 4]);
}

#[test]
fn other_statements_are_refused() {
    let (_dir, db) = temp_db();
    let hint = "not supported: use the query API, or DuckDB/DataFusion over the Arrow export (NanoTS SQL runs only CREATE TABLE and INSERT)";
    for (sql, what, col) in [
        ("SELECT * FROM t", "SELECT", 1),
        ("  select ts_ms from t", "SELECT", 3),
        ("UPDATE t SET a = 1", "UPDATE", 1),
        ("delete from t", "DELETE", 1),
        ("DROP TABLE t", "DROP", 1),
        ("WITH x AS (SELECT 1) SELECT 1", "WITH", 1),
        ("CREATE INDEX i ON t (a)", "CREATE INDEX", 1),
        ("create view v as select 1", "CREATE VIEW", 1),
    ] {
        assert_eq!(
            err(&db, sql),
            (ErrorKind::InvalidArgument, format!("line 1, column {col}: {what} is {hint}")),
            "{sql}"
        );
    }
    // After a valid statement, on line 2.
    exec_sql(&db, "CREATE TABLE t (a)").unwrap();
    assert_eq!(
        err(&db, "INSERT INTO t VALUES (1, 1);\n  SELECT 1").1,
        format!("line 2, column 3: SELECT is {hint}")
    );
    assert_eq!(rows(&db, "t").0, [1]);
}

/// Every syntax and validation error, with its exact position and message.
#[test]
fn syntax_errors_point_at_the_problem() {
    let cases: &[(&str, &str)] = &[
        // Statement level.
        ("(", "line 1, column 1: expected a statement (CREATE TABLE or INSERT INTO), found '('"),
        ("42", "line 1, column 1: expected a statement (CREATE TABLE or INSERT INTO), found '42'"),
        ("CREATE", "line 1, column 7: expected TABLE after CREATE, found end of input"),
        (
            "CREATE TABLE t (a) x",
            "line 1, column 20: expected ';' or end of input after the statement, found 'x'",
        ),
        (
            "CREATE TABLE t (a);\nCREATE TABLE u (b) (c)",
            "line 2, column 20: expected ';' or end of input after the statement, found '('",
        ),
        // CREATE TABLE.
        ("CREATE TABLE", "line 1, column 13: expected table name, found end of input"),
        ("CREATE TABLE 1t (a)", "line 1, column 14: malformed number '1t'"),
        ("CREATE TABLE t", "line 1, column 15: expected '(' after the table name, found end of input"),
        ("CREATE TABLE t a", "line 1, column 16: expected '(' after the table name, found 'a'"),
        ("CREATE TABLE t ()", "line 1, column 17: expected a column name, found ')'"),
        ("CREATE TABLE t (a,)", "line 1, column 19: expected a column name, found ')'"),
        (
            "CREATE TABLE t (a b)",
            "line 1, column 19: unsupported type B for column \"a\": value columns are DOUBLE (also spelled FLOAT, REAL or F64)",
        ),
        (
            "CREATE TABLE t (a TEXT)",
            "line 1, column 19: unsupported type TEXT for column \"a\": value columns are DOUBLE (also spelled FLOAT, REAL or F64)",
        ),
        (
            "CREATE TABLE t (a DOUBLE DOUBLE)",
            "line 1, column 26: expected ',' or ')' after a column definition, found 'DOUBLE'",
        ),
        (
            "CREATE TABLE t (a DOUBLE(8))",
            "line 1, column 25: expected ',' or ')' after a column definition, found '('",
        ),
        (
            "CREATE TABLE t (a",
            "line 1, column 18: expected ',' or ')' after a column definition, found end of input",
        ),
        ("CREATE TABLE t (a, b, a)", "line 1, column 23: duplicate column \"a\""),
        ("CREATE TABLE IF t (a)", "line 1, column 17: expected '(' after the table name, found 't'"),
        ("CREATE TABLE IF NOT t (a)", "line 1, column 21: expected EXISTS after IF NOT, found 't'"),
        ("CREATE TABLE t (\"\")", "line 1, column 17: empty quoted identifier"),
        ("CREATE TABLE t (\"a\tb\")", "line 1, column 17: identifier \"a\\tb\" contains a control character"),
        ("CREATE TABLE t (`a)", "line 1, column 17: unterminated quoted identifier"),
        ("CREATE TABLE t ('a')", "line 1, column 17: expected a column name, found string 'a'"),
        ("CREATE TABLE t (a) /* open", "line 1, column 20: unterminated /* comment"),
        // INSERT.
        ("INSERT t VALUES (1, 2)", "line 1, column 8: expected INTO after INSERT, found 't'"),
        ("INSERT INTO", "line 1, column 12: expected a table name, found end of input"),
        ("INSERT INTO t (1, 2)", "line 1, column 16: expected a column name, found '1'"),
        (
            "INSERT INTO t VALUE (1, 2)",
            "line 1, column 15: expected VALUES or '(' after the table name, found 'VALUE'",
        ),
        (
            "INSERT INTO t (ts_ms, a) (1, 2)",
            "line 1, column 26: expected VALUES after the column list, found '('",
        ),
        (
            "INSERT INTO t (ts_ms a) VALUES (1, 2)",
            "line 1, column 22: expected ',' or ')' after a column name, found 'a'",
        ),
        (
            "INSERT INTO t (a, b) VALUES (1, 2)",
            "line 1, column 15: the column list must include ts_ms (every row needs a timestamp)",
        ),
        (
            "INSERT INTO t (ts_ms, a, ts_ms) VALUES (1, 2, 3)",
            "line 1, column 26: column \"ts_ms\" is listed twice",
        ),
        ("INSERT INTO t VALUES", "line 1, column 21: expected '(' to start a row, found end of input"),
        ("INSERT INTO t VALUES 1, 2", "line 1, column 22: expected '(' to start a row, found '1'"),
        (
            "INSERT INTO t VALUES ()",
            "line 1, column 23: expected a timestamp (integer milliseconds), found ')'",
        ),
        (
            "INSERT INTO t VALUES (1, 2) (3, 4)",
            "line 1, column 29: expected ';' or end of input after the statement, found '('",
        ),
        (
            "INSERT INTO t VALUES (1, 2),",
            "line 1, column 29: expected '(' to start a row, found end of input",
        ),
        ("INSERT INTO t VALUES (1 2)", "line 1, column 25: expected ',' or ')' after a value, found '2'"),
        (
            "INSERT INTO t\nVALUES (1, 2),\n       (3, 4 x)",
            "line 3, column 14: expected ',' or ')' after a value, found 'x'",
        ),
        (
            "INSERT INTO t VALUES (1, 2",
            "line 1, column 27: expected ',' or ')' after a value, found end of input",
        ),
        (
            "INSERT INTO t VALUES (1, )",
            "line 1, column 26: expected a value (a number, NaN or inf), found ')'",
        ),
        (
            "INSERT INTO t VALUES (1, 'x')",
            "line 1, column 26: expected a value (a number, NaN or inf), found string 'x'",
        ),
        (
            "INSERT INTO t VALUES (1, NULL)",
            "line 1, column 26: expected a value (a number, NaN or inf), found 'NULL': NULL is not supported, every column needs a value",
        ),
        (
            "INSERT INTO t VALUES (1, foo)",
            "line 1, column 26: expected a value (a number, NaN or inf), found 'foo'",
        ),
        (
            "INSERT INTO t VALUES (1, -foo)",
            "line 1, column 26: expected a value (a number, NaN or inf), found '-foo'",
        ),
        ("INSERT INTO t VALUES (1, - )", "line 1, column 28: expected a number after '-', found ')'"),
        (
            "INSERT INTO t VALUES (1, --2)",
            "line 1, column 30: expected a value (a number, NaN or inf), found end of input",
        ),
        ("INSERT INTO t VALUES (1, +-2)", "line 1, column 27: expected a number after '+', found '-'"),
        (
            "INSERT INTO t VALUES (1, 1e)",
            "line 1, column 26: malformed number '1e': expected digits after the exponent",
        ),
        ("INSERT INTO t VALUES (1, 1.2.3)", "line 1, column 26: malformed number '1.2.3'"),
        ("INSERT INTO t VALUES (1, 0x10)", "line 1, column 26: malformed number '0x10'"),
        ("INSERT INTO t VALUES (1, 2e5x)", "line 1, column 26: malformed number '2e5x'"),
        (
            "INSERT INTO t VALUES (1, .)",
            "line 1, column 26: expected a value (a number, NaN or inf), found '.'",
        ),
        (
            "INSERT INTO t VALUES (1, 1 + 2)",
            "line 1, column 28: expected ',' or ')' after a value, found '+'",
        ),
        (
            "INSERT INTO t VALUES (1, é)",
            "line 1, column 26: expected a value (a number, NaN or inf), found 'é'",
        ),
        (
            "-- é\n/* ü */ INSERT INTO \"ü\" VALUES (1, ä)",
            "line 2, column 36: expected a value (a number, NaN or inf), found 'ä'",
        ),
        ("INSERT INTO t VALUES (1, 'ab", "line 1, column 26: unterminated string literal"),
        ("INSERT INTO t VALUES (1, 2) /* a\n b", "line 1, column 29: unterminated /* comment"),
        // Timestamps.
        (
            "INSERT INTO t VALUES (1.5, 2)",
            "line 1, column 23: expected a timestamp (integer milliseconds), found '1.5'",
        ),
        (
            "INSERT INTO t VALUES (1e3, 2)",
            "line 1, column 23: expected a timestamp (integer milliseconds), found '1e3'",
        ),
        (
            "INSERT INTO t VALUES (NaN, 2)",
            "line 1, column 23: expected a timestamp (integer milliseconds), found 'NaN'",
        ),
        (
            "INSERT INTO t VALUES (-inf, 2)",
            "line 1, column 23: expected a timestamp (integer milliseconds), found '-inf'",
        ),
        (
            "INSERT INTO t VALUES (9223372036854775808, 2)",
            "line 1, column 23: timestamp '9223372036854775808' is out of the range of i64",
        ),
        (
            "INSERT INTO t VALUES (-9223372036854775809, 2)",
            "line 1, column 23: timestamp '-9223372036854775809' is out of the range of i64",
        ),
        (
            "INSERT INTO t (a, ts_ms) VALUES (1, 2.0)",
            "line 1, column 37: expected a timestamp (integer milliseconds), found '2.0'",
        ),
        // Row widths.
        (
            "INSERT INTO t VALUES (1, 2), (3)",
            "line 1, column 32: too few values: this row has 1, rows need 2 (ts_ms and 1 columns)",
        ),
        (
            "INSERT INTO t VALUES (1, 2), (3, 4, 5)",
            "line 1, column 37: too many values: rows have 2 (ts_ms and 1 columns)",
        ),
        (
            "INSERT INTO t (ts_ms, a) VALUES (1)",
            "line 1, column 35: too few values: this row has 1, rows need 2 (ts_ms and 1 columns)",
        ),
        (
            "INSERT INTO t (ts_ms, a) VALUES (1, 2, 3)",
            "line 1, column 40: too many values: rows have 2 (ts_ms and 1 columns)",
        ),
    ];
    for (sql, msg) in cases {
        assert_eq!(parse_err(sql), *msg, "{sql}");
    }
}

#[test]
fn execution_errors_point_at_the_problem() {
    let (_dir, db) = temp_db();
    exec_sql(&db, "CREATE TABLE t (a, b)").unwrap();
    let cases: &[(&str, ErrorKind, &str)] = &[
        (
            "INSERT INTO nope VALUES (1, 2)",
            ErrorKind::NotFound,
            "line 1, column 13: table \"nope\" does not exist",
        ),
        (
            "INSERT INTO t VALUES (1, 2)",
            ErrorKind::InvalidArgument,
            "line 1, column 22: table \"t\" has 2 columns, so rows need 3 values (ts_ms, a, b), not 2",
        ),
        (
            "\nINSERT INTO t VALUES\n  (1, 2, 3, 4)",
            ErrorKind::InvalidArgument,
            "line 3, column 3: table \"t\" has 2 columns, so rows need 3 values (ts_ms, a, b), not 4",
        ),
        (
            "INSERT INTO t (ts_ms, a) VALUES (1, 2)",
            ErrorKind::InvalidArgument,
            "line 1, column 15: the column list misses column \"b\": every column needs a value (there are no defaults)",
        ),
        (
            "INSERT INTO t (ts_ms) VALUES (1)",
            ErrorKind::InvalidArgument,
            "line 1, column 15: the column list misses columns \"a\", \"b\": every column needs a value (there are no defaults)",
        ),
        (
            "INSERT INTO t (ts_ms, a, b, `c`) VALUES (1, 2, 3, 4)",
            ErrorKind::InvalidArgument,
            "line 1, column 29: table \"t\" has no column \"c\" (its columns: ts_ms, a, b)",
        ),
        (
            "INSERT INTO t (ts_ms, a, B) VALUES (1, 2, 3)",
            ErrorKind::InvalidArgument,
            "line 1, column 26: table \"t\" has no column \"B\" (its columns: ts_ms, a, b)",
        ),
    ];
    for (sql, kind, msg) in cases {
        assert_eq!(err(&db, sql), (*kind, msg.to_string()), "{sql}");
    }
    assert_eq!(rows(&db, "t").0.len(), 0);
}

#[test]
fn limits() {
    let (_dir, db) = temp_db();
    let name255 = "n".repeat(255);
    exec_sql(&db, &format!("CREATE TABLE {name255} (\"{}\")", "é".repeat(127))).unwrap();
    assert_eq!(
        parse_err(&format!("CREATE TABLE {}x (a)", name255)),
        "line 1, column 14: word is 256 bytes long; the limit is 255"
    );
    // 128 two-byte characters: 256 bytes.
    assert_eq!(
        parse_err(&format!("CREATE TABLE t (\"{}\")", "é".repeat(128))),
        "line 1, column 17: identifier is 256 bytes long; the limit is 255"
    );
    let long_number = format!("0.{}", "1".repeat(1022));
    sql::parse(&format!("CREATE TABLE t (a); INSERT INTO t VALUES (1, {long_number})")).unwrap();
    assert_eq!(
        parse_err(&format!("INSERT INTO t VALUES (1, {long_number}1)")),
        "line 1, column 26: number is 1025 characters long; the limit is 1024"
    );
    // 4096 columns is the engine's limit.
    let cols: Vec<String> = (0..4097).map(|i| format!("c{i}")).collect();
    assert_eq!(
        parse_err(&format!("CREATE TABLE t ({})", cols.join(", "))),
        format!(
            "line 1, column {}: too many columns; the limit is 4096",
            17 + cols[..4096].iter().map(|c| c.len() + 2).sum::<usize>()
        )
    );
    exec_sql(&db, &format!("CREATE TABLE wide ({})", cols[..4096].join(", "))).unwrap();
    let row: Vec<String> = (0..4097).map(|i| i.to_string()).collect();
    let out = exec_sql(&db, &format!("INSERT INTO wide VALUES ({})", row.join(","))).unwrap();
    assert_eq!(out.rows_inserted, 1);
    let e = parse_err(&format!("INSERT INTO wide VALUES ({},1)", row.join(",")));
    assert!(e.ends_with("too many values in a row; the limit is 4097"), "{e}");
    // Deep nesting cannot hurt: the grammar has none and the parser no recursion.
    let deep = format!("INSERT INTO t VALUES {}", "(".repeat(200_000));
    assert!(sql::parse(&deep).is_err());
}

#[test]
fn many_rows_in_one_statement() {
    let (_dir, db) = temp_db();
    exec_sql(&db, "CREATE TABLE t (a, b)").unwrap();
    let n = 50_000;
    let mut sql = String::from("INSERT INTO t VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({i}, {}, {})", i as f64 * 0.5, -(i as f64)));
    }
    let out = exec_sql(&db, &sql).unwrap();
    assert_eq!(out.rows_inserted, n as u64);
    let (ts, cols) = rows(&db, "t");
    assert_eq!(ts.len(), n);
    assert_eq!(cols[0][n - 1], (n - 1) as f64 * 0.5);
    assert_eq!(cols[1][n - 1], -((n - 1) as f64));
}

#[test]
fn display_renders_sql_that_parses_back() {
    let src = "create table if not exists \"a b\" (x, `y\"`);\
               insert into \"a b\" (`y\"`, ts_ms, x) values (1.5, -3, -inf), (NaN, 4, 1e-300)";
    let stmts = sql::parse(src).unwrap();
    let rendered: Vec<String> = stmts.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "CREATE TABLE IF NOT EXISTS \"a b\" (x DOUBLE, \"y\"\"\" DOUBLE)",
            "INSERT INTO \"a b\" (\"y\"\"\", ts_ms, x) VALUES (1.5, -3, -inf), (NaN, 4, 1e-300)"
        ]
    );
    let again = sql::parse(&rendered.join(";")).unwrap();
    assert_eq!(strip(&again), strip(&stmts));
}

// ---------------------------------------------------------------------------
// No panic on any input: a deterministic fuzz loop over the parser.

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "CREATE TABLE t (a DOUBLE, b FLOAT);",
    "CREATE TABLE IF NOT EXISTS \"x\"\"y\" (`a``b` REAL, c);",
    "CREATE TABLE t (ts_ms BIGINT, v DOUBLE PRECISION)",
    "INSERT INTO t VALUES (1, 2.5, -3e-4), (-9223372036854775808, NaN, -inf);",
    "INSERT INTO t (b, ts_ms, a) VALUES (+.5, 7, 5.), (1e308, 8, infinity)",
    "-- comment\n/* block */ insert into t values (1, 2);;",
    "SELECT * FROM t; DROP TABLE t",
];

const PIECES: &[&str] = &[
    "(",
    ")",
    ",",
    ";",
    "-",
    "+",
    ".",
    "e",
    "E",
    "\"",
    "`",
    "'",
    "--",
    "/*",
    "*/",
    "\n",
    " ",
    "0",
    "9",
    "1.5",
    "1e",
    "NaN",
    "inf",
    "ts_ms",
    "CREATE",
    "TABLE",
    "IF",
    "NOT",
    "EXISTS",
    "INSERT",
    "INTO",
    "VALUES",
    "DOUBLE",
    "é",
    "🦀",
    "\0",
    "\r",
    "x",
    "99999999999999999999",
];

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => {
                let end = (at + rng.below(8)).min(chars.len());
                chars.drain(at..end);
            }
            2 => {
                let p = PIECES[rng.below(PIECES.len())];
                chars.splice(at..at, p.chars());
            }
            3 if at < chars.len() => {
                chars[at] = char::from_u32(rng.below(0x80) as u32).unwrap();
            }
            _ => {
                // Duplicate a slice: builds long rows, repeated tokens.
                let end = (at + rng.below(16)).min(chars.len());
                let dup: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, dup);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn parser_never_panics_on_random_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut errors) = (0u32, 0u32);
    for i in 0..300_000 {
        let input = match i % 3 {
            // Mutated valid statements.
            0 | 1 => {
                let mut s = SEEDS[rng.below(SEEDS.len())].to_owned();
                for _ in 0..1 + rng.below(3) {
                    s = mutate(&mut rng, &s);
                }
                s
            }
            // Random pieces.
            _ => (0..rng.below(24)).map(|_| PIECES[rng.below(PIECES.len())]).collect(),
        };
        match sql::parse(&input) {
            Ok(stmts) => {
                ok += 1;
                // What parses renders to SQL that parses back the same.
                let text: Vec<String> = stmts.iter().map(ToString::to_string).collect();
                let again = sql::parse(&text.join(";"))
                    .unwrap_or_else(|e| panic!("{input:?} rendered as {text:?}: {e}"));
                assert_eq!(strip(&again), strip(&stmts), "{input:?}");
            }
            Err(e) => {
                errors += 1;
                assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{input:?}");
                assert!(e.message().starts_with("line "), "{input:?}: {e}");
            }
        }
    }
    // Both outcomes are exercised, not just one.
    assert!(ok > 10_000 && errors > 10_000, "ok {ok}, errors {errors}");
}

// ---------------------------------------------------------------------------
// Property-based round trips.

/// A statement without positions, with NaNs compared as "any NaN".
#[derive(Debug, PartialEq)]
enum Plain {
    Create(bool, String, Vec<String>),
    Insert(String, Option<Vec<String>>, Vec<i64>, Vec<Vec<Bits>>),
}

/// f64 compared bit for bit, except that every NaN equals every NaN.
#[derive(Debug)]
struct Bits(f64);

impl PartialEq for Bits {
    fn eq(&self, o: &Bits) -> bool {
        (self.0.is_nan() && o.0.is_nan()) || self.0.to_bits() == o.0.to_bits()
    }
}

fn strip(stmts: &[Statement]) -> Vec<Plain> {
    stmts
        .iter()
        .map(|s| match s {
            Statement::CreateTable(c) => Plain::Create(
                c.if_not_exists,
                c.name.name.clone(),
                c.columns.iter().map(|i| i.name.clone()).collect(),
            ),
            Statement::Insert(i) => Plain::Insert(
                i.table.name.clone(),
                i.columns.as_ref().map(|c| c.iter().map(|i| i.name.clone()).collect()),
                i.ts.clone(),
                i.values.iter().map(|c| c.iter().map(|&v| Bits(v)).collect()).collect(),
            ),
            _ => unreachable!("only CREATE TABLE and INSERT exist"),
        })
        .collect()
}

/// Any valid name: printable characters (including quotes, backticks,
/// spaces and non-ASCII), 1 to 255 bytes.
fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z_][A-Za-z0-9_]{0,12}", "[^\\p{Cc}]{1,20}", "[\"`a ]{1,6}",]
        .prop_filter("engine name rules", |s| !s.is_empty() && s.len() <= 255)
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(f64::MAX),
        (-1e6f64..1e6f64),
    ]
}

/// Writes `name` quoted with `"` or backticks, or bare when it can be.
fn quote(name: &str, style: usize) -> String {
    let bare_ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match style % 3 {
        0 if bare_ok => name.to_owned(),
        1 => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// A float literal in one of several spellings `f64::from_str` reads back
/// exactly.
fn float_text(v: f64, style: usize) -> String {
    if v.is_nan() {
        return ["NaN", "nan", "NAN", "-NaN"][style % 4].to_owned();
    }
    if v.is_infinite() {
        let w = ["inf", "Infinity", "INF", "infinity"][style % 4];
        return if v > 0.0 {
            if style.is_multiple_of(2) { w.to_owned() } else { format!("+{w}") }
        } else {
            format!("-{w}")
        };
    }
    match style % 4 {
        0 => format!("{v:?}"),
        1 => format!("{v}"),
        2 => format!("{v:e}"),
        _ => format!("{v:E}"),
    }
}

/// Whitespace or a comment, between tokens.
fn sep(style: usize) -> &'static str {
    [" ", "\n", " -- c\n", "/* x */", "\t ", "  "][style % 6]
}

fn case(kw: &str, style: usize) -> String {
    match style % 3 {
        0 => kw.to_owned(),
        1 => kw.to_ascii_lowercase(),
        _ => {
            kw.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_lowercase() } else { c }).collect()
        }
    }
}

#[derive(Debug, Clone)]
enum Gen {
    Create(bool, String, Vec<String>, usize),
    Insert(String, Option<usize>, usize, Vec<(i64, Vec<f64>)>, usize),
}

fn gen_stmt() -> impl Strategy<Value = Gen> {
    let create = (any::<bool>(), name(), prop::collection::btree_set(name(), 1..6), any::<usize>())
        .prop_filter_map("ts_ms is implicit", |(ine, t, cols, style)| {
            let cols: Vec<String> = cols.into_iter().filter(|c| c != "ts_ms").collect();
            (!cols.is_empty()).then_some(Gen::Create(ine, t, cols, style))
        });
    let insert = (1usize..6).prop_flat_map(|width| {
        (
            name(),
            prop::option::of(0..width),
            Just(width),
            prop::collection::vec((any::<i64>(), prop::collection::vec(any_f64(), width - 1)), 1..5),
            any::<usize>(),
        )
            .prop_map(|(t, ts_at, w, rows, style)| Gen::Insert(t, ts_at, w, rows, style))
    });
    prop_oneof![create, insert]
}

/// The SQL for a generated statement plus the expected plain AST.
fn render(g: &Gen) -> (String, Plain) {
    match g {
        Gen::Create(ine, t, cols, style) => {
            let s = *style;
            let mut sql = format!("{}{}{}", case("CREATE", s), sep(s), case("TABLE", s >> 2));
            if *ine {
                sql += &format!(" {} {} {}", case("IF", s >> 3), case("NOT", s), case("EXISTS", s));
            }
            sql += &format!("{}{}{}(", sep(s >> 4), quote(t, s >> 5), sep(s >> 6));
            for (i, c) in cols.iter().enumerate() {
                if i > 0 {
                    sql += &format!(",{}", sep(s >> (7 + i)));
                }
                sql += &quote(c, s >> (8 + i));
                let ty = ["", " DOUBLE", " float", " Real", " f64", " double precision"][(s >> (10 + i)) % 6];
                sql += ty;
            }
            sql += ")";
            (sql, Plain::Create(*ine, t.clone(), cols.clone()))
        }
        Gen::Insert(t, ts_at, width, rows, style) => {
            let s = *style;
            let mut sql =
                format!("{} {}{}{}", case("INSERT", s), case("INTO", s >> 1), sep(s >> 2), quote(t, s >> 3));
            // With a column list: ts_ms at `ts_at`, value columns c0, c1...
            let list: Option<Vec<String>> = ts_at.map(|at| {
                let mut cols: Vec<String> = (0..width - 1).map(|i| format!("c{i}")).collect();
                cols.insert(at, "ts_ms".into());
                cols
            });
            if let Some(cols) = &list {
                let q: Vec<String> = cols.iter().enumerate().map(|(i, c)| quote(c, s >> (4 + i))).collect();
                sql += &format!(" ({})", q.join(", "));
            }
            sql += &format!("{}{}{}", sep(s >> 5), case("VALUES", s >> 6), sep(s >> 7));
            let at = ts_at.unwrap_or(0);
            for (r, (ts, vals)) in rows.iter().enumerate() {
                if r > 0 {
                    sql += ",";
                    sql += sep(s >> (8 + r));
                }
                let mut items: Vec<String> =
                    vals.iter().enumerate().map(|(i, v)| float_text(*v, (s >> (9 + r + i)) ^ i)).collect();
                let ts_text =
                    if *ts >= 0 && (s >> (10 + r)) % 2 == 1 { format!("+{ts}") } else { ts.to_string() };
                items.insert(at, ts_text);
                sql += &format!("({})", items.join(&format!(",{}", sep(s >> (11 + r)))));
            }
            let values = (0..width - 1).map(|c| rows.iter().map(|(_, v)| Bits(v[c])).collect()).collect();
            (sql, Plain::Insert(t.clone(), list, rows.iter().map(|(ts, _)| *ts).collect(), values))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_statements_parse_back(stmts in prop::collection::vec(gen_stmt(), 1..4), trailing in any::<bool>()) {
        let (texts, want): (Vec<String>, Vec<Plain>) = stmts.iter().map(render).unzip();
        let mut sql = texts.join(";\n");
        if trailing {
            sql.push(';');
        }
        let parsed = sql::parse(&sql).map_err(|e| TestCaseError::fail(format!("{sql}\n{e}")))?;
        prop_assert_eq!(strip(&parsed), want, "{}", sql);
        // And the canonical rendering parses back to the same.
        let canon: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        let again = sql::parse(&canon.join(";")).map_err(|e| TestCaseError::fail(format!("{canon:?}\n{e}")))?;
        prop_assert_eq!(strip(&again), strip(&parsed));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,64}") {
        let _ = sql::parse(&s);
    }
}

#[test]
fn generated_create_and_insert_execute() {
    // One end-to-end property on a real database, few cases (each opens a file).
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(32));
    runner
        .run(
            &(prop::collection::btree_set(name(), 1..5), prop::collection::vec(any_f64(), 1..20)),
            |(cols, vals)| {
                let cols: Vec<String> = cols.into_iter().filter(|c| c != "ts_ms").collect();
                if cols.is_empty() {
                    return Ok(());
                }
                let (_dir, db) = temp_db();
                let q: Vec<String> = cols.iter().enumerate().map(|(i, c)| quote(c, i)).collect();
                let mut sql = format!("CREATE TABLE \"t\" ({});\nINSERT INTO t VALUES ", q.join(", "));
                let n = vals.len();
                for i in 0..n {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let row: Vec<String> =
                        (0..cols.len()).map(|c| float_text(vals[(i + c) % n], i + c)).collect();
                    sql.push_str(&format!("({i}, {})", row.join(", ")));
                }
                let out = exec_sql(&db, &sql).map_err(|e| TestCaseError::fail(format!("{sql}\n{e}")))?;
                prop_assert_eq!(out.rows_inserted, n as u64);
                prop_assert_eq!(db.table_columns("t").unwrap(), cols.clone());
                let (ts, got) = rows(&db, "t");
                prop_assert_eq!(ts, (0..n as i64).collect::<Vec<_>>());
                for (c, col) in got.iter().enumerate() {
                    for (i, v) in col.iter().enumerate() {
                        prop_assert_eq!(Bits(*v), Bits(vals[(i + c) % n]));
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}
