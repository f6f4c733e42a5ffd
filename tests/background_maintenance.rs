//! Background maintenance: it flushes, applies retention, merges small
//! segments, reports its errors, and stops cleanly on close.
#![cfg(feature = "maintenance")]

mod common;
use common::*;
use nanots::{AutoMaintenanceOptions, ErrorKind, NanoTsDb, NanoTsDbShared, NanoTsOptions};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fast() -> AutoMaintenanceOptions {
    AutoMaintenanceOptions {
        interval: Duration::from_millis(10),
        flush_after: Duration::from_millis(30),
        retention_every: Duration::from_millis(30),
        merge_min_segments: 4,
        pack_target_rows: 1000,
    }
}

/// Polls `cond` for up to 10 s.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn flushes_merges_and_stops_on_close() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions { auto_maintenance: Some(fast()), ..Default::default() };
    let db = NanoTsDbShared::open(&path, opts).unwrap();
    assert!(db.maintenance_status().running);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    eventually("the buffered row to be flushed", || db.maintenance_status().flushes >= 1);
    assert_eq!(db.pending_bytes().unwrap(), 0);

    // Many small flushes: merged into segments of up to 1000 rows.
    for k in 0..20i64 {
        let ts: Vec<i64> = (k * 50..(k + 1) * 50).collect();
        let v: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
        db.append_rows("t", &ts, &[&v]).unwrap();
        db.flush().unwrap();
    }
    eventually("small segments to be merged", || db.maintenance_status().merges >= 1);
    // 21 small segments before merging. Merges run while the loop flushes,
    // so where they cut depends on timing; what always ends up true: at most
    // two merged segments of 500 rows or more (1001 rows in all), then a
    // trailing run of fewer than `merge_min_segments` (4) small ones.
    eventually("small segments to be merged", || db.stats("t").unwrap().segments <= 5);
    let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    assert_eq!(ts.len(), 1001);
    assert!(ts[1..].iter().zip(&cols[0][1..]).all(|(t, v)| *t as f64 == *v));

    let clone = db.clone();
    db.close().unwrap();
    assert!(!clone.maintenance_status().running);
    assert_eq!(clone.append_row("t", 5, &[1.0]).unwrap_err().kind(), ErrorKind::Closed);
    drop(clone);
    let db = open(&path);
    assert_eq!(db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0.len(), 1001);
}

#[test]
fn applies_retention_on_schedule() {
    let (_dir, path) = temp_db();
    let opts = NanoTsOptions {
        retention: Some(Duration::from_secs(10)),
        auto_maintenance: Some(fast()),
        ..Default::default()
    };
    let db = NanoTsDbShared::open(&path, opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for i in 0..100i64 {
        db.append_row("t", i * 1000, &[i as f64]).unwrap();
    }
    // Newest row at 99 s: rows before 89 s expire.
    eventually("retention", || db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap().0.len() == 11);
    // The thread counts the run just after the switch the query saw.
    eventually("the retention run counted", || db.maintenance_status().retention_runs >= 1);
    assert_eq!(db.maintenance_status().errors, 0);
}

#[test]
fn errors_are_recorded_and_passed_to_the_hook() {
    let (_dir, path) = temp_db();
    // Six small segments, the last one damaged behind the engine's back:
    // merging the small segments must read it and fail with Corrupt, at
    // every wake-up until someone repairs it.
    {
        let db = open(&path);
        db.create_table("t", &["v"]).unwrap();
        for k in 0..6i64 {
            db.append_row("t", k, &[k as f64]).unwrap();
            db.flush().unwrap();
        }
    }
    let seg = records(&path).into_iter().rfind(|r| r.1 == REC_SEGMENT).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, &[0xAB], seg.0 + seg.2 - 1).unwrap();
    let db =
        NanoTsDbShared::open(&path, NanoTsOptions { auto_maintenance: Some(fast()), ..Default::default() })
            .unwrap();
    let seen: Arc<Mutex<Vec<ErrorKind>>> = Arc::default();
    let s = seen.clone();
    db.set_maintenance_hook(Some(Arc::new(move |e: &nanots::Error| s.lock().unwrap().push(e.kind()))));
    eventually("the hook", || seen.lock().unwrap().contains(&ErrorKind::Corrupt));
    let st = db.maintenance_status();
    assert!(st.errors >= 1);
    assert_eq!(st.last_error.as_ref().unwrap().0, ErrorKind::Corrupt);
    assert!(st.last_error.unwrap().1.contains("offset"));
    // The data that was not damaged is still readable.
    assert_eq!(db.query_table_range_columns("t", 0, 4).unwrap().0, vec![0, 1, 2, 3, 4]);
}

#[test]
fn plain_open_refuses_to_start_a_thread() {
    let (_dir, path) = temp_db();
    let opts =
        NanoTsOptions { auto_maintenance: Some(AutoMaintenanceOptions::default()), ..Default::default() };
    assert_eq!(NanoTsDb::open(&path, opts).unwrap_err().kind(), ErrorKind::InvalidArgument);
    let bad = NanoTsOptions {
        auto_maintenance: Some(AutoMaintenanceOptions { interval: Duration::ZERO, ..Default::default() }),
        ..Default::default()
    };
    assert_eq!(NanoTsDbShared::open(&path, bad).unwrap_err().kind(), ErrorKind::InvalidArgument);
}

/// A database whose background merge fails at every wake-up (its last small
/// segment damaged behind the engine's back).
fn failing_merges(path: &std::path::Path) -> NanoTsDbShared {
    {
        let db = open(path);
        db.create_table("t", &["v"]).unwrap();
        for k in 0..6i64 {
            db.append_row("t", k, &[k as f64]).unwrap();
            db.flush().unwrap();
        }
    }
    let seg = records(path).into_iter().rfind(|r| r.1 == REC_SEGMENT).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, &[0xAB], seg.0 + seg.2 - 1).unwrap();
    NanoTsDbShared::open(path, NanoTsOptions { auto_maintenance: Some(fast()), ..Default::default() })
        .unwrap()
}

#[test]
fn close_does_not_deadlock_when_the_hook_asks_for_the_status() {
    let (_dir, path) = temp_db();
    let db = failing_merges(&path);
    // The hook waits until close has begun, then asks for the status: close
    // must not hold the worker's lock while it joins the thread.
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let weak = db.downgrade();
    db.set_maintenance_hook(Some(Arc::new(move |_e: &nanots::Error| {
        let _ = entered_tx.send(());
        let _ = go_rx.lock().unwrap().recv();
        if let Some(db) = weak.upgrade() {
            let _ = db.maintenance_status();
        }
    })));
    entered_rx.recv().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let closer = db.clone();
    let t = std::thread::spawn(move || done_tx.send(closer.close().map_err(|e| e.to_string())).unwrap());
    // Let the hook go once close is (very likely) waiting for the thread;
    // either order must finish.
    std::thread::sleep(Duration::from_millis(50));
    go_tx.send(()).unwrap();
    let closed = done_rx.recv_timeout(Duration::from_secs(120)).expect("close deadlocked");
    assert_eq!(closed, Ok(()));
    t.join().unwrap();
    assert!(!db.maintenance_status().running);
}

#[test]
fn a_hook_with_a_weak_handle_lets_the_last_clone_close_the_database() {
    let (_dir, path) = temp_db();
    let db = failing_merges(&path);
    let weak = db.downgrade();
    let w = weak.clone();
    db.set_maintenance_hook(Some(Arc::new(move |_e: &nanots::Error| {
        let _ = w.upgrade().map(|db| db.maintenance_status());
    })));
    eventually("an error", || db.maintenance_status().errors > 0);
    drop(db);
    // The hook may hold an upgraded handle at this moment: then the last
    // one goes on the maintenance thread (the next test makes sure of it).
    eventually("the handle to close", || weak.upgrade().is_none());
    eventually("the lock to be free", || NanoTsDb::open(&path, NanoTsOptions::default()).is_ok());
}

#[test]
fn the_last_clone_dropped_by_the_hook_closes_the_database() {
    let (_dir, path) = temp_db();
    let db = failing_merges(&path);
    let w = db.downgrade();
    // The hook holds an upgraded handle until the host has dropped its own,
    // so the last handle is dropped on the maintenance thread, which cannot
    // join itself: it must stop, and the database close as it exits.
    let (held_tx, held_rx) = std::sync::mpsc::channel::<()>();
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel::<()>();
    let (panicked_tx, panicked_rx) = std::sync::mpsc::channel::<bool>();
    let dropped_rx = Mutex::new(dropped_rx);
    db.set_maintenance_hook(Some(Arc::new(move |_e: &nanots::Error| {
        if let Some(db) = w.upgrade() {
            let _ = held_tx.send(());
            let _ = dropped_rx.lock().unwrap().recv_timeout(Duration::from_secs(120));
            // Waiting for itself would fail (EDEADLK) and panic in drop.
            let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(db)));
            let _ = panicked_tx.send(dropped.is_err());
        }
    })));
    held_rx.recv_timeout(Duration::from_secs(120)).expect("the hook never ran");
    let weak = db.downgrade();
    drop(db);
    assert!(weak.upgrade().is_some(), "the hook's handle must be the last one");
    dropped_tx.send(()).unwrap();
    let panicked =
        panicked_rx.recv_timeout(Duration::from_secs(120)).expect("the hook never dropped its handle");
    assert!(!panicked, "dropping the last handle on the maintenance thread panicked");
    eventually("the handle to close", || weak.upgrade().is_none());
    eventually("the lock to be free", || NanoTsDb::open(&path, NanoTsOptions::default()).is_ok());
}
