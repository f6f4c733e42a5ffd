//! The integer stream: how every codec that stores i64 sequences lays out
//! `n` values, as FOR blocks of the values (FOR mode), of their differences
//! (delta mode) or of their residuals from a line (linear mode). The count
//! `n` is never stored; the caller knows it.
//!
//! Bytes, and the encoder's choice of mode: SPEC.md §4.3 "Integer stream".

use super::for_block::{block_cost, decode_block, encode_block};
use super::{BLOCK, Cursor, pool};
use crate::codec::{CodecError, codec_err};

pub const MODE_FOR: u8 = 0;
pub const MODE_DELTA: u8 = 1;
pub const MODE_LINEAR: u8 = 2;

/// The line of the linear mode: first value and the average step
/// `(last - first) / (n - 1)` (rounded half away from zero, saturated to
/// i64).
fn line(vals: &[i64]) -> (i64, i64) {
    let first = vals.first().copied().unwrap_or(0);
    let last = vals.last().copied().unwrap_or(0);
    let step = if vals.len() > 1 {
        let span = i128::from(last) - i128::from(first);
        let d = vals.len() as i128 - 1;
        // rounded to nearest: a truncated step would drift by up to one
        // unit per value
        let s = (2 * span + d.signum() * d * span.signum()) / (2 * d);
        s.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    } else {
        0
    };
    (first, step)
}

/// Residuals `v[i] - (first + i * step)` (wrapping) of a chunk starting
/// at index `start`.
#[inline]
fn residuals(chunk: &[i64], start: usize, first: i64, step: i64, d: &mut [i64; BLOCK]) {
    let mut pred = first.wrapping_add(step.wrapping_mul(start as i64));
    for (o, &v) in d.iter_mut().zip(chunk) {
        *o = v.wrapping_sub(pred);
        pred = pred.wrapping_add(step);
    }
}

pub fn encode(vals: &[i64], mode: u8, out: &mut Vec<u8>) {
    out.push(mode);
    if mode == MODE_DELTA {
        let Some(&first) = vals.first() else { return };
        out.extend_from_slice(&first.to_le_bytes());
        let mut d = [0i64; BLOCK];
        let mut prev = first;
        for chunk in vals[1..].chunks(BLOCK) {
            for (o, &v) in d.iter_mut().zip(chunk) {
                *o = v.wrapping_sub(prev);
                prev = v;
            }
            encode_block(&d[..chunk.len()], out);
        }
    } else if mode == MODE_LINEAR {
        if vals.is_empty() {
            return;
        }
        let (first, step) = line(vals);
        out.extend_from_slice(&first.to_le_bytes());
        out.extend_from_slice(&step.to_le_bytes());
        let mut d = [0i64; BLOCK];
        for (k, chunk) in vals.chunks(BLOCK).enumerate() {
            residuals(chunk, k * BLOCK, first, step, &mut d);
            encode_block(&d[..chunk.len()], out);
        }
    } else {
        for chunk in vals.chunks(BLOCK) {
            encode_block(chunk, out);
        }
    }
}

/// Estimated size in bits of `vals` in `mode`, from the cost model of
/// up to `sample_blocks` evenly spread blocks, scaled.
pub fn estimate(vals: &[i64], mode: u8, sample_blocks: usize) -> u64 {
    let nblocks = vals.len().div_ceil(BLOCK);
    if nblocks == 0 {
        return 0;
    }
    let take = sample_blocks.clamp(1, nblocks);
    let step = nblocks / take;
    let mut total = 0u64;
    let mut d = [0i64; BLOCK];
    for b in (0..nblocks).step_by(step).take(take) {
        let start = b * BLOCK;
        let chunk = &vals[start..(start + BLOCK).min(vals.len())];
        if mode == MODE_DELTA {
            let mut prev = if start == 0 { chunk[0] } else { vals[start - 1] };
            for (o, &v) in d.iter_mut().zip(chunk) {
                *o = v.wrapping_sub(prev);
                prev = v;
            }
            total += block_cost(&d[..chunk.len()]);
        } else if mode == MODE_LINEAR {
            let (first, step) = line(vals);
            residuals(chunk, start, first, step, &mut d);
            total += block_cost(&d[..chunk.len()]) + 64;
        } else {
            total += block_cost(chunk);
        }
    }
    total * nblocks as u64 / take as u64
}

/// Picks FOR, delta or linear by the cost model on a sample of blocks.
pub fn choose_mode(vals: &[i64]) -> u8 {
    let f = estimate(vals, MODE_FOR, 8);
    let d = estimate(vals, MODE_DELTA, 8);
    let l = estimate(vals, MODE_LINEAR, 8);
    if l < d && l < f {
        MODE_LINEAR
    } else if d < f {
        MODE_DELTA
    } else {
        MODE_FOR
    }
}

/// Decodes `n` values, handing them to `sink` one block (<= 1024
/// values) at a time.
pub fn decode(cur: &mut Cursor<'_>, n: usize, sink: impl FnMut(&[i64])) -> Result<(), CodecError> {
    let mut scratch = pool::take_block_scratch();
    let r = decode_with(cur, n, &mut scratch, sink);
    pool::give_block_scratch(scratch);
    r
}

fn decode_with(
    cur: &mut Cursor<'_>,
    n: usize,
    scratch: &mut pool::BlockScratch,
    mut sink: impl FnMut(&[i64]),
) -> Result<(), CodecError> {
    let mode = cur.u8()?;
    let pool::BlockScratch { offsets: tmp, values: buf } = scratch;
    match mode {
        MODE_FOR => {
            let mut left = n;
            while left > 0 {
                let len = left.min(BLOCK);
                decode_block(cur, len, tmp, buf)?;
                sink(&buf[..len]);
                left -= len;
            }
        }
        MODE_DELTA => {
            if n == 0 {
                return Ok(());
            }
            let mut acc = cur.u64()? as i64;
            sink(&[acc]);
            let mut left = n - 1;
            while left > 0 {
                let len = left.min(BLOCK);
                decode_block(cur, len, tmp, buf)?;
                for x in buf[..len].iter_mut() {
                    acc = acc.wrapping_add(*x);
                    *x = acc;
                }
                sink(&buf[..len]);
                left -= len;
            }
        }
        MODE_LINEAR => {
            if n == 0 {
                return Ok(());
            }
            let first = cur.u64()? as i64;
            let step = cur.u64()? as i64;
            let mut pred = first;
            let mut left = n;
            while left > 0 {
                let len = left.min(BLOCK);
                decode_block(cur, len, tmp, buf)?;
                for x in buf[..len].iter_mut() {
                    *x = x.wrapping_add(pred);
                    pred = pred.wrapping_add(step);
                }
                sink(&buf[..len]);
                left -= len;
            }
        }
        m => return Err(codec_err(format!("unknown integer stream mode {m}"))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    /// A whole chunk holding one stream, the shape the round-trip helper
    /// takes.
    fn decode_whole(data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
        let mut cur = Cursor::new(data);
        decode(&mut cur, n, |b| out.extend_from_slice(b))?;
        cur.finish()
    }

    proptest! {
        #[test]
        fn prop_stream(vals in proptest::collection::vec(any::<i64>(), 0..3000), mode in 0u8..3) {
            round_trip_always(&vals, |v, b| encode(v, mode, b), decode_whole);
        }

        #[test]
        fn prop_stream_lines(start in any::<i64>(), step in any::<i64>(), jit in proptest::collection::vec(-1000i64..1000, 0..3000), mode in 0u8..3) {
            let vals: Vec<i64> = jit.iter().enumerate().map(|(i, j)| start.wrapping_add(step.wrapping_mul(i as i64)).wrapping_add(*j)).collect();
            round_trip_always(&vals, |v, b| encode(v, mode, b), decode_whole);
        }
    }
}
