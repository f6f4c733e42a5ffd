//! Segments: one table's rows, sorted by timestamp, stored column by column.
//!
//! Bytes of a segment record's payload (header, column descriptors,
//! chunks): SPEC.md §3.2 "Segment (type 2)".
//!
//! The header has its own CRC so statistics can be trusted without reading
//! (and checksumming) the chunks; the record CRC covers everything.

mod blocks;
mod reader;
mod writer;

#[cfg(feature = "aggregate")]
pub use reader::Block;
pub use reader::SegmentView;
#[cfg(test)]
pub use writer::encode_segment;
pub use writer::{SegmentLimits, write_segment_records};
pub(crate) use writer::{column_stats, merge_stats};

/// Bytes before the column descriptors.
pub const FIXED_HEADER_LEN: usize = 40;
/// Bytes per column descriptor.
pub const COLUMN_DESC_LEN: usize = 56;
/// Flag bit: rows are sorted by timestamp.
pub const FLAG_SORTED: u16 = 1;
/// Flag bit (format 3): the blocked layout, a directory of independently
/// encoded blocks after the header (SPEC.md §3.2.1).
pub const FLAG_BLOCKS: u16 = 2;
/// Directory bytes per block before its column entries.
pub const BLOCK_FIXED_LEN: usize = 29;
/// Directory bytes per block and column.
pub const BLOCK_COLUMN_LEN: usize = 49;

/// Header length for `ncols` columns, CRC included.
pub fn header_len(ncols: usize) -> usize {
    FIXED_HEADER_LEN + COLUMN_DESC_LEN * ncols + 4
}

/// Directory length of `blocks` blocks of `ncols` columns, CRC included.
pub fn directory_len(blocks: usize, ncols: usize) -> usize {
    blocks * (BLOCK_FIXED_LEN + BLOCK_COLUMN_LEN * ncols) + 4
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
