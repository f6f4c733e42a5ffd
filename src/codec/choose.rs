//! The adaptive value-codec chooser behind `encode_values`.
//!
//! Candidates, in order (each one fully encoded into a scratch buffer; the
//! smallest wins, plain if nothing beats 8 bytes per value):
//! 1. n = 0: plain (0 bytes). All bit patterns identical: constant, done.
//! 2. All values integral: integer; otherwise decimal (exponent chosen on a
//!    sample; given up if more than half the values would be exceptions).
//!    At Hot, decimal is first only estimated on a sample of blocks, and
//!    encoded after step 3 if the estimate is below 105% of the best so far.
//! 3. n >= 64: dictionary (given up past n/4 distinct values, and past
//!    2^14 at Hot / 2^20 at Cold).
//! 4. Cold: Gorilla, float-int and split, all three. Hot, only when the best
//!    so far costs more than 32 bits/value: whichever of the three looks
//!    smallest on a sample of up to 8 blocks of 1024 values (on the whole
//!    column, i.e. exactly, up to 16384 values).
//! 5. RLE, when the run count says it can win.
//! 6. Cold with feature `pco`: pco.

use super::bits::pool;
use super::{Level, affine, constant, decimal, dict, floatint, gorilla, id, integer, plain, rle, split};

struct Best {
    codec: u8,
    bytes: Vec<u8>,
    len: usize,
}

impl Best {
    fn offer(&mut self, codec: u8, bytes: Vec<u8>) {
        if bytes.len() < self.len {
            self.len = bytes.len();
            pool::give_u8(std::mem::replace(&mut self.bytes, bytes));
            self.codec = codec;
        } else {
            pool::give_u8(bytes);
        }
    }
}

pub fn encode_values(values: &[f64], level: Level, out: &mut Vec<u8>) -> u8 {
    encode_inner(values, level, true, out)
}

/// The chooser without the dictionary candidate (for dictionaries).
pub fn encode_values_no_dict(values: &[f64], level: Level, out: &mut Vec<u8>) -> u8 {
    encode_inner(values, level, false, out)
}

fn encode_inner(values: &[f64], level: Level, allow_dict: bool, out: &mut Vec<u8>) -> u8 {
    let n = values.len();
    if n == 0 {
        return id::PLAIN;
    }
    if let Some(b) = constant::common_bits(values) {
        constant::encode(b, out);
        return id::CONSTANT;
    }
    let mut best = Best { codec: id::PLAIN, bytes: Vec::new(), len: n * 8 };
    let mut dec: Option<(u8, u64)> = None;
    let mut dec_exponent = None;
    if let Some(ints) = integer::as_integers(values) {
        let mut b = pool::take_u8();
        integer::encode_ints(&ints, &mut b);
        best.offer(id::INTEGER, b);
    } else if level == Level::Cold {
        dec_exponent = decimal::choose_exponent(values);
        let mut b = pool::take_u8();
        if dec_exponent.is_some_and(|e| decimal::encode_with(values, e, &mut b)) {
            best.offer(id::DECIMAL, b);
        } else {
            pool::give_u8(b);
        }
    } else {
        // Hot: decimal is only estimated here and encoded below if it
        // still looks smaller than the dictionary
        dec = decimal::estimate(values);
        dec_exponent = dec.map(|(e, _)| e);
    }
    // Decimal-looking data generated as `start + i * step`: tried only when
    // the first values fit that model.
    if let Some(e) = dec_exponent
        && affine::likely(values, e)
    {
        let mut b = pool::take_u8();
        if affine::encode_with(values, e, &mut b) {
            best.offer(id::AFFINE, b);
        } else {
            pool::give_u8(b);
        }
    }
    if allow_dict && n >= 64 {
        let mut b = pool::take_u8();
        if dict::encode(values, level, encode_values_no_dict, &mut b) {
            best.offer(id::DICT, b);
        }
    }
    if let Some((e, est)) = dec
        && (est as usize) * 20 < best.len * 21
    {
        let mut b = pool::take_u8();
        if decimal::encode_with(values, e, &mut b) {
            best.offer(id::DECIMAL, b);
        }
    }
    if level == Level::Cold {
        let mut b = pool::take_u8();
        gorilla::encode(values, &mut b);
        best.offer(id::GORILLA, b);
        let mut b = pool::take_u8();
        floatint::encode(values, &mut b);
        best.offer(id::FLOAT_INT, b);
        let s = block_sample(values);
        let step = s.len().div_ceil(2048);
        let sp = split::choose(&s.iter().step_by(step).copied().collect::<Vec<f64>>());
        if let Some((p, _)) = sp {
            let mut b = pool::take_u8();
            if split::encode_with(values, p, &mut b) {
                best.offer(id::SPLIT, b);
            }
        }
    } else if best.len * 8 > n * 32 {
        // Hot: estimate Gorilla, float-int and split on a sample of up to
        // 8 blocks, encode the best looking one if it beats the best so far
        let s = block_sample(values);
        let whole = s.len() == n;
        let mut gb = pool::take_u8();
        gorilla::encode(&s, &mut gb);
        let g = gb.len() as u64 * n as u64 / s.len() as u64;
        let mut fb = pool::take_u8();
        let f = if whole {
            // small column: encode float-int outright
            floatint::encode(values, &mut fb);
            fb.len() as u64
        } else {
            floatint::estimate_bytes(&s) * n as u64 / s.len() as u64
        };
        let step = s.len().div_ceil(1024);
        let sp = split::choose(&s.iter().step_by(step).copied().collect::<Vec<f64>>());
        let sp_bytes = sp.map_or(u64::MAX, |(_, bits)| (bits * n as f64 / 8.0) as u64 + 16);
        let cand = g.min(f).min(sp_bytes);
        if cand < best.len as u64 {
            let mut b = pool::take_u8();
            if cand == sp_bytes {
                if let Some((p, _)) = sp
                    && split::encode_with(values, p, &mut b)
                {
                    best.offer(id::SPLIT, b);
                }
            } else if cand == f && whole {
                best.offer(id::FLOAT_INT, std::mem::take(&mut fb));
            } else if cand == f {
                floatint::encode(values, &mut b);
                best.offer(id::FLOAT_INT, b);
            } else if whole {
                // the sample was the whole column
                best.offer(id::GORILLA, std::mem::take(&mut gb));
            } else {
                gorilla::encode(values, &mut b);
                best.offer(id::GORILLA, b);
            }
        }
        pool::give_u8(gb);
        pool::give_u8(fb);
    }
    let runs = rle::count_runs(values);
    // each run costs at most 10 + 8 bytes, at least 1 + 8
    if runs * 9 < best.len {
        let mut b = pool::take_u8();
        rle::encode(values, &mut b);
        best.offer(id::RLE, b);
    }
    #[cfg(feature = "pco")]
    if level == Level::Cold {
        let mut b = pool::take_u8();
        if super::pco::encode(values, &mut b) {
            best.offer(id::PCO, b);
        }
    }
    if best.codec == id::PLAIN {
        plain::encode_f64(values, out);
    } else {
        out.extend_from_slice(&best.bytes);
    }
    pool::give_u8(best.bytes);
    best.codec
}

/// Up to 8 blocks of 1024 consecutive values, evenly spread (all values if
/// there are at most 16384: then the trial encodes are the real ones).
fn block_sample(values: &[f64]) -> Vec<f64> {
    const B: usize = 1024;
    let n = values.len();
    if n <= 16 * B {
        return values.to_vec();
    }
    (0..8).flat_map(|k| &values[k * (n - B) / 7..][..B]).copied().collect()
}
