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
/// `ts.len()` is between 1 and `MAX_SEGMENT_ROWS` (callers split).
pub fn encode_segment(table_id: u32, ts: &[i64], columns: &[&[f64]], level: Level, out: &mut Vec<u8>) {
    debug_assert!(!ts.is_empty() && ts.len() <= crate::format::MAX_SEGMENT_ROWS);
    debug_assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    let start = out.len();
    let hlen = header_len(columns.len());
    out.resize(start + hlen, 0);

    let ts_codec = codec::encode_timestamps(ts, out);
    let ts_len = out.len() - start - hlen;
    let mut descs = Vec::with_capacity(columns.len());
    for col in columns {
        debug_assert_eq!(col.len(), ts.len());
        let before = out.len();
        let c = codec::encode_values(col, level, out);
        descs.push(column_stats(col, c, (out.len() - before) as u32));
    }

    let mut h = Vec::with_capacity(hlen);
    let mut w = ByteWriter::new(&mut h);
    w.u32(table_id);
    w.u32(ts.len() as u32);
    w.i64(ts[0]);
    w.i64(ts[ts.len() - 1]);
    w.u16(columns.len() as u16);
    w.u16(FLAG_SORTED);
    w.u32(hlen as u32);
    w.u8(ts_codec);
    w.zeros(3);
    w.u32(ts_len as u32);
    for d in &descs {
        w.u8(d.codec);
        w.zeros(3);
        w.u32(d.byte_len);
        w.f64(d.min);
        w.f64(d.max);
        w.f64(d.sum);
        w.f64(d.first);
        w.f64(d.last);
        w.u32(d.nan_count);
        w.u32(0);
    }
    let crc = crc32fast::hash(&h);
    ByteWriter::new(&mut h).u32(crc);
    out[start..start + hlen].copy_from_slice(&h);
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
