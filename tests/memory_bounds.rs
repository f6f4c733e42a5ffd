//! What the library holds stays under the bounds of SPEC.md 8.4, whatever
//! the size of the file: a writer appending row by row with the default
//! options, a streaming reader of a file many times the bound, and `stats`
//! of it. Each runs in a child process of its own (this test binary,
//! re-run on one `#[ignore]`d test), which reports its peak resident set
//! (`VmHWM`) and its resident set before it opened the database; the bound
//! applies to the difference, so the test binary's own code and the test
//! harness are not counted. The writer's child also reports the peak of
//! its heap, counted by this binary's global allocator, which does not
//! depend on the emulator a cross-built test runs under. Before that, each child does the same work on
//! a small database of its own, so that the code it runs is already paged
//! in (in a debug build, a few MiB of it) when the measured part starts.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use nanots::{Columns, NanoTsDb, NanoTsOptions};

const COLUMNS: [&str; 2] = ["a", "b"];

/// The system allocator, counting the bytes live on the heap and their peak
/// since the last `reset_peak`.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator with the caller's
// arguments unchanged; the counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`, as every block
        // this allocator hands out does.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller's contract for `realloc`
        // is `System.realloc`'s.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live =
                    LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap bytes live now.
fn heap_live() -> u64 {
    LIVE.load(Ordering::Relaxed) as u64
}

/// Starts the heap's peak again from what is live now.
fn reset_heap_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Heap bytes live at most since the last `reset_heap_peak`.
fn heap_peak() -> u64 {
    PEAK.load(Ordering::Relaxed) as u64
}

/// A field of `/proc/self/status` in bytes.
fn status_bytes(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.split(':').next() == Some(field)).unwrap_or_else(|| panic!("no {field}"));
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Row `i`: a timestamp with jitter and two noisy values, which compress
/// poorly, so the file is large for its rows.
fn row(i: u64) -> (i64, [f64; 2]) {
    // splitmix64
    let mut x = i.wrapping_add(1).wrapping_mul(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^= x >> 31;
    let (a, b) = ((x >> 40) as f64 / 1024.0, (x >> 20 & 0xfffff) as f64 * 0.01);
    (1_700_000_000_000 + i as i64 * 1000 + (x >> 60) as i64, [a, b])
}

/// Runs the ignored test `name` in a child with `envs`; returns the
/// numbers it printed as `name value` lines.
fn run_child(name: &str, envs: &[(&str, &str)]) -> std::collections::HashMap<String, u64> {
    let mut child = common::child_command(name, envs).spawn().unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(child.wait().unwrap().success(), "child {name} failed: {out}");
    out.lines()
        // libtest prints "test <name> ... " before the test's own output,
        // on the same line.
        .filter_map(|l| l.split_once("memory-bounds ").map(|(_, rest)| rest))
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

/// Bound of SPEC.md 8.4 on a writer of one table of `c` value columns
/// appending row by row with `opts`, beyond the program itself, in bytes.
fn writer_bound(opts: &NanoTsOptions, c: u64) -> u64 {
    let f = opts.auto_flush_bytes as u64;
    let r = 8 * (c + 1);
    // Rows of the largest segment a flush writes.
    let s = (opts.segment_max_rows as u64).min(f / r + 1);
    let buffers = 2 * f;
    let wal = f * (16 + r) / r;
    let flush = 2 * r * s + 64 * s;
    buffers + wal + flush + (1 << 20)
}

/// Bound of SPEC.md 8.4 on a streaming reader of a table of `c` value
/// columns whose segments hold at most `s` rows, beyond the program itself.
fn reader_bound(s: u64, c: u64) -> u64 {
    let r = 8 * (c + 1);
    4 * r * s + 48 * s + (1 << 20)
}

#[test]
fn a_writer_appending_row_by_row_stays_under_its_bound_and_flat() {
    let dir = tempfile::tempdir().unwrap();
    let bound = writer_bound(&NanoTsOptions::default(), 2);
    let (mut used, mut heap_used) = (Vec::new(), Vec::new());
    for rows in [1_000_000u64, 3_000_000] {
        let path = dir.path().join(format!("w{rows}.ntt"));
        let envs =
            [("MEMORY_BOUNDS_PATH", path.to_str().unwrap()), ("MEMORY_BOUNDS_ROWS", &rows.to_string())];
        let m = run_child("writer_child", &envs);
        let u = m["peak"] - m["base"];
        let heap = m["heap-peak"] - m["heap-base"];
        eprintln!(
            "writer of {rows} rows: peak RSS {} KiB above its start, peak heap {} KiB; bound {} KiB",
            u >> 10,
            heap >> 10,
            bound >> 10
        );
        assert!(u < bound, "writer of {rows} rows used {u} bytes, bound {bound}");
        // Every row was written.
        let db = NanoTsDb::open_read_only(&path).unwrap();
        assert_eq!(db.stats("t").unwrap().rows, rows);
        used.push(u);
        heap_used.push(heap);
    }
    // Keeping the rows instead of flushing them would take 24 bytes each:
    // the bound is far below that, and the second writer's 2 million more
    // rows took at most a little more memory (2 bytes a row would be 4 MB).
    assert!(bound < 1_000_000 * 24 * 2, "the bound must be below what keeping the rows would take");
    // What the library allocates is counted exactly, the same on every
    // target (the host and qemu-aarch64 give the same figures, 32-bit ARM
    // 1-2 KiB less): the second writer's peak heap was 124 KiB above the
    // first's, its live heap at the end 2 KiB.
    assert!(heap_used[1] < heap_used[0] + (1 << 20), "peak heap grew with the rows: {heap_used:?}");
    // The resident set also counts pages of the file and the allocator's
    // own, which the heap's count does not see; but under qemu-user it
    // counts the emulator too, whose own anonymous memory grows with the
    // time it runs (measured under qemu-aarch64 7.2: RssAnon 1.2 MiB more
    // from 1M to 3M rows while the heap stayed at 6,291 KiB; 3.4 and
    // 4.1 MiB more peak RSS in two CI runs). There only the bound holds.
    if common::target::under_emulation() {
        eprintln!(
            "under emulation: peak RSS {used:?} not compared, the emulator's own memory grows with time"
        );
    } else {
        assert!(used[1] < used[0] + (2 << 20), "peak RSS grew with the rows: {used:?}");
    }
}

#[test]
#[ignore = "child of a_writer_appending_row_by_row_stays_under_its_bound_and_flat"]
fn writer_child() {
    let path = std::env::var("MEMORY_BOUNDS_PATH").unwrap();
    let rows: u64 = std::env::var("MEMORY_BOUNDS_ROWS").unwrap().parse().unwrap();
    warm_up(Path::new(&path));
    let base = status_bytes("VmRSS");
    let heap_base = heap_live();
    reset_heap_peak();
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    db.create_table("t", &COLUMNS).unwrap();
    for i in 0..rows {
        let (ts, v) = row(i);
        db.append_row("t", ts, &v).unwrap();
    }
    db.close().unwrap();
    println!("memory-bounds base {base}");
    println!("memory-bounds peak {}", status_bytes("VmHWM"));
    println!("memory-bounds heap-base {heap_base}");
    println!("memory-bounds heap-peak {}", heap_peak());
}

/// Pages in the code a child is about to run: appends row by row, a flush,
/// a streaming read and `stats` on a small database beside `path`, then
/// frees what that kept (the encoders' per-thread scratch).
fn warm_up(path: &Path) {
    let small = path.with_extension("warm-up.ntt");
    let db = NanoTsDb::open(&small, NanoTsOptions::default()).unwrap();
    db.create_table("t", &COLUMNS).unwrap();
    for i in 0..20_000 {
        let (ts, v) = row(i);
        db.append_row("t", ts, &v).unwrap();
    }
    db.flush().unwrap();
    let mut reader = db.range_reader("t", i64::MIN, i64::MAX).unwrap();
    let mut cols = Columns::with_columns(2, 0);
    while reader.read_group_into(&mut cols).unwrap() {}
    db.stats("t").unwrap();
    db.close().unwrap();
    drop(db);
    std::fs::remove_file(&small).unwrap();
    nanots::codec::release_scratch_buffers();
}

/// Writes `rows` rows of table `t` in segments of at most `segment_rows`.
fn write_file(path: &Path, rows: u64, segment_rows: usize) {
    let db =
        NanoTsDb::open(path, NanoTsOptions { segment_max_rows: segment_rows, ..Default::default() }).unwrap();
    db.create_table("t", &COLUMNS).unwrap();
    let chunk = 100_000;
    for start in (0..rows).step_by(chunk) {
        let (ts, v): (Vec<i64>, Vec<[f64; 2]>) = (start..(start + chunk as u64).min(rows)).map(row).unzip();
        let a: Vec<f64> = v.iter().map(|x| x[0]).collect();
        let b: Vec<f64> = v.iter().map(|x| x[1]).collect();
        db.append_rows("t", &ts, &[&a, &b]).unwrap();
    }
    db.close().unwrap();
}

#[test]
fn a_streaming_reader_and_stats_stay_under_their_bounds_on_a_file_many_times_larger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.ntt");
    let (rows, segment_rows) = (2_500_000u64, 16_384usize);
    write_file(&path, rows, segment_rows);
    let file = std::fs::metadata(&path).unwrap().len();
    let env = [("MEMORY_BOUNDS_PATH", path.to_str().unwrap())];

    let m = run_child("reader_child", &env);
    let used = m["peak"] - m["base"];
    let bound = reader_bound(segment_rows as u64, 2);
    eprintln!(
        "streaming read of a {} KiB file: peak RSS {} KiB above its start; bound {} KiB",
        file >> 10,
        used >> 10,
        bound >> 10
    );
    assert!(bound * 4 < file, "the file must be far larger than the bound");
    assert!(used < bound, "reader used {used} bytes, bound {bound}");
    assert_eq!(m["rows"], rows);

    // stats: 153 segment headers, each on a page of its own, answered with
    // a few KiB (8.3) where reading them through the mapping left about
    // 64 KiB each resident.
    let m = run_child("stats_child", &env);
    let used = m["after"] - m["before"];
    eprintln!("stats: RSS {} KiB more after it", used >> 10);
    assert!(used < 512 << 10, "stats added {used} bytes");
    assert_eq!(m["rows"], rows);
}

#[test]
#[ignore = "child of a_streaming_reader_and_stats_stay_under_their_bounds_on_a_file_many_times_larger"]
fn reader_child() {
    let path = std::env::var("MEMORY_BOUNDS_PATH").unwrap();
    warm_up(Path::new(&path));
    let base = status_bytes("VmRSS");
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    let mut reader = db.range_reader("t", i64::MIN, i64::MAX).unwrap();
    let mut cols = Columns::with_columns(2, 0);
    let mut rows = 0;
    let mut expect = 0u64;
    loop {
        cols.ts.clear();
        cols.columns.iter_mut().for_each(Vec::clear);
        if !reader.read_group_into(&mut cols).unwrap() {
            break;
        }
        for (i, &ts) in cols.ts.iter().enumerate() {
            let (want_ts, want) = row(expect);
            assert_eq!((ts, cols.columns[0][i], cols.columns[1][i]), (want_ts, want[0], want[1]));
            expect += 1;
        }
        rows += cols.len() as u64;
    }
    println!("memory-bounds base {base}");
    println!("memory-bounds peak {}", status_bytes("VmHWM"));
    println!("memory-bounds rows {rows}");
}

#[test]
#[ignore = "child of a_streaming_reader_and_stats_stay_under_their_bounds_on_a_file_many_times_larger"]
fn stats_child() {
    let path = std::env::var("MEMORY_BOUNDS_PATH").unwrap();
    warm_up(Path::new(&path));
    let db = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap();
    let before = status_bytes("VmRSS");
    let st = db.stats("t").unwrap();
    println!("memory-bounds after {}", status_bytes("VmRSS"));
    println!("memory-bounds before {before}");
    println!("memory-bounds rows {}", st.rows);
}
