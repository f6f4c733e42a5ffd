//! Reading a segment in place, from the mapped file.

use super::*;
use crate::codec;
use crate::error::{Error, Result};
use crate::format::bytes::{ByteReader, le_u32};
use crate::format::record::RECORD_HEADER_LEN;

/// A parsed, header-checked view of one segment's payload.
pub struct SegmentView<'a> {
    payload: &'a [u8],
    /// File offset of the record (for messages).
    offset: u64,
    pub table_id: u32,
    pub rows: u32,
    pub min_ts: i64,
    pub max_ts: i64,
    ts_codec: u8,
    ts_range: (usize, usize),
    columns: Vec<(ColumnStats, usize)>,
}

impl<'a> SegmentView<'a> {
    /// Parses the payload of the segment record at file offset `offset`.
    /// Checks the header CRC and that every chunk lies inside the payload;
    /// the caller has checked the record CRC when it needs the chunks.
    pub fn parse(payload: &'a [u8], offset: u64) -> Result<SegmentView<'a>> {
        Self::parse_prefix(payload, payload.len(), offset)
    }

    /// Like [`Self::parse`], where `payload` may be only the start of a
    /// payload of `payload_len` bytes, as long as it holds the header: the
    /// header is checked the same way (CRC, fields, chunk lengths adding up
    /// to `payload_len`). Its statistics can be read without the chunks; a
    /// chunk past the end of `payload` cannot be decoded (`Corrupt`, never a
    /// panic).
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
        {
            return Err(corrupt("implausible row count, timestamp range or flags"));
        }
        let ts_codec = r.u8()?;
        r.skip(3)?;
        let ts_len = r.u32()? as usize;
        // Chunk lengths are summed with checks: on a 32-bit target, lengths
        // near u32::MAX in a damaged header would overflow `usize`.
        let too_long = || corrupt("chunk lengths do not add up to the payload length");
        let mut at = hlen;
        let ts_end = at.checked_add(ts_len).ok_or_else(too_long)?;
        let ts_range = (at, ts_end);
        at = ts_end;
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let codec = r.u8()?;
            r.skip(3)?;
            let byte_len = r.u32()?;
            let stats = ColumnStats {
                codec,
                byte_len,
                min: r.f64()?,
                max: r.f64()?,
                sum: r.f64()?,
                first: r.f64()?,
                last: r.f64()?,
                nan_count: r.u32()?,
            };
            r.skip(4)?;
            columns.push((stats, at));
            at = at.checked_add(byte_len as usize).ok_or_else(too_long)?;
        }
        r.finish()?;
        if columns.iter().any(|(s, _)| s.nan_count > rows) {
            return Err(corrupt("a column counts more NaN values than the segment has rows"));
        }
        if at != payload_len {
            return Err(too_long());
        }
        Ok(SegmentView { payload, offset, table_id, rows, min_ts, max_ts, ts_codec, ts_range, columns })
    }

    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    pub fn column_stats(&self, col: usize) -> &ColumnStats {
        &self.columns[col].0
    }

    pub fn ts_codec(&self) -> u8 {
        self.ts_codec
    }

    pub fn ts_bytes(&self) -> usize {
        self.ts_range.1 - self.ts_range.0
    }

    /// The bytes of a chunk; `Corrupt` if the view holds only a prefix of
    /// the payload that ends before it (see [`Self::parse_prefix`]).
    fn chunk(&self, what: &str, range: std::ops::Range<usize>) -> Result<&'a [u8]> {
        self.payload.get(range).ok_or_else(|| {
            Error::corrupt(format!("segment at file offset {}: the {what} chunk was not read", self.offset))
        })
    }

    /// Appends the segment's timestamps to `out`.
    pub fn decode_ts(&self, out: &mut Vec<i64>) -> Result<()> {
        let data = self.chunk("timestamp", self.ts_range.0..self.ts_range.1)?;
        let before = out.len();
        codec::decode_timestamps(self.ts_codec, data, self.rows as usize, out)
            .map_err(|e| self.codec_error("timestamps", e))?;
        if out.len() != before + self.rows as usize {
            return Err(self.codec_error("timestamps", codec::CodecError("wrong value count".into())));
        }
        let got = &out[before..];
        if got[0] != self.min_ts || got[got.len() - 1] != self.max_ts || got.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::corrupt(format!(
                "segment at file offset {}: timestamps disagree with the header's range or order",
                self.offset
            )));
        }
        Ok(())
    }

    /// Appends column `col`'s values to `out`.
    pub fn decode_column(&self, col: usize, out: &mut Vec<f64>) -> Result<()> {
        let (stats, at) = &self.columns[col];
        let data = self.chunk("value", *at..*at + stats.byte_len as usize)?;
        let before = out.len();
        codec::decode_values(stats.codec, data, self.rows as usize, out)
            .map_err(|e| self.codec_error("values", e))?;
        if out.len() != before + self.rows as usize {
            return Err(self.codec_error("values", codec::CodecError("wrong value count".into())));
        }
        Ok(())
    }

    fn codec_error(&self, what: &str, e: codec::CodecError) -> Error {
        Error::corrupt(format!("segment at file offset {}: cannot decode {what}: {e}", self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Level;

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
        assert!(err.to_string().contains("file offset 64: the timestamp chunk was not read"), "{err}");
        assert_eq!(v.decode_column(0, &mut Vec::new()).unwrap_err().kind(), crate::ErrorKind::Corrupt);
        // The header alone must be there, and the chunk lengths must add up
        // to the payload length the caller gives.
        assert!(SegmentView::parse_prefix(&payload[..h - 1], payload.len(), 64).is_err());
        assert!(SegmentView::parse_prefix(&payload[..h], payload.len() + 1, 64).is_err());
        assert!(SegmentView::parse_prefix(&payload[..h], h - 1, 64).is_err());
    }
}
