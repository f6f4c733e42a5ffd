//! Record framing. After the header the file is a sequence of records, each
//! a 12-byte frame header (payload length, type, flags, reserved, CRC) and
//! its payload; the bytes are in SPEC.md, section 3 ("Records").

use super::bytes::{ByteWriter, le_u32};
use crate::error::{Error, ErrorKind, Result};

/// Bytes of framing before each payload.
pub const RECORD_HEADER_LEN: usize = 12;
const CRC_OFFSET: usize = 8;

/// Record types. Numbers are stable; retired ones stay reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordType {
    /// A table's schema: id, name, column names.
    Table = 1,
    /// A compressed columnar segment of one table.
    Segment = 2,
    /// Ends a transaction: the records since the previous commit are durable.
    Commit = 3,
    /// A full index of tables and live segments; also ends a transaction.
    Checkpoint = 4,
    /// Drops a table: its schema and segments are dead from here on.
    DropTable = 5,
    /// Hides a table's rows in a time range from every earlier segment.
    Tombstone = 6,
    /// Retires segments whose rows a merge rewrote into later segments.
    Supersede = 7,
}

impl RecordType {
    pub fn from_u8(v: u8) -> Option<RecordType> {
        Some(match v {
            1 => RecordType::Table,
            2 => RecordType::Segment,
            3 => RecordType::Commit,
            4 => RecordType::Checkpoint,
            5 => RecordType::DropTable,
            6 => RecordType::Tombstone,
            7 => RecordType::Supersede,
            _ => return None,
        })
    }

    /// Whether this record ends a transaction.
    pub fn is_commit(self) -> bool {
        matches!(self, RecordType::Commit | RecordType::Checkpoint)
    }
}

/// Appends one framed record to `out`. Fails with `TooLarge` (writing
/// nothing) when the payload exceeds `max_record_size`.
pub fn frame(out: &mut Vec<u8>, kind: RecordType, payload: &[u8], max_record_size: u32) -> Result<()> {
    if payload.len() > max_record_size as usize {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "{kind:?} record of {} bytes exceeds the record size cap of {max_record_size} bytes (NANOTS_MAX_RECORD_SIZE)",
                payload.len()
            ),
        ));
    }
    let start = out.len();
    let mut w = ByteWriter::new(out);
    w.u32(payload.len() as u32);
    w.u8(kind as u8);
    w.u8(0);
    w.u16(0);
    let mut h = crc32fast::Hasher::new();
    h.update(&out[start..start + CRC_OFFSET]);
    h.update(payload);
    let crc = h.finalize();
    let mut w = ByteWriter::new(out);
    w.u32(crc);
    w.bytes(payload);
    Ok(())
}

/// A record located in the file, not yet checksum-verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef {
    /// File offset of the record header.
    pub offset: u64,
    pub kind: RecordType,
    pub payload_len: u32,
    pub crc: u32,
}

impl RecordRef {
    /// File offset just past this record.
    pub fn end(&self) -> u64 {
        self.offset + RECORD_HEADER_LEN as u64 + self.payload_len as u64
    }

    pub fn payload_offset(&self) -> u64 {
        self.offset + RECORD_HEADER_LEN as u64
    }
}

/// Why a record could not be read at some offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameProblem {
    /// The file ends inside the header or payload.
    Truncated,
    /// The header makes no sense (unknown type, nonzero reserved bits).
    BadHeader(String),
}

/// Parses the record header at `offset` of `file` (the whole file, mapped).
pub fn parse_header(file: &[u8], offset: u64) -> Result<RecordRef, FrameProblem> {
    let at = offset as usize;
    let Some(h) = file.get(at..at.saturating_add(RECORD_HEADER_LEN)) else {
        return Err(FrameProblem::Truncated);
    };
    let payload_len = le_u32(h, 0);
    let Some(kind) = RecordType::from_u8(h[4]) else {
        return Err(FrameProblem::BadHeader(format!("unknown record type {}", h[4])));
    };
    if h[5] != 0 || h[6] != 0 || h[7] != 0 {
        return Err(FrameProblem::BadHeader("nonzero reserved header bytes".into()));
    }
    let rec = RecordRef { offset, kind, payload_len, crc: le_u32(h, CRC_OFFSET) };
    if rec.end() > file.len() as u64 {
        return Err(FrameProblem::Truncated);
    }
    Ok(rec)
}

/// The payload of `rec` if its CRC matches, else `Corrupt` naming the offset.
pub fn verified_payload<'a>(file: &'a [u8], rec: &RecordRef) -> Result<&'a [u8]> {
    let start = rec.offset as usize;
    let payload = &file[start + RECORD_HEADER_LEN..rec.end() as usize];
    if !crc_matches(file, rec) {
        return Err(Error::corrupt(format!(
            "{:?} record at file offset {} fails its CRC32 check",
            rec.kind, rec.offset
        )));
    }
    Ok(payload)
}

/// Whether the record's bytes match its CRC.
pub fn crc_matches(file: &[u8], rec: &RecordRef) -> bool {
    let start = rec.offset as usize;
    let mut h = crc32fast::Hasher::new();
    h.update(&file[start..start + CRC_OFFSET]);
    h.update(&file[start + RECORD_HEADER_LEN..rec.end() as usize]);
    h.finalize() == rec.crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_parse_verify() {
        let mut buf = vec![0u8; 4];
        frame(&mut buf, RecordType::Commit, b"hello", 100).unwrap();
        let rec = parse_header(&buf, 4).unwrap();
        assert_eq!(rec.kind, RecordType::Commit);
        assert_eq!(rec.payload_len, 5);
        assert_eq!(rec.end(), buf.len() as u64);
        assert_eq!(verified_payload(&buf, &rec).unwrap(), b"hello");
        let last = buf.len() - 1;
        buf[last] ^= 1;
        let err = verified_payload(&buf, &rec).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt);
        assert!(err.to_string().contains("offset 4"), "{err}");
    }

    #[test]
    fn oversized_payload_is_refused_and_nothing_written() {
        let mut buf = Vec::new();
        let err = frame(&mut buf, RecordType::Segment, &[0u8; 11], 10).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert!(buf.is_empty());
    }

    #[test]
    fn bad_header_and_truncation_are_distinguished() {
        let mut buf = Vec::new();
        frame(&mut buf, RecordType::Commit, &[1u8; 20], 100).unwrap();
        // Reading is bounded by the bytes present, never by today's cap:
        // a record a larger cap wrote stays readable.
        assert_eq!(parse_header(&buf, 0).unwrap().payload_len, 20);
        assert_eq!(parse_header(&buf[..30], 0), Err(FrameProblem::Truncated));
        assert_eq!(parse_header(&buf[..5], 0), Err(FrameProblem::Truncated));
        buf[4] = 99;
        assert!(matches!(parse_header(&buf, 0), Err(FrameProblem::BadHeader(_))));
    }
}
