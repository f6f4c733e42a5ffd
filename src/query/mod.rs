//! Range reads: index -> segment reader -> codec -> columns.
//!
//! A query works on a [`Snapshot`] taken under the database's read lock
//! (an `Arc` of the file mapping, an `Arc` of the segment list and a copy of
//! the matching unflushed rows), so decoding runs without holding any lock
//! and concurrent appends or flushes never disturb it.

use std::sync::Arc;

use memmap2::Mmap;

use crate::error::{Error, Result};
use crate::format::record::{RecordType, parse_header, verified_payload};
use crate::segment::{SegmentMeta, SegmentView};
use crate::table::stable_order;

/// Everything a range read needs, detached from the engine's lock.
pub struct Snapshot {
    pub table: String,
    pub ncols: usize,
    pub map: Arc<Mmap>,
    pub segments: Arc<Vec<SegmentMeta>>,
    /// Unflushed rows inside the range, in append order.
    pub mem_ts: Vec<i64>,
    pub mem_cols: Vec<Vec<f64>>,
    pub max_record_size: u32,
}

/// Rows of one table in a time range, sorted by timestamp.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    pub ts: Vec<i64>,
    pub columns: Vec<Vec<f64>>,
}

/// Maps and checks one segment record: its framing, its CRC, its header.
pub fn open_segment<'a>(
    map: &'a [u8],
    meta: &SegmentMeta,
    max_record_size: u32,
) -> Result<SegmentView<'a>> {
    let rec = parse_header(map, meta.offset, max_record_size).map_err(|p| {
        Error::corrupt(format!(
            "segment record at file offset {}: {p:?}",
            meta.offset
        ))
    })?;
    if rec.kind != RecordType::Segment || rec.payload_len != meta.payload_len {
        return Err(Error::corrupt(format!(
            "file offset {} holds a {:?} record of {} bytes where the index expects a segment of {} bytes",
            meta.offset, rec.kind, rec.payload_len, meta.payload_len
        )));
    }
    let payload = verified_payload(map, &rec)?;
    SegmentView::parse(payload, meta.offset)
}

/// Reads rows with `start_ms <= ts <= end_ms` (inclusive at both ends),
/// sorted by timestamp; equal timestamps keep append order.
pub fn read_range(snap: &Snapshot, start_ms: i64, end_ms: i64) -> Result<Columns> {
    let hits: Vec<&SegmentMeta> = snap
        .segments
        .iter()
        .filter(|s| s.overlaps(start_ms, end_ms))
        .collect();
    let capacity = hits.iter().map(|s| s.rows as usize).sum::<usize>() + snap.mem_ts.len();
    let mut out = Columns {
        ts: Vec::with_capacity(capacity),
        columns: (0..snap.ncols)
            .map(|_| Vec::with_capacity(capacity))
            .collect(),
    };
    // Runs appended so far are each sorted; `ordered` stays true while each
    // run starts at or after the previous run's end, so the concatenation
    // is already the answer and no merge is needed.
    let mut ordered = true;
    for meta in hits {
        let view = open_segment(&snap.map, meta, snap.max_record_size)?;
        if view.table_id != meta.table_id || view.ncols() != snap.ncols {
            return Err(Error::corrupt(format!(
                "segment at file offset {} does not belong to table {:?}",
                meta.offset, snap.table
            )));
        }
        let base = out.ts.len();
        let prev = out.ts.last().copied();
        view.decode_ts(&mut out.ts)?;
        let seg_ts = &out.ts[base..];
        let lo = seg_ts.partition_point(|&t| t < start_ms);
        let hi = seg_ts.partition_point(|&t| t <= end_ms);
        for (c, col) in out.columns.iter_mut().enumerate() {
            view.decode_column(c, col)?;
            cut(col, base, lo, hi);
        }
        cut(&mut out.ts, base, lo, hi);
        if let (Some(prev), Some(&first)) = (prev, out.ts.get(base)) {
            ordered &= prev <= first;
        }
    }
    if !snap.mem_ts.is_empty() {
        if let (Some(&prev), Some(&first)) = (out.ts.last(), snap.mem_ts.first()) {
            ordered &= prev <= first;
        }
        ordered &= snap.mem_ts.windows(2).all(|w| w[0] <= w[1]);
        out.ts.extend_from_slice(&snap.mem_ts);
        for (col, src) in out.columns.iter_mut().zip(&snap.mem_cols) {
            col.extend_from_slice(src);
        }
    }
    if !ordered {
        let perm = stable_order(&out.ts);
        out.ts = perm.iter().map(|&i| out.ts[i as usize]).collect();
        for col in &mut out.columns {
            *col = perm.iter().map(|&i| col[i as usize]).collect();
        }
    }
    Ok(out)
}

/// Keeps only `v[base + lo .. base + hi]` of the values after `base`.
fn cut<T>(v: &mut Vec<T>, base: usize, lo: usize, hi: usize) {
    v.truncate(base + hi);
    if lo > 0 {
        v.drain(base..base + lo);
    }
}
