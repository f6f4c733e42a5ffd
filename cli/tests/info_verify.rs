//! `nanots info` and `nanots verify`: what a file holds, and whether it is
//! sound; both only look (the file is left byte-identical).

mod common;
use common::{nanots, tempdir, write};

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// A database with table `env` (2 columns, 1000 rows, one per minute from
/// T0) and table `empty`.
fn sample(dir: &std::path::Path) -> std::path::PathBuf {
    let csv: String = std::iter::once("ts_ms,temp,hum\n".to_owned())
        .chain((0..1000).map(|i| format!("{},{}.25,{}\n", T0 + i * 60_000, 20 + i % 7, 40 + i % 3)))
        .collect();
    write(dir, "env.csv", &csv);
    nanots(dir, &["import", "db.ntt", "env", "env.csv"]).ok();
    nanots(dir, &["sql", "db.ntt", "CREATE TABLE empty (x)"]).ok();
    dir.join("db.ntt")
}

#[test]
fn info_shows_the_header_tables_rows_range_and_codecs() {
    let dir = tempdir();
    let db = sample(dir.path());
    let before = std::fs::read(&db).unwrap();
    let run = nanots(dir.path(), &["info", "db.ntt"]);
    let out = run.ok();
    assert_eq!(run.stderr, "");
    let size = before.len();
    for line in [
        "file:            db.ntt\n".to_owned(),
        "format version:  4\n".to_owned(),
        format!("bytes on disk:   {size}\n"),
        "tables:          2\n".to_owned(),
        "table empty\n  columns:       ts_ms, x\n  rows:          0\n  time range:    (no rows)\n  segments:      0\n".to_owned(),
        "table env\n  columns:       ts_ms, temp, hum\n  rows:          1000\n".to_owned(),
        "  time range:    2024-01-01T00:00:00.000Z .. 2024-01-01T16:39:00.000Z\n".to_owned(),
        format!("                 {T0} .. {} ms\n", T0 + 999 * 60_000),
        "  segments:      1\n".to_owned(),
        "  raw bytes:     24000\n".to_owned(),
    ] {
        assert!(out.contains(&line), "info lacks {line:?}:\n{out}");
    }
    // The per-column table: every column, its raw bytes and its codec.
    let env = &out[out.find("table env").unwrap()..];
    for col in ["ts_ms", "temp", "hum"] {
        let row =
            env.lines().find(|l| l.contains(&format!("│ {col} "))).unwrap_or_else(|| panic!("{col}:\n{out}"));
        assert!(row.contains(" 8000 "), "{row}");
        assert!(row.contains("(1)"), "one segment's codec: {row}");
    }
    assert!(!out.contains("WAL:"), "a closed database has no WAL");
    assert_eq!(std::fs::read(&db).unwrap(), before, "info writes nothing");
}

#[test]
fn info_next_to_a_live_writer_shows_what_it_committed_and_its_wal() {
    let dir = tempdir();
    let path = dir.path().join("live.ntt");
    let db = nanots::NanoTsDb::open(&path, Default::default()).unwrap();
    db.create_table("t", &["v"]).unwrap();
    db.append_rows("t", &[T0, T0 + 1], &[&[1.0, 2.0]]).unwrap();
    db.flush().unwrap();
    db.append_row("t", T0 + 2, &[3.0]).unwrap(); // in the WAL only
    let out = nanots(dir.path(), &["info", "live.ntt"]).ok().to_owned();
    assert!(out.contains("  rows:          2\n"), "{out}");
    assert!(out.contains("WAL:             live.ntt-wal ("), "{out}");
    let q = nanots(dir.path(), &["query", "live.ntt", "t", "--format", "csv"]);
    assert_eq!(q.ok(), "ts_ms,v\n2024-01-01T00:00:00.000Z,1.0\n2024-01-01T00:00:00.001Z,2.0\n");
    db.close().unwrap();
    let q = nanots(dir.path(), &["query", "live.ntt", "t", "--format", "csv"]);
    assert!(q.ok().ends_with("2024-01-01T00:00:00.002Z,3.0\n"), "{}", q.stdout);
}

#[test]
fn verify_passes_a_sound_file() {
    let dir = tempdir();
    let db = sample(dir.path());
    let before = std::fs::read(&db).unwrap();
    let run = nanots(dir.path(), &["verify", "db.ntt"]);
    let out = run.ok();
    assert!(
        out.starts_with("db.ntt: ") && out.ends_with(" segments, 1000 rows checked; no problem found\n"),
        "{out}"
    );
    assert_eq!(run.stderr, "");
    assert_eq!(std::fs::read(&db).unwrap(), before, "verify writes nothing");
}

/// The `file offset N` values in `text`.
fn offsets(text: &str) -> Vec<u64> {
    text.match_indices("file offset ")
        .map(|(i, m)| text[i + m.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
        .map(|d| d.parse().expect("an offset"))
        .collect()
}

#[test]
fn verify_fails_a_damaged_file_naming_the_offset() {
    let dir = tempdir();
    let db = sample(dir.path());
    let mut bytes = std::fs::read(&db).unwrap();
    // The segment of 1000 rows is most of the file: its middle is data.
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&db, &bytes).unwrap();
    let run = nanots(dir.path(), &["verify", "db.ntt"]);
    run.fails(1);
    let out = &run.stdout;
    assert!(out.ends_with("damaged: 1 problem\n") || out.contains("damaged: "), "{out}");
    let found = offsets(out);
    assert!(!found.is_empty(), "{out}");
    // Each problem names the record that holds the damaged byte: it starts
    // after the 104-byte header and at or before the byte.
    for off in found {
        assert!((104..=at as u64).contains(&off), "offset {off}, damaged byte {at}:\n{out}");
    }
    assert!(out.contains("CRC32"), "{out}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "verify repairs nothing");
    // The other commands refuse the damaged data with the same offset.
    let q = nanots(dir.path(), &["query", "db.ntt", "env"]);
    let err = q.fails(1);
    assert!(err.starts_with("error: cannot read table \"env\" of db.ntt: corrupt: "), "{err}");
    assert_eq!(q.stdout, "");
}

#[test]
fn verify_fails_a_file_too_damaged_to_open() {
    let dir = tempdir();
    let db = sample(dir.path());
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..100]).unwrap();
    let run = nanots(dir.path(), &["verify", "db.ntt"]);
    run.fails(1);
    assert_eq!(
        run.stdout,
        "db.ntt: db.ntt is 100 bytes long, too short for a NanoTS file header (file offset 100)\n\
         db.ntt: damaged: the file does not open\n"
    );
    let err = nanots(dir.path(), &["info", "db.ntt"]).fails(1).to_owned();
    assert_eq!(
        err,
        "error: cannot open db.ntt: corrupt: db.ntt is 100 bytes long, too short for a NanoTS file header (file offset 100)\n"
    );
}

#[test]
fn missing_files_and_tables() {
    let dir = tempdir();
    for cmd in ["info", "verify"] {
        assert_eq!(
            nanots(dir.path(), &[cmd, "nope.ntt"]).fails(1),
            "error: nope.ntt: no such database file\n"
        );
    }
    assert_eq!(nanots(dir.path(), &["info", "."]).fails(1), "error: . is not a file\n");
    assert!(common::entries(dir.path()).is_empty(), "nothing created");
}
