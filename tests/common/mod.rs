//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nanots::{NanoTsDb, NanoTsOptions};

pub mod target;

/// A fresh directory and a database path inside it.
pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.ntt");
    (dir, path)
}

pub fn open(path: &Path) -> NanoTsDb {
    NanoTsDb::open(path, NanoTsOptions::default()).expect("open")
}

/// Bit patterns, so NaN payloads and -0.0 compare exactly.
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Runs the `#[ignore]`d test `name` of this test binary in a child
/// process with extra environment variables; the child's stdout is piped.
/// A cross-built binary starts its child through the same runner (qemu)
/// it runs under, so no binfmt_misc registration is needed; the runner
/// passes SIGKILL and the exit status through (qemu-user emulates the
/// guest in the one host process the parent holds).
pub fn child_command(name: &str, envs: &[(&str, &str)]) -> Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = target::command(&exe);
    cmd.args(["--exact", name, "--ignored", "--nocapture", "--test-threads=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// A deterministic xorshift generator (tests must be reproducible).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Copies the database file and its WAL (if any) to `dst`, as a crash at
/// this instant would leave them on disk (page cache included).
pub fn snapshot_files(src: &Path, dst: &Path) {
    std::fs::copy(src, dst).expect("copy db");
    let src_wal = wal_of(src);
    if src_wal.exists() {
        std::fs::copy(&src_wal, wal_of(dst)).expect("copy wal");
    }
}

pub fn wal_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// (offset, type, total length) of every record of a `.ntt` file, walking
/// the framing of SPEC.md from the end of the header.
pub fn records(path: &Path) -> Vec<(u64, u8, u64)> {
    let b = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut at = header_len(&b);
    while at + 12 <= b.len() {
        let len = u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        if at + 12 + len > b.len() {
            break;
        }
        out.push((at as u64, b[at + 4], 12 + len as u64));
        at += 12 + len;
    }
    out
}

/// Record types of SPEC.md.
pub const REC_TABLE: u8 = 1;
pub const REC_SEGMENT: u8 = 2;
pub const REC_COMMIT: u8 = 3;
pub const REC_CHECKPOINT: u8 = 4;

pub fn truncate(path: &Path, len: u64) {
    std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(len).unwrap();
}

/// A database with table `t` (one column `v`) holding rows 0..10 appended
/// but not flushed, copied as a crash at that instant would leave it:
/// returns the copy's path (its WAL beside it) in `dir`.
pub fn crash_copy_with_ten_wal_rows(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let path = dir.join("live.ntt");
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    for i in 0..10 {
        db.append_row("t", i, &[i as f64]).unwrap();
    }
    let crash = dir.join("crash.ntt");
    snapshot_files(&path, &crash);
    drop(db);
    crash
}

/// Length of the header of the `.ntt` file whose bytes are `b` (SPEC.md
/// section 2): 256 bytes in formats 1 to 3, 104 from format 4 on.
pub fn header_len(b: &[u8]) -> usize {
    if u32::from_le_bytes(b[8..12].try_into().unwrap()) >= 4 { 104 } else { 256 }
}
