//! Reading segment records for queries: with `pread` into one buffer the
//! query reuses, never through the mapping (SPEC.md 8.2).
//!
//! Why not the mapping: a mapped page a query reads stays resident for as
//! long as the file is mapped, so a scan of the whole file would leave the
//! whole file in the process's resident set. `pread` copies the bytes from
//! the page cache into the buffer instead: the resident set of a streaming
//! read is one record (plus what it decodes), whatever the file's size, a
//! second concurrent reader is not disturbed, and a read error on a failing
//! disk is an `Io` error instead of a SIGBUS. SPEC.md 8.2 has the figures
//! against the mapping with `madvise(MADV_DONTNEED)` behind the cursor:
//! the same speed within noise, and bounded while the file is in the page
//! cache, but 15 MiB of a 53 MiB file stayed mapped when it was read cold
//! (the kernel maps whole large folios), and a second reader faulted back
//! the pages the first dropped.

use super::Snapshot;
use crate::error::{Error, Result};
use crate::format::bytes::le_u32;
use crate::format::record::{RECORD_HEADER_LEN, RecordType, crc_matches, parse_header};
use crate::io::FileView;
use crate::segment::{SegmentMeta, SegmentView, header_len};

/// Bytes of the segment record `meta` names, framing included.
fn record_len(meta: &SegmentMeta) -> usize {
    RECORD_HEADER_LEN + meta.payload_len as usize
}

/// One query's buffers for the segment records it reads: one for whole
/// records or their header (and directory), one for blocks read on their
/// own. They grow to the largest read and are reused, so a streaming read
/// allocates them once.
#[derive(Default)]
pub struct SegmentReads {
    buf: Vec<u8>,
    body: Vec<u8>,
}

/// Reads a blocked segment's blocks, beside its header's view.
pub struct BlockReads<'b> {
    body: &'b mut Vec<u8>,
    file: &'b FileView,
    /// File offset of the payload.
    payload_at: u64,
}

impl BlockReads<'_> {
    /// Reads the payload bytes of blocks `blocks` (consecutive) of `view`
    /// with one `pread`, checks each against its CRC, and returns them with
    /// the payload offset of their start.
    pub fn read(&mut self, view: &SegmentView<'_>, blocks: std::ops::Range<usize>) -> Result<(&[u8], usize)> {
        let all = view.blocks();
        let (start, end) = (all[blocks.start].range().start, all[blocks.end - 1].range().end);
        let data = self.file.read_into(self.payload_at + start as u64, end - start, self.body)?;
        for b in blocks {
            let r = all[b].range();
            view.check_block(b, &data[r.start - start..r.end - start])?;
        }
        Ok((data, start))
    }
}

impl SegmentReads {
    /// Reads the whole segment record `meta` names and checks it: framing,
    /// record CRC, header, agreement with `meta`.
    pub fn segment<'b>(&'b mut self, file: &FileView, meta: &SegmentMeta) -> Result<SegmentView<'b>> {
        let record = file.read_into(meta.offset, record_len(meta), &mut self.buf)?;
        open_record(record, meta, true)
    }

    /// Reads the whole segment record `meta` names, checks it like
    /// [`Self::segment`], and returns its bytes, framing included (a
    /// rewrite copies it as it is).
    pub fn record<'b>(&'b mut self, file: &FileView, meta: &SegmentMeta) -> Result<&'b [u8]> {
        let record = file.read_into(meta.offset, record_len(meta), &mut self.buf)?;
        open_record(record, meta, true)?;
        Ok(record)
    }

    /// Reads only the header of the segment record `meta` names (a segment
    /// of `ncols` value columns), and its block directory in the blocked
    /// layout, and checks them: framing, header and directory CRCs,
    /// agreement with `meta`. Its statistics can be read; its chunks were
    /// not (decoding them is `Corrupt`).
    pub fn header<'b>(
        &'b mut self,
        file: &FileView,
        meta: &SegmentMeta,
        ncols: usize,
    ) -> Result<SegmentView<'b>> {
        let len = read_head(file, meta, ncols, &mut self.buf)?;
        parse_head(&self.buf[..len], meta, ncols)
    }

    /// Like [`Self::header`], with a reader for the segment's blocks.
    pub fn header_and_blocks<'b>(
        &'b mut self,
        file: &'b FileView,
        meta: &SegmentMeta,
        ncols: usize,
    ) -> Result<(SegmentView<'b>, BlockReads<'b>)> {
        let SegmentReads { buf, body } = self;
        let len = read_head(file, meta, ncols, buf)?;
        let view = parse_head(&buf[..len], meta, ncols)?;
        Ok((view, BlockReads { body, file, payload_at: meta.offset + RECORD_HEADER_LEN as u64 }))
    }

    /// Checks, header by header, that the index entries of `snap`'s
    /// segments agree with the segments, before anything is allocated from
    /// their row counts.
    pub fn check_headers(
        &mut self,
        snap: &Snapshot,
        segments: impl IntoIterator<Item = SegmentMeta>,
    ) -> Result<()> {
        for meta in segments {
            self.header(&snap.map, &meta, snap.columns.len())?;
        }
        Ok(())
    }
}

/// Reads the framing, header and (blocked layout) directory of the segment
/// record `meta` names into `buf`; returns how many bytes of it they are.
fn read_head(file: &FileView, meta: &SegmentMeta, ncols: usize, buf: &mut Vec<u8>) -> Result<usize> {
    let len = (RECORD_HEADER_LEN + header_len(ncols)).min(record_len(meta));
    let head = file.read_into(meta.offset, len, buf)?;
    check_frame(head, meta)?;
    // A blocked segment's directory follows its header: read both again in
    // one go (a damaged length is caught by the parse, never read past the
    // record).
    match SegmentView::prefix_len(&head[RECORD_HEADER_LEN..]) {
        Some(p) if p > header_len(ncols) && p <= meta.payload_len as usize => {
            file.read_into(meta.offset, RECORD_HEADER_LEN + p, buf)?;
            Ok(RECORD_HEADER_LEN + p)
        }
        _ => Ok(len),
    }
}

/// Parses and checks what [`read_head`] read.
fn parse_head<'b>(head: &'b [u8], meta: &SegmentMeta, ncols: usize) -> Result<SegmentView<'b>> {
    let view = SegmentView::parse_prefix(&head[RECORD_HEADER_LEN..], meta.payload_len as usize, meta.offset)?;
    check_agrees(&view, meta)?;
    if view.ncols() != ncols {
        return Err(Error::corrupt(format!(
            "segment at file offset {} has {} columns, its table {ncols}",
            meta.offset,
            view.ncols()
        )));
    }
    Ok(view)
}

/// Checks one segment record in the mapped file `map`: its framing, its
/// CRC (when `verify_record`; the header has its own CRC either way), its
/// header. For recovery and verification, which read the whole file.
pub fn open_segment<'a>(map: &'a [u8], meta: &SegmentMeta, verify_record: bool) -> Result<SegmentView<'a>> {
    let record = usize::try_from(meta.offset)
        .ok()
        .and_then(|at| map.get(at..at.checked_add(record_len(meta))?))
        .ok_or_else(|| {
            Error::corrupt(format!(
                "segment record at file offset {}: the file ends inside the {} bytes the index gives it",
                meta.offset,
                record_len(meta)
            ))
        })?;
    open_record(record, meta, verify_record)
}

/// Checks the segment record `meta` names, given as exactly its bytes
/// (`record`, read from file offset `meta.offset`).
fn open_record<'a>(record: &'a [u8], meta: &SegmentMeta, verify_record: bool) -> Result<SegmentView<'a>> {
    let rec = parse_header(record, 0)
        .map_err(|p| Error::corrupt(format!("segment record at file offset {}: {p:?}", meta.offset)))?;
    check_frame(record, meta)?;
    if verify_record && !crc_matches(record, &rec) {
        return Err(Error::corrupt(format!(
            "Segment record at file offset {} fails its CRC32 check",
            meta.offset
        )));
    }
    let view = SegmentView::parse(&record[RECORD_HEADER_LEN..], meta.offset)?;
    check_agrees(&view, meta)?;
    Ok(view)
}

/// Checks that the record framing at the start of `bytes` is a segment of
/// the payload length the index gives.
fn check_frame(bytes: &[u8], meta: &SegmentMeta) -> Result<()> {
    let kind = bytes.get(4).and_then(|&k| RecordType::from_u8(k));
    let payload_len = (bytes.len() >= 4).then(|| le_u32(bytes, 0));
    let reserved_zero = bytes.get(5..8) == Some(&[0, 0, 0]);
    if kind != Some(RecordType::Segment) || payload_len != Some(meta.payload_len) || !reserved_zero {
        return Err(Error::corrupt(format!(
            "file offset {} holds a {kind:?} record of {payload_len:?} bytes where the index expects a segment of {} bytes",
            meta.offset, meta.payload_len
        )));
    }
    Ok(())
}

fn check_agrees(view: &SegmentView<'_>, meta: &SegmentMeta) -> Result<()> {
    if view.table_id != meta.table_id
        || view.rows != meta.rows
        || view.min_ts != meta.min_ts
        || view.max_ts != meta.max_ts
    {
        return Err(Error::corrupt(format!(
            "segment at file offset {} disagrees with the index entry for it",
            meta.offset
        )));
    }
    Ok(())
}
