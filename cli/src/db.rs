//! Opening the database the way each command needs it.
//!
//! Commands that only look (`info`, `verify`, `query`, `export`, ...) open
//! the file read-only: they take no lock, write nothing (not even a WAL),
//! and so can look at a file copied off a device, or at a live database next
//! to its writer, without changing a byte. They see what was committed:
//! rows still in a `-wal` side file are replayed by the next writer, which
//! `info` points out. Commands that change the file open it as the writer.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};

/// The `-wal` side file of `path` (SPEC.md: the database path plus `-wal`).
pub fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Opens `path` read-only; the file must exist.
pub fn open_read(path: &Path) -> Result<NanoTsDb> {
    require_file(path)?;
    NanoTsDb::open_read_only(path).with_context(|| format!("cannot open {}", path.display()))
}

/// Opens `path` as the writer with `opts`; the file must exist unless
/// `create`.
pub fn open_write(path: &Path, create: bool, opts: NanoTsOptions) -> Result<NanoTsDb> {
    if !create {
        require_file(path)?;
    }
    NanoTsDb::open(path, opts).with_context(|| format!("cannot open {} for writing", path.display()))
}

/// An error unless `path` is an existing regular file.
pub fn require_file(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => bail!("{} is not a file", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: no such database file", path.display())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The value columns of `table`, with an error naming the tables there are
/// when it does not exist.
pub fn table_columns(db: &NanoTsDb, table: &str) -> Result<Vec<String>> {
    match db.table_columns(table) {
        Ok(c) => Ok(c),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let tables = db.list_tables().unwrap_or_default();
            if tables.is_empty() {
                bail!("no table {table:?} in {}: it has no tables", db.path().display())
            }
            bail!("no table {table:?} in {}; its tables: {}", db.path().display(), tables.join(", "))
        }
        Err(e) => Err(e.into()),
    }
}

/// Closes a writer, so that its rows are in the `.ntt` file and the WAL is
/// gone before the command reports success.
pub fn close(db: NanoTsDb) -> Result<()> {
    db.close().with_context(|| format!("cannot close {}", db.path().display()))
}

/// Context for an error met while reading `table` (a damaged segment).
pub fn reading(path: &Path, table: &str) -> String {
    format!("cannot read table {table:?} of {}", path.display())
}
