//! The integrity check behind [`crate::NanoTsDb::verify`] (SQLite's
//! `integrity_check`): every record's framing and checksum, every live
//! segment decoded in full, and the index and segment statistics checked
//! against the decoded data.

use std::collections::HashSet;

use super::report::{Problem, VerifyReport};
use super::state::State;
use crate::format::record::{RecordType, crc_matches, parse_header};
use crate::segment::{ColumnStats, SegmentMeta, column_stats, merge_stats};

/// Checks everything committed up to `st.end()`. Reads only: the caller
/// holds the state lock for its duration, so nothing moves underneath.
pub fn verify(st: &State) -> VerifyReport {
    let mut report = VerifyReport::default();
    let map: &[u8] = st.map();
    let end = st.end().min(map.len() as u64);
    if (map.len() as u64) < st.end() {
        report.problems.push(Problem::file(
            map.len() as u64,
            format!("the file ends at {} but its last commit ends at {}", map.len(), st.end()),
        ));
    }
    let mut pos = st.header().layout().data_start;
    let mut segment_records = HashSet::new();
    let mut checkpoint_seen = st.checkpoint_offset() == 0;
    while pos < end {
        let rec = match parse_header(map, pos) {
            Ok(rec) if rec.end() <= end => rec,
            Ok(_) => {
                report.problems.push(Problem::file(pos, "record crosses the committed end"));
                break;
            }
            Err(p) => {
                report.problems.push(Problem::file(
                    pos,
                    format!("unreadable record ({p:?}); the rest of the file cannot be walked"),
                ));
                break;
            }
        };
        report.records += 1;
        if !crc_matches(map, &rec) {
            report.problems.push(Problem::file(pos, format!("{:?} record fails its CRC32 check", rec.kind)));
        }
        if rec.kind == RecordType::Segment {
            segment_records.insert(rec.offset);
        }
        if rec.offset == st.checkpoint_offset() {
            checkpoint_seen = rec.kind == RecordType::Checkpoint;
        }
        pos = rec.end();
    }
    if !checkpoint_seen {
        report.problems.push(Problem::file(
            st.checkpoint_offset(),
            "the newest checkpoint the index names is not a checkpoint record",
        ));
    }
    for t in st.tables() {
        for meta in t.segments.iter() {
            if !segment_records.contains(&meta.offset) {
                report.problems.push(Problem::file(
                    meta.offset,
                    format!(
                        "table {:?}: the index names a segment where no segment record starts",
                        t.def.name
                    ),
                ));
                continue;
            }
            if meta.table_id != t.def.id {
                report.problems.push(Problem::file(meta.offset, "segment indexed under another table"));
            }
            check_segment(map, meta, t.def.columns.len(), &mut report);
        }
        for tomb in t.tombstones.iter() {
            if tomb.offset >= end || tomb.start_ms > tomb.end_ms {
                report.problems.push(Problem::file(tomb.offset, "implausible delete in the index"));
            }
        }
    }
    report
}

/// Whether stored statistics `a` agree with `b`, those of the decoded
/// `values`: bit for bit (any NaN equals any NaN), but for the sum, whose
/// rounding is the writer's (SPEC.md §3.2: format 1 added the values in row
/// order, later writers in four lanes), so it may differ by what any order
/// of adding `n` values can: `n · ε · Σ|v|`.
fn same_stats(a: &ColumnStats, b: &ColumnStats, values: &[f64]) -> bool {
    let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    let close =
        |x: f64, y: f64| same(x, y) || (x - y).abs() <= values.len() as f64 * f64::EPSILON * abs_sum(values);
    same(a.min, b.min)
        && same(a.max, b.max)
        && close(a.sum, b.sum)
        && same(a.first, b.first)
        && same(a.last, b.last)
        && a.nan_count == b.nan_count
}

/// Sum of the magnitudes of the non-NaN values.
fn abs_sum(values: &[f64]) -> f64 {
    values.iter().filter(|v| !v.is_nan()).map(|v| v.abs()).sum()
}

/// Decodes one segment in full and checks it against its index entry and
/// its own statistics.
fn check_segment(map: &[u8], meta: &SegmentMeta, ncols: usize, report: &mut VerifyReport) {
    let problem =
        |report: &mut VerifyReport, msg: String| report.problems.push(Problem::file(meta.offset, msg));
    let view = match crate::query::open_segment(map, meta, true) {
        Ok(v) => v,
        Err(e) => return problem(report, e.message().to_owned()),
    };
    report.segments += 1;
    report.rows += u64::from(meta.rows);
    if view.ncols() != ncols {
        return problem(report, format!("segment has {} columns, its table {ncols}", view.ncols()));
    }
    let mut ts = Vec::new();
    if let Err(e) = view.decode_ts(&mut ts) {
        return problem(report, e.message().to_owned());
    }
    let mut values = Vec::new();
    for c in 0..ncols {
        values.clear();
        if let Err(e) = view.decode_column(c, &mut values) {
            problem(report, e.message().to_owned());
            continue;
        }
        // Each block's statistics against its values, then the segment's
        // against its blocks' (the classic layout's one block is the
        // segment: its statistics are the header's).
        let mut actual = Vec::with_capacity(view.blocks().len());
        for (b, block) in view.blocks().iter().enumerate() {
            let stored = view.block_column_stats(b, c);
            let rows = &values[block.row_start as usize..(block.row_start + block.rows) as usize];
            let got = column_stats(rows, stored.codec, stored.byte_len);
            if view.is_blocked() && !same_stats(stored, &got, rows) {
                problem(
                    report,
                    format!("column {c}, block {b}: statistics disagree with the decoded values"),
                );
            }
            actual.push(got);
        }
        let whole = if view.is_blocked() { merge_stats(actual.iter()) } else { actual[0] };
        if !same_stats(view.column_stats(c), &whole, &values) {
            problem(report, format!("column {c}: statistics disagree with the decoded values"));
        }
    }
}
