//! A second writer on the same file gets `Locked`, from this process or
//! another, and the file is untouched.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

#[test]
fn second_open_in_this_process_is_locked() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    assert!(err.to_string().contains("test.ntt"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    db.close().unwrap();
    let again = open(&path);
    assert_eq!(again.query_table_range_columns("t", 0, 9).unwrap().0, vec![1]);
}

#[test]
#[ignore = "run as a child process by second_open_in_another_process_is_locked"]
fn locking_child() {
    let Ok(path) = std::env::var("NANOTS_LOCK_DB") else {
        return;
    };
    match NanoTsDb::open(&path, NanoTsOptions::default()) {
        Err(e) if e.kind() == ErrorKind::Locked => println!("LOCKED"),
        Err(e) => println!("ERROR {e}"),
        Ok(_) => println!("OPENED"),
    }
}

#[test]
fn second_open_in_another_process_is_locked() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let run = || {
        let out =
            child_command("locking_child", &[("NANOTS_LOCK_DB", path.to_str().unwrap())]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run().contains("LOCKED"));
    db.close().unwrap();
    assert!(run().contains("OPENED"));
}
