//! Range reads: index -> segment reader -> codec -> columns.
//!
//! A query works on a [`Snapshot`] taken under the database's read lock
//! (an `Arc` of the file view, an `Arc` of the segment list and a copy of
//! the matching unflushed rows), so decoding runs without holding any lock
//! and concurrent appends or flushes never disturb it.
//!
//! Planning splits the segments that may hold rows of the range into
//! *groups*: runs of segments whose (range-clipped) time spans overlap.
//! Groups are disjoint in time and come out in order, so a group is the unit
//! of streaming: memory is bounded by the largest group, which is a single
//! segment unless rows were appended out of order across flushes. Segments
//! are read with `pread` into one buffer per reader ([`SegmentReads`]), never
//! through the mapping, so no page of the file stays resident behind the
//! cursor: a streaming read's resident set does not grow with the file.

#[cfg(feature = "aggregate")]
pub mod aggregate;
pub(crate) mod latest;
mod merge;
mod reads;
pub mod stats;

pub use reads::{SegmentReads, open_segment};

use std::collections::VecDeque;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::io::FileView;
use crate::segment::{SegmentMeta, SegmentView};
use crate::table::Tombstone;

/// Everything a range read needs, detached from the engine's lock.
pub struct Snapshot {
    pub table: String,
    pub columns: Vec<String>,
    pub map: Arc<FileView>,
    pub segments: Arc<Vec<SegmentMeta>>,
    /// Deletes to apply to the segments (not to `mem`, which is newer).
    pub tombstones: Arc<Vec<Tombstone>>,
    /// Unflushed rows inside the range, sorted by timestamp (stable).
    pub mem: Columns,
}

/// Rows of one table, sorted by timestamp: `columns[c][i]` is the value of
/// column `c` in row `i`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    /// Timestamps in ms, one per row, ascending (equal ones in append order).
    pub ts: Vec<i64>,
    /// One vector per value column, in the table's column order, each as
    /// long as `ts`.
    pub columns: Vec<Vec<f64>>,
}

impl Columns {
    /// Empty columns for `ncols` value columns.
    pub fn with_columns(ncols: usize, capacity: usize) -> Columns {
        Columns {
            ts: Vec::with_capacity(capacity),
            columns: (0..ncols).map(|_| Vec::with_capacity(capacity)).collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Removes every row, keeping the vectors' capacity.
    pub(crate) fn clear(&mut self) {
        self.ts.clear();
        self.columns.iter_mut().for_each(Vec::clear);
    }

    /// Appends rows `rows` of `src` (the same columns).
    pub(crate) fn extend_from(&mut self, src: &Columns, rows: std::ops::Range<usize>) {
        self.ts.extend_from_slice(&src.ts[rows.clone()]);
        for (col, from) in self.columns.iter_mut().zip(&src.columns) {
            col.extend_from_slice(&from[rows.clone()]);
        }
    }
}

/// One source of rows in a group.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    /// A segment and its index in the table's segment list (file order,
    /// which is append order; read by aggregation's first/last).
    Segment(#[cfg_attr(not(feature = "aggregate"), allow(dead_code))] usize, SegmentMeta),
    /// The snapshot's unflushed rows (always last in append order).
    Mem,
}

/// Reads a range group by group, in timestamp order.
pub struct RangeReader {
    pub(crate) snap: Snapshot,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    groups: VecDeque<Vec<Source>>,
    /// Rows the plan may return (an upper bound, for preallocation).
    pub max_rows: usize,
    /// The buffer segments are read into, reused from segment to segment.
    pub(crate) reads: SegmentReads,
    /// The rows of a block that starts before the range, decoded here and
    /// copied from the range's start, so the rows after it are decoded
    /// where they belong instead of moved down by a block's rows.
    first_block: Columns,
}

impl RangeReader {
    /// Plans a read of `start_ms <= ts <= end_ms` (inclusive at both ends).
    pub fn new(snap: Snapshot, start_ms: i64, end_ms: i64) -> RangeReader {
        // (clipped min, clipped max, append order, source)
        let mut spans: Vec<(i64, i64, usize, Source)> = snap
            .segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.overlaps(start_ms, end_ms) && !snap.tombstones.iter().any(|t| t.covers(s)))
            .map(|(i, s)| (s.min_ts.max(start_ms), s.max_ts.min(end_ms), i, Source::Segment(i, *s)))
            .collect();
        let mut max_rows: usize = spans
            .iter()
            .map(|s| match s.3 {
                Source::Segment(_, m) => m.rows as usize,
                Source::Mem => 0,
            })
            .sum();
        if let (Some(&lo), Some(&hi)) = (snap.mem.ts.first(), snap.mem.ts.last()) {
            spans.push((lo, hi, usize::MAX, Source::Mem));
            max_rows += snap.mem.len();
        }
        spans.sort_by_key(|s| (s.0, s.2));
        let mut groups: VecDeque<Vec<(usize, Source)>> = VecDeque::new();
        let mut group_end = i64::MIN;
        for (lo, hi, order, src) in spans {
            match groups.back_mut() {
                Some(g) if lo <= group_end => {
                    g.push((order, src));
                    group_end = group_end.max(hi);
                }
                _ => {
                    groups.push_back(vec![(order, src)]);
                    group_end = hi;
                }
            }
        }
        let groups = groups
            .into_iter()
            .map(|mut g| {
                // Within a group, concatenate in append (file) order so a
                // stable sort keeps equal timestamps in append order.
                g.sort_by_key(|(order, _)| *order);
                g.into_iter().map(|(_, s)| s).collect()
            })
            .collect();
        let first_block = Columns::with_columns(snap.columns.len(), 0);
        RangeReader { snap, start_ms, end_ms, groups, max_rows, reads: SegmentReads::default(), first_block }
    }

    /// The table's value column names.
    pub fn column_names(&self) -> &[String] {
        &self.snap.columns
    }

    /// Appends the next group's rows (sorted) to `out`. Returns `false` when
    /// every group has been read.
    pub fn read_group_into(&mut self, out: &mut Columns) -> Result<bool> {
        let Some(group) = self.groups.pop_front() else {
            return Ok(false);
        };
        let base = out.ts.len();
        // where each source's rows start, after `base`
        let mut starts = Vec::with_capacity(group.len());
        for src in &group {
            starts.push(out.ts.len() - base);
            match src {
                Source::Segment(_, meta) => self.decode_segment(meta, out)?,
                Source::Mem => {
                    let lo = self.snap.mem.ts.partition_point(|&t| t < self.start_ms);
                    let hi = self.snap.mem.ts.partition_point(|&t| t <= self.end_ms);
                    out.extend_from(&self.snap.mem, lo..hi);
                }
            }
        }
        if group.len() > 1 {
            merge::sort_runs(out, base, &starts);
        }
        Ok(true)
    }

    /// Takes the next group's sources (append order) off the plan.
    #[cfg(feature = "aggregate")]
    pub(crate) fn next_group(&mut self) -> Option<Vec<Source>> {
        self.groups.pop_front()
    }

    /// The earliest (range-clipped) timestamp the next group may hold.
    #[cfg(feature = "aggregate")]
    pub(crate) fn next_group_start(&self) -> Option<i64> {
        let g = self.groups.front()?;
        g.iter()
            .map(|s| match s {
                Source::Segment(_, m) => m.min_ts.max(self.start_ms),
                Source::Mem => self.snap.mem.ts.first().copied().unwrap_or(i64::MAX).max(self.start_ms),
            })
            .min()
    }

    /// Appends the rows of `meta` inside the range, deletes applied. A
    /// segment the range cuts decodes only the blocks the range meets.
    pub(crate) fn decode_segment(&mut self, meta: &SegmentMeta, out: &mut Columns) -> Result<()> {
        let ncols = out.columns.len();
        let base = out.ts.len();
        let inside = meta.min_ts >= self.start_ms && meta.max_ts <= self.end_ms;
        let decoded_blocks = !inside && {
            let (view, mut blocks) = self.reads.header_and_blocks(&self.snap.map, meta, ncols)?;
            if view.is_blocked() {
                let all = view.blocks();
                let b0 = all.partition_point(|b| b.last_ts < self.start_ms);
                let b1 = all.partition_point(|b| b.first_ts <= self.end_ms);
                if b0 < b1 {
                    let (data, at) = blocks.read(&view, b0..b1)?;
                    let mut rest = b0..b1;
                    if all[b0].first_ts < self.start_ms {
                        rest.start += 1;
                        let f = &mut self.first_block;
                        f.clear();
                        view.decode_blocks(b0..b0 + 1, data, at, &mut f.ts, &mut f.columns)?;
                        let from = f.ts.partition_point(|&t| t < self.start_ms);
                        out.extend_from(f, from..f.len());
                    }
                    view.decode_blocks(rest, data, at, &mut out.ts, &mut out.columns)?;
                }
            }
            view.is_blocked()
        };
        if !decoded_blocks {
            let view = self.segment_whole(meta, ncols)?;
            view.decode_ts(&mut out.ts)?;
            for (c, col) in out.columns.iter_mut().enumerate() {
                view.decode_column(c, col)?;
            }
        }
        self.keep_range_and_live(meta, out, base);
        Ok(())
    }

    /// Reads segment `meta` whole and checks it has the table's `ncols`
    /// value columns.
    pub(crate) fn segment_whole(&mut self, meta: &SegmentMeta, ncols: usize) -> Result<SegmentView<'_>> {
        let view = self.reads.segment(&self.snap.map, meta)?;
        if view.ncols() != ncols {
            return Err(Error::corrupt(format!(
                "segment at file offset {} has {} columns, table {:?} has {}",
                meta.offset,
                view.ncols(),
                self.snap.table,
                ncols
            )));
        }
        Ok(view)
    }

    /// Keeps, of the rows of `meta` appended to `out` after `base`, those
    /// inside the range and not deleted.
    pub(crate) fn keep_range_and_live(&self, meta: &SegmentMeta, out: &mut Columns, base: usize) {
        let seg_ts = &out.ts[base..];
        let lo = seg_ts.partition_point(|&t| t < self.start_ms);
        let hi = seg_ts.partition_point(|&t| t <= self.end_ms);
        for col in out.columns.iter_mut() {
            cut(col, base, lo, hi);
        }
        cut(&mut out.ts, base, lo, hi);
        let hits: Vec<&Tombstone> = self.snap.tombstones.iter().filter(|t| t.hits(meta)).collect();
        if !hits.is_empty() {
            remove_deleted(out, base, &hits);
        }
    }

    /// Reads every remaining group into one `Columns`.
    pub fn read_all(mut self) -> Result<Columns> {
        // The row counts come from the index; check each against its
        // segment's own (CRC-checked) header before allocating by their sum,
        // so a damaged index cannot ask for an absurd allocation.
        let metas = self.groups.iter().flatten().filter_map(|s| match s {
            Source::Segment(_, meta) => Some(*meta),
            Source::Mem => None,
        });
        self.reads.check_headers(&self.snap, metas)?;
        let mut out = Columns::with_columns(self.snap.columns.len(), self.max_rows);
        while self.read_group_into(&mut out)? {}
        Ok(out)
    }
}

/// Removes the rows after `base` whose timestamp a tombstone hides.
fn remove_deleted(out: &mut Columns, base: usize, hits: &[&Tombstone]) {
    let keep: Vec<bool> =
        out.ts[base..].iter().map(|&t| !hits.iter().any(|h| (h.start_ms..=h.end_ms).contains(&t))).collect();
    retain_tail(&mut out.ts, base, &keep);
    for col in &mut out.columns {
        retain_tail(col, base, &keep);
    }
}

fn retain_tail<T: Copy>(v: &mut Vec<T>, base: usize, keep: &[bool]) {
    let mut w = base;
    for (r, &k) in keep.iter().enumerate() {
        if k {
            v[w] = v[base + r];
            w += 1;
        }
    }
    v.truncate(w);
}

/// Keeps only `v[base + lo .. base + hi]` of the values after `base`.
fn cut<T>(v: &mut Vec<T>, base: usize, lo: usize, hi: usize) {
    v.truncate(base + hi);
    if lo > 0 {
        v.drain(base..base + lo);
    }
}
