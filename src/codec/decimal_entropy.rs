//! Codec 15, `decimal-entropy`: the decimal scaling of codec 4
//! (`decimal.rs`; with `e = 0` also integral values), the integers in an
//! entropy stream instead of FOR blocks: either as offsets from their
//! minimum or as differences. Counts, percentages and readings of a few
//! digits, whose values or steps are unevenly spread, then cost about
//! their entropy instead of a fixed bit width per block.
//!
//! Bytes: SPEC.md §4.19 "decimal-entropy (id 15)".

use super::bits::{BLOCK, Cursor, entropy, pool, put_varint, unzigzag, zigzag};
use super::decimal::{self, MAX_E, POW10, patch_exceptions, read_exceptions, write_exceptions};
use super::integer::ints_div_to_f64;
use super::{CodecError, codec_err};

/// Offsets from the minimum.
const MODE_OFFSET: u8 = 0;
/// Differences of consecutive integers, zigzag.
const MODE_DELTA: u8 = 1;

fn offsets(ints: &[i64]) -> (i64, impl Iterator<Item = u64> + '_) {
    let base = ints.iter().copied().min().unwrap_or(0);
    (base, ints.iter().map(move |&i| i.wrapping_sub(base) as u64))
}

fn deltas(ints: &[i64]) -> impl Iterator<Item = u64> + '_ {
    ints.windows(2).map(|w| zigzag(w[1].wrapping_sub(w[0])))
}

/// The cheaper mode for `ints` by the entropy estimate on a sample
/// ([`entropy::sample`]): (mode, bits of the sample, `D`).
fn plan(ints: &[i64]) -> (u8, u64, u64) {
    let sampled = entropy::sample(ints);
    let ints = &sampled[..];
    let so = entropy::Summary::new(offsets(ints).1);
    let od = so.choose_direct(entropy::MAX_DIRECT);
    let ob = so.estimate_bits(od);
    let sd = entropy::Summary::new(deltas(ints));
    let dd = sd.choose_direct(entropy::MAX_DIRECT);
    let db = sd.estimate_bits(dd);
    if db < ob { (MODE_DELTA, db, dd) } else { (MODE_OFFSET, ob, od) }
}

/// Estimated bits of the integer part of `ints` (from a sample if there
/// are more than 16384).
pub fn estimate_ints_bits(ints: &[i64]) -> u64 {
    let sampled = entropy::sample(ints).len().max(1) as u64;
    plan(ints).1 * ints.len() as u64 / sampled
}

/// Encodes with decimal's exponent `e`; false (nothing written) if more
/// than half the values would be exceptions.
pub fn encode_with(values: &[f64], e: u8, out: &mut Vec<u8>) -> bool {
    let Some((ints, exc_pos)) = decimal::scale_all(values, e, values.len() / 2) else { return false };
    encode_scaled(values, e, &ints, &exc_pos, out);
    pool::give_i64(ints);
    true
}

/// Encodes with exponent `e` picked on another chunk of the same column
/// (a segment's sampled block), or fewer digits where this chunk has
/// fewer (every integer a multiple of 10: `e - 1` gives integers a tenth
/// as large), when that fits this chunk: at most 1 value in 64 an
/// exception. False (nothing written) otherwise, for the caller to pick
/// this chunk's own exponent.
pub fn encode_tuned(values: &[f64], e: u8, out: &mut Vec<u8>) -> bool {
    let Some((mut ints, mut exc_pos)) = decimal::scale_all(values, e, values.len() / 64) else {
        return false;
    };
    let mut e = e;
    if exc_pos.is_empty() && e > 0 && ints.iter().all(|&i| i % 10 == 0) {
        // fewer digits: the exponent whose integers are not all multiples
        // of 10, checked by scaling again (an integer's trailing zeros
        // need not mean the value is exact one digit shorter)
        let mut shorter = e;
        let mut q: Vec<i64> = ints.iter().map(|&i| i / 10).collect();
        shorter -= 1;
        while shorter > 0 && q.iter().all(|&i| i % 10 == 0) {
            q.iter_mut().for_each(|i| *i /= 10);
            shorter -= 1;
        }
        pool::give_i64(ints);
        match decimal::scale_all(values, shorter, 0) {
            Some((i, x)) => (ints, exc_pos, e) = (i, x, shorter),
            None => return false,
        }
    }
    encode_scaled(values, e, &ints, &exc_pos, out);
    pool::give_i64(ints);
    true
}

/// Estimated bytes of the chunk from decimal's estimate (its exponent and
/// the integers of its sample).
pub fn estimate_bytes(values: &[f64], est: &decimal::Estimate) -> u64 {
    let m = est.sample_ints.len().max(1) as u64;
    let bits = estimate_ints_bits(&est.sample_ints);
    (bits / 8 + est.sample_exceptions * 10) * values.len() as u64 / m + 4
}

/// Appends the chunk for exponent `e`, the integers `ints` (one per value;
/// any at an exception position) and the exceptions at `exc_pos`.
pub fn encode_scaled(values: &[f64], e: u8, ints: &[i64], exc_pos: &[u32], out: &mut Vec<u8>) {
    out.push(e);
    write_exceptions(values, exc_pos, out);
    if ints.is_empty() {
        out.push(MODE_OFFSET);
        return;
    }
    let (mode, _, d) = plan(ints);
    out.push(mode);
    if mode == MODE_DELTA {
        put_varint(out, zigzag(ints[0]));
        let u: Vec<u64> = deltas(ints).collect();
        entropy::encode(&u, d, out);
    } else {
        let (base, it) = offsets(ints);
        put_varint(out, zigzag(base));
        let u: Vec<u64> = it.collect();
        entropy::encode(&u, d, out);
    }
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let start = out.len();
    let (pos, exc) = decode_body(&mut cur, n, out)?;
    cur.finish()?;
    patch_exceptions(&mut out[start..], &pos, exc);
    Ok(())
}

/// Decodes the fields of a chunk, appending the `n` values but for the
/// exceptions, which it returns (positions and value bytes) unapplied: the
/// chunk of codec 16 (`decimal_ulp.rs`) continues after them.
pub(super) fn decode_body<'a>(
    cur: &mut Cursor<'a>,
    n: usize,
    out: &mut Vec<f64>,
) -> Result<(Vec<usize>, &'a [u8]), CodecError> {
    let e = cur.u8()?;
    if e > MAX_E {
        return Err(codec_err(format!("decimal-entropy: exponent {e} > {MAX_E}")));
    }
    let (pos, exc) = read_exceptions(cur, n, "decimal-entropy")?;
    let mode = cur.u8()?;
    if mode > MODE_DELTA {
        return Err(codec_err(format!("decimal-entropy: unknown mode {mode}")));
    }
    out.reserve(n);
    let div = POW10[e as usize];
    if n > 0 {
        let first = unzigzag(cur.varint()?);
        let mut acc = first;
        let mut scratch = pool::take_block_scratch();
        let buf = &mut scratch.values;
        let count = if mode == MODE_DELTA {
            ints_div_to_f64(&[first], div, out);
            n - 1
        } else {
            n
        };
        let run = entropy::decode(cur, count, |chunk| {
            let ints = &mut buf[..chunk.len()];
            if mode == MODE_DELTA {
                // Two passes: the first vectorizes, and the running sum,
                // whose adds wait on each other, is left an add per value.
                for (o, &u) in ints.iter_mut().zip(chunk) {
                    *o = unzigzag(u);
                }
                for o in ints.iter_mut() {
                    acc = acc.wrapping_add(*o);
                    *o = acc;
                }
            } else {
                for (o, &u) in ints.iter_mut().zip(chunk) {
                    *o = first.wrapping_add(u as i64);
                }
            }
            ints_div_to_f64(ints, div, out);
        })?;
        if let Some(u) = run {
            let mut left = count;
            let mut k = 0i64;
            while left > 0 {
                let len = left.min(BLOCK);
                for o in buf[..len].iter_mut() {
                    k += 1;
                    *o = if mode == MODE_DELTA {
                        first.wrapping_add(unzigzag(u).wrapping_mul(k))
                    } else {
                        first.wrapping_add(u as i64)
                    };
                }
                ints_div_to_f64(&buf[..len], div, out);
                left -= len;
            }
        }
        pool::give_block_scratch(scratch);
    }
    Ok((pos, exc))
}
