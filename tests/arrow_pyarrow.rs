//! Runs `tests/python/test_pyarrow.py`: imports the Arrow C Data and C
//! Stream exports of `libnanots.so` into pyarrow and validates them fully.
//!
//! pyarrow (and cffi) come from a virtual environment under the cargo
//! target directory, made by `scripts/pyenv.sh` (nothing is installed into
//! the machine's own Python). Only if it cannot be made does this test
//! skip, printing a SKIPPED line straight to stderr (not captured by the
//! test harness); set NANOTS_REQUIRE_PYARROW=1 to turn that into a failure.
#![cfg(feature = "arrow")]

#[path = "c/build_support.rs"]
mod build_support;

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The interpreter of the test environment, or why there is none.
fn python() -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pyenv.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn skip(reason: &str) {
    if std::env::var_os("NANOTS_REQUIRE_PYARROW").is_some() || std::env::var_os("NANOTS_NO_SKIP").is_some() {
        panic!("pyarrow is required but unavailable: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED arrow_pyarrow: pyarrow cannot be installed ({reason})");
}

#[test]
fn pyarrow_imports_and_validates_the_arrow_exports() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return skip(&why),
    };
    let libdir = build_support::build_libraries();
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_pyarrow.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(libdir.join("libnanots.so"))
        .arg(tmp.path())
        .output()
        .expect("running python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "pyarrow test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
