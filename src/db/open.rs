//! Opening a writer: creating a missing file whole, locking, header checks,
//! then, in order, loading the index (`recovery.rs`), replaying the WAL,
//! and only once every check passed the writes that end opening (a torn
//! tail cut, a format upgrade, a slot, a flush, a fresh WAL; see
//! `state/startup.rs`), or a salvage rewrite.

use std::path::Path;

use super::recovery::{Loaded, load};
use super::report::RecoveryReport;
use super::state::{State, check_fits_record_cap};
use crate::error::{Error, ErrorKind, Result};
use crate::format::FORMAT_VERSION;
use crate::format::header::{FileHeader, Layout, MAX_HEADER_LEN, decode_head};
use crate::io::fault::{self, FaultOp};
use crate::io::{DbFile, now_unix_ms, random_u64, sync_parent_dir};
use crate::options::{NanoTsOptions, RecoveryMode, SyncMode};
use crate::wal;

/// Opens or creates the database at `path` and recovers it.
///
/// Everything is read and checked before anything is written, so a strict
/// open that fails leaves the file (and its WAL) exactly as they were.
pub fn open(path: &Path, opts: NanoTsOptions) -> Result<State> {
    let cap = opts.validate()?;
    let salvage = opts.recovery == RecoveryMode::Salvage;
    let file = open_or_create(path, opts.sync)?;
    let len = file.len()?;
    let mut head = vec![0u8; len.min(MAX_HEADER_LEN) as usize];
    file.read_at(&mut head, 0)?;
    let header = decode_head(&head, len, path)?;
    let map = file.map()?;
    let Loaded { mut loader, committed_end, slot } = load(&map, &head, &header, salvage)?;

    let mut report = RecoveryReport {
        file_bytes_cut: len - committed_end,
        problems: loader.take_problems(),
        ..Default::default()
    };
    if salvage {
        loader.drop_damaged_segments(&map, &mut report.problems);
    }
    let mut st = State::new(file, header, map, &head, committed_end, opts, cap);
    st.install_index(loader.into_index());
    for t in st.tables() {
        if let Err(e) = check_fits_record_cap(&t.def.name, t.def.columns.len(), cap) {
            return Err(Error::invalid(format!("{}; open with a larger max_record_size", e.message())));
        }
    }
    let wal_path = wal::wal_path(path);
    st.read_wal(&wal_path, salvage, &mut report)?;

    // Checks are done: from here on the file may be written.
    let stale = crate::maintenance::temp_path(path);
    match std::fs::remove_file(&stale) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io(e, "cannot remove the stale compaction file", &stale));
        }
        _ => {}
    }
    let damaged = salvage && report.problems.iter().any(|p| !p.in_wal);
    if damaged {
        // The damaged inode is never written: it is kept as is, and the
        // database is rebuilt beside it from what was recovered.
        salvage_rewrite(&mut st, path)?;
    } else {
        if committed_end < len {
            st.cut_torn_tail()?;
        }
        if st.needs_upgrade() {
            st.upgrade_format()?;
        }
        st.publish_recovered(slot)?;
    }
    // Flush before the WAL is reset: until this commit is durable the WAL
    // is the only copy of these rows.
    st.flush(false)?;
    st.start_wal(&wal_path)?;
    st.set_recovery_report(report);
    Ok(st)
}

/// After a salvage open found damage: keeps the damaged file as
/// `<path>.damaged` and rewrites the database from what was recovered.
fn salvage_rewrite(st: &mut State, path: &Path) -> Result<()> {
    let keep = {
        let mut s = path.as_os_str().to_owned();
        s.push(".damaged");
        std::path::PathBuf::from(s)
    };
    let _ = std::fs::remove_file(&keep);
    std::fs::hard_link(path, &keep).map_err(|e| Error::io(e, "cannot keep the damaged file as", &keep))?;
    let input = st.rewrite_input(|_, _| crate::maintenance::TableAction::Keep { cutoff_ms: None });
    let (new, dir_synced) = crate::maintenance::rewrite(path, &input)?;
    st.install_rewrite(new)?;
    dir_synced
}

/// Opens and locks the database file, creating it first if it is missing
/// or empty. A new file is written whole beside the path (header, fsync),
/// then linked into place and the directory fsynced: a crash during
/// creation leaves no database file at all, never a torn header.
fn open_or_create(path: &Path, sync: SyncMode) -> Result<DbFile> {
    for _ in 0..64 {
        match DbFile::open_locked(path) {
            Ok(file) if file.len()? > 0 => return Ok(file),
            // An empty file is a new database (as in SQLite): replace it
            // with a whole one, under its lock.
            Ok(file) => {
                let tmp = write_new_file(path, sync)?;
                let r = fault::hit(FaultOp::Rename)
                    .and_then(|()| std::fs::rename(&tmp, path))
                    .map_err(|e| Error::io(e, "cannot rename the new database file to", path));
                if r.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                r?;
                drop(file);
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let tmp = write_new_file(path, sync)?;
                let r = fault::hit(FaultOp::Rename).and_then(|()| std::fs::hard_link(&tmp, path));
                let _ = std::fs::remove_file(&tmp);
                match r {
                    // Another process created it meanwhile: open theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    r => r.map_err(|e| Error::io(e, "cannot create", path))?,
                }
            }
            Err(e) => return Err(e),
        }
        if sync != SyncMode::Never {
            sync_parent_dir(path)?;
        }
    }
    Err(Error::new(ErrorKind::Locked, format!("{} keeps being replaced while opening", path.display())))
}

/// Writes the header of a new, empty database to a uniquely named file
/// beside `path`, fsynced; returns its path.
fn write_new_file(path: &Path, sync: SyncMode) -> Result<std::path::PathBuf> {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".new-{}-{:08x}", std::process::id(), random_u64() as u32));
    let tmp = std::path::PathBuf::from(s);
    let r = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io(e, "cannot create", &tmp))?;
        let header = FileHeader { version: FORMAT_VERSION, db_id: random_u64(), created_ms: now_unix_ms() };
        let mut head = vec![0u8; Layout::of(FORMAT_VERSION).data_start as usize];
        head[..header.encode().len()].copy_from_slice(&header.encode());
        use std::io::Write;
        fault::hit(FaultOp::Write)
            .and_then(|()| (&file).write_all(&head))
            .map_err(|e| Error::io(e, "cannot write", &tmp))?;
        if sync != SyncMode::Never {
            fault::hit(FaultOp::Sync)
                .and_then(|()| file.sync_data())
                .map_err(|e| Error::io(e, "cannot fsync", &tmp))?;
        }
        Ok(())
    })();
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}
