//! SIGKILL at random points of packs, retention compactions, deletes and
//! drops: after reopen every row is present exactly once or, where it was
//! meant to go, absent; no temporary file is left; the file opens cleanly.

mod common;
use common::*;
#[cfg(feature = "maintenance")]
use nanots::AutoMaintenanceOptions;
use nanots::{NanoTsDb, NanoTsDbShared, NanoTsOptions};
use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

const ROWS: i64 = 120_000;

type Action = dyn Fn(&NanoTsDb);

fn opts() -> NanoTsOptions {
    NanoTsOptions { segment_max_rows: 4000, ..Default::default() }
}

/// The child: builds a table, then deletes, packs, compacts, drops and
/// appends forever, announcing each operation before ("B ...") and after
/// ("A ...") it.
#[test]
#[ignore = "run as a child process by maintenance_survives_sigkill"]
fn maintenance_child() {
    let Ok(path) = std::env::var("NANOTS_MAINT_DB") else { return };
    let mut rng = Rng(std::env::var("NANOTS_MAINT_SEED").unwrap().parse().unwrap());
    // Background maintenance runs too (where built): flushes of the
    // appends below and merges of the small segments they make land
    // between and during the operations, and kills land inside them as well.
    #[cfg(feature = "maintenance")]
    let child_opts = NanoTsOptions {
        auto_maintenance: Some(AutoMaintenanceOptions {
            interval: Duration::from_millis(3),
            flush_after: Duration::from_millis(5),
            merge_min_segments: 3,
            pack_target_rows: 2000,
            ..Default::default()
        }),
        ..opts()
    };
    #[cfg(not(feature = "maintenance"))]
    let child_opts = opts();
    let db = NanoTsDbShared::open(&path, child_opts).unwrap();
    db.create_table("t", &["v"]).unwrap();
    for chunk in 0..4 {
        let ts: Vec<i64> = (chunk * ROWS / 4..(chunk + 1) * ROWS / 4).rev().collect();
        let v: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
        db.append_rows("t", &ts, &[&v]).unwrap();
        db.flush().unwrap();
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    let mut next_ts = ROWS;
    loop {
        let (line, op): (String, Box<Action>) = match rng.below(5) {
            0 => {
                let a = rng.below(ROWS as u64) as i64;
                let b = a + rng.below(3000) as i64;
                (format!("delete {a} {b}"), Box::new(move |db| db.delete_range("t", a, b).unwrap()))
            }
            1 => {
                let target = 1000 + rng.below(30_000) as usize;
                (format!("pack {target}"), Box::new(move |db| db.pack_table("t", target).unwrap()))
            }
            2 => ("compact".into(), Box::new(|db| db.compact_retention_now().unwrap())),
            3 => (
                "scratch".into(),
                Box::new(|db| {
                    db.create_table("scratch", &["x"]).unwrap();
                    db.append_row("scratch", 1, &[1.0]).unwrap();
                    db.drop_table("scratch").unwrap();
                }),
            ),
            _ => {
                let t = next_ts;
                next_ts += 1;
                (format!("append {t}"), Box::new(move |db| db.append_row("t", t, &[t as f64]).unwrap()))
            }
        };
        writeln!(out, "B {line}").unwrap();
        out.flush().unwrap();
        op(&db);
        #[cfg(feature = "maintenance")]
        {
            let st = db.maintenance_status();
            assert_eq!(st.errors, 0, "{:?}", st.last_error);
        }
        writeln!(out, "A {line}").unwrap();
        out.flush().unwrap();
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Delete(i64, i64),
    Append(i64),
    Other,
}

fn parse(line: &str) -> Op {
    let w: Vec<&str> = line.split_whitespace().collect();
    match w.first().copied() {
        Some("delete") => Op::Delete(w[1].parse().unwrap(), w[2].parse().unwrap()),
        Some("append") => Op::Append(w[1].parse().unwrap()),
        _ => Op::Other,
    }
}

fn apply(rows: &mut std::collections::BTreeSet<i64>, op: Op) {
    match op {
        Op::Delete(a, b) => rows.retain(|t| !(a..=b).contains(t)),
        Op::Append(t) => {
            rows.insert(t);
        }
        Op::Other => {}
    }
}

#[test]
fn maintenance_survives_sigkill() {
    let iterations = if std::env::var_os("NANOTS_SOAK").is_some() { 200 } else { 24 };
    for iter in 0..iterations {
        let (_dir, path) = temp_db();
        let mut rng = Rng(0x5151_7777 + iter * 31);
        let seed = rng.next().to_string();
        let mut child = child_command(
            "maintenance_child",
            &[("NANOTS_MAINT_DB", path.to_str().unwrap()), ("NANOTS_MAINT_SEED", &seed)],
        )
        .spawn()
        .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Skip the test harness's own output ("test maintenance_child ... "
        // has no newline, so READY ends that line).
        while !lines.next().expect("child alive").unwrap().ends_with("READY") {}
        let mut done: std::collections::BTreeSet<i64> = (0..ROWS).collect();
        let mut in_flight = None;
        let ops = 1 + rng.below(12);
        for _ in 0..ops {
            let l = lines.next().expect("child alive").unwrap();
            if let Some(rest) = l.strip_prefix("B ") {
                in_flight = Some(parse(rest));
            } else if let Some(rest) = l.strip_prefix("A ") {
                apply(&mut done, parse(rest));
                in_flight = None;
            }
        }
        // Land somewhere inside the next operations.
        std::thread::sleep(Duration::from_micros(rng.below(30_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        // Lines printed before the kill still count.
        for l in lines.map_while(Result::ok) {
            if let Some(rest) = l.strip_prefix("B ") {
                in_flight = Some(parse(rest));
            } else if let Some(rest) = l.strip_prefix("A ") {
                apply(&mut done, parse(rest));
                in_flight = None;
            }
        }

        let db = NanoTsDb::open(&path, opts()).unwrap_or_else(|e| panic!("iteration {iter}: reopen: {e}"));
        assert!(!path.with_extension("ntt.compact").exists(), "iteration {iter}: temporary file left");
        let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
        assert!(ts.windows(2).all(|w| w[0] < w[1]), "iteration {iter}: duplicated or unsorted rows");
        assert!(ts.iter().zip(&cols[0]).all(|(t, v)| *t as f64 == *v), "iteration {iter}: damaged row");
        let got: std::collections::BTreeSet<i64> = ts.into_iter().collect();
        let mut with_in_flight = done.clone();
        if let Some(op) = in_flight {
            apply(&mut with_in_flight, op);
        }
        assert!(
            got == done || got == with_in_flight,
            "iteration {iter}: {} rows, expected {} (or {} with the in-flight {in_flight:?})",
            got.len(),
            done.len(),
            with_in_flight.len()
        );
        assert!(!db.list_tables().unwrap().contains(&"scratch".to_string()) || in_flight.is_some());
    }
}
