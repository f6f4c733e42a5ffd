//! Simulated power loss. The engine's writes and syncs are logged (the
//! `nanots::testing` I/O log: every `write`, `set_len`, `fdatasync`,
//! directory `fsync` and `rename` it makes), and the WAL, written through a
//! shared mapping, is copied after every call. From these the test builds
//! the images a power cut at any point could leave on disk: what was synced,
//! plus any subset of the writes since (in any order, sectors torn), a
//! rename that was not yet made durable undone or not, and WAL pages from
//! any earlier moment. Every image must open in strict mode with a state at
//! or after the last durable commit of its sync mode:
//! - `EveryAppend`: every acknowledged row;
//! - `OnFlush`: every row acknowledged before the last completed flush (or
//!   delete, drop, pack: they flush first), every acknowledged delete;
//! - `Never`: nothing is promised, but the file opens and holds no row twice
//!   and no row that was not appended.
//!
//! In all modes: no duplicate, no wrong value, deletes all or nothing.

mod common;
use common::*;
use nanots::testing::{IoEvent, record_io, take_io_log};
use nanots::{NanoTsDb, NanoTsOptions, SyncMode};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const PAGE: usize = 4096;
const SECTOR: usize = 512;

/// One call of the workload and what was durable once it returned.
struct Step {
    /// Events of the I/O log up to the end of this call.
    events_end: usize,
    /// The WAL as the page cache held it when the call returned.
    wal: Vec<u8>,
    /// Rows appended (attempted) so far: row `i` has ts `i`.
    appended: u64,
    /// Rows that must survive a power cut after this call.
    durable_rows: BTreeSet<u64>,
    /// Deletes that must survive (inclusive ranges) and all deletes made.
    durable_deletes: Vec<(u64, u64)>,
    deletes: Vec<(u64, u64)>,
    /// The call, for messages.
    op: &'static str,
}

struct Run {
    dir: tempfile::TempDir,
    path: PathBuf,
    baseline: Vec<u8>,
    events: Vec<IoEvent>,
    steps: Vec<Step>,
    checkpoints: u64,
}

fn wal_bytes(path: &Path) -> Vec<u8> {
    let mut b = std::fs::read(wal_of(path)).unwrap_or_default();
    // Trailing zeros (preallocated space) read like a missing tail.
    let used = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
    b.truncate(used.next_multiple_of(PAGE).min(b.len()));
    b
}

/// Runs the workload on a fresh database with the I/O log on.
fn run(sync: SyncMode, seed: u64) -> Run {
    let (dir, path) = temp_db();
    let opts = NanoTsOptions { sync, auto_flush_bytes: 2048, segment_max_rows: 64, ..Default::default() };
    {
        let db = NanoTsDb::open(&path, opts.clone()).unwrap();
        db.create_table("t", &["v", "w"]).unwrap();
        db.close().unwrap();
    }
    let baseline = std::fs::read(&path).unwrap();
    record_io(true);
    let db = NanoTsDb::open(&path, opts).unwrap();
    let mut events = take_io_log();
    let mut rng = Rng(seed);
    let mut steps: Vec<Step> = Vec::new();
    let mut appended = 0u64;
    let mut acked = 0u64; // rows 0..acked were acknowledged
    let mut durable_rows = BTreeSet::new();
    let mut deletes: Vec<(u64, u64)> = Vec::new();
    let mut durable_deletes: Vec<(u64, u64)> = Vec::new();
    for _ in 0..900 {
        let commits = db.commit_stats().commits;
        let before = acked;
        let r = rng.below(100);
        let mut op = "append";
        let flushed_all = match r {
            0..=79 => {
                let i = appended;
                appended += 1;
                db.append_row("t", i as i64, &[i as f64, -(i as f64)]).unwrap();
                acked = appended;
                false
            }
            80..=89 => {
                op = "flush";
                db.flush().unwrap();
                true
            }
            90..=94 if acked > 20 => {
                let s = rng.below(acked - 10);
                let e = s + rng.below(8);
                op = "delete";
                deletes.push((s, e));
                db.delete_range("t", s as i64, e as i64).unwrap();
                durable_deletes.push((s, e));
                true
            }
            95 => {
                op = "pack";
                db.pack_table("t", 256).unwrap();
                true
            }
            _ => {
                op = "merge";
                db.merge_small_segments(256, 4).unwrap();
                false
            }
        };
        if sync != SyncMode::Never {
            if sync == SyncMode::EveryAppend || flushed_all {
                durable_rows.extend(0..acked);
            } else if op == "append" && db.commit_stats().commits > commits {
                // An automatic flush before this append.
                durable_rows.extend(0..before);
            }
        }
        events.extend(take_io_log());
        steps.push(Step {
            events_end: events.len(),
            wal: wal_bytes(&path),
            appended,
            durable_rows: durable_rows.clone(),
            durable_deletes: if sync == SyncMode::Never { Vec::new() } else { durable_deletes.clone() },
            deletes: deletes.clone(),
            op,
        });
    }
    let checkpoints = db.commit_stats().checkpoints;
    record_io(false);
    // Leave the live files alone: the images are built beside them.
    std::mem::forget(db);
    Run { dir, path, baseline, events, steps, checkpoints }
}

/// A file as the simulated disk holds it.
#[derive(Clone, Default)]
struct Inode {
    cache: Vec<u8>,
    disk: Vec<u8>,
    /// Writes and length changes since the last sync, in order.
    pending: Vec<IoEvent>,
}

fn apply(buf: &mut Vec<u8>, e: &IoEvent) {
    match e {
        IoEvent::Write { offset, data, .. } => {
            let end = *offset as usize + data.len();
            if buf.len() < end {
                buf.resize(end, 0);
            }
            buf[*offset as usize..end].copy_from_slice(data);
        }
        IoEvent::SetLen { len, .. } => buf.resize(*len as usize, 0),
        _ => {}
    }
}

/// What the disk may hold of `inode` after a power cut: the synced bytes
/// plus a random subset of the later writes, sectors of a write torn.
fn power_cut(inode: &Inode, rng: &mut Rng) -> Vec<u8> {
    let mut out = inode.disk.clone();
    for e in &inode.pending {
        match e {
            IoEvent::Write { path, offset, data } if rng.below(3) == 0 && data.len() > SECTOR => {
                // Torn: only some sectors of this write reached the disk.
                let first = *offset as usize;
                let mut at = 0;
                while at < data.len() {
                    let n = (SECTOR - (first + at) % SECTOR).min(data.len() - at);
                    if rng.below(2) == 0 {
                        let piece = IoEvent::Write {
                            path: path.clone(),
                            offset: (first + at) as u64,
                            data: data[at..at + n].to_vec(),
                        };
                        apply(&mut out, &piece);
                    }
                    at += n;
                }
            }
            _ if rng.below(2) == 0 => apply(&mut out, e),
            _ => {}
        }
    }
    out
}

/// The database file a power cut after `events[..k]` may leave.
fn db_image(run: &Run, k: usize, rng: &mut Rng) -> Vec<u8> {
    let mut files: BTreeMap<PathBuf, Inode> = BTreeMap::new();
    files.insert(
        run.path.clone(),
        Inode { cache: run.baseline.clone(), disk: run.baseline.clone(), pending: vec![] },
    );
    // Renames not yet made durable by a directory fsync, with the inode
    // they replaced.
    let mut undurable: Vec<(PathBuf, Inode)> = Vec::new();
    for e in &run.events[..k] {
        match e {
            IoEvent::Write { path, .. } | IoEvent::SetLen { path, .. } => {
                let f = files.entry(path.clone()).or_default();
                apply(&mut f.cache, e);
                f.pending.push(e.clone());
            }
            IoEvent::Sync { path } => {
                if let Some(f) = files.get_mut(path) {
                    f.disk = f.cache.clone();
                    f.pending.clear();
                } else {
                    undurable.clear(); // a directory
                }
            }
            IoEvent::Rename { from, to } => {
                let moved = files.remove(from).unwrap_or_default();
                let old = files.insert(to.clone(), moved).unwrap_or_default();
                undurable.push((to.clone(), old));
            }
        }
    }
    // A rename that was not yet durable may be undone by the power cut.
    for (to, old) in undurable.into_iter().rev() {
        if rng.below(2) == 0 {
            files.insert(to, old);
        }
    }
    power_cut(&files[&run.path], rng)
}

/// The WAL a power cut may leave: every page from the latest copy or from
/// any earlier one (unsynced pages reach the disk in any order).
fn wal_image(steps: &[&[u8]], synced: bool, rng: &mut Rng) -> Vec<u8> {
    let latest = steps.last().copied().unwrap_or(&[]);
    if synced {
        return latest.to_vec();
    }
    let len = steps.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![0u8; len];
    for p in (0..len).step_by(PAGE) {
        // Index steps.len() stands for "never written back": zeros.
        let pick = rng.below(steps.len() as u64 + 1) as usize;
        if let Some(src) = steps.get(pick).filter(|s| s.len() > p) {
            let end = (p + PAGE).min(src.len());
            out[p..end].copy_from_slice(&src[p..end]);
        }
    }
    out
}

fn check_image(run: &Run, sync: SyncMode, step: usize, k: usize, rng: &mut Rng, what: &str) {
    let img = run.dir.path().join("img.ntt");
    let _ = std::fs::remove_file(wal_of(&img));
    let _ = std::fs::remove_file(&img);
    std::fs::write(&img, db_image(run, k, rng)).unwrap();
    let wals: Vec<&[u8]> = run.steps[..=step].iter().map(|s| s.wal.as_slice()).collect();
    std::fs::write(wal_of(&img), wal_image(&wals, sync == SyncMode::EveryAppend, rng)).unwrap();
    // What must have survived: the state after the last call that had
    // returned (for a cut inside call `step`, the one before it).
    let done = &run.steps[step];
    if let Some(keep) = std::env::var_os("NANOTS_PL_KEEP") {
        snapshot_files(&img, Path::new(&keep));
    }
    let db = NanoTsDb::open(&img, NanoTsOptions::default())
        .unwrap_or_else(|e| panic!("{what}: the image does not open: {e}"));
    let report = db.verify().unwrap();
    assert!(report.is_ok(), "{what}: verify: {:?}", report.problems);
    let (ts, cols) = db.query_table_range_columns("t", i64::MIN, i64::MAX).unwrap();
    let mut seen = BTreeSet::new();
    for (i, &t) in ts.iter().enumerate() {
        assert!(
            t >= 0 && (t as u64) < done.appended.max(run.steps.get(step + 1).map_or(0, |s| s.appended)),
            "{what}: row {t} was never appended"
        );
        assert_eq!((cols[0][i], cols[1][i]), (t as f64, -(t as f64)), "{what}: row {t} has wrong values");
        assert!(seen.insert(t as u64), "{what}: row {t} is there twice");
    }
    let deleted = |r: u64, list: &[(u64, u64)]| list.iter().any(|&(s, e)| (s..=e).contains(&r));
    // A cut inside a call may keep that call's delete too (all or nothing).
    let in_flight = run.steps.get(step + 1).map_or(&done.deletes, |s| &s.deletes);
    for &r in &done.durable_rows {
        if !deleted(r, in_flight) {
            assert!(seen.contains(&r), "{what}: durable row {r} lost");
        }
    }
    for &r in &seen {
        assert!(!deleted(r, &done.durable_deletes), "{what}: row {r} of a durable delete is back");
    }
    for (k, &(s, e)) in in_flight.iter().enumerate() {
        // Rows no other delete covers: all present or all gone.
        let others: Vec<(u64, u64)> =
            in_flight.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, d)| *d).collect();
        let present: Vec<bool> =
            (s..=e).filter(|&r| !deleted(r, &others)).map(|r| seen.contains(&r)).collect();
        let appended_before = (s..=e).all(|r| done.durable_rows.contains(&r));
        if appended_before {
            assert!(
                present.iter().all(|p| *p) || present.iter().all(|p| !*p),
                "{what}: half of delete {s}..={e}"
            );
        }
    }
}

fn power_loss(sync: SyncMode) {
    let soak = if std::env::var_os("NANOTS_SOAK").is_some() { 10 } else { 1 };
    let mut images = 0u64;
    let mut checkpoints = 0u64;
    // Under an emulator (qemu) the same history, with the images of every
    // call but every third plain append, one image per cut instead of two.
    let append_stride = target::scaled(1, 3) as usize;
    let images_per_cut = target::scaled(2, 1);
    for seed in 1..=soak {
        let run = run(sync, 0x51ed_0000 + seed);
        checkpoints += run.checkpoints;
        let mut rng = Rng(seed * 7717);
        let mut prev_end = 0;
        for (i, step) in run.steps.iter().enumerate() {
            if step.op == "append" && i % append_stride != 0 {
                prev_end = step.events_end;
                continue;
            }
            // At the end of the call, and inside it when it wrote anything.
            let mut cuts = vec![(i, step.events_end)];
            if step.events_end > prev_end + 1 && i > 0 {
                for _ in 0..2 {
                    let k = prev_end + 1 + rng.below((step.events_end - prev_end - 1) as u64) as usize;
                    cuts.push((i - 1, k));
                }
            }
            for (done, k) in cuts {
                for n in 0..images_per_cut {
                    let what = format!(
                        "{sync:?} seed {seed} call {i} ({}) cut at event {k} of {}..{} image {n}",
                        step.op, prev_end, step.events_end
                    );
                    check_image(&run, sync, done, k, &mut rng, &what);
                    images += 1;
                }
            }
            prev_end = step.events_end;
        }
    }
    assert!(
        checkpoints >= 2,
        "{sync:?}: the runs wrote {checkpoints} checkpoints; the test must cross several"
    );
    println!("power loss {sync:?}: {images} images opened, {checkpoints} checkpoints crossed, 0 losses");
}

#[test]
fn power_loss_every_append() {
    power_loss(SyncMode::EveryAppend);
}

#[test]
fn power_loss_on_flush() {
    power_loss(SyncMode::OnFlush);
}

#[test]
fn power_loss_never() {
    power_loss(SyncMode::Never);
}
