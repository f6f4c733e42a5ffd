//! `nanots sql`: the engine's SQL front, with SQLite's and PostgreSQL's
//! `CREATE TABLE IF NOT EXISTS`.

mod common;
use common::{nanots, nanots_stdin, rows, tempdir};

#[test]
fn creates_and_inserts() {
    let dir = tempdir();
    let run = nanots(
        dir.path(),
        &[
            "sql",
            "db.ntt",
            "CREATE TABLE t (a DOUBLE, b); INSERT INTO t VALUES (1, 1.5, -2), (2, NaN, 1e308);",
        ],
    );
    assert_eq!(run.ok(), "");
    assert_eq!(run.stderr, "2 statements: 1 table created, 2 rows inserted\n");
    let got = rows(&dir.path().join("db.ntt"), "t");
    assert_eq!(got.ts, [1, 2]);
    assert_eq!(got.columns[1], [-2.0, 1e308]);
    assert!(got.columns[0][1].is_nan());
    assert_eq!(common::entries(dir.path()), ["db.ntt"], "closed: no WAL left");
}

#[test]
fn if_not_exists_leaves_an_existing_table_alone_whatever_its_columns() {
    let dir = tempdir();
    nanots(dir.path(), &["sql", "db.ntt", "CREATE TABLE t (a, b)"]).ok();
    let run = nanots(dir.path(), &["sql", "db.ntt", "CREATE TABLE IF NOT EXISTS t (x, y, z)"]);
    run.ok();
    assert_eq!(run.stderr, "1 statement: 0 tables created, 0 rows inserted\n");
    let db = nanots::NanoTsDb::open_read_only(dir.path().join("db.ntt")).unwrap();
    assert_eq!(db.table_columns("t").unwrap(), ["a", "b"]);
    drop(db);
    let run = nanots(dir.path(), &["sql", "db.ntt", "CREATE TABLE t (a, b)"]);
    assert_eq!(
        run.fails(1),
        "error: SQL failed; no statement ran: already exists: line 1, column 14: table \"t\" already exists (with \
         columns [\"a\", \"b\"]); use CREATE TABLE IF NOT EXISTS\n"
    );
}

#[test]
fn a_failing_statement_says_what_ran_before_it() {
    let dir = tempdir();
    let run = nanots(
        dir.path(),
        &[
            "sql",
            "db.ntt",
            "CREATE TABLE t (a);\nINSERT INTO t VALUES (1, 1);\nINSERT INTO t VALUES (2, 2), (3);",
        ],
    );
    let err = run.fails(1);
    assert!(
        err.starts_with(
            "error: SQL failed; the statements before it stay done: 2 statements: 1 table created, 1 row inserted: \
             invalid argument: line 3, column "
        ),
        "{err}"
    );
    assert_eq!(rows(&dir.path().join("db.ntt"), "t").ts, [1], "the failing INSERT inserted nothing");
    let run = nanots(dir.path(), &["sql", "db.ntt", "SELECT * FROM t"]);
    assert!(run.fails(1).contains("not supported"), "{}", run.stderr);
}

#[test]
fn reads_standard_input() {
    let dir = tempdir();
    let run = nanots_stdin(
        dir.path(),
        &["sql", "db.ntt"],
        b"CREATE TABLE s (v);\nINSERT INTO s VALUES (5, 0.5);\n",
    );
    assert_eq!(run.stderr, "2 statements: 1 table created, 1 row inserted\n");
    assert_eq!(rows(&dir.path().join("db.ntt"), "s").columns, [vec![0.5]]);
    let run = nanots_stdin(dir.path(), &["sql", "db.ntt", "-"], b"INSERT INTO s VALUES (6, 1)");
    assert_eq!(run.stderr, "1 statement: 0 tables created, 1 row inserted\n");
}
