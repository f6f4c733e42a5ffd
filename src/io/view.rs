//! A read-only view of the database file's committed prefix, as the engine
//! and its queries hold it: mapped, for recovery and verification, which
//! read records in place, and readable with `pread`, for queries, whose
//! pages must not stay resident (SPEC.md 8.2).

use std::fs::File;
use std::ops::Deref;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// The first `len()` bytes of the database file: committed records that no
/// cooperating writer rewrites or cuts (see [`super::DbFile::map_len`]).
/// Shared by every query that took a snapshot of it (`Arc<FileView>`).
pub struct FileView {
    map: Mmap,
    /// The open file the mapping was made from (the same inode even after
    /// a rewrite renames another file over the path).
    file: Arc<File>,
    path: PathBuf,
}

impl FileView {
    pub(super) fn new(map: Mmap, file: Arc<File>, path: PathBuf) -> FileView {
        FileView { map, file, path }
    }

    /// Reads the `len` bytes at file offset `offset` into the start of
    /// `buf`, growing it if needed, and returns them. `pread` copies them
    /// from the page cache: none of the mapping's pages becomes resident in
    /// this process, and a read error is an `Io` error rather than the
    /// SIGBUS a mapped read would raise. `Corrupt` if the range is not
    /// inside the view.
    pub fn read_into<'b>(&self, offset: u64, len: usize, buf: &'b mut Vec<u8>) -> Result<&'b [u8]> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.map.len() as u64);
        if end.is_none() {
            return Err(Error::corrupt(format!(
                "{len} bytes at file offset {offset} run past the committed end {}",
                self.map.len()
            )));
        }
        // Grow only: bytes past `len` from an earlier read are left as they
        // are, so a reused buffer is not zeroed again at every read.
        if buf.len() < len {
            buf.resize(len, 0);
        }
        let dst = &mut buf[..len];
        self.file.read_exact_at(dst, offset).map_err(|e| {
            Error::io(e, format_args!("cannot read {len} bytes at file offset {offset} of"), &self.path)
        })?;
        Ok(dst)
    }
}

impl Deref for FileView {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}
