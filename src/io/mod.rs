//! The operating-system side: the locked database file, positioned writes,
//! fsyncs, and read-only mappings for the query path.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;

pub mod fault;
mod view;
use fault::{FaultKind, FaultOp, IoEvent};
pub use view::FileView;

use crate::error::{Error, ErrorKind, Result};

/// The `.ntt` file, opened read-write and exclusively locked.
///
/// The lock is `flock(LOCK_EX | LOCK_NB)`: it belongs to this open file
/// description, so a second `open` of the same path fails with `Locked`
/// whether it comes from this process or another. It is released when the
/// file is closed (also when the process dies).
pub struct DbFile {
    /// Shared with the [`FileView`]s mapped from it, which read with
    /// `pread` through it.
    file: Arc<File>,
    path: PathBuf,
}

impl DbFile {
    /// Opens and locks the existing file `path` (`NotFound` if missing:
    /// creating a database is the caller's job, done whole).
    pub fn open_locked(path: &Path) -> Result<DbFile> {
        // A compaction replaces the file by rename while holding the lock on
        // the new inode. If we opened the old inode just before, its lock
        // may be free once the compactor lets go of it: check that the path
        // still names the inode we locked, and retry if not.
        for _ in 0..64 {
            let file = match OpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("{} does not exist", path.display()),
                    ));
                }
                Err(e) => return Err(Error::io(e, "cannot open", path)),
            };
            lock_exclusive(&file, path)?;
            if same_inode(&file, path)? {
                return Ok(DbFile { file: Arc::new(file), path: path.to_path_buf() });
            }
        }
        Err(Error::new(ErrorKind::Locked, format!("{} keeps being replaced while opening", path.display())))
    }

    /// Opens the existing file `path` for reading only, without any lock:
    /// a read-only handle never writes, so it needs none and never blocks
    /// the writer (SPEC.md, "Readers").
    pub fn open_read_only(path: &Path) -> Result<DbFile> {
        match OpenOptions::new().read(true).open(path) {
            Ok(file) => Ok(DbFile { file: Arc::new(file), path: path.to_path_buf() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::new(ErrorKind::NotFound, format!("{} does not exist", path.display())))
            }
            Err(e) => Err(Error::io(e, "cannot open", path)),
        }
    }

    /// The (device, inode) of the open file, to notice a rename over its
    /// path.
    pub fn identity(&self) -> Result<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let m = self.file.metadata().map_err(|e| Error::io(e, "cannot stat", &self.path))?;
        Ok((m.dev(), m.ino()))
    }

    /// Creates (truncating) `path` and locks it: the target of a rewrite,
    /// locked before it is renamed over the database.
    pub fn create_locked(path: &Path) -> Result<DbFile> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Error::io(e, "cannot create", path))?;
        lock_exclusive(&file, path)?;
        Ok(DbFile { file: Arc::new(file), path: path.to_path_buf() })
    }

    /// Renames this file to `to`, atomically replacing it; the handle then
    /// refers to `to`. The caller fsyncs the directory.
    pub fn rename_to(&mut self, to: &Path) -> Result<()> {
        fault::hit(FaultOp::Rename)
            .and_then(|()| std::fs::rename(&self.path, to))
            .map_err(|e| Error::io(e, format_args!("cannot rename to {}:", to.display()), &self.path))?;
        fault::log(|| IoEvent::Rename { from: self.path.clone(), to: to.to_path_buf() });
        self.path = to.to_path_buf();
        Ok(())
    }

    pub fn len(&self) -> Result<u64> {
        self.file.metadata().map(|m| m.len()).map_err(|e| Error::io(e, "cannot stat", &self.path))
    }

    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.file.read_exact_at(buf, offset).map_err(|e| {
            Error::io(e, format_args!("cannot read {} bytes at offset {offset} of", buf.len()), &self.path)
        })
    }

    /// Reads at most `buf.len()` bytes at `offset`; returns how many were
    /// read (0 at the end of the file).
    pub fn read_some_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        loop {
            match self.file.read_at(buf, offset) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => {
                    return r.map_err(|e| {
                        Error::io(
                            e,
                            format_args!("cannot read {} bytes at offset {offset} of", buf.len()),
                            &self.path,
                        )
                    });
                }
            }
        }
    }

    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<()> {
        let r = match fault::check(FaultOp::Write) {
            None => self.file.write_all_at(buf, offset),
            Some(FaultKind::ShortWrite) => {
                let half = &buf[..buf.len() / 2];
                let _ = self.file.write_all_at(half, offset);
                fault::log(|| IoEvent::Write { path: self.path.clone(), offset, data: half.to_vec() });
                Err(fault::error(FaultKind::ShortWrite))
            }
            Some(kind) => Err(fault::error(kind)),
        };
        if r.is_ok() {
            fault::log(|| IoEvent::Write { path: self.path.clone(), offset, data: buf.to_vec() });
        }
        r.map_err(|e| {
            Error::io(e, format_args!("cannot write {} bytes at offset {offset} of", buf.len()), &self.path)
        })
    }

    /// `fdatasync`: the file's data and the metadata needed to read it back.
    pub fn sync_data(&self) -> Result<()> {
        fault::hit(FaultOp::Sync)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(e, "cannot fsync", &self.path))?;
        fault::log(|| IoEvent::Sync { path: self.path.clone() });
        Ok(())
    }

    pub fn truncate(&self, len: u64) -> Result<()> {
        fault::hit(FaultOp::SetLen)
            .and_then(|()| self.file.set_len(len))
            .map_err(|e| Error::io(e, format_args!("cannot truncate to {len} bytes"), &self.path))?;
        fault::log(|| IoEvent::SetLen { path: self.path.clone(), len });
        Ok(())
    }

    /// Maps the whole file read-only. Mappings are immutable snapshots for
    /// readers: the writer only appends past their end, and the exclusive
    /// lock keeps other cooperating processes from truncating the file.
    pub fn map(&self) -> Result<Arc<FileView>> {
        self.map_len(None)
    }

    /// Maps the first `len` bytes read-only (the whole file if `None`). A
    /// reader maps only its committed prefix, which a cooperating writer
    /// never truncates, so the mapping can never fault on a cut tail.
    pub fn map_len(&self, len: Option<u64>) -> Result<Arc<FileView>> {
        // Why mapping is sound here: the mapping is read-only and covers bytes
        // this handle never rewrites (records are append-only; only the header
        // slots at offsets 64..192 are rewritten, and readers never look at
        // them through a mapping). The exclusive lock keeps cooperating
        // writers away; truncation only ever cuts an uncommitted tail before
        // any mapping of it is handed out.
        fault::hit(FaultOp::Map).map_err(|e| Error::io(e, "cannot mmap", &self.path))?;
        let map = match len {
            // SAFETY: see above: read-only, over bytes never rewritten or cut.
            None => unsafe { Mmap::map(&*self.file) },
            // SAFETY: as above; `len` is a committed prefix of the file.
            Some(len) => unsafe { memmap2::MmapOptions::new().len(len as usize).map(&*self.file) },
        }
        .map_err(|e| Error::io(e, "cannot mmap", &self.path))?;
        Ok(Arc::new(FileView::new(map, self.file.clone(), self.path.clone())))
    }
}

impl DbFile {
    /// Releases the lock early (at close), so the path can be reopened
    /// while this handle object still exists.
    pub fn unlock(&self) {
        // SAFETY: flock on a valid, open descriptor owned by `self.file`.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

impl Drop for DbFile {
    /// Unlocks explicitly rather than leaving it to the last `close` of the
    /// descriptor: a child the host forks from another thread shares this
    /// open file description (and so the lock) until it execs or exits, and
    /// mapped views keep the descriptor open. Dropping a handle whose close
    /// failed (a full disk) must still free the path for the next open.
    fn drop(&mut self) {
        self.unlock();
    }
}

fn same_inode(file: &File, path: &Path) -> Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let a = file.metadata().map_err(|e| Error::io(e, "cannot stat", path))?;
    match std::fs::metadata(path) {
        Ok(b) => Ok(a.dev() == b.dev() && a.ino() == b.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(e, "cannot stat", path)),
    }
}

fn lock_exclusive(file: &File, path: &Path) -> Result<()> {
    // SAFETY: flock on a valid, open descriptor owned by `file`.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Err(Error::new(
            ErrorKind::Locked,
            format!("{} is open in another writer (this process or another)", path.display()),
        ));
    }
    Err(Error::io(err, "cannot lock", path))
}

/// fsyncs the directory holding `path`, so a file created, renamed or
/// removed there survives power loss.
pub fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fault::hit(FaultOp::Sync)
        .and_then(|()| File::open(dir))
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(e, "cannot fsync directory", dir))?;
    fault::log(|| IoEvent::Sync { path: dir.to_path_buf() });
    Ok(())
}

/// Reserves `len` bytes of disk for `file`, so writes through a shared
/// mapping can never hit ENOSPC (which would arrive as SIGBUS).
pub fn preallocate(file: &File, len: u64, path: &Path) -> Result<()> {
    let Ok(len_off) = libc::off_t::try_from(len) else {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("{len} bytes do not fit off_t for {}", path.display()),
        ));
    };
    let rc = match fault::check(FaultOp::Allocate) {
        Some(kind) => fault::error(kind).raw_os_error().unwrap_or(libc::EIO),
        // SAFETY: posix_fallocate on a valid descriptor owned by `file`.
        None => unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len_off) },
    };
    if rc != 0 {
        return Err(Error::io(
            std::io::Error::from_raw_os_error(rc),
            format_args!("cannot reserve {len} bytes for"),
            path,
        ));
    }
    Ok(())
}

/// A random 64-bit value from the OS (database ids, WAL salts).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: getrandom writes at most b.len() bytes into b.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n == 8 {
        return u64::from_le_bytes(b);
    }
    // getrandom unavailable (very old kernel): time and address entropy is
    // enough here, ids only need to differ between databases and epochs.
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
