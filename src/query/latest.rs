//! The newest rows of a table, read from the newest segments only.

use super::{Columns, RangeReader, SegmentReads, Snapshot};
use crate::error::Result;

/// The last `n` rows by timestamp (ties in append order), oldest first.
pub fn latest_n(snap: Snapshot, n: usize) -> Result<Columns> {
    let ncols = snap.columns.len();
    if n == 0 {
        return Ok(Columns::with_columns(ncols, 0));
    }
    let newest = snap.segments.iter().map(|s| s.max_ts).max();
    let mem_newest = snap.mem.ts.last().copied();
    // One row from a header: the newest segment (the last one in file
    // order if several share the newest timestamp) holds the answer when
    // no buffered row is as new and no delete touches it.
    if n == 1
        && let Some(max) = newest
        && mem_newest.is_none_or(|m| m < max)
    {
        let meta = snap.segments.iter().rfind(|s| s.max_ts == max).expect("max exists");
        if !snap.tombstones.iter().any(|t| t.hits(meta)) {
            let mut reads = SegmentReads::default();
            let view = reads.header(&snap.map, meta, ncols)?;
            return Ok(Columns {
                ts: vec![max],
                columns: (0..ncols).map(|c| vec![view.column_stats(c).last]).collect(),
            });
        }
    }
    let sub = || Snapshot {
        table: snap.table.clone(),
        columns: snap.columns.clone(),
        map: snap.map.clone(),
        segments: snap.segments.clone(),
        tombstones: snap.tombstones.clone(),
        mem: snap.mem.clone(),
    };
    // Every row at or after a cut is read, so if the rows read number at
    // least n, the newest n are among them. First cut: the newest blocks of
    // the newest segment (blocked layout) that hold n rows with the
    // buffered ones, so a small n decodes a block, not a segment.
    if let Some(max) = newest {
        let meta = snap.segments.iter().rfind(|s| s.max_ts == max).expect("max exists");
        let mut reads = SegmentReads::default();
        let view = reads.header(&snap.map, meta, ncols)?;
        let mut rows = snap.mem.len();
        let cut = view.blocks().iter().rev().find_map(|b| {
            rows += b.rows as usize;
            (rows >= n).then_some(b.first_ts)
        });
        if let Some(cut) = cut.filter(|_| view.is_blocked()) {
            let got = RangeReader::new(sub(), cut, i64::MAX).read_all()?;
            if got.len() >= n {
                return Ok(keep_last(got, n));
            }
        }
    }
    // Otherwise widen a cut from the newest segments down until it holds
    // n rows (deletes may hide some, hence the loop).
    let mut by_end: Vec<(i64, i64, u32)> =
        snap.segments.iter().map(|s| (s.max_ts, s.min_ts, s.rows)).collect();
    by_end.sort_unstable_by(|a, b| b.cmp(a));
    let mut want = n;
    loop {
        let mut rows = snap.mem.len();
        let mut cut = snap.mem.ts.first().copied().unwrap_or(i64::MAX);
        let mut all = true;
        for &(max_ts, min_ts, r) in &by_end {
            if rows >= want && max_ts < cut {
                all = false;
                break;
            }
            rows += r as usize;
            cut = cut.min(min_ts);
        }
        let start = if all { i64::MIN } else { cut };
        let got = RangeReader::new(sub(), start, i64::MAX).read_all()?;
        if got.len() >= n || all {
            return Ok(keep_last(got, n));
        }
        want = want.saturating_mul(2);
    }
}

/// The last `n` rows of `got`.
fn keep_last(mut got: Columns, n: usize) -> Columns {
    let skip = got.len().saturating_sub(n);
    got.ts.drain(..skip);
    for c in &mut got.columns {
        c.drain(..skip);
    }
    got
}
