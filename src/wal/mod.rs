//! The write-ahead log: `<db>.ntt-wal` beside the database file.
//!
//! Appends are copied into a shared, pre-allocated memory mapping of the WAL
//! file before they return. The kernel owns those pages from that moment, so
//! a process crash (SIGKILL, abort, panic) loses no returned append in any
//! sync mode; `SyncMode` only decides when the pages are forced to disk.
//!
//! Bytes of the header and the frames: SPEC.md §5 "WAL".
//!
//! Recovery reads frames in order and stops at the first one that fails to
//! parse or match its CRC. Frames left from an earlier epoch carry another
//! salt, so they can never be mistaken for live ones. If a valid frame of
//! the current epoch follows a bad one in a synced WAL, the bad one is not a
//! torn tail but damage in the middle: recovery reports `Corrupt` with its
//! offset. In an unsynced WAL, pages reach the disk in any order, so the
//! log is cut at the first bad frame and the frames dropped are reported.
//! A WAL without a valid header under which no frame validates guards no
//! rows (its creation or an epoch start was interrupted): it is empty.

mod reader;
mod writer;

pub use reader::replay;
pub use writer::WalWriter;

use std::path::{Path, PathBuf};

pub(crate) const WAL_MAGIC: [u8; 8] = *b"\x89NTW\r\n\x1a\n";
pub(crate) const WAL_VERSION: u32 = 2;
/// Header byte (WAL version 2): the writer's sync mode, one of the
/// `WAL_SYNC_*` values. Synced (`EveryAppend`), a bad frame followed by a
/// valid one is damage; otherwise it is a torn, unordered write-back. With
/// `Never`, even the file's commits may be lost to a power cut, so a WAL
/// whose epoch is ahead of the file is a lost flush, not damage.
pub(crate) const WAL_SYNC_MODE_OFFSET: usize = 32;
pub(crate) const WAL_SYNC_ON_FLUSH: u8 = 0;
pub(crate) const WAL_SYNC_EVERY_APPEND: u8 = 1;
pub(crate) const WAL_SYNC_NEVER: u8 = 2;
pub(crate) const WAL_HEADER_LEN: usize = 64;
pub(crate) const WAL_HEADER_CRC_OFFSET: usize = 60;
pub(crate) const FRAME_HEADER_LEN: usize = 16;
pub(crate) const FRAME_ALIGN: usize = 8;
pub(crate) const KIND_ROW: u8 = 1;
pub(crate) const KIND_ROWS: u8 = 2;

/// The WAL path of a database path: `<path>-wal`.
pub fn wal_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

pub(crate) fn frame_len(payload_len: usize) -> usize {
    (FRAME_HEADER_LEN + payload_len).next_multiple_of(FRAME_ALIGN)
}

pub(crate) fn frame_crc(salt: u32, bytes_from_len_field: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(salt);
    h.update(bytes_from_len_field);
    h.finalize()
}
