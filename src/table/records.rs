//! Payloads of the records that change the catalog besides `Table`:
//! `Commit`, `Checkpoint`, `DropTable`, `Tombstone` and `Supersede`.
//!
//! The bytes of each are in SPEC.md, sections 3.3 (Commit), 3.4
//! (Checkpoint), 3.5 (DropTable), 3.6 (Tombstone) and 3.7 (Supersede).
//!
//! A checkpoint lists every table and every live segment (per table in file
//! order), so opening reads it instead of every record before it.
//!
//! Why here: both the engine (`db/`) and the rewrite (`maintenance/`) encode
//! these payloads, and they name `TableDef`, `Tombstone` and `SegmentMeta`,
//! so they sit below `db` and `maintenance` and above `segment`, beside the
//! `Table` record payload that `table/` already owns (SPEC.md, 10 "Code layout").

use super::{TableDef, Tombstone};
use crate::error::{Error, Result};
use crate::format::bytes::{ByteReader, ByteWriter};
use crate::segment::SegmentMeta;

/// Fields every transaction end carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitInfo {
    pub seq: u64,
    /// Every WAL epoch up to this one has been flushed into the file.
    pub flushed_wal_epoch: u64,
}

impl CommitInfo {
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = ByteWriter::new(out);
        w.u64(self.seq);
        w.u64(self.flushed_wal_epoch);
    }

    pub fn decode(r: &mut ByteReader<'_>) -> Result<CommitInfo> {
        Ok(CommitInfo { seq: r.u64()?, flushed_wal_epoch: r.u64()? })
    }
}

/// The full index at one commit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checkpoint {
    pub commit: CommitInfo,
    pub next_table_id: u32,
    pub tables: Vec<TableDef>,
    pub segments: Vec<SegmentMeta>,
    pub tombstones: Vec<Tombstone>,
}

const SEGMENT_ENTRY_LEN: usize = 40;
const TOMBSTONE_ENTRY_LEN: usize = 32;

/// Payload of a `DropTable` record.
pub fn encode_drop_table(table_id: u32, out: &mut Vec<u8>) {
    ByteWriter::new(out).u32(table_id);
}

pub fn decode_drop_table(r: &mut ByteReader<'_>) -> Result<u32> {
    r.u32()
}

/// Payload of a `Tombstone` record (its offset is the record's).
pub fn encode_tombstone(t: &Tombstone, out: &mut Vec<u8>) {
    let mut w = ByteWriter::new(out);
    w.u32(t.table_id);
    w.u32(0);
    w.i64(t.start_ms);
    w.i64(t.end_ms);
}

/// Payload of a `Supersede` record.
pub fn encode_supersede(table_id: u32, offsets: &[u64], out: &mut Vec<u8>) {
    let mut w = ByteWriter::new(out);
    w.u32(table_id);
    w.u32(offsets.len() as u32);
    for o in offsets {
        w.u64(*o);
    }
}

pub fn decode_supersede(r: &mut ByteReader<'_>) -> Result<(u32, Vec<u64>)> {
    let table_id = r.u32()?;
    let n = r.u32()? as usize;
    if n > r.remaining() / 8 {
        return Err(r.corrupt(format!("supersede record claims {n} segments")));
    }
    let offsets = (0..n).map(|_| r.u64()).collect::<Result<_>>()?;
    Ok((table_id, offsets))
}

pub fn decode_tombstone(r: &mut ByteReader<'_>, offset: u64) -> Result<Tombstone> {
    let table_id = r.u32()?;
    r.skip(4)?;
    let start_ms = r.i64()?;
    let end_ms = r.i64()?;
    if start_ms > end_ms {
        return Err(r.corrupt("tombstone range starts after it ends"));
    }
    Ok(Tombstone { offset, table_id, start_ms, end_ms })
}

impl Checkpoint {
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.commit.encode(out);
        let mut w = ByteWriter::new(out);
        w.u32(self.next_table_id);
        w.u32(self.tables.len() as u32);
        for t in &self.tables {
            let mut def = Vec::new();
            t.encode(&mut def);
            let mut w = ByteWriter::new(out);
            w.u32(def.len() as u32);
            w.bytes(&def);
        }
        let mut w = ByteWriter::new(out);
        w.u32(self.segments.len() as u32);
        for s in &self.segments {
            w.u64(s.offset);
            w.u32(s.payload_len);
            w.u32(s.table_id);
            w.u32(s.rows);
            w.u32(0);
            w.i64(s.min_ts);
            w.i64(s.max_ts);
        }
        w.u32(self.tombstones.len() as u32);
        for t in &self.tombstones {
            w.u64(t.offset);
            w.u32(t.table_id);
            w.u32(0);
            w.i64(t.start_ms);
            w.i64(t.end_ms);
        }
    }

    pub fn decode(r: &mut ByteReader<'_>) -> Result<Checkpoint> {
        let commit = CommitInfo::decode(r)?;
        let next_table_id = r.u32()?;
        let ntables = r.u32()? as usize;
        // Each table takes at least 4 bytes: a count beyond what is left is
        // corruption, and must not become a huge allocation.
        if ntables > r.remaining() / 4 {
            return Err(r.corrupt(format!("checkpoint claims {ntables} tables")));
        }
        let mut tables = Vec::with_capacity(ntables);
        for _ in 0..ntables {
            let len = r.u32()? as usize;
            let at = r.offset();
            let bytes = r.take(len)?;
            let mut tr = ByteReader::new(bytes, at, "checkpoint table entry");
            tables.push(TableDef::decode(&mut tr)?);
            tr.finish()?;
        }
        let nseg = r.u32()? as usize;
        if nseg > r.remaining() / SEGMENT_ENTRY_LEN {
            return Err(r.corrupt(format!("checkpoint claims {nseg} segments")));
        }
        let mut segments = Vec::with_capacity(nseg);
        for _ in 0..nseg {
            let offset = r.u64()?;
            let payload_len = r.u32()?;
            let table_id = r.u32()?;
            let rows = r.u32()?;
            r.skip(4)?;
            let min_ts = r.i64()?;
            let max_ts = r.i64()?;
            if rows == 0
                || rows as usize > crate::format::MAX_SEGMENT_ROWS
                || min_ts > max_ts
                || offset < crate::format::header::MIN_DATA_START
            {
                return Err(
                    r.corrupt(format!("checkpoint lists an implausible segment at file offset {offset}"))
                );
            }
            segments.push(SegmentMeta { offset, payload_len, table_id, rows, min_ts, max_ts });
        }
        let ntomb = r.u32()? as usize;
        if ntomb > r.remaining() / TOMBSTONE_ENTRY_LEN {
            return Err(r.corrupt(format!("checkpoint claims {ntomb} tombstones")));
        }
        let mut tombstones = Vec::with_capacity(ntomb);
        for _ in 0..ntomb {
            let offset = r.u64()?;
            tombstones.push(decode_tombstone(r, offset)?);
        }
        r.finish()?;
        if tables.iter().any(|t| t.id >= next_table_id) {
            return Err(Error::corrupt("checkpoint lists a table id at or above its next table id"));
        }
        Ok(Checkpoint { commit, next_table_id, tables, segments, tombstones })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_round_trip_and_absurd_counts() {
        let cp = Checkpoint {
            commit: CommitInfo { seq: 5, flushed_wal_epoch: 3 },
            next_table_id: 3,
            tables: vec![TableDef { id: 1, name: "a".into(), columns: vec!["x".into()] }],
            segments: vec![SegmentMeta {
                offset: 256,
                payload_len: 100,
                table_id: 1,
                rows: 4,
                min_ts: -1,
                max_ts: 9,
            }],
            tombstones: vec![Tombstone { offset: 900, table_id: 1, start_ms: -5, end_ms: 5 }],
        };
        let mut buf = Vec::new();
        cp.encode(&mut buf);
        let mut r = ByteReader::new(&buf, 0, "checkpoint");
        assert_eq!(Checkpoint::decode(&mut r).unwrap(), cp);
        let mut bad = buf.clone();
        bad[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut r = ByteReader::new(&bad, 0, "checkpoint");
        assert_eq!(Checkpoint::decode(&mut r).unwrap_err().kind(), crate::ErrorKind::Corrupt);
    }

    #[test]
    fn small_payloads_exact_bytes() {
        let mut buf = Vec::new();
        encode_drop_table(0x0102_0304, &mut buf);
        assert_eq!(buf, [4, 3, 2, 1]);
        assert_eq!(decode_drop_table(&mut ByteReader::new(&buf, 0, "drop")).unwrap(), 0x0102_0304);

        buf.clear();
        let t = Tombstone { offset: 700, table_id: 2, start_ms: -1, end_ms: 1 };
        encode_tombstone(&t, &mut buf);
        assert_eq!(buf.len(), 24);
        assert_eq!(buf[..8], [2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(decode_tombstone(&mut ByteReader::new(&buf, 0, "tomb"), 700).unwrap(), t);
        let mut reversed = Vec::new();
        encode_tombstone(&Tombstone { start_ms: 1, end_ms: -1, ..t }, &mut reversed);
        assert!(decode_tombstone(&mut ByteReader::new(&reversed, 0, "tomb"), 700).is_err());

        buf.clear();
        encode_supersede(3, &[256, 512], &mut buf);
        assert_eq!(buf.len(), 8 + 16);
        assert_eq!(decode_supersede(&mut ByteReader::new(&buf, 0, "sup")).unwrap(), (3, vec![256, 512]));
        // A count beyond the bytes present is corruption, not an allocation.
        buf[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            decode_supersede(&mut ByteReader::new(&buf, 0, "sup")).unwrap_err().kind(),
            crate::ErrorKind::Corrupt
        );
    }
}
