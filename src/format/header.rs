//! The file header: a static part written once, and two commit slots
//! rewritten alternately after each commit (LMDB's meta-page idea). Formats
//! 1 to 3 use 256 bytes (64-byte slots at 64 and 128); format 4 packs the
//! same fields into 104 bytes (32-byte slots at 40 and 72), so a small
//! database does not carry 152 bytes of zeros: [`Layout`].
//!
//! The slots only accelerate opening: they say how far the file is known to
//! be committed and where the newest checkpoint is. If both are unreadable
//! the file is still opened correctly by scanning its records.

use super::bytes::{ByteReader, ByteWriter, le_u32};
use super::{FORMAT_VERSION, MAGIC};
use crate::error::{Error, ErrorKind, Result};

/// Offset of the format version (u32).
pub const VERSION_OFFSET: usize = 8;
/// Offset of the random 64-bit database id (the WAL repeats it), followed
/// by the creation time (i64, ms since the Unix epoch).
pub const DB_ID_OFFSET: usize = 16;
/// Offset of the CRC32 of bytes `[0, STATIC_CRC_OFFSET)`.
pub const STATIC_CRC_OFFSET: usize = 36;
/// Bytes covered by the static header, CRC included.
pub const STATIC_LEN: usize = 40;
/// The newest format with the 256-byte header. A read-write open upgrades
/// an older file in place up to this version only: the header of format 4
/// is smaller, and the records cannot move (a rewrite writes format 4).
pub const WIDE_HEADER_VERSION: u32 = 3;
/// The longest header of any version: opening reads this much (or the
/// whole file, if shorter) before it knows the version.
pub const MAX_HEADER_LEN: u64 = 256;
/// The shortest header of any version: no record starts before it.
pub const MIN_DATA_START: u64 = 104;

/// Where the parts of the header lie in a file of some format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Size of the header: the first record starts here.
    pub data_start: u64,
    /// Offsets of the two commit slots.
    pub slot_offsets: [u64; 2],
    /// Size of one slot; its CRC-32 is its last 4 bytes and covers the rest.
    pub slot_len: usize,
}

/// Formats 1 to 3: 256 bytes, 64-byte slots at 64 and 128 (zeros at 40..64,
/// in each slot at 28..60, and at 192..256).
pub const WIDE: Layout = Layout { data_start: 256, slot_offsets: [64, 128], slot_len: 64 };
/// Format 4: 104 bytes, 32-byte slots at 40 and 72, no zero bytes.
pub const COMPACT: Layout = Layout { data_start: MIN_DATA_START, slot_offsets: [40, 72], slot_len: 32 };

impl Layout {
    /// The layout of format `version`.
    pub fn of(version: u32) -> Layout {
        if version <= WIDE_HEADER_VERSION { WIDE } else { COMPACT }
    }

    /// Offset of the slot that slot sequence `seq` is written to.
    pub fn slot_offset(&self, seq: u64) -> u64 {
        self.slot_offsets[(seq % 2) as usize]
    }

    /// The slots of `head` (the file's first bytes) that decode.
    pub fn slots(&self, head: &[u8]) -> Vec<Slot> {
        self.slot_offsets
            .iter()
            .filter_map(|&o| head.get(o as usize..o as usize + self.slot_len))
            .filter_map(Slot::decode)
            .collect()
    }
}

/// The static part of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub version: u32,
    pub db_id: u64,
    pub created_ms: i64,
}

impl FileHeader {
    /// Where this file's slots and first record lie.
    pub fn layout(&self) -> Layout {
        Layout::of(self.version)
    }

    pub fn encode(&self) -> [u8; STATIC_LEN] {
        let mut buf = Vec::with_capacity(STATIC_LEN);
        let mut w = ByteWriter::new(&mut buf);
        w.bytes(&MAGIC);
        w.u32(self.version);
        w.u32(0);
        w.u64(self.db_id);
        w.i64(self.created_ms);
        w.u32(0);
        let crc = crc32fast::hash(&buf);
        ByteWriter::new(&mut buf).u32(crc);
        buf.try_into().expect("static header is STATIC_LEN bytes")
    }

    /// Parses and checks the static header. A newer version is reported
    /// before the CRC is checked, so a future layout change of the header
    /// itself still yields `UnsupportedVersion`.
    pub fn decode(b: &[u8]) -> Result<FileHeader> {
        if b.len() < STATIC_LEN || b[..8] != MAGIC {
            return Err(Error::corrupt("not a NanoTS file: bad magic at file offset 0"));
        }
        let version = le_u32(b, VERSION_OFFSET);
        if version > FORMAT_VERSION {
            return Err(Error::new(
                ErrorKind::UnsupportedVersion,
                format!(
                    "file format version {version} is newer than this library reads ({FORMAT_VERSION}); upgrade NanoTS"
                ),
            ));
        }
        if version == 0 {
            return Err(Error::corrupt("format version 0 at file offset 8"));
        }
        let crc = le_u32(b, STATIC_CRC_OFFSET);
        if crc32fast::hash(&b[..STATIC_CRC_OFFSET]) != crc {
            return Err(Error::corrupt("file header checksum mismatch at file offset 0"));
        }
        let mut r = ByteReader::new(&b[DB_ID_OFFSET..STATIC_CRC_OFFSET], DB_ID_OFFSET as u64, "file header");
        let db_id = r.u64()?;
        let created_ms = r.i64()?;
        Ok(FileHeader { version, db_id, created_ms })
    }
}

/// The header of a file of `len` bytes whose first bytes (up to
/// [`MAX_HEADER_LEN`]) are `head`: decoded, and checked to fit the file
/// (`Corrupt` naming `path` if the file is too short for it).
pub fn decode_head(head: &[u8], len: u64, path: &std::path::Path) -> Result<FileHeader> {
    let too_short = || {
        Error::corrupt(format!(
            "{} is {len} bytes long, too short for a NanoTS file header (file offset {len})",
            path.display()
        ))
    };
    if len < STATIC_LEN as u64 || head.len() < STATIC_LEN {
        return Err(too_short());
    }
    let header = FileHeader::decode(head)?;
    if len < header.layout().data_start || (head.len() as u64) < header.layout().data_start {
        return Err(too_short());
    }
    Ok(header)
}

/// One commit slot: where the committed part of the file ends and where the
/// newest checkpoint record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slot {
    /// Incremented on every slot write; the valid slot with the larger
    /// sequence wins.
    pub seq: u64,
    /// File offset just past the last committed record.
    pub committed_end: u64,
    /// Offset of the newest checkpoint record at or before `committed_end`;
    /// 0 when the file has none.
    pub checkpoint_offset: u64,
    /// Flag bit 0 (format 2): the records after `committed_end` are written
    /// without fsyncs (`SyncMode::Never`), so their pages may reach the disk
    /// in any order and recovery cuts at the first one that fails.
    pub unsynced_tail: bool,
}

/// Bit of the slot flags (u32 at slot offset 24) for [`Slot::unsynced_tail`].
pub const SLOT_FLAG_UNSYNCED_TAIL: u32 = 1;

impl Slot {
    /// The slot's bytes in `layout`: sequence, committed end, checkpoint
    /// offset, flags, zeros up to the CRC (wide layout only), CRC-32.
    pub fn encode(&self, layout: Layout) -> Vec<u8> {
        let mut buf = Vec::with_capacity(layout.slot_len);
        let mut w = ByteWriter::new(&mut buf);
        w.u64(self.seq);
        w.u64(self.committed_end);
        w.u64(self.checkpoint_offset);
        w.u32(if self.unsynced_tail { SLOT_FLAG_UNSYNCED_TAIL } else { 0 });
        w.zeros(layout.slot_len - 4 - 28);
        let crc = crc32fast::hash(&buf);
        ByteWriter::new(&mut buf).u32(crc);
        buf
    }

    /// `None` for an empty, torn or corrupt slot: slots are hints, never
    /// trusted without their CRC. `b` is exactly one slot.
    pub fn decode(b: &[u8]) -> Option<Slot> {
        let crc_at = b.len().checked_sub(4).filter(|&c| c >= 28)?;
        if le_u32(b, crc_at) != crc32fast::hash(&b[..crc_at]) {
            return None;
        }
        let mut r = ByteReader::new(&b[..28], 0, "slot");
        let slot = Slot {
            seq: r.u64().ok()?,
            committed_end: r.u64().ok()?,
            checkpoint_offset: r.u64().ok()?,
            unsynced_tail: r.u32().ok()? & SLOT_FLAG_UNSYNCED_TAIL != 0,
        };
        (slot.seq != 0).then_some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_newer_version() {
        let h = FileHeader { version: 1, db_id: 42, created_ms: 7 };
        let mut b = h.encode().to_vec();
        assert_eq!(FileHeader::decode(&b).unwrap(), h);
        b[VERSION_OFFSET] = 99;
        assert_eq!(FileHeader::decode(&b).unwrap_err().kind(), ErrorKind::UnsupportedVersion);
        b[VERSION_OFFSET] = 1;
        b[20] ^= 1;
        assert_eq!(FileHeader::decode(&b).unwrap_err().kind(), ErrorKind::Corrupt);
    }

    #[test]
    fn slot_round_trip_and_torn_slot() {
        let s = Slot { seq: 3, committed_end: 1000, checkpoint_offset: 512, unsynced_tail: true };
        for layout in [WIDE, COMPACT] {
            let mut b = s.encode(layout);
            assert_eq!(b.len(), layout.slot_len);
            assert_eq!(Slot::decode(&b), Some(s));
            for at in 0..b.len() {
                b[at] ^= 0x40;
                assert_eq!(Slot::decode(&b), None, "flipped byte {at}");
                b[at] ^= 0x40;
            }
            assert_eq!(Slot::decode(&vec![0u8; layout.slot_len]), None);
        }
    }

    #[test]
    fn layouts_fit_and_do_not_overlap() {
        assert_eq!(Layout::of(1), WIDE);
        assert_eq!(Layout::of(WIDE_HEADER_VERSION), WIDE);
        assert_eq!(Layout::of(FORMAT_VERSION), COMPACT);
        for l in [WIDE, COMPACT] {
            assert!(l.slot_offsets[0] >= STATIC_LEN as u64);
            assert!(l.slot_offsets[0] + l.slot_len as u64 <= l.slot_offsets[1]);
            assert!(l.slot_offsets[1] + l.slot_len as u64 <= l.data_start);
            assert!(l.data_start >= MIN_DATA_START && l.data_start <= MAX_HEADER_LEN);
        }
        assert_eq!(COMPACT.slot_offsets[1] + COMPACT.slot_len as u64, COMPACT.data_start);
    }
}
