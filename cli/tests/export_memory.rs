//! Exporting a 10-million-row table to Parquet stays under a fixed peak
//! resident set: the export streams group of segments by group of
//! segments, so its memory does not grow with the table.
//!
//! The bound is on the child's peak RSS (`ru_maxrss` from `wait4`), which
//! also counts the pages of the database file the engine maps and reads:
//! file-backed, reclaimable, but resident while mapped. So the bound is
//! `EXPORT_HEAP_BOUND` plus the `.ntt` file's size. Holding the table in
//! memory instead would take 10M x 3 x 8 bytes = 240 MB for the columns
//! alone, well above it.

mod common;
use common::{bin_command, tempdir};

use std::process::Stdio;

/// Peak RSS allowed beyond the mapped database file: the binary and its
/// libraries, one group of segments decoded (131,072 rows x 3 columns x
/// 8 bytes = 3 MiB) and its Arrow batch, and the Parquet writer's
/// compressed row group in progress (about 1M rows).
const EXPORT_HEAP_BOUND: u64 = 96 << 20;

/// Rows exported: 10M on the host; 2M under an emulator (qemu), still two
/// row groups and many groups of segments, so the streaming path is taken.
fn rows() -> usize {
    common::target::scaled(10_000_000, 2_000_000) as usize
}
const T0: i64 = 1_704_067_200_000;

/// Peak RSS in bytes of the finished child `pid`.
fn wait_peak_rss(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unwaited child; status and usage are valid
    // for writes for the duration of the call.
    let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(r, pid as libc::pid_t, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "export killed: status {status}");
    // Linux reports ru_maxrss in KiB.
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64 * 1024)
}

#[test]
fn ten_million_row_export_stays_under_a_fixed_rss() {
    let rows = rows();
    let dir = tempdir();
    let path = dir.path().join("big.ntt");
    {
        // Built with the library (appending through the CLI would only be
        // slower): one row a second, a slow wave and a counter.
        let db = nanots::NanoTsDb::open(&path, Default::default()).unwrap();
        db.create_table("t", &["wave", "count"]).unwrap();
        let chunk = 500_000;
        for start in (0..rows).step_by(chunk) {
            let ts: Vec<i64> = (start..start + chunk).map(|i| T0 + i as i64 * 1000).collect();
            let wave: Vec<f64> =
                (start..start + chunk).map(|i| ((i % 3600) as f64 / 10.0).round() / 4.0).collect();
            let count: Vec<f64> = (start..start + chunk).map(|i| (i / 7) as f64).collect();
            db.append_rows("t", &ts, &[&wave, &count]).unwrap();
        }
        db.close().unwrap();
    }
    let ntt_bytes = std::fs::metadata(&path).unwrap().len();
    // Reaped by `wait_peak_rss` (wait4), which std's `wait` cannot replace:
    // it alone returns the child's own resource usage.
    #[allow(clippy::zombie_processes)]
    let child = bin_command()
        .args(["export", "big.ntt", "t", "--parquet", "big.parquet"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (code, peak) = wait_peak_rss(pid);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.unwrap(), &mut stderr).unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.starts_with(&format!("exported {rows} rows of t to big.parquet")), "{stderr}");
    let bound = EXPORT_HEAP_BOUND + ntt_bytes;
    eprintln!(
        "export of {rows} rows: peak RSS {} MiB (bound {} MiB = {} MiB + the {} MiB .ntt file); {stderr}",
        peak >> 20,
        bound >> 20,
        EXPORT_HEAP_BOUND >> 20,
        ntt_bytes >> 20
    );
    assert!(peak < bound, "peak RSS {peak} bytes is over the bound {bound}");
    // The file holds every row.
    let reader = parquet::file::serialized_reader::SerializedFileReader::new(
        std::fs::File::open(dir.path().join("big.parquet")).unwrap(),
    )
    .unwrap();
    let meta = parquet::file::reader::FileReader::metadata(&reader);
    assert_eq!(meta.file_metadata().num_rows(), rows as i64);
    assert_eq!(meta.num_row_groups(), rows.div_ceil(1 << 20));
}
