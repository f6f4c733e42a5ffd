//! The 256-byte file header: a static part written once, and two commit
//! slots rewritten alternately after each commit (LMDB's meta-page idea).
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
/// Offsets of the two commit slots.
pub const SLOT_OFFSETS: [u64; 2] = [64, 128];
/// Size of one slot, CRC included.
pub const SLOT_LEN: usize = 64;
/// Offset of the slot CRC inside a slot; covers `[0, SLOT_CRC_OFFSET)`.
pub const SLOT_CRC_OFFSET: usize = 60;

/// The static part of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub version: u32,
    pub db_id: u64,
    pub created_ms: i64,
}

impl FileHeader {
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
    pub fn encode(&self) -> [u8; SLOT_LEN] {
        let mut buf = Vec::with_capacity(SLOT_LEN);
        let mut w = ByteWriter::new(&mut buf);
        w.u64(self.seq);
        w.u64(self.committed_end);
        w.u64(self.checkpoint_offset);
        w.u32(if self.unsynced_tail { SLOT_FLAG_UNSYNCED_TAIL } else { 0 });
        w.zeros(SLOT_CRC_OFFSET - 28);
        let crc = crc32fast::hash(&buf);
        ByteWriter::new(&mut buf).u32(crc);
        buf.try_into().expect("slot is SLOT_LEN bytes")
    }

    /// `None` for an empty, torn or corrupt slot: slots are hints, never
    /// trusted without their CRC.
    pub fn decode(b: &[u8]) -> Option<Slot> {
        if b.len() < SLOT_LEN || le_u32(b, SLOT_CRC_OFFSET) != crc32fast::hash(&b[..SLOT_CRC_OFFSET]) {
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
        let mut b = s.encode();
        assert_eq!(Slot::decode(&b), Some(s));
        b[9] ^= 0x40;
        assert_eq!(Slot::decode(&b), None);
        assert_eq!(Slot::decode(&[0u8; SLOT_LEN]), None);
    }
}
