//! Reading a segment in place, from the mapped file.

use super::*;
use crate::codec;
use crate::error::{Error, Result};
use crate::format::bytes::{ByteReader, le_u32};
use crate::format::record::RECORD_HEADER_LEN;

/// Reads the five value statistics (min, max, sum, first, last) that the
/// header's descriptors and the directory's entries both store in that
/// order.
fn read_values(r: &mut ByteReader<'_>, codec: u8, byte_len: u32, nan_count: u32) -> Result<ColumnStats> {
    Ok(ColumnStats {
        codec,
        byte_len,
        min: r.f64()?,
        max: r.f64()?,
        sum: r.f64()?,
        first: r.f64()?,
        last: r.f64()?,
        nan_count,
    })
}

/// One block of a segment: a run of rows whose chunks decode on their own.
/// A segment in the classic layout is one block (its chunks, its header's
/// statistics, no block CRC: the record CRC covers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub rows: u32,
    /// Index of the block's first row in the segment.
    pub row_start: u32,
    pub first_ts: i64,
    pub last_ts: i64,
    ts_codec: u8,
    /// Payload offsets of the block's bytes (timestamp chunk, then each
    /// column's chunk) and of the end of its timestamp chunk.
    start: usize,
    ts_end: usize,
    end: usize,
    /// CRC-32 of the block's bytes (blocked layout only).
    crc: Option<u32>,
}

impl Block {
    /// Payload offsets of the block's bytes.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// Bytes of the block's timestamp chunk.
    pub fn ts_bytes(&self) -> usize {
        self.ts_end - self.start
    }
}

/// A parsed, header-checked view of one segment's payload.
pub struct SegmentView<'a> {
    payload: &'a [u8],
    /// File offset of the record (for messages).
    offset: u64,
    pub table_id: u32,
    pub rows: u32,
    pub min_ts: i64,
    pub max_ts: i64,
    /// Whole-segment statistics per column (codec 0 in the blocked layout).
    columns: Vec<ColumnStats>,
    blocks: Vec<Block>,
    /// Per block, per column: statistics (codec, chunk length) and the
    /// payload offset of the chunk; `blocks.len() * columns.len()` entries.
    block_columns: Vec<(ColumnStats, usize)>,
    blocked: bool,
    /// Per column: payload range of its shared dictionary (empty if none).
    preludes: Vec<std::ops::Range<usize>>,
    /// Per column: its shared dictionary, decoded on first use (`None`:
    /// it does not decode).
    dicts: Vec<std::cell::OnceCell<Option<Vec<f64>>>>,
}

impl<'a> SegmentView<'a> {
    /// Parses the payload of the segment record at file offset `offset`.
    /// Checks the header CRC and that every chunk lies inside the payload;
    /// the caller has checked the record CRC when it needs the chunks.
    pub fn parse(payload: &'a [u8], offset: u64) -> Result<SegmentView<'a>> {
        Self::parse_prefix(payload, payload.len(), offset)
    }

    /// How many bytes of the payload [`Self::parse_prefix`] needs to give
    /// the statistics, judged from its first bytes (`head`, at least the
    /// fixed header): the header, plus the directory in the blocked layout.
    /// `None` if `head` is too short to tell.
    pub fn prefix_len(head: &[u8]) -> Option<usize> {
        if head.len() < FIXED_HEADER_LEN {
            return None;
        }
        let hlen = le_u32(head, 28) as usize;
        let flags = u16::from_le_bytes([head[26], head[27]]);
        if flags & FLAG_BLOCKS == 0 {
            return Some(hlen);
        }
        hlen.checked_add(le_u32(head, 36) as usize)
    }

    /// Like [`Self::parse`], where `payload` may be only the start of a
    /// payload of `payload_len` bytes, as long as it holds the header (and,
    /// in the blocked layout, the directory: [`Self::prefix_len`]): they
    /// are checked the same way (CRCs, fields, chunk lengths adding up to
    /// `payload_len`). Its statistics can be read without the chunks; a
    /// chunk past the end of `payload` cannot be decoded (`Corrupt`, never a
    /// panic), but a block read separately can ([`Self::decode_block_ts`]).
    pub fn parse_prefix(payload: &'a [u8], payload_len: usize, offset: u64) -> Result<SegmentView<'a>> {
        let base = offset + RECORD_HEADER_LEN as u64;
        let corrupt = |msg: &str| Error::corrupt(format!("segment at file offset {offset}: {msg}"));
        if payload.len() < FIXED_HEADER_LEN + 4 {
            return Err(corrupt("payload shorter than a segment header"));
        }
        if payload.len() > payload_len {
            return Err(corrupt("more bytes than the record's payload length"));
        }
        let hlen = le_u32(payload, 28) as usize;
        let ncols = u16::from_le_bytes([payload[24], payload[25]]) as usize;
        if ncols == 0 || hlen != header_len(ncols) || hlen > payload.len() {
            return Err(corrupt("header length does not match its column count"));
        }
        if crc32fast::hash(&payload[..hlen - 4]) != le_u32(payload, hlen - 4) {
            return Err(corrupt("header fails its CRC32 check"));
        }
        let mut r = ByteReader::new(&payload[..hlen - 4], base, "segment header");
        let table_id = r.u32()?;
        let rows = r.u32()?;
        let min_ts = r.i64()?;
        let max_ts = r.i64()?;
        r.skip(2)?;
        let flags = r.u16()?;
        r.skip(4)?;
        if rows == 0
            || rows as usize > crate::format::MAX_SEGMENT_ROWS
            || min_ts > max_ts
            || flags & FLAG_SORTED == 0
            || flags & !(FLAG_SORTED | FLAG_BLOCKS) != 0
        {
            return Err(corrupt("implausible row count, timestamp range or flags"));
        }
        let blocked = flags & FLAG_BLOCKS != 0;
        let ts_codec = r.u8()?;
        r.skip(3)?;
        // Classic layout: the timestamp chunk's length; blocked: the
        // directory's.
        let ts_len = r.u32()? as usize;
        let mut columns = Vec::with_capacity(ncols);
        let mut prelude_lens = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let codec = r.u8()?;
            r.skip(3)?;
            let byte_len = r.u32()?;
            let mut stats = read_values(&mut r, codec, byte_len, 0)?;
            stats.nan_count = r.u32()?;
            prelude_lens.push(r.u32()? as usize);
            columns.push(stats);
        }
        r.finish()?;
        if columns.iter().any(|s| s.nan_count > rows) {
            return Err(corrupt("a column counts more NaN values than the segment has rows"));
        }
        let mut view = SegmentView {
            payload,
            offset,
            table_id,
            rows,
            min_ts,
            max_ts,
            columns,
            blocks: Vec::new(),
            block_columns: Vec::new(),
            blocked,
            preludes: vec![0..0; ncols],
            dicts: (0..ncols).map(|_| std::cell::OnceCell::new()).collect(),
        };
        // Chunk lengths are summed with checks: on a 32-bit target, lengths
        // near u32::MAX in a damaged header would overflow `usize`.
        let end = if blocked {
            if ts_codec != 0 || view.columns.iter().any(|s| s.codec != 0) {
                return Err(corrupt("a blocked segment names a codec in its header"));
            }
            view.parse_directory(hlen, ts_len, &prelude_lens)?
        } else {
            if prelude_lens.iter().any(|&p| p != 0) {
                return Err(corrupt("a classic segment gives a column a shared dictionary"));
            }
            view.classic_block(hlen, ts_codec, ts_len)?
        };
        if end != Some(payload_len) {
            return Err(corrupt("chunk lengths do not add up to the payload length"));
        }
        Ok(view)
    }

    /// The one block of a classic segment; returns the end of its chunks.
    fn classic_block(&mut self, hlen: usize, ts_codec: u8, ts_len: usize) -> Result<Option<usize>> {
        let ts_end = hlen.checked_add(ts_len);
        let mut at = ts_end;
        for s in &self.columns {
            self.block_columns.push((*s, at.unwrap_or(0)));
            at = at.and_then(|a| a.checked_add(s.byte_len as usize));
        }
        let (Some(ts_end), Some(end)) = (ts_end, at) else { return Ok(None) };
        self.blocks.push(Block {
            rows: self.rows,
            row_start: 0,
            first_ts: self.min_ts,
            last_ts: self.max_ts,
            ts_codec,
            start: hlen,
            ts_end,
            end,
            crc: None,
        });
        Ok(Some(end))
    }

    /// Parses and checks the directory of `dlen` bytes at `hlen`, whose
    /// entries are followed by the columns' preludes of `prelude_lens`
    /// bytes; returns the end of the last block's chunks.
    fn parse_directory(&mut self, hlen: usize, dlen: usize, prelude_lens: &[usize]) -> Result<Option<usize>> {
        let corrupt = |msg: &str| Error::corrupt(format!("segment at file offset {}: {msg}", self.offset));
        let ncols = self.columns.len();
        let entry = BLOCK_FIXED_LEN + BLOCK_COLUMN_LEN * ncols;
        let Some(dir) = hlen.checked_add(dlen).and_then(|e| self.payload.get(hlen..e)) else {
            return Err(corrupt("the block directory was not read or runs past the payload"));
        };
        let preludes = prelude_lens.iter().try_fold(0usize, |a, &p| a.checked_add(p));
        let Some(entries_len) = preludes.and_then(|p| dlen.checked_sub(4)?.checked_sub(p)) else {
            return Err(corrupt("the shared dictionaries are longer than the block directory"));
        };
        if entries_len < entry || !entries_len.is_multiple_of(entry) {
            return Err(corrupt("block directory length is not a whole number of entries"));
        }
        if crc32fast::hash(&dir[..dlen - 4]) != le_u32(dir, dlen - 4) {
            return Err(corrupt("block directory fails its CRC32 check"));
        }
        let mut at = hlen + entries_len;
        for (range, &len) in self.preludes.iter_mut().zip(prelude_lens) {
            *range = at..at + len;
            at += len;
        }
        let nblocks = entries_len / entry;
        if nblocks < 2 || nblocks > self.rows as usize {
            return Err(corrupt("implausible block count"));
        }
        let base = self.offset + (RECORD_HEADER_LEN + hlen) as u64;
        let mut r = ByteReader::new(&dir[..entries_len], base, "segment block directory");
        self.blocks.reserve_exact(nblocks);
        self.block_columns.reserve_exact(nblocks * ncols);
        let mut at = Some(hlen + dlen);
        let mut row_start = 0u32;
        let mut col_bytes = vec![0u64; ncols];
        let mut prev_last = self.min_ts;
        for _ in 0..nblocks {
            let rows = r.u32()?;
            let first_ts = r.i64()?;
            let last_ts = r.i64()?;
            let ts_codec = r.u8()?;
            let ts_len = r.u32()? as usize;
            let start = at;
            let ts_end = at.and_then(|a| a.checked_add(ts_len));
            at = ts_end;
            for bytes in col_bytes.iter_mut() {
                let codec = r.u8()?;
                let byte_len = r.u32()?;
                let nan_count = r.u32()?;
                let stats = read_values(&mut r, codec, byte_len, nan_count)?;
                if nan_count > rows {
                    return Err(corrupt("a block counts more NaN values than it has rows"));
                }
                *bytes += u64::from(byte_len);
                self.block_columns.push((stats, at.unwrap_or(0)));
                at = at.and_then(|a| a.checked_add(byte_len as usize));
            }
            let crc = r.u32()?;
            let (Some(start), Some(ts_end), Some(end)) = (start, ts_end, at) else { return Ok(None) };
            if rows == 0 || first_ts > last_ts || first_ts < prev_last {
                return Err(corrupt("a block's rows or timestamp range are implausible or out of order"));
            }
            prev_last = last_ts;
            self.blocks.push(Block {
                rows,
                row_start,
                first_ts,
                last_ts,
                ts_codec,
                start,
                ts_end,
                end,
                crc: Some(crc),
            });
            row_start = row_start
                .checked_add(rows)
                .filter(|&n| n <= self.rows)
                .ok_or_else(|| corrupt("the blocks hold more rows than the segment"))?;
        }
        r.finish()?;
        let (first, last) = (self.blocks[0], self.blocks[nblocks - 1]);
        if row_start != self.rows || first.first_ts != self.min_ts || last.last_ts != self.max_ts {
            return Err(corrupt("the blocks disagree with the header's rows or timestamp range"));
        }
        if col_bytes.iter().zip(&self.columns).any(|(&b, s)| b != u64::from(s.byte_len)) {
            return Err(corrupt("the blocks' chunk lengths disagree with the header's"));
        }
        Ok(at)
    }

    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Whole-segment statistics of column `col`.
    pub fn column_stats(&self, col: usize) -> &ColumnStats {
        &self.columns[col]
    }

    /// Whether the segment is in the blocked layout (more than one block).
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// The segment's blocks, in row order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Statistics of column `col` in block `b` (with the chunk's codec and
    /// length).
    pub fn block_column_stats(&self, b: usize, col: usize) -> &ColumnStats {
        &self.block_columns[b * self.columns.len() + col].0
    }

    /// Timestamp codec of block `b`.
    pub fn block_ts_codec(&self, b: usize) -> u8 {
        self.blocks[b].ts_codec
    }

    /// Bytes of the timestamp chunks, over all blocks.
    #[cfg(test)]
    pub fn ts_bytes(&self) -> usize {
        self.blocks.iter().map(Block::ts_bytes).sum()
    }

    /// The whole payload's bytes of `range`; `Corrupt` if the view holds
    /// only a prefix of the payload that ends before it.
    fn payload_bytes(&self, range: std::ops::Range<usize>) -> Result<&'a [u8]> {
        self.payload.get(range).ok_or_else(|| {
            Error::corrupt(format!("segment at file offset {}: the chunks were not read", self.offset))
        })
    }

    /// Checks the bytes of block `b` (`data`, as read from its
    /// [`Block::range`]) against the block's CRC. A classic segment's one
    /// block has none: its caller checks the record CRC.
    pub fn check_block(&self, b: usize, data: &[u8]) -> Result<()> {
        let block = &self.blocks[b];
        if data.len() != block.end - block.start {
            return Err(Error::corrupt(format!(
                "segment at file offset {}: block {b} was read with the wrong length",
                self.offset
            )));
        }
        match block.crc {
            Some(crc) if crc32fast::hash(data) != crc => Err(Error::corrupt(format!(
                "segment at file offset {}: block {b} fails its CRC32 check",
                self.offset
            ))),
            _ => Ok(()),
        }
    }

    /// Appends block `b`'s timestamps to `out`; `data` is the block's bytes
    /// (its [`Block::range`] of the payload).
    pub fn decode_block_ts(&self, b: usize, data: &[u8], out: &mut Vec<i64>) -> Result<()> {
        let block = &self.blocks[b];
        let chunk = data.get(..block.ts_end - block.start).ok_or_else(|| self.short_block(b))?;
        let before = out.len();
        codec::decode_timestamps(block.ts_codec, chunk, block.rows as usize, out)
            .map_err(|e| self.codec_error("timestamps", e))?;
        if out.len() != before + block.rows as usize {
            return Err(self.codec_error("timestamps", codec::CodecError("wrong value count".into())));
        }
        let got = &out[before..];
        if got[0] != block.first_ts
            || got[got.len() - 1] != block.last_ts
            // A fold rather than `any`: no early exit, so it vectorizes.
            || !ascending(got)
        {
            return Err(Error::corrupt(format!(
                "segment at file offset {}: timestamps disagree with the header's range or order",
                self.offset
            )));
        }
        Ok(())
    }

    /// The step of block `b`'s timestamps when its chunk (`data` is the
    /// block's bytes) says they are one regular run that agrees with the
    /// directory: `first_ts + i * step` for each row `i`, ascending, ending
    /// at `last_ts`. They then need no decoding. `None` otherwise: decode
    /// them with [`Self::decode_block_ts`], which checks them.
    #[cfg(feature = "aggregate")] // only aggregation skips decoding timestamps
    pub fn block_ts_step(&self, b: usize, data: &[u8]) -> Option<i64> {
        let block = &self.blocks[b];
        let chunk = data.get(..block.ts_end - block.start)?;
        let (first, step) = codec::regular_timestamps(block.ts_codec, chunk, block.rows as usize)?;
        let span = step.checked_mul(i64::from(block.rows) - 1)?;
        (step > 0 && first == block.first_ts && first.checked_add(span) == Some(block.last_ts))
            .then_some(step)
    }

    /// [`Self::block_ts_step`] of a classic segment read whole (its one
    /// block); `None` for a blocked one.
    #[cfg(feature = "aggregate")] // only aggregation skips decoding timestamps
    pub fn ts_step(&self) -> Option<i64> {
        let [block] = &self.blocks[..] else { return None };
        self.block_ts_step(0, self.payload_bytes(block.range()).ok()?)
    }

    /// Appends column `col`'s values of block `b` to `out`; `data` is the
    /// block's bytes.
    pub fn decode_block_column(&self, b: usize, col: usize, data: &[u8], out: &mut Vec<f64>) -> Result<()> {
        let block = &self.blocks[b];
        let (stats, at) = &self.block_columns[b * self.columns.len() + col];
        let from = at - block.start;
        let chunk = data.get(from..from + stats.byte_len as usize).ok_or_else(|| self.short_block(b))?;
        let before = out.len();
        let shared = if matches!(stats.codec, codec::id::DICT_SHARED | codec::id::DICT_SHARED_ENTROPY) {
            self.shared_dict(col)?
        } else {
            None
        };
        codec::decode_values_shared(stats.codec, chunk, block.rows as usize, shared, out)
            .map_err(|e| self.codec_error("values", e))?;
        if out.len() != before + block.rows as usize {
            return Err(self.codec_error("values", codec::CodecError("wrong value count".into())));
        }
        Ok(())
    }

    /// Appends the rows of blocks `blocks` (consecutive) to `ts` and `cols`
    /// (one vector per column); `data` holds their bytes and starts at
    /// payload offset `data_at` (as the query's block reads return them).
    pub fn decode_blocks(
        &self,
        blocks: std::ops::Range<usize>,
        data: &[u8],
        data_at: usize,
        ts: &mut Vec<i64>,
        cols: &mut [Vec<f64>],
    ) -> Result<()> {
        for b in blocks {
            let bytes = self.block_bytes(b, data, data_at)?;
            self.decode_block_ts(b, bytes, ts)?;
            for (c, col) in cols.iter_mut().enumerate() {
                self.decode_block_column(b, c, bytes, col)?;
            }
        }
        Ok(())
    }

    /// Block `b`'s bytes within `data`, which starts at payload offset
    /// `data_at` (as the query's block reads return them).
    pub fn block_bytes<'d>(&self, b: usize, data: &'d [u8], data_at: usize) -> Result<&'d [u8]> {
        let r = self.blocks[b].range();
        r.start
            .checked_sub(data_at)
            .and_then(|from| data.get(from..r.end - data_at))
            .ok_or_else(|| self.short_block(b))
    }

    /// Appends the segment's timestamps to `out` (needs the whole payload).
    pub fn decode_ts(&self, out: &mut Vec<i64>) -> Result<()> {
        for (b, block) in self.blocks.iter().enumerate() {
            let data = self.payload_bytes(block.range())?;
            self.decode_block_ts(b, data, out)?;
        }
        Ok(())
    }

    /// Appends column `col`'s values to `out` (needs the whole payload).
    pub fn decode_column(&self, col: usize, out: &mut Vec<f64>) -> Result<()> {
        for (b, block) in self.blocks.iter().enumerate() {
            let data = self.payload_bytes(block.range())?;
            self.decode_block_column(b, col, data, out)?;
        }
        Ok(())
    }

    /// Column `col`'s shared dictionary, if it has one, decoded once per
    /// view.
    fn shared_dict(&self, col: usize) -> Result<Option<&[f64]>> {
        let range = self.preludes[col].clone();
        if range.is_empty() {
            return Ok(None);
        }
        let rows = self.rows as usize;
        let dict = self.dicts[col]
            .get_or_init(|| self.payload.get(range).and_then(|p| codec::decode_shared_dict(p, rows).ok()));
        match dict {
            Some(d) => Ok(Some(d)),
            None => Err(Error::corrupt(format!(
                "segment at file offset {}: column {col}'s shared dictionary does not decode",
                self.offset
            ))),
        }
    }

    /// Bytes of column `col`'s shared dictionary (0 if none).
    pub fn prelude_len(&self, col: usize) -> usize {
        self.preludes[col].len()
    }

    fn short_block(&self, b: usize) -> Error {
        Error::corrupt(format!("segment at file offset {}: block {b}'s bytes were not read", self.offset))
    }

    fn codec_error(&self, what: &str, e: codec::CodecError) -> Error {
        Error::corrupt(format!("segment at file offset {}: cannot decode {what}: {e}", self.offset))
    }
}

/// Whether `ts` ascends (ties allowed). Every pair is compared, with no
/// early exit, so the loop vectorizes: with AVX2 where the CPU has it, since
/// baseline x86-64 has no 64-bit vector compare (the scalar loop was 4% of
/// a minutely aggregation's time).
fn ascending(ts: &[i64]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { ascending_avx2(ts) };
    }
    ascending_portable(ts)
}

#[inline(always)]
fn ascending_portable(ts: &[i64]) -> bool {
    let later = ts.get(1..).unwrap_or_default();
    !ts.iter().zip(later).fold(false, |bad, (a, b)| bad | (a > b))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn ascending_avx2(ts: &[i64]) -> bool {
    ascending_portable(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Level;

    /// The order check, dispatched and portable: ties pass, and one pair out
    /// of order fails wherever it lies (in the vector body or the tail),
    /// including pairs whose difference overflows.
    #[test]
    fn ascending_finds_any_pair_out_of_order() {
        let check = |v: &[i64], want: bool| {
            assert_eq!(ascending(v), want, "{v:?}");
            assert_eq!(ascending_portable(v), want, "{v:?}");
        };
        check(&[], true);
        check(&[5], true);
        check(&[i64::MIN, i64::MAX], true);
        check(&[i64::MAX, i64::MIN], false);
        for n in [2usize, 3, 7, 8, 9, 33, 1024] {
            let v: Vec<i64> = (0..n as i64).map(|i| i / 3 * 1000 - 7000).collect();
            check(&v, true);
            for at in 1..n {
                let mut w = v.clone();
                w[at] = w[at - 1] - 1;
                check(&w, false);
                w[at] = i64::MIN;
                check(&w, false);
            }
        }
    }

    #[test]
    fn encode_parse_decode_round_trip_with_stats() {
        let ts = [1i64, 2, 2, 10];
        let a = [1.5, f64::NAN, -3.0, 2.0];
        let b = [-0.0, 0.0, f64::INFINITY, 7.0];
        let mut payload = Vec::new();
        encode_segment(9, &ts, &[&a, &b], Level::Hot, &mut payload);
        let v = SegmentView::parse(&payload, 1000).unwrap();
        assert_eq!((v.table_id, v.rows, v.min_ts, v.max_ts, v.ncols()), (9, 4, 1, 10, 2));
        let s = v.column_stats(0);
        assert_eq!((s.min, s.max, s.sum, s.first, s.last, s.nan_count), (-3.0, 2.0, 0.5, 1.5, 2.0, 1));
        let mut t = Vec::new();
        v.decode_ts(&mut t).unwrap();
        assert_eq!(t, ts);
        let mut col = vec![42.0];
        v.decode_column(1, &mut col).unwrap();
        let bits: Vec<u64> = col.iter().map(|x| x.to_bits()).collect();
        let want: Vec<u64> =
            [42.0, -0.0, 0.0, f64::INFINITY, 7.0].iter().map(|x: &f64| x.to_bits()).collect();
        assert_eq!(bits, want);
    }

    #[test]
    fn damaged_header_is_corrupt_not_a_panic() {
        let ts = [5i64; 3];
        let a = [1.0; 3];
        let mut payload = Vec::new();
        encode_segment(1, &ts, &[&a], Level::Hot, &mut payload);
        for i in 0..payload.len() {
            let mut p = payload.clone();
            p[i] ^= 0x10;
            // Either the header check catches it, or it is in a chunk (the
            // record CRC's job) and decoding still must not panic.
            if let Ok(v) = SegmentView::parse(&p, 0) {
                let _ = v.decode_ts(&mut Vec::new());
                let _ = v.decode_column(0, &mut Vec::new());
            }
        }
        for len in 0..payload.len() {
            assert!(SegmentView::parse(&payload[..len], 0).is_err());
        }
    }

    #[test]
    fn a_header_prefix_gives_the_statistics_and_refuses_to_decode() {
        let ts = [1i64, 2, 3];
        let a = [1.0, 2.5, 4.0];
        let mut payload = Vec::new();
        encode_segment(3, &ts, &[&a], Level::Hot, &mut payload);
        let h = header_len(1);
        let v = SegmentView::parse_prefix(&payload[..h], payload.len(), 64).unwrap();
        assert_eq!((v.table_id, v.rows, v.min_ts, v.max_ts), (3, 3, 1, 3));
        assert_eq!(v.column_stats(0), SegmentView::parse(&payload, 64).unwrap().column_stats(0));
        assert_eq!(v.ts_bytes() + v.column_stats(0).byte_len as usize, payload.len() - h);
        let err = v.decode_ts(&mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corrupt);
        assert!(err.to_string().contains("file offset 64: the chunks were not read"), "{err}");
        assert_eq!(v.decode_column(0, &mut Vec::new()).unwrap_err().kind(), crate::ErrorKind::Corrupt);
        // The header alone must be there, and the chunk lengths must add up
        // to the payload length the caller gives.
        assert!(SegmentView::parse_prefix(&payload[..h - 1], payload.len(), 64).is_err());
        assert!(SegmentView::parse_prefix(&payload[..h], payload.len() + 1, 64).is_err());
        assert!(SegmentView::parse_prefix(&payload[..h], h - 1, 64).is_err());
    }

    /// A segment of 1 Hz rows long enough for the blocked layout.
    fn blocked_payload() -> (Vec<i64>, Vec<f64>, Vec<u8>) {
        let ts: Vec<i64> = (0..20_000i64).map(|i| 1_000_000 + i * 1000).collect();
        let a: Vec<f64> =
            (0..20_000).map(|i| if i % 97 == 0 { f64::NAN } else { (i % 300) as f64 * 0.5 }).collect();
        let mut payload = Vec::new();
        encode_segment(4, &ts, &[&a], Level::Hot, &mut payload);
        (ts, a, payload)
    }

    #[test]
    fn blocked_segments_decode_whole_and_block_by_block() {
        let (ts, a, payload) = blocked_payload();
        let v = SegmentView::parse(&payload, 0).unwrap();
        assert!(v.is_blocked());
        assert!(v.blocks().len() >= 5, "{}", v.blocks().len());
        let mut t = Vec::new();
        v.decode_ts(&mut t).unwrap();
        assert_eq!(t, ts);
        let mut col = Vec::new();
        v.decode_column(0, &mut col).unwrap();
        assert_eq!(
            col.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            a.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        // Each block alone, from its own bytes, with its statistics.
        for (b, blk) in v.blocks().iter().enumerate() {
            let bytes = &payload[blk.range()];
            v.check_block(b, bytes).unwrap();
            let (mut t, mut c) = (Vec::new(), Vec::new());
            v.decode_block_ts(b, bytes, &mut t).unwrap();
            v.decode_block_column(b, 0, bytes, &mut c).unwrap();
            let rows = blk.row_start as usize..(blk.row_start + blk.rows) as usize;
            assert_eq!(t, ts[rows.clone()]);
            let s = v.block_column_stats(b, 0);
            let want = column_stats(&a[rows], s.codec, s.byte_len);
            assert_eq!(s.nan_count, want.nan_count);
            assert_eq!((s.min, s.max, s.sum), (want.min, want.max, want.sum));
        }
        let whole = v.column_stats(0);
        let want = column_stats(&a, 0, 0);
        assert_eq!((whole.min, whole.max, whole.nan_count), (want.min, want.max, want.nan_count));
        assert!((whole.sum - want.sum).abs() < 1e-6);
        // The header and directory alone give the statistics and blocks.
        let head = SegmentView::prefix_len(&payload).unwrap();
        let p = SegmentView::parse_prefix(&payload[..head], payload.len(), 0).unwrap();
        assert_eq!(p.blocks(), v.blocks());
        assert!(p.decode_ts(&mut Vec::new()).is_err());
        assert!(SegmentView::parse_prefix(&payload[..head - 1], payload.len(), 0).is_err());
    }

    #[test]
    fn damaged_blocked_segments_are_corrupt_not_a_panic() {
        let (_, _, payload) = blocked_payload();
        let head = SegmentView::prefix_len(&payload).unwrap();
        // Every byte of the header and directory, then a sample of the blocks.
        let positions = (0..head).chain((head..payload.len()).step_by(37));
        for i in positions {
            let mut p = payload.clone();
            p[i] ^= 0x08;
            match SegmentView::parse(&p, 0) {
                Err(_) => assert!(i < head, "byte {i} of a block failed the parse"),
                Ok(v) => {
                    assert!(i >= head, "damage at byte {i} of the header or directory went unnoticed");
                    // Inside a block: its CRC says so; decoding must not panic.
                    let bad = v.blocks().iter().position(|b| b.range().contains(&i)).unwrap();
                    assert!(v.check_block(bad, &p[v.blocks()[bad].range()]).is_err());
                    let _ = v.decode_ts(&mut Vec::new());
                    let _ = v.decode_column(0, &mut Vec::new());
                }
            }
        }
    }

    #[test]
    fn a_column_of_few_values_shares_one_dictionary_across_blocks() {
        let ts: Vec<i64> = (0..20_000i64).map(|i| 1_000_000 + i * 1000).collect();
        // 300 distinct high-precision values: a dictionary, stored once.
        let a: Vec<f64> = (0..20_000u64).map(|i| ((i * 7919) % 300) as f64 * std::f64::consts::PI).collect();
        let mut payload = Vec::new();
        encode_segment(4, &ts, &[&a], Level::Hot, &mut payload);
        let v = SegmentView::parse(&payload, 0).unwrap();
        assert!(v.is_blocked() && v.prelude_len(0) > 0);
        assert!((0..v.blocks().len()).all(|b| {
            matches!(
                v.block_column_stats(b, 0).codec,
                codec::id::DICT_SHARED | codec::id::DICT_SHARED_ENTROPY
            )
        }));
        let mut col = Vec::new();
        v.decode_column(0, &mut col).unwrap();
        assert_eq!(col, a);
        // A block decodes alone from its bytes and the header + directory.
        let head = SegmentView::prefix_len(&payload).unwrap();
        let p = SegmentView::parse_prefix(&payload[..head], payload.len(), 0).unwrap();
        let last = p.blocks().len() - 1;
        let blk = p.blocks()[last];
        let mut got = Vec::new();
        p.decode_block_column(last, 0, &payload[blk.range()], &mut got).unwrap();
        assert_eq!(got, a[blk.row_start as usize..]);
        // Smaller than a dictionary per block (by the dictionaries).
        let mut per_block = 0;
        for b in v.blocks() {
            let mut out = Vec::new();
            codec::encode_values(
                &a[b.row_start as usize..(b.row_start + b.rows) as usize],
                Level::Hot,
                &mut out,
            );
            per_block += out.len();
        }
        assert!(payload.len() * 5 < per_block * 4, "{} vs {per_block}", payload.len());
    }
}
