//! Runs `tests/python/test_pyarrow.py`: imports the Arrow C Data and C
//! Stream exports of `libnanots.so` into pyarrow and validates them fully.
//!
//! pyarrow (and cffi) are installed with pip if missing. Only if they cannot
//! be installed does this test skip, printing a SKIPPED line straight to
//! stderr (not captured by the test harness); set NANOTS_REQUIRE_PYARROW=1
//! to turn that into a failure.
#![cfg(feature = "arrow")]

#[path = "c/build_support.rs"]
mod build_support;

use std::io::Write;
use std::path::Path;
use std::process::Command;

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

fn pyarrow_importable() -> bool {
    Command::new(python())
        .args(["-c", "import pyarrow, pyarrow.cffi"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skip(reason: &str) {
    if std::env::var_os("NANOTS_REQUIRE_PYARROW").is_some() {
        panic!("pyarrow is required but unavailable: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED arrow_pyarrow: pyarrow cannot be installed ({reason})");
}

#[test]
fn pyarrow_imports_and_validates_the_arrow_exports() {
    if !pyarrow_importable() {
        let pip =
            Command::new(python()).args(["-m", "pip", "install", "--quiet", "pyarrow", "cffi"]).output();
        match pip {
            Err(e) => return skip(&format!("cannot run {} -m pip: {e}", python())),
            Ok(o) if !o.status.success() => {
                return skip(&format!("pip install failed: {}", String::from_utf8_lossy(&o.stderr).trim()));
            }
            Ok(_) if !pyarrow_importable() => return skip("installed but not importable"),
            Ok(_) => {}
        }
    }
    let libdir = build_support::build_libraries();
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_pyarrow.py");
    let out = Command::new(python())
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
