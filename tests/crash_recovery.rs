//! A writer process killed with SIGKILL at random points: after reopen,
//! every row whose append returned is present exactly once, intact, with
//! nothing partial or duplicated. Appends reach the WAL's shared mapping
//! before they return, so this holds in every sync mode (power loss is
//! where the modes differ; see `SyncMode`).

mod common;
use common::*;
use nanots::{NanoTsDb, NanoTsOptions, SyncMode};
use std::io::{BufRead, BufReader, Write};

fn ts_of(i: u64) -> i64 {
    // Pairs swapped: every other append is out of order.
    (i ^ 1) as i64 * 10
}

fn mode_from(s: &str) -> SyncMode {
    match s {
        "every" => SyncMode::EveryAppend,
        "never" => SyncMode::Never,
        _ => SyncMode::OnFlush,
    }
}

/// The child: appends forever, printing how many rows are acknowledged.
#[test]
#[ignore = "run as a child process by crash_recovery_*"]
fn crash_child_writer() {
    let Ok(path) = std::env::var("NANOTS_CRASH_DB") else {
        return;
    };
    let mode = mode_from(&std::env::var("NANOTS_CRASH_MODE").unwrap());
    let mut rng = Rng(std::env::var("NANOTS_CRASH_SEED").unwrap().parse().unwrap());
    let opts =
        NanoTsOptions { sync: mode, auto_flush_bytes: 32 << 10, segment_max_rows: 500, ..Default::default() };
    let db = NanoTsDb::open(&path, opts).unwrap();
    db.create_table("t", &["v", "w"]).unwrap();
    let mut out = std::io::stdout().lock();
    let mut i = 0u64;
    loop {
        match rng.below(10) {
            0 => {
                let n = 1 + rng.below(200);
                let ts: Vec<i64> = (i..i + n).map(ts_of).collect();
                let v: Vec<f64> = (i..i + n).map(|x| x as f64).collect();
                let w: Vec<f64> = v.iter().map(|x| x * 2.0).collect();
                db.append_rows("t", &ts, &[&v, &w]).unwrap();
                i += n;
            }
            1 if rng.below(20) == 0 => db.flush().unwrap(),
            _ => {
                db.append_row("t", ts_of(i), &[i as f64, i as f64 * 2.0]).unwrap();
                i += 1;
            }
        }
        writeln!(out, "{i}").unwrap();
        out.flush().unwrap();
    }
}

fn crash_many_times(mode: &str, iterations: u64, max_acks: u64) {
    let soak = if std::env::var_os("NANOTS_SOAK").is_some() { 25 } else { 1 };
    for iter in 0..iterations * soak {
        let (_dir, path) = temp_db();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((iter + 1) * 7919));
        let target = 1 + rng.below(max_acks);
        let seed = rng.next().to_string();
        let mut child = child_command(
            "crash_child_writer",
            &[
                ("NANOTS_CRASH_DB", path.to_str().unwrap()),
                ("NANOTS_CRASH_MODE", mode),
                ("NANOTS_CRASH_SEED", &seed),
            ],
        )
        .spawn()
        .expect("spawn child");
        let mut acked = 0u64;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while acked < target {
            match lines.next() {
                Some(Ok(l)) => {
                    if let Ok(n) = l.trim().parse::<u64>() {
                        acked = n;
                    }
                }
                _ => panic!("child ended before being killed (acked {acked})"),
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();

        let evidence = path.with_extension("before-open");
        snapshot_files(&path, &evidence);
        let db = NanoTsDb::open(&path, NanoTsOptions::default())
            .unwrap_or_else(|e| panic!("{mode} iteration {iter}: reopen failed: {e}"));
        let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
        let mut seen: Vec<u64> = cols[0].iter().map(|v| *v as u64).collect();
        for (k, &v) in seen.iter().enumerate() {
            assert_eq!(ts[k], ts_of(v), "{mode} iteration {iter}: row {v} has a wrong timestamp");
            assert_eq!(cols[1][k], v as f64 * 2.0, "{mode} iteration {iter}: row {v} is partial");
        }
        seen.sort_unstable();
        let n = seen.len() as u64;
        assert!(n >= acked, "{mode} iteration {iter}: {n} rows survived, {acked} were acknowledged");
        if let Some(k) = (0..seen.len()).find(|&k| seen[k] != k as u64) {
            // Keep the evidence for a post-mortem.
            let keep =
                std::env::temp_dir().join(format!("nanots-crash-{mode}-{iter}-{}", std::process::id()));
            let _ = std::fs::create_dir_all(&keep);
            let _ = std::fs::copy(&evidence, keep.join("test.ntt"));
            let _ = std::fs::copy(wal_of(&evidence), keep.join("test.ntt-wal"));
            let dups: Vec<u64> = seen.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).take(10).collect();
            panic!(
                "{mode} iteration {iter}: rows are not exactly 0..{n} once each (acked {acked}): position {k} holds {:?}; duplicates {dups:?}; files kept in {}",
                &seen[k.saturating_sub(2)..(k + 3).min(seen.len())],
                keep.display()
            );
        }
    }
}

#[test]
fn crash_recovery_fsync_every_append() {
    crash_many_times("every", 8, 300);
}

#[test]
fn crash_recovery_fsync_on_flush() {
    crash_many_times("flush", 16, 20_000);
}

#[test]
fn crash_recovery_never_fsync() {
    crash_many_times("never", 8, 20_000);
}
