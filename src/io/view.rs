//! A read-only view of the database file's committed prefix, as the engine
//! and its queries hold it: mapped, for recovery, verification and small
//! reads, and readable with `pread`, for streaming reads whose pages must
//! not stay resident (SPEC.md, "Reading").

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

    /// Starts reading `offset .. offset + len` into the page cache in the
    /// background (`POSIX_FADV_WILLNEED`), so a `pread` of it soon after
    /// finds it there: a streaming read asks for the next segment while it
    /// decodes the current one. Only a hint; nothing fails.
    pub fn prefetch(&self, offset: u64, len: usize) {
        use std::os::unix::io::AsRawFd;
        let (Ok(off), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else { return };
        // SAFETY: posix_fadvise on a valid descriptor owned by `self.file`;
        // it reads no memory of ours.
        unsafe { libc::posix_fadvise(self.file.as_raw_fd(), off, len, libc::POSIX_FADV_WILLNEED) };
    }

    /// Drops this process's mapped pages over `offset .. offset + len`
    /// (widened to the fault-around window, [`RELEASE_ALIGN`]) from its
    /// resident set, with `madvise(MADV_DONTNEED)`. The pages stay in the
    /// page cache; a later access through the mapping faults them back in,
    /// with the same bytes.
    pub fn release(&self, offset: u64, len: usize) {
        let start = (offset as usize) / RELEASE_ALIGN * RELEASE_ALIGN;
        let end = (offset as usize).saturating_add(len).next_multiple_of(RELEASE_ALIGN).min(self.map.len());
        if start >= end {
            return;
        }
        // SAFETY: `start..end` lies inside the mapping (clamped above). The
        // mapping is read-only and backed by bytes of the file that are
        // never rewritten while mapped (see `DbFile::map_len`), so dropping
        // its pages cannot change what any reader, in this thread or
        // another, sees: the next access re-reads the same bytes from the
        // page cache. (MADV_DONTNEED zeroes only private anonymous or
        // copy-on-write pages, and this mapping has none.)
        let advised = unsafe {
            self.map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
        // A failure (not expected for a valid range) only leaves the pages
        // resident: memory, not correctness.
        debug_assert!(advised.is_ok(), "madvise: {advised:?}");
    }
}

/// A page fault on a file mapping also maps the cached pages around it, in
/// an aligned window of `fault_around_bytes` (64 KiB by default): pages
/// before a record's start come back with the fault on its first page, so a
/// release covers the whole windows its record touches.
const RELEASE_ALIGN: usize = 64 << 10;

impl Deref for FileView {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}
