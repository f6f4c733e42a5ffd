//! Codec 14, `dict-entropy`: the dictionary of codec 9 (`dict.rs`, which
//! builds both) with the indices in an entropy stream, either the indices
//! themselves or their differences: few distinct values, and small counts
//! and percentages, then cost about their order-0 entropy instead of a
//! fixed bit width.
//!
//! Bytes: SPEC.md §4.18 "dict-entropy (id 14)".

use super::bits::{Cursor, entropy, unzigzag, zigzag};
use super::{CodecError, codec_err, decode_values, id};

/// The indices themselves.
const MODE_INDEX: u8 = 0;
/// Differences of consecutive indices (the first from 0), zigzag.
const MODE_DELTA: u8 = 1;

fn deltas(idx: &[i64]) -> Vec<u64> {
    let mut prev = 0i64;
    idx.iter()
        .map(|&i| {
            let d = i.wrapping_sub(prev);
            prev = i;
            zigzag(d)
        })
        .collect()
}

/// The cheaper mode by the estimate: (mode, estimated bits, direct
/// symbols, the stream's values).
/// (mode, estimated bits, direct symbols), estimated on a sample
/// ([`entropy::sample`]; the bits are the whole column's).
fn plan(idx: &[i64], d: usize) -> (u8, u64, u64) {
    let s = entropy::sample(idx);
    let scale = |bits: u64| bits * idx.len() as u64 / s.len().max(1) as u64;
    let direct = (d as u64).min(entropy::MAX_DIRECT);
    let by_index = scale(entropy::Summary::new(s.iter().map(|&i| i as u64)).estimate_bits(direct));
    let sd = entropy::Summary::new(deltas(&s).into_iter());
    let dd = sd.choose_direct(2 * d as u64);
    let by_delta = scale(sd.estimate_bits(dd));
    if by_delta < by_index { (MODE_DELTA, by_delta, dd) } else { (MODE_INDEX, by_index, direct) }
}

/// Estimated bits of the index part for indices `idx` into `d` values.
pub fn estimate_bits(idx: &[i64], d: usize) -> u64 {
    plan(idx, d).1
}

/// Appends the index part (mode byte and entropy stream) for indices `idx`
/// (each in `0..d`).
pub fn encode_indices(idx: &[i64], d: usize, out: &mut Vec<u8>) {
    let (mode, _, direct) = plan(idx, d);
    out.push(mode);
    let vals = if mode == MODE_DELTA { deltas(idx) } else { idx.iter().map(|&i| i as u64).collect() };
    entropy::encode(&vals, direct, out);
}

/// Reads the dictionary part shared by ids 9 and 14 (`d`, its codec, its
/// length and bytes) and decodes the `d` values. (Here rather than in
/// `dict.rs`, which builds both, so that the two files depend one way.)
pub fn decode_dictionary(cur: &mut Cursor<'_>, n: usize) -> Result<Vec<f64>, CodecError> {
    let d = cur.varint()?;
    if d == 0 || d > n as u64 {
        return Err(codec_err(format!("dict: bad dictionary length {d} for {n} values")));
    }
    let d = d as usize;
    let dc = cur.u8()?;
    if dc == id::DICT || dc == id::DICT_ENTROPY || dc == id::DICT_SHARED {
        return Err(codec_err("dict: nested dictionary"));
    }
    let len = cur.varint()?;
    if len > cur.remaining() as u64 {
        return Err(codec_err("dict: dictionary longer than the data"));
    }
    let dbytes = cur.bytes(len as usize)?;
    let mut dict = Vec::with_capacity(d);
    decode_values(dc, dbytes, d, &mut dict)?;
    Ok(dict)
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let dict = decode_dictionary(&mut cur, n)?;
    decode_index_part(&mut cur, n, &dict, out)?;
    cur.finish()
}

/// Decodes a chunk of `dict-shared-entropy` (SPEC.md 4.21): only the index
/// part, into a segment column's shared dictionary `dict`.
pub fn decode_shared(data: &[u8], n: usize, dict: &[f64], out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    decode_index_part(&mut cur, n, dict, out)?;
    cur.finish()
}

/// Decodes the index part (mode byte and entropy stream) of `n` indices
/// into `dict`, appending the values to `out`.
fn decode_index_part(
    cur: &mut Cursor<'_>,
    n: usize,
    dict: &[f64],
    out: &mut Vec<f64>,
) -> Result<(), CodecError> {
    let mode = cur.u8()?;
    if mode > MODE_DELTA {
        return Err(codec_err(format!("dict-entropy: unknown index mode {mode}")));
    }
    out.reserve(n);
    let lookup = |i: u64| usize::try_from(i).ok().and_then(|i| dict.get(i)).copied();
    let mut bad = false;
    let mut prev = 0i64;
    // one pass per chunk: each index checked as it is looked up (a
    // separate maximum costs more than the lookups on x86-64's baseline,
    // which has no 64-bit vector compare)
    let len = dict.len() as u64;
    let run = entropy::decode(cur, n, |chunk| {
        let mut miss = false;
        let mut at = |i: u64| {
            if i < len {
                dict[i as usize]
            } else {
                miss = true;
                0.0
            }
        };
        if mode == MODE_DELTA {
            out.extend(chunk.iter().map(|&u| {
                prev = prev.wrapping_add(unzigzag(u));
                at(prev as u64)
            }));
        } else {
            out.extend(chunk.iter().map(|&i| at(i)));
        }
        bad |= miss;
    })?;
    if let Some(u) = run {
        for k in 0..n {
            let i = if mode == MODE_DELTA { unzigzag(u).wrapping_mul(k as i64 + 1) as u64 } else { u };
            let Some(v) = lookup(i) else {
                bad = true;
                break;
            };
            out.push(v);
        }
    }
    if bad {
        return Err(codec_err("dict-entropy: index out of range"));
    }
    Ok(())
}
