//! The adaptive value-codec chooser behind `encode_values`.
//!
//! Cold (`pack_table`, smallest output) fully encodes every candidate into
//! a scratch buffer; the smallest wins, plain if nothing beats 8 bytes per
//! value:
//! 1. n = 0: plain (0 bytes). All bit patterns identical: constant, done.
//! 2. All values integral: integer and decimal-entropy (e = 0); otherwise
//!    decimal and decimal-entropy (exponent chosen on a sample; given up if
//!    more than half the values would be exceptions), and decimal-ulp
//!    (decimals a few ulps off) when its exponent choice finds one.
//! 3. n >= 64: dictionary (given up past n/4 distinct values, and past
//!    2^14 at Hot / 2^20 at Cold), its indices as an integer stream (dict)
//!    or an entropy stream (dict-entropy), whichever is smaller.
//! 4. Gorilla, float-int and split, all three.
//! 5. RLE, when the run count says it can win.
//! 6. With feature `pco`: pco.
//! 7. Hot's pick, so that Cold is never larger than Hot (Hot picks some
//!    parameters on its own sample).
//!
//! Hot (flush) takes the same candidates but encodes, in the common case,
//! only one (`encode_hot`): integer, affine and RLE, cheap or rare, are
//! encoded outright as above, and decimal-ulp when decimal gives up or
//! makes more than 1 in 16 sampled values exceptions; decimal,
//! decimal-entropy, the dictionary, and (only when nothing so far looks
//! below 32 bits/value) Gorilla, float-int and split are estimated, and
//! then encoded in the order of their estimates while an estimate is below
//! the best real size so far (decimal's, a cost model on up to 8 blocks,
//! while below 105% of it). The dictionary's estimate is a low one (its
//! indices on a sample); when that is low enough for it to be encoded, an
//! approximate count of the column's distinct values first rules out a
//! dictionary that would exceed its limit.

use super::bits::{entropy, pool};
use super::{
    Level, affine, constant, decimal, decimal_entropy, decimal_ulp, dict, floatint, gorilla, id, integer,
    plain, rle, split,
};

struct Best {
    codec: u8,
    bytes: Vec<u8>,
    /// The winner's size as compared: its bytes, plus [`SLOW_DECODE_PENALTY`]
    /// for an entropy-coded value codec when `penalize`.
    len: usize,
    penalize: bool,
}

/// Hot (flush) takes an entropy-coded value codec (dict-entropy,
/// decimal-entropy, decimal-ulp: about 4x slower to decode than the FOR
/// codecs) only when it is smaller by more than 1/25 (4%). Cold compares
/// bytes alone (and offers Hot's pick, so it is never larger).
const SLOW_DECODE_PENALTY: usize = 25;

impl Best {
    fn new(n: usize, penalize: bool) -> Best {
        Best { codec: id::PLAIN, bytes: Vec::new(), len: n * 8, penalize }
    }

    fn offer(&mut self, codec: u8, bytes: Vec<u8>) {
        let slow = matches!(codec, id::DICT_ENTROPY | id::DECIMAL_ENTROPY | id::DECIMAL_ULP);
        let len =
            if self.penalize && slow { bytes.len() + bytes.len() / SLOW_DECODE_PENALTY } else { bytes.len() };
        if len < self.len {
            self.len = len;
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
    if level == Level::Hot {
        return encode_hot(values, allow_dict, out);
    }
    let mut best = Best::new(n, false);
    let mut dec_exponent = None;
    if let Some(ints) = integer::as_integers(values) {
        let mut b = pool::take_u8();
        integer::encode_ints(&ints, &mut b);
        best.offer(id::INTEGER, b);
        let mut b = pool::take_u8();
        decimal_entropy::encode_scaled(values, 0, &ints, &[], &mut b);
        best.offer(id::DECIMAL_ENTROPY, b);
    } else {
        dec_exponent = decimal::choose_exponent(values);
        if let Some(e) = dec_exponent {
            let mut b = pool::take_u8();
            if decimal::encode_with(values, e, &mut b) {
                best.offer(id::DECIMAL, b);
            } else {
                pool::give_u8(b);
            }
            let mut b = pool::take_u8();
            if decimal_entropy::encode_with(values, e, &mut b) {
                best.offer(id::DECIMAL_ENTROPY, b);
            } else {
                pool::give_u8(b);
            }
        }
        offer_decimal_ulp(values, &mut best);
    }
    offer_affine(values, dec_exponent, &mut best);
    if allow_dict && n >= 64 {
        let mut b = pool::take_u8();
        match dict::encode(values, level, encode_values_no_dict, &mut b) {
            Some(codec) => best.offer(codec, b),
            None => pool::give_u8(b),
        }
    }
    {
        let mut b = pool::take_u8();
        gorilla::encode(values, &mut b);
        best.offer(id::GORILLA, b);
        let mut b = pool::take_u8();
        floatint::encode(values, &mut b);
        best.offer(id::FLOAT_INT, b);
        let s = entropy::sample(values);
        let step = s.len().div_ceil(2048);
        let sp = split::choose(&s.iter().step_by(step).copied().collect::<Vec<f64>>());
        if let Some((p, _)) = sp {
            let mut b = pool::take_u8();
            if split::encode_with(values, p, &mut b) {
                best.offer(id::SPLIT, b);
            }
        }
    }
    let runs = rle::count_runs(values);
    // each run costs at most 10 + 8 bytes, at least 1 + 8
    if runs * 9 < best.len {
        let mut b = pool::take_u8();
        rle::encode(values, &mut b);
        best.offer(id::RLE, b);
    }
    #[cfg(feature = "pco")]
    {
        let mut b = pool::take_u8();
        if super::pco::encode(values, &mut b) {
            best.offer(id::PCO, b);
        } else {
            pool::give_u8(b);
        }
    }
    // Hot picks some parameters (decimal's exponent, split's) on its own
    // sample: its pick is a candidate too, so Cold is never larger than Hot
    let mut b = pool::take_u8();
    let codec = encode_hot(values, allow_dict, &mut b);
    best.offer(codec, b);
    best.finish(values, out)
}

impl Best {
    /// Writes the winner (plain if nothing beat 8 bytes per value) to `out`.
    fn finish(self, values: &[f64], out: &mut Vec<u8>) -> u8 {
        if self.codec == id::PLAIN {
            plain::encode_f64(values, out);
        } else {
            out.extend_from_slice(&self.bytes);
        }
        pool::give_u8(self.bytes);
        self.codec
    }
}

/// The Hot chooser: candidates are estimated on a sample (or encoded
/// outright where that costs about as little), and only the one that looks
/// smallest is encoded. When its real size misses the estimate so far that
/// the next one might win, that one is encoded too, and so on: a sample
/// that misleads costs time, not bytes.
fn encode_hot(values: &[f64], allow_dict: bool, out: &mut Vec<u8>) -> u8 {
    let n = values.len();
    let mut best = Best::new(n, true);
    // (estimated bytes, codec) of the candidates not encoded yet
    let mut guesses: Vec<(u64, u8)> = Vec::with_capacity(5);
    let mut dec_exponent = None;
    let guess = |best: &Best, guesses: &[(u64, u8)]| {
        guesses.iter().map(|g| g.0 as usize).min().unwrap_or(usize::MAX).min(best.len)
    };
    let mut integers = None;
    if let Some(ints) = integer::as_integers(values) {
        let mut b = pool::take_u8();
        integer::encode_ints(&ints, &mut b);
        best.offer(id::INTEGER, b);
        // the entropy-coded integers (decimal-entropy with e = 0), estimated
        // on up to 8 runs of 1024
        let est = decimal_entropy::estimate_ints_bits(&ints) / 8 + 4;
        guesses.push((est, id::DECIMAL_ENTROPY));
        integers = Some(ints);
    } else {
        let est = decimal::estimate(values);
        // decimals a few ulps off: decimal makes those exceptions (or gives
        // up); decimal-ulp is tried when one sampled value in 16 is one
        if est.as_ref().is_none_or(|e| e.sample_exceptions * 16 > e.sample_ints.len() as u64) {
            offer_decimal_ulp(values, &mut best);
        }
        if let Some(est) = est {
            dec_exponent = Some(est.e);
            guesses.push((est.bytes, id::DECIMAL));
            guesses.push((decimal_entropy::estimate_bytes(values, &est), id::DECIMAL_ENTROPY));
        }
    }
    offer_affine(values, dec_exponent, &mut best);
    let s = entropy::sample(values);
    let whole = s.len() == n;
    // Gorilla, float-int and split, only when nothing so far looks below
    // 32 bits/value: estimated on the sample (exact when it is the column)
    if guess(&best, &guesses) * 8 > n * 32 {
        let mut gb = pool::take_u8();
        gorilla::encode(&s, &mut gb);
        if whole {
            best.offer(id::GORILLA, gb);
        } else {
            guesses.push((gb.len() as u64 * n as u64 / s.len() as u64, id::GORILLA));
            pool::give_u8(gb);
        }
        if whole {
            let mut fb = pool::take_u8();
            floatint::encode(values, &mut fb);
            best.offer(id::FLOAT_INT, fb);
        } else {
            guesses.push((floatint::estimate_bytes(&s) * n as u64 / s.len() as u64, id::FLOAT_INT));
        }
        let step = s.len().div_ceil(1024);
        if let Some((_, bits)) = split::choose(&s.iter().step_by(step).copied().collect::<Vec<f64>>()) {
            guesses.push(((bits * n as f64 / 8.0) as u64 + 16, id::SPLIT));
        }
    }
    let runs = rle::count_runs(values);
    // each run costs at most 10 + 8 bytes, at least 1 + 8
    if runs * 9 < guess(&best, &guesses) {
        let mut b = pool::take_u8();
        rle::encode(values, &mut b);
        best.offer(id::RLE, b);
    }
    // the dictionary's estimate is low: it takes part in the order, but
    // not in the decisions above
    if allow_dict
        && n >= 64
        && let Some(est) = dict::estimate_low(values, &s, Level::Hot, guess(&best, &guesses) as u64)
    {
        guesses.push((est, id::DICT));
    }
    guesses.sort_unstable();
    for (est, mut codec) in guesses {
        // decimal's estimate (from the cost model on up to 8 blocks) errs
        // by some percent either way: it is encoded unless 5% above the
        // best; the others when below it
        let est = est as usize;
        let worth = if codec == id::DECIMAL { est * 20 < best.len * 21 } else { est < best.len };
        if !worth {
            continue;
        }
        let mut b = pool::take_u8();
        let ok = match codec {
            id::DECIMAL => dec_exponent.is_some_and(|e| decimal::encode_with(values, e, &mut b)),
            id::DECIMAL_ENTROPY => match (&integers, dec_exponent) {
                (Some(ints), _) => {
                    decimal_entropy::encode_scaled(values, 0, ints, &[], &mut b);
                    true
                }
                (None, Some(e)) => decimal_entropy::encode_with(values, e, &mut b),
                (None, None) => false,
            },
            id::DICT => match dict::encode(values, Level::Hot, encode_values_no_dict, &mut b) {
                Some(c) => {
                    codec = c;
                    true
                }
                None => false,
            },
            id::GORILLA => {
                gorilla::encode(values, &mut b);
                true
            }
            id::FLOAT_INT => {
                floatint::encode(values, &mut b);
                true
            }
            id::SPLIT => {
                let step = s.len().div_ceil(1024);
                split::choose(&s.iter().step_by(step).copied().collect::<Vec<f64>>())
                    .is_some_and(|(p, _)| split::encode_with(values, p, &mut b))
            }
            _ => false,
        };
        if ok {
            best.offer(codec, b);
        } else {
            pool::give_u8(b);
        }
    }
    best.finish(values, out)
}

/// Decimals a few ulps off (both choosers): encoded when an exponent fits
/// (see `decimal_ulp::choose_exponent`).
fn offer_decimal_ulp(values: &[f64], best: &mut Best) {
    if let Some(e) = decimal_ulp::choose_exponent(values) {
        let mut b = pool::take_u8();
        if decimal_ulp::encode_with(values, e, &mut b) {
            best.offer(id::DECIMAL_ULP, b);
        } else {
            pool::give_u8(b);
        }
    }
}

/// Decimal-looking data generated as `start + i * step` (both choosers):
/// encoded only when the first values fit that model.
fn offer_affine(values: &[f64], dec_exponent: Option<u8>, best: &mut Best) {
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
}
