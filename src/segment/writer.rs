//! Building a segment payload from sorted rows.

use super::*;
use crate::codec::{self, Level};
use crate::format::bytes::ByteWriter;

/// Encodes rows (`ts` sorted ascending, stable) of `table_id` into a segment
/// payload appended to `out`. `columns` each hold `ts.len()` values;
/// `ts.len()` is between 1 and `MAX_SEGMENT_ROWS` (callers split).
pub fn encode_segment(
    table_id: u32,
    ts: &[i64],
    columns: &[&[f64]],
    level: Level,
    out: &mut Vec<u8>,
) {
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

fn column_stats(values: &[f64], codec: u8, byte_len: u32) -> ColumnStats {
    let mut min = f64::NAN;
    let mut max = f64::NAN;
    let mut sum = 0.0;
    let mut nan_count = 0u32;
    for &v in values {
        if v.is_nan() {
            nan_count += 1;
            continue;
        }
        // f64::min/max return the non-NaN operand, so the NaN seed is
        // replaced by the first real value.
        min = min.min(v);
        max = max.max(v);
        sum += v;
    }
    ColumnStats {
        codec,
        byte_len,
        min,
        max,
        sum,
        first: values[0],
        last: values[values.len() - 1],
        nan_count,
    }
}
