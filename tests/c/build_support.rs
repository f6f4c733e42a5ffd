//! Shared by the integration tests that need the C libraries: builds
//! `libnanots.a` / `libnanots.so` with `cargo build --lib` (cargo does not
//! build the staticlib/cdylib for integration tests), with the same target
//! directory, profile and `arrow` feature as the calling test binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const ARROW: bool = cfg!(feature = "arrow");

/// `<target>/<profile>` of this test binary (`<target>/<profile>/deps/<test>-*`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent().and_then(Path::parent).expect("test binary lives in <target>/<profile>/deps").to_path_buf()
}

/// Builds the static and shared libraries and returns the directory
/// holding them.
pub fn build_libraries() -> PathBuf {
    let dir = profile_dir();
    let target_dir = dir.parent().unwrap();
    let cargo = std::env::var("CARGO")
        .ok()
        .or(option_env!("CARGO").map(str::to_owned))
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--lib")
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
        None => {}
    }
    if !ARROW {
        cmd.args(["--no-default-features", "--features", "capi"]);
    }
    let status = cmd.status().expect("running cargo build");
    assert!(status.success(), "cargo build --lib failed");
    for lib in ["libnanots.a", "libnanots.so"] {
        assert!(dir.join(lib).exists(), "{} missing", dir.join(lib).display());
    }
    dir
}
