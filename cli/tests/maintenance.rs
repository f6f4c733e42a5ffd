//! `nanots pack`, `retention`, `delete` and `drop`: exactly these rows
//! remain, and a missing file or table is an error that creates nothing.

mod common;
use common::{entries, nanots, rows, tempdir};

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const MIN: i64 = 60_000;

/// Table `t (v)` with one row per minute for two hours (v = minute), in
/// four separate commands (so four segments), and table `u (w)`.
fn sample(dir: &std::path::Path) {
    nanots(dir, &["sql", "db.ntt", "CREATE TABLE t (v); CREATE TABLE u (w); INSERT INTO u VALUES (0, 1)"])
        .ok();
    for part in 0..4 {
        let values: Vec<String> =
            (part * 30..part * 30 + 30).map(|m| format!("({}, {m})", T0 + m * MIN)).collect();
        nanots(dir, &["sql", "db.ntt", &format!("INSERT INTO t VALUES {}", values.join(", "))]).ok();
    }
}

fn segments(dir: &std::path::Path, table: &str) -> u64 {
    nanots::NanoTsDb::open_read_only(dir.join("db.ntt")).unwrap().stats(table).unwrap().segments
}

#[test]
fn pack_merges_segments_and_keeps_every_row() {
    let dir = tempdir();
    sample(dir.path());
    assert_eq!(segments(dir.path(), "t"), 4);
    let before = rows(&dir.path().join("db.ntt"), "t");
    let run = nanots(dir.path(), &["pack", "db.ntt", "t"]);
    assert_eq!(run.ok(), "");
    assert!(run.stderr.starts_with("packed t: 4 -> 1 segments, 120 rows\ndb.ntt: "), "{}", run.stderr);
    assert_eq!(segments(dir.path(), "t"), 1);
    assert_eq!(rows(&dir.path().join("db.ntt"), "t"), before);
    // All tables, with a segment size.
    let run = nanots(dir.path(), &["pack", "db.ntt", "--target-rows", "50"]);
    assert!(
        run.ok().is_empty() && run.stderr.contains("packed t: 1 -> 3 segments, 120 rows\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("packed u: 1 -> 1 segments, 1 rows\n"), "{}", run.stderr);
    assert_eq!(rows(&dir.path().join("db.ntt"), "t"), before);
    let err = nanots(dir.path(), &["pack", "db.ntt", "--target-rows", "0"]).fails(1).to_owned();
    assert!(
        err.starts_with("error: cannot pack table \"t\": invalid argument: target_segment_points must be"),
        "{err}"
    );
    assert_eq!(entries(dir.path()), ["db.ntt"], "no rewrite file left behind");
}

#[test]
fn retention_keeps_the_last_duration_before_the_newest_row() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(dir.path(), &["retention", "db.ntt", "--keep", "30m"]);
    assert_eq!(run.ok(), "");
    assert!(
        run.stderr.starts_with("t: 120 -> 31 rows stored\nu: 1 -> 1 rows stored\ndb.ntt: "),
        "{}",
        run.stderr
    );
    // The newest row is at minute 119: rows from minute 89 on stay.
    assert_eq!(rows(&dir.path().join("db.ntt"), "t").ts, (89..120).map(|m| T0 + m * MIN).collect::<Vec<_>>());
}

#[test]
fn delete_removes_exactly_the_inclusive_range() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(
        dir.path(),
        &["delete", "db.ntt", "t", "--from", "2024-01-01T00:10:00Z", "--to", &(T0 + 19 * MIN).to_string()],
    );
    assert_eq!(run.ok(), "");
    assert_eq!(
        run.stderr,
        "deleted 10 rows of t from 2024-01-01T00:10:00.000Z to 2024-01-01T00:19:00.000Z (their space comes back at the next pack)\n"
    );
    let want: Vec<i64> = (0..120).filter(|m| !(10..=19).contains(m)).map(|m| T0 + m * MIN).collect();
    assert_eq!(rows(&dir.path().join("db.ntt"), "t").ts, want);
    let err = nanots(dir.path(), &["delete", "db.ntt", "t", "--from", "5", "--to", "4"]).fails(1).to_owned();
    assert_eq!(err, "error: --from (5) is after --to (4)\n");
}

#[test]
fn drop_removes_the_table() {
    let dir = tempdir();
    sample(dir.path());
    let run = nanots(dir.path(), &["drop", "db.ntt", "t"]);
    assert_eq!((run.ok(), run.stderr.as_str()), ("", "dropped t (120 rows)\n"));
    assert_eq!(
        nanots::NanoTsDb::open_read_only(dir.path().join("db.ntt")).unwrap().list_tables().unwrap(),
        ["u"]
    );
}

#[test]
fn missing_files_and_tables_are_errors_that_create_nothing() {
    let dir = tempdir();
    for args in [
        &["pack", "nope.ntt"][..],
        &["retention", "nope.ntt", "--keep", "1d"],
        &["delete", "nope.ntt", "t", "--from", "0", "--to", "1"],
        &["drop", "nope.ntt", "t"],
    ] {
        assert_eq!(nanots(dir.path(), args).fails(1), "error: nope.ntt: no such database file\n", "{args:?}");
    }
    assert!(entries(dir.path()).is_empty());
    sample(dir.path());
    let before = std::fs::read(dir.path().join("db.ntt")).unwrap();
    for args in [
        &["pack", "db.ntt", "x"][..],
        &["delete", "db.ntt", "x", "--from", "0", "--to", "1"],
        &["drop", "db.ntt", "x"],
    ] {
        assert_eq!(
            nanots(dir.path(), args).fails(1),
            "error: no table \"x\" in db.ntt; its tables: t, u\n",
            "{args:?}"
        );
    }
    assert_eq!(std::fs::read(dir.path().join("db.ntt")).unwrap(), before);
}
