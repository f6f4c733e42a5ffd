//! Segments: one table's rows, sorted by timestamp, stored column by column.
//!
//! Payload layout of a segment record (all little-endian; SPEC.md, "Segment"):
//!
//! ```text
//!  0  u32  table id
//!  4  u32  row count (>= 1)
//!  8  i64  min ts_ms
//! 16  i64  max ts_ms
//! 24  u16  ncols
//! 26  u16  flags (bit 0: rows sorted by ts_ms, stable; always set)
//! 28  u32  header length H = 44 + 56 * ncols
//! 32  timestamp chunk descriptor: u8 codec, [u8; 3] zero, u32 byte length
//! 40  ncols column descriptors, 56 bytes each:
//!       0 u8 codec, 1 [u8; 3] zero, 4 u32 byte length,
//!       8 f64 min, 16 f64 max   (NaN skipped; NaN when every value is NaN)
//!      24 f64 sum               (NaN skipped; 4 lanes by row index mod 4,
//!                                then (s0 + s1) + (s2 + s3))
//!      32 f64 first, 40 f64 last (values of the first and last row)
//!      48 u32 NaN count, 52 u32 zero
//! H-4 u32  CRC32 of the header bytes [0, H-4)
//!  H  timestamp chunk, then each column chunk in order
//! ```
//!
//! The header has its own CRC so statistics can be trusted without reading
//! (and checksumming) the chunks; the record CRC covers everything.

mod reader;
mod writer;

pub use reader::SegmentView;
pub(crate) use writer::column_stats;
#[cfg(test)]
pub use writer::encode_segment;
pub use writer::{SegmentLimits, write_segment_records};

/// Bytes before the column descriptors.
pub const FIXED_HEADER_LEN: usize = 40;
/// Bytes per column descriptor.
pub const COLUMN_DESC_LEN: usize = 56;
/// Flag bit: rows are sorted by timestamp.
pub const FLAG_SORTED: u16 = 1;

/// Header length for `ncols` columns, CRC included.
pub fn header_len(ncols: usize) -> usize {
    FIXED_HEADER_LEN + COLUMN_DESC_LEN * ncols + 4
}

/// Per-column statistics stored in the segment header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnStats {
    pub codec: u8,
    pub byte_len: u32,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub first: f64,
    pub last: f64,
    pub nan_count: u32,
}

/// What the index keeps of each segment: enough to plan a query without
/// touching the segment's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentMeta {
    /// File offset of the segment record (its framing header).
    pub offset: u64,
    pub payload_len: u32,
    pub table_id: u32,
    pub rows: u32,
    pub min_ts: i64,
    pub max_ts: i64,
}

impl SegmentMeta {
    /// Whether the segment may hold rows in `[start_ms, end_ms]` (inclusive).
    pub fn overlaps(&self, start_ms: i64, end_ms: i64) -> bool {
        self.min_ts <= end_ms && self.max_ts >= start_ms
    }
}
