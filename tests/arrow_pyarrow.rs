//! Runs `tests/python/test_pyarrow.py`: imports the Arrow C Data and C
//! Stream exports of `libnanots.so` into pyarrow and validates them fully.
//!
//! pyarrow (and cffi) come from a virtual environment under the cargo
//! target directory, made by `scripts/pyenv.sh` (nothing is installed into
//! the machine's own Python). Only if it cannot be made does this test
//! skip, printing a SKIPPED line straight to stderr (not captured by the
//! test harness); set NANOTS_REQUIRE_PYARROW=1 to turn that into a failure.
//!
//! Under `cargo test --target <triple>` (qemu) the library is built for the
//! target, which the host's Python cannot load: the test then prints
//! `SKIPPED arrow_pyarrow: ...` naming both architectures, whatever
//! NANOTS_REQUIRE_PYARROW says (there is no target Python to run it with).
#![cfg(feature = "arrow")]

#[path = "c/build_support.rs"]
mod build_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use build_support::target;

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

/// The host interpreter `scripts/pyenv.sh` makes its environment from,
/// resolved to its ELF file, if it runs.
fn base_interpreter() -> Option<PathBuf> {
    let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out =
        Command::new(base).args(["-c", "import os, sys; print(os.path.realpath(sys.executable))"]).output();
    let out = out.ok().filter(|o| o.status.success())?;
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

#[test]
fn pyarrow_imports_and_validates_the_arrow_exports() {
    let libdir = build_support::build_libraries();
    let so = libdir.join("libnanots.so");
    if let Some(interpreter) = base_interpreter() {
        let (lib, py) = (target::elf_identity(&so), target::elf_identity(&interpreter));
        if lib != py {
            // Not a missing tool but a true limit: the library is for the
            // emulated target, the interpreter for the host.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED arrow_pyarrow: libnanots.so is built for {} (ELF machine {}); the Python \
                 interpreter {} is a host program (ELF machine {}) and cannot load it; no Python \
                 for the target runs under emulation here",
                std::env::consts::ARCH,
                lib.2,
                interpreter.display(),
                py.2
            );
            return;
        }
    }
    let python = match python() {
        Ok(p) => p,
        Err(why) => return skip(&why),
    };
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_pyarrow.py");
    let out = Command::new(&python).arg(&script).arg(&so).arg(tmp.path()).output().expect("running python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "pyarrow test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
