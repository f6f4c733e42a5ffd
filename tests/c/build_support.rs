//! Shared by the integration tests that need the C libraries: builds
//! `libnanots.a` / `libnanots.so` with `cargo build --lib` (cargo does not
//! build the staticlib/cdylib for integration tests), with the same target
//! directory, target triple, profile and cargo features as the calling
//! test binary, and checks that what it built is for that target.
//!
//! Under `cargo test --target <triple>` the test binary lives in
//! `<target-dir>/<triple>/<profile>/deps`; the libraries are built with
//! `--target <triple>` into the same `<triple>/<profile>` directory (a
//! host build there would overwrite the target's `libnanots.rlib` with an
//! x86-64 one and test the host instead). The linker comes from the
//! environment cargo inherits (`CARGO_TARGET_<TRIPLE>_LINKER`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../common/target.rs"]
pub mod target;

pub const ARROW: bool = cfg!(feature = "arrow");

/// The library's optional cargo features, the header macro each one has
/// (`None`: it adds no function), and whether this test binary has it.
pub const FEATURES: [(&str, Option<&str>, bool); 5] = [
    ("arrow", Some("ARROW"), cfg!(feature = "arrow")),
    ("pco", None, cfg!(feature = "pco")),
    ("sql", Some("SQL"), cfg!(feature = "sql")),
    ("aggregate", Some("AGGREGATE"), cfg!(feature = "aggregate")),
    ("maintenance", Some("MAINTENANCE"), cfg!(feature = "maintenance")),
];

/// The `-DNTS_NO_<FEATURE>` flags a C program built against this library
/// needs (what CMake's targets and nanots.pc carry).
pub fn c_feature_defines() -> Vec<String> {
    FEATURES.iter().filter_map(|&(_, mac, on)| mac.filter(|_| !on).map(|m| format!("-DNTS_NO_{m}"))).collect()
}

/// `<target>/[<triple>/]<profile>` of this test binary.
pub fn profile_dir() -> PathBuf {
    target::profile_dir()
}

/// Builds the static and shared libraries for this test binary's target
/// and returns the directory holding them.
pub fn build_libraries() -> PathBuf {
    let dir = profile_dir();
    let triple = target::triple();
    // `<target-dir>/<profile>`, or `<target-dir>/<triple>/<profile>`.
    let target_dir = match triple {
        Some(_) => dir.parent().and_then(Path::parent),
        None => dir.parent(),
    }
    .expect("target directory")
    .to_path_buf();
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
        .arg(&target_dir);
    if let Some(t) = &triple {
        cmd.args(["--target", t]);
    }
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
    if FEATURES.iter().any(|&(_, _, on)| !on) {
        // `-p nanots`: from the workspace root, cargo would also select the
        // CLI, whose dependency on nanots turns the default features back on.
        let mut features = vec!["capi"];
        features.extend(FEATURES.iter().filter(|f| f.2).map(|f| f.0));
        cmd.args(["-p", "nanots", "--no-default-features", "--features", &features.join(",")]);
    }
    let status = cmd.status().expect("running cargo build");
    assert!(
        status.success(),
        "cargo build --lib{} failed",
        triple.map_or(String::new(), |t| format!(" --target {t}"))
    );
    for lib in ["libnanots.a", "libnanots.so"] {
        assert!(dir.join(lib).exists(), "{} missing", dir.join(lib).display());
    }
    target::assert_elf_for_this_target(&dir.join("libnanots.so"));
    dir
}
