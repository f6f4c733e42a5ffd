//! Helpers shared by the CLI tests: run the `nanots` binary, look at its
//! output, and open the database it wrote with the library to check it.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The target the tests were built for, and its runner (qemu under
/// `cargo test --target`), shared with the library's tests.
#[path = "../../../tests/common/target.rs"]
pub mod target;

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub stdout_bytes: Vec<u8>,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }

    /// Asserts failure with exit code `code` and returns stderr.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stderr
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nanots"))
}

/// A command that runs the `nanots` binary: directly, or through the
/// runner (qemu) when the tests were cross-built with `--target`.
pub fn bin_command() -> Command {
    target::command(&bin())
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout_bytes: out.stdout,
    }
}

/// Runs `nanots args...` in `dir` with no standard input.
pub fn nanots(dir: &Path, args: &[&str]) -> Run {
    let out = bin_command()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the nanots binary runs");
    finish(out)
}

/// Runs `nanots args...` in `dir` with `input` on standard input.
pub fn nanots_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = bin_command()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nanots binary runs");
    child.stdin.take().expect("piped").write_all(input).expect("write stdin");
    finish(child.wait_with_output().expect("wait"))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write file");
    p
}

/// Every row of `table` in `db_path`, read by the library (read-only).
pub fn rows(db_path: &Path, table: &str) -> nanots::Columns {
    let db = nanots::NanoTsDb::open_read_only(db_path).expect("open read-only");
    db.query_range(table, i64::MIN, i64::MAX).expect("query")
}

/// Names of the entries of `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A skipped check: a message on stderr, and a failure instead when CI
/// sets `NANOTS_NO_SKIP=1` (the project's convention: nothing skips there).
pub fn skip(why: &str) {
    if std::env::var_os("NANOTS_NO_SKIP").is_some_and(|v| v == "1") {
        panic!("NANOTS_NO_SKIP=1 but this test would be skipped: {why}");
    }
    eprintln!("SKIPPED {why}");
}

/// The Python of the test virtual environment (pyarrow and duckdb), made
/// by `scripts/pyenv.sh` if needed; `None` (after `skip`) if it cannot be.
pub fn python_with_pyarrow_and_duckdb() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let out = Command::new("bash").arg(root.join("scripts/pyenv.sh")).current_dir(&root).output();
    match out {
        Ok(o) if o.status.success() => {
            let py = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            Some(py)
        }
        Ok(o) => {
            skip(&format!(
                "Parquet read-back by pyarrow and DuckDB: scripts/pyenv.sh failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
            None
        }
        Err(e) => {
            skip(&format!("Parquet read-back by pyarrow and DuckDB: cannot run bash scripts/pyenv.sh: {e}"));
            None
        }
    }
}
