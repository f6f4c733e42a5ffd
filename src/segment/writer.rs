//! Building a segment payload from sorted rows.

use super::*;
use crate::codec::{self, Level};
use crate::error::{Error, ErrorKind, Result};
use crate::format::bytes::ByteWriter;
use crate::format::record::{RecordType, frame};

/// How a run of rows is cut into segments.
#[derive(Debug, Clone, Copy)]
pub struct SegmentLimits {
    /// Most rows per segment.
    pub max_rows: usize,
    /// When set, no segment spans a multiple of this many ms: every segment
    /// lies inside one time partition `[k * p, (k + 1) * p)`.
    pub partition_ms: Option<i64>,
    /// The record cap; a segment too large for it is halved.
    pub max_record_size: u32,
}

/// Encodes sorted rows of table `table_id` as framed segment records within
/// `limits`, and hands each record to `write`, which returns the file offset
/// it was written at. Returns the index entries of the segments written.
pub fn write_segment_records(
    table_id: u32,
    ts: &[i64],
    columns: &[&[f64]],
    limits: SegmentLimits,
    level: Level,
    mut write: impl FnMut(&[u8]) -> Result<u64>,
) -> Result<Vec<SegmentMeta>> {
    let max_record_size = limits.max_record_size;
    let mut metas = Vec::new();
    let mut payload = Vec::new();
    let mut rec = Vec::new();
    let mut start = 0;
    let mut chunk = limits.max_rows.clamp(1, crate::format::MAX_SEGMENT_ROWS);
    while start < ts.len() {
        let mut end = (start + chunk).min(ts.len());
        if let Some(p) = limits.partition_ms {
            let part = ts[start].div_euclid(p);
            end = start + ts[start..end].partition_point(|t| t.div_euclid(p) == part);
        }
        let col_refs: Vec<&[f64]> = columns.iter().map(|c| &c[start..end]).collect();
        payload.clear();
        encode_segment(table_id, &ts[start..end], &col_refs, level, &mut payload);
        if payload.len() > max_record_size as usize {
            if end - start == 1 {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!(
                        "one row of table id {table_id} needs a {} byte segment, above the record size cap of {max_record_size} bytes",
                        payload.len()
                    ),
                ));
            }
            chunk = (end - start).div_ceil(2);
            continue;
        }
        rec.clear();
        frame(&mut rec, RecordType::Segment, &payload, max_record_size)?;
        let offset = write(&rec)?;
        metas.push(SegmentMeta {
            offset,
            payload_len: payload.len() as u32,
            table_id,
            rows: (end - start) as u32,
            min_ts: ts[start],
            max_ts: ts[end - 1],
        });
        start = end;
    }
    Ok(metas)
}

/// Encodes rows (`ts` sorted ascending, stable) of `table_id` into a segment
/// payload appended to `out`. `columns` each hold `ts.len()` values;
/// `ts.len()` is between 1 and `MAX_SEGMENT_ROWS` (callers split). A segment
/// of one block (see `blocks.rs`) is written in the classic layout, any
/// other in the blocked layout (SPEC.md §3.2).
pub fn encode_segment(table_id: u32, ts: &[i64], columns: &[&[f64]], level: Level, out: &mut Vec<u8>) {
    debug_assert!(!ts.is_empty() && ts.len() <= crate::format::MAX_SEGMENT_ROWS);
    debug_assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    debug_assert!(columns.iter().all(|c| c.len() == ts.len()));
    let ends = blocks::cut(ts);
    if ends.len() > 1 {
        let start = out.len();
        encode_blocked(table_id, ts, columns, &ends, level, out);
        // Data so compressible that the directory would be more than a
        // fifth of the segment (a counter, a constant) keeps the classic
        // layout: its blocks decode fast anyway, and the reference
        // workload (100,000 rows of `25.0 + i * 0.001` and `60.0`) would
        // spend 3.6 KB of directory on 1.3 KB of data.
        if directory_len(ends.len(), columns.len()) * 5 <= out.len() - start {
            return;
        }
        out.truncate(start);
    }
    encode_classic(table_id, ts, columns, level, out);
}

fn encode_classic(table_id: u32, ts: &[i64], columns: &[&[f64]], level: Level, out: &mut Vec<u8>) {
    let start = out.len();
    let hlen = header_len(columns.len());
    out.resize(start + hlen, 0);

    let ts_codec = codec::encode_timestamps(ts, out);
    let ts_len = (out.len() - start - hlen) as u32;
    let mut descs = Vec::with_capacity(columns.len());
    for col in columns {
        let before = out.len();
        let c = codec::encode_values(col, level, out);
        descs.push(column_stats(col, c, (out.len() - before) as u32));
    }
    let h = header_bytes(table_id, ts, FLAG_SORTED, ts_codec, ts_len, &descs, &vec![0; descs.len()]);
    out[start..start + hlen].copy_from_slice(&h);
}

/// One column's chunks over the blocks of a segment, as the writer builds
/// them.
struct ColumnBlocks {
    /// The column's shared dictionary, or empty (SPEC.md §3.2.1).
    prelude: Vec<u8>,
    /// The chunks, one after another; `chunks[b]` is block `b`'s range.
    bytes: Vec<u8>,
    chunks: Vec<std::ops::Range<usize>>,
    /// Per block: statistics, codec and chunk length.
    stats: Vec<ColumnStats>,
}

/// Encodes column `col` block by block (`bounds`: each block's rows). The
/// codec is chosen once, by the chooser's votes on up to four blocks, and every block
/// is encoded with it (a constant block as a constant; a block it cannot
/// represent with [`fallback`]'s codec, else with the chooser; a block of
/// a dictionary column whose segment has too many distinct values for one
/// dictionary, with its own): running the chooser on every block of a
/// few thousand rows would sample all of them, where a whole segment's
/// chooser samples a few percent. A dictionary is tried on the whole
/// column: one dictionary for the segment, its *prelude*, and each block
/// only its indices, kept when smaller. Per-block dictionaries would repeat
/// it in every block, and a sample of blocks misjudges a dictionary that
/// only pays over the whole segment (real series with a few thousand
/// distinct values: 1.4-4 times the bytes without it).
fn encode_column_blocks(col: &[f64], bounds: &[(usize, usize)], level: Level) -> ColumnBlocks {
    // The chooser on each of up to four blocks spread over the segment
    // (each block alone, as it will be encoded: a concatenation of distant
    // blocks has jumps no block has), and the codec most of them pick
    // (ties: the earlier block's). The first and the last block vote
    // first: when they agree, their codec wins whatever the two between
    // pick (at most a 2-2 tie, which the first block's pick wins), so
    // those two are not run (the chooser is most of a flush's cost).
    let picks = bounds.len().min(4);
    let mut scratch = Vec::new();
    // (codec, votes, the earliest block that picked it, that block)
    let mut votes: Vec<(u8, usize, usize, &[f64])> = Vec::with_capacity(picks);
    // (block index, its pick, the chooser's bytes for it)
    let mut picked: Vec<(usize, u8, Vec<u8>)> = Vec::with_capacity(picks);
    let order: &[usize] = if picks == 4 { &[0, 3, 1, 2] } else { &[0, 1, 2] };
    for (k, &p) in order.iter().take(picks).enumerate() {
        if k == 2 && votes.len() == 1 {
            break;
        }
        let block = p * (bounds.len() - 1) / (picks - 1).max(1);
        let (lo, hi) = bounds[block];
        let mut bytes = Vec::new();
        let id = codec::encode_values(&col[lo..hi], level, &mut bytes);
        picked.push((block, id, bytes));
        match votes.iter_mut().find(|v| v.0 == id) {
            Some(v) if p < v.2 => *v = (id, v.1 + 1, p, &col[lo..hi]),
            Some(v) => v.1 += 1,
            None => votes.push((id, 1, p, &col[lo..hi])),
        }
    }
    votes.sort_by_key(|v| v.2);
    let (mut chosen, _, _, sample) =
        votes.iter().fold(votes[0], |best, &v| if v.1 > best.1 { v } else { best });
    let mut tuning = codec::tune(chosen, sample, col[0]);
    // `base + i * step` series (affine) reproduce exactly only from their
    // first value: against the segment's, a block far from the start may
    // still be affine where the chooser, seeing that block alone, was not
    // (100,000 rows of `25.0 + i * 0.001`: 470 bytes a block instead of
    // 31). Kept when smaller on the sampled blocks.
    if chosen != codec::id::AFFINE {
        let affine = codec::tune(codec::id::AFFINE, sample, col[0]);
        let mut size = |t: &codec::Tuning| {
            votes.iter().try_fold(0usize, |sum, v| {
                scratch.clear();
                codec::encode_values_tuned(t, v.3, &mut scratch).then_some(sum + scratch.len())
            })
        };
        if let (Some(a), Some(c)) = (size(&affine), size(&tuning))
            && a < c
        {
            (chosen, tuning) = (codec::id::AFFINE, affine);
        }
    }
    let shared = |col: &[f64]| {
        let mut prelude = Vec::new();
        let idx = codec::encode_shared_dict(col, level, &mut prelude)?;
        let d = idx.iter().copied().max().map_or(1, |m| m as usize + 1);
        let mut c = ColumnBlocks { prelude, bytes: Vec::new(), chunks: Vec::new(), stats: Vec::new() };
        for &(lo, hi) in bounds {
            let start = c.bytes.len();
            let id = codec::encode_shared_indices(&idx[lo..hi], d, &mut c.bytes);
            c.chunks.push(start..c.bytes.len());
            c.stats.push(column_stats(&col[lo..hi], id, (c.bytes.len() - start) as u32));
        }
        Some(c)
    };
    let dict_like = matches!(chosen, codec::id::DICT | codec::id::DICT_ENTROPY);
    if dict_like && let Some(c) = shared(col) {
        return c;
    }
    let mut own =
        ColumnBlocks { prelude: Vec::new(), bytes: Vec::new(), chunks: Vec::new(), stats: Vec::new() };
    for (b, &(lo, hi)) in bounds.iter().enumerate() {
        let block = &col[lo..hi];
        let start = own.bytes.len();
        // A block the chooser ran on and picked the segment's codec for
        // keeps the chooser's bytes (the codec with the block's own
        // parameters): encoding it again would repeat work, which in a
        // segment of three blocks is most of the blocks. Not for affine,
        // whose point is the segment's base.
        let voted = picked.iter().find(|v| v.0 == b && v.1 == chosen && chosen != codec::id::AFFINE);
        let c = if let Some((_, _, bytes)) = voted {
            own.bytes.extend_from_slice(bytes);
            chosen
        } else if codec::encode_values_as(codec::id::CONSTANT, block, &mut own.bytes) {
            codec::id::CONSTANT
        } else if codec::encode_values_tuned(&tuning, block, &mut own.bytes) {
            chosen
        } else if let Some(alt) = fallback(chosen)
            && codec::encode_values_as(alt, block, &mut own.bytes)
        {
            alt
        } else {
            own.bytes.truncate(start);
            codec::encode_values(block, level, &mut own.bytes)
        };
        own.chunks.push(start..own.bytes.len());
        own.stats.push(column_stats(block, c, (own.bytes.len() - start) as u32));
    }
    // A dictionary the sample did not pick is tried only when a one-pass
    // estimate says it may be smaller (it costs a hash per value).
    let promising = !dict_like
        && codec::estimate_shared_dict(col, level)
            .is_some_and(|est| est < own.bytes.len() + own.bytes.len() / 4);
    match promising.then(|| shared(col)).flatten() {
        Some(c) if c.prelude.len() + c.bytes.len() < own.bytes.len() => c,
        _ => own,
    }
}

/// The codec a block tries when the segment's codec cannot represent it,
/// before the whole chooser: exact decimals in a column of decimals a few
/// ulps off are decimal-entropy's.
fn fallback(chosen: u8) -> Option<u8> {
    (chosen == codec::id::DECIMAL_ULP).then_some(codec::id::DECIMAL_ENTROPY)
}

fn encode_blocked(
    table_id: u32,
    ts: &[i64],
    columns: &[&[f64]],
    ends: &[usize],
    level: Level,
    out: &mut Vec<u8>,
) {
    let ncols = columns.len();
    let bounds: Vec<(usize, usize)> =
        ends.iter().scan(0, |lo, &hi| Some((std::mem::replace(lo, hi), hi))).collect();
    let mut ts_bytes = Vec::new();
    let mut ts_chunks = Vec::with_capacity(bounds.len());
    for &(lo, hi) in &bounds {
        let start = ts_bytes.len();
        let c = codec::encode_timestamps(&ts[lo..hi], &mut ts_bytes);
        ts_chunks.push((c, start..ts_bytes.len()));
    }
    let cols: Vec<ColumnBlocks> =
        columns.iter().map(|col| encode_column_blocks(col, &bounds, level)).collect();

    let start = out.len();
    let hlen = header_len(ncols);
    let preludes: usize = cols.iter().map(|c| c.prelude.len()).sum();
    let dlen = directory_len(bounds.len(), ncols) + preludes;
    out.resize(start + hlen + dlen, 0);
    let mut d = Vec::with_capacity(dlen);
    let mut w = ByteWriter::new(&mut d);
    for (b, &(lo, hi)) in bounds.iter().enumerate() {
        let block_start = out.len();
        let (ts_codec, ts_range) = &ts_chunks[b];
        out.extend_from_slice(&ts_bytes[ts_range.clone()]);
        for c in &cols {
            out.extend_from_slice(&c.bytes[c.chunks[b].clone()]);
        }
        w.u32((hi - lo) as u32);
        w.i64(ts[lo]);
        w.i64(ts[hi - 1]);
        w.u8(*ts_codec);
        w.u32(ts_range.len() as u32);
        for c in &cols {
            let s = &c.stats[b];
            w.u8(s.codec);
            w.u32(s.byte_len);
            w.u32(s.nan_count);
            write_values(&mut w, s);
        }
        w.u32(crc32fast::hash(&out[block_start..]));
    }
    for c in &cols {
        w.bytes(&c.prelude);
    }
    let crc = crc32fast::hash(&d);
    ByteWriter::new(&mut d).u32(crc);
    debug_assert_eq!(d.len(), dlen);
    out[start + hlen..start + hlen + dlen].copy_from_slice(&d);

    let descs: Vec<ColumnStats> = cols.iter().map(|c| merge_stats(c.stats.iter())).collect();
    let prelude_lens: Vec<u32> = cols.iter().map(|c| c.prelude.len() as u32).collect();
    let h = header_bytes(table_id, ts, FLAG_SORTED | FLAG_BLOCKS, 0, dlen as u32, &descs, &prelude_lens);
    out[start..start + hlen].copy_from_slice(&h);
}

/// A segment's statistics from its blocks' (in row order): the sum adds
/// the blocks' sums in order; a column's codec is 0 (per block) and its
/// byte length the sum of its chunks.
pub(crate) fn merge_stats<'s>(blocks: impl Iterator<Item = &'s ColumnStats>) -> ColumnStats {
    let mut m = ColumnStats {
        codec: 0,
        byte_len: 0,
        min: f64::NAN,
        max: f64::NAN,
        sum: 0.0,
        first: f64::NAN,
        last: f64::NAN,
        nan_count: 0,
    };
    for (i, s) in blocks.enumerate() {
        if i == 0 {
            m.first = s.first;
        }
        m.last = s.last;
        m.byte_len = m.byte_len.saturating_add(s.byte_len);
        m.nan_count = m.nan_count.saturating_add(s.nan_count);
        m.sum += s.sum;
        // f64::min/max skip a NaN operand: NaN only while every block so
        // far had no value.
        m.min = m.min.min(s.min);
        m.max = m.max.max(s.max);
    }
    m
}

/// Writes the five value statistics in the order the header's descriptors
/// and the directory's entries both use: min, max, sum, first, last.
fn write_values(w: &mut ByteWriter<'_>, s: &ColumnStats) {
    for v in [s.min, s.max, s.sum, s.first, s.last] {
        w.f64(v);
    }
}

/// The header bytes (CRC included) of a segment of rows `ts`; `preludes`
/// are the columns' shared dictionary lengths (blocked layout; else 0).
fn header_bytes(
    table_id: u32,
    ts: &[i64],
    flags: u16,
    ts_codec: u8,
    ts_len: u32,
    descs: &[ColumnStats],
    preludes: &[u32],
) -> Vec<u8> {
    let hlen = header_len(descs.len());
    let mut h = Vec::with_capacity(hlen);
    let mut w = ByteWriter::new(&mut h);
    w.u32(table_id);
    w.u32(ts.len() as u32);
    w.i64(ts[0]);
    w.i64(ts[ts.len() - 1]);
    w.u16(descs.len() as u16);
    w.u16(flags);
    w.u32(hlen as u32);
    w.u8(ts_codec);
    w.zeros(3);
    w.u32(ts_len);
    for (d, &prelude) in descs.iter().zip(preludes) {
        w.u8(d.codec);
        w.zeros(3);
        w.u32(d.byte_len);
        write_values(&mut w, d);
        w.u32(d.nan_count);
        w.u32(prelude);
    }
    let crc = crc32fast::hash(&h);
    ByteWriter::new(&mut h).u32(crc);
    h
}

pub(crate) fn column_stats(values: &[f64], codec: u8, byte_len: u32) -> ColumnStats {
    // Four independent lanes so the loop pipelines (and vectorizes):
    // comparisons with NaN are false, so NaN never becomes a min or max,
    // and NaN adds 0 to the sum.
    const L: usize = 4;
    let mut min = [f64::INFINITY; L];
    let mut max = [f64::NEG_INFINITY; L];
    let mut sum = [0.0f64; L];
    let mut nan = [0u32; L];
    let chunks = values.chunks_exact(L);
    let tail = chunks.remainder();
    let mut step = |lane: usize, v: f64| {
        let is_nan = v.is_nan();
        nan[lane] += u32::from(is_nan);
        sum[lane] += if is_nan { 0.0 } else { v };
        min[lane] = if v < min[lane] { v } else { min[lane] };
        max[lane] = if v > max[lane] { v } else { max[lane] };
    };
    for c in chunks {
        for (lane, &v) in c.iter().enumerate() {
            step(lane, v);
        }
    }
    for (lane, &v) in tail.iter().enumerate() {
        step(lane, v);
    }
    let nan_count: u32 = nan.iter().sum();
    let all_nan = nan_count as usize == values.len();
    let fold = |a: [f64; L], f: fn(f64, f64) -> f64| a.into_iter().reduce(f).expect("L > 0");
    ColumnStats {
        codec,
        byte_len,
        min: if all_nan { f64::NAN } else { fold(min, |a, b| if b < a { b } else { a }) },
        max: if all_nan { f64::NAN } else { fold(max, |a, b| if b > a { b } else { a }) },
        sum: (sum[0] + sum[1]) + (sum[2] + sum[3]),
        first: values[0],
        last: values[values.len() - 1],
        nan_count,
    }
}
