//! The maintenance thread exists only when asked for and is gone after
//! close (alone in its test binary, so no other test's threads interfere).
#![cfg(feature = "maintenance")]

mod common;
use common::*;
use nanots::{AutoMaintenanceOptions, NanoTsDbShared, NanoTsOptions};
use std::time::Duration;

fn maintenance_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).ok())
        // The kernel keeps 15 bytes of a thread name.
        .filter(|c| "nanots-maintenance".starts_with(c.trim()) && c.trim().len() >= 12)
        .count()
}

#[test]
fn no_thread_is_left_behind() {
    let (_dir, path) = temp_db();
    let auto = AutoMaintenanceOptions { interval: Duration::from_millis(10), ..Default::default() };
    assert_eq!(maintenance_threads(), 0);
    {
        let db =
            NanoTsDbShared::open(&path, NanoTsOptions { auto_maintenance: Some(auto), ..Default::default() })
                .unwrap();
        db.create_table("t", &["v"]).unwrap();
        db.append_row("t", 1, &[1.0]).unwrap();
        // The thread names itself once it runs: wait for it (bounded).
        let start = std::time::Instant::now();
        while maintenance_threads() != 1 {
            assert!(start.elapsed() < Duration::from_secs(10), "no maintenance thread appeared");
            std::thread::sleep(Duration::from_millis(2));
        }
        let _clone = db.clone();
        // The last clone dropped: thread joined, database closed.
    }
    assert_eq!(maintenance_threads(), 0);
    let db = open(&path);
    assert_eq!(db.query_table_range_columns("t", 0, 9).unwrap().0, vec![1]);
    drop(db);
    // Without auto_maintenance, no thread at all.
    let db = NanoTsDbShared::open(&path, NanoTsOptions::default()).unwrap();
    assert_eq!(maintenance_threads(), 0);
    assert!(!db.maintenance_status().running);
}
