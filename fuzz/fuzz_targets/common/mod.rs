//! Helpers shared by the database fuzz targets (`open`, `model`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// This process's scratch directory, created empty on first use and reused
/// by every iteration (libFuzzer runs millions of them in one process, so
/// a directory per iteration would pile up). It is removed when the process
/// exits normally; after a crash it is left for inspection.
///
/// It lives in `/dev/shm` when there is one: on a RAM disk `fsync` is free,
/// and the engine fsyncs at every commit.
pub fn scratch_dir(target: &str) -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let root = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = root.join(format!("nanots-fuzz-{target}-{}", std::process::id()));
        // A directory of an earlier process with the same pid.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        // libFuzzer ends a run with exit(), which runs atexit handlers but
        // no Rust destructors.
        // SAFETY: `remove_scratch` is a plain function that cannot unwind
        // (it ignores every error) and only reads `DIR`, which is set by
        // then and never changes.
        unsafe { libc::atexit(remove_scratch) };
        dir
    });
    extern "C" fn remove_scratch() {
        if let Some(dir) = DIR.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    DIR.get().expect("just set")
}

/// Removes every file in `dir` (not subdirectories), ignoring errors.
pub fn clear_files(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// `<path>-wal`, the WAL beside a database file.
pub fn wal_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Copies the database file and its WAL (if any) to `dst`, as a crash of
/// the process at this instant would leave them (the page cache holds
/// every write and the WAL's shared mapping). Stale files at `dst` are
/// removed first, so a missing WAL stays missing.
pub fn snapshot_files(src: &Path, dst: &Path) {
    let _ = std::fs::remove_file(dst);
    let _ = std::fs::remove_file(wal_of(dst));
    std::fs::copy(src, dst).expect("copy the database file");
    let src_wal = wal_of(src);
    if src_wal.exists() {
        std::fs::copy(&src_wal, wal_of(dst)).expect("copy the WAL");
    }
}
