//! Codec 4, `decimal`: decimal-scaled floats (the idea of ALP, SIGMOD 2023).
//!
//! For an exponent `e` (0..=18), every value `v` that equals
//! `(i as f64) / 10^e` bit-exactly for some i64 `i` (with `|v * 10^e| < 2^51`)
//! is stored as `i` in an integer stream; the others (NaN, infinities, -0.0,
//! too many digits, too large) are exceptions stored verbatim.
//!
//! Bytes and decoding formula: SPEC.md §4.7 "decimal (id 4)".

use super::bits::{BLOCK, Cursor, pool, put_varint, stream};
use super::integer::ints_div_to_f64;
use super::{CodecError, codec_err};

pub const MAX_E: u8 = 18;

pub(super) const POW10: [f64; 19] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];
pub(super) const MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52
pub(super) const FAST: f64 = 2251799813685248.0; // 2^51

/// The integer `v` scales to at exponent `e`, if it round-trips exactly.
#[inline]
fn scale(v: f64, e: usize) -> Option<i64> {
    let p = POW10[e];
    let x = v * p;
    if x.is_nan() || x.abs() >= FAST {
        return None;
    }
    let i = ((x + MAGIC) - MAGIC) as i64;
    if ((i as f64) / p).to_bits() == v.to_bits() { Some(i) } else { None }
}

/// Picks the exponent from a sample of at most 1024 values (32 runs of 32), minimizing an
/// estimated size. Returns `None` if even the best leaves more than half the
/// sample as exceptions.
pub fn choose_exponent(values: &[f64]) -> Option<u8> {
    let n = values.len();
    if n == 0 {
        return Some(0);
    }
    // 32 runs of 32 consecutive values, spread evenly
    let sample: Vec<f64> = if n <= 1024 {
        values.to_vec()
    } else {
        (0..32).flat_map(|k| &values[k * (n - 32) / 31..][..32]).copied().collect()
    };
    // quick rejection of non-decimal data: 64 values spread over the
    // sample, none of the exponents may leave more than 3/4 of them out
    let step = sample.len().div_ceil(64);
    let quick: Vec<f64> = sample.iter().step_by(step).copied().collect();
    let fits = |e: usize| quick.iter().filter(|&&v| scale(v, e).is_some()).count();
    if quick.len() >= 16 && (0..=MAX_E as usize).all(|e| fits(e) * 4 < quick.len()) {
        return None;
    }
    let mut best: Option<(u64, u8)> = None;
    let mut best_exc = usize::MAX;
    'exponents: for e in 0..=MAX_E as usize {
        let mut pass = ExponentPass::new();
        for (k, part) in sample.chunks(BOUND_EVERY).enumerate() {
            // A pass whose cost cannot fall below the best one's any more
            // cannot win, and is left once leaving it changes nothing else:
            // the choice between a sample and none is settled (some
            // exponent leaves at most half the sample out, and `best_exc`
            // only falls), and the pass has an exception (without one it
            // may end the search). At large exponents every value costs
            // 40-80 bits and such passes end after their first part; they
            // used to cost as much as the winner's.
            if k > 0
                && pass.exc > 0
                && best_exc <= sample.len() / 2
                && best.is_some_and(|(c, _)| pass.cost_at_least(sample.len() - k * BOUND_EVERY) >= c)
            {
                continue 'exponents;
            }
            for &v in part {
                pass.take(scale(v, e));
            }
        }
        let (exc, cost) = (pass.exc, pass.cost());
        if best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, e as u8));
        }
        best_exc = best_exc.min(exc);
        if exc == 0 {
            // larger exponents only widen the integers
            break;
        }
    }
    if best_exc * 2 > sample.len() {
        return None;
    }
    best.map(|(_, e)| e)
}

/// Values of a sample between two checks of [`ExponentPass::cost_at_least`].
const BOUND_EVERY: usize = 64;

/// One exponent's pass over [`choose_exponent`]'s sample: the estimated
/// size so far. Each value costs the bits of the widest range or step seen
/// among the values that scale (whichever is narrower), or 80 bits as an
/// exception.
struct ExponentPass {
    exc: usize,
    ok: usize,
    mn: i64,
    mx: i64,
    prev: i64,
    dmax: u64,
}

impl ExponentPass {
    fn new() -> ExponentPass {
        ExponentPass { exc: 0, ok: 0, mn: i64::MAX, mx: i64::MIN, prev: 0, dmax: 0 }
    }

    #[inline]
    fn take(&mut self, scaled: Option<i64>) {
        match scaled {
            Some(i) => {
                self.ok += 1;
                self.mn = self.mn.min(i);
                self.mx = self.mx.max(i);
                self.dmax = self.dmax.max(i.wrapping_sub(self.prev).unsigned_abs());
                self.prev = i;
            }
            None => self.exc += 1,
        }
    }

    /// Bits per value that scales, for the values taken so far.
    fn bits(&self) -> u64 {
        let range_bits =
            if self.ok == 0 { 0 } else { 64 - (self.mx.wrapping_sub(self.mn) as u64).leading_zeros() };
        let delta_bits = 65 - self.dmax.leading_zeros();
        u64::from(range_bits.min(delta_bits))
    }

    /// The estimated size of the values taken, in bits.
    fn cost(&self) -> u64 {
        self.ok as u64 * self.bits() + self.exc as u64 * 80
    }

    /// A lower bound of [`ExponentPass::cost`] once `rest` more values are
    /// taken: the range and the widest step only grow, so the bits per
    /// value only grow, and a value costs those bits or 80.
    fn cost_at_least(&self, rest: usize) -> u64 {
        let bits = self.bits();
        self.cost() + rest as u64 * bits.min(80)
    }
}

/// What [`estimate`] found.
pub struct Estimate {
    /// The exponent chosen.
    pub e: u8,
    /// Estimated bytes of the chunk.
    pub bytes: u64,
    /// The integers of the blocks estimated on (the previous one at an
    /// exception), for other estimates (`decimal_entropy`).
    pub sample_ints: Vec<i64>,
    /// Exceptions among them.
    pub sample_exceptions: u64,
}

/// Picks the exponent and estimates the encoded size in bytes from up to 8
/// evenly spread blocks of 1024 values, without encoding. None if the data
/// is not decimal enough.
pub fn estimate(values: &[f64]) -> Option<Estimate> {
    let e = choose_exponent(values)?;
    let n = values.len();
    let nb = n.div_ceil(BLOCK);
    let take = nb.min(8);
    let mut ints = Vec::with_capacity(take * BLOCK);
    let mut exc = 0u64;
    let mut prev = 0i64;
    for k in 0..take {
        let b = k * nb / take;
        for &v in &values[b * BLOCK..((b + 1) * BLOCK).min(n)] {
            match scale(v, e as usize) {
                Some(i) => {
                    ints.push(i);
                    prev = i;
                }
                None => {
                    exc += 1;
                    ints.push(prev);
                }
            }
        }
    }
    let m = ints.len() as u64;
    if m == 0 || exc * 2 > m {
        return None;
    }
    let bits = [stream::MODE_FOR, stream::MODE_DELTA, stream::MODE_LINEAR]
        .iter()
        .map(|&mode| stream::estimate(&ints, mode, 8))
        .min()
        .unwrap_or(u64::MAX / 2);
    let n = n as u64;
    Some(Estimate { e, bytes: (bits / 8 + exc * 10) * n / m + 4, sample_ints: ints, sample_exceptions: exc })
}

/// The integers of `values` at exponent `e` (the previous integer at an
/// exception) and the exception positions; None, as soon as it is known,
/// if more than `max_exceptions` values would be exceptions (a chunk tried
/// at another chunk's exponent is given up at its first few exceptions,
/// not after scaling every value).
pub(super) fn scale_all(values: &[f64], e: u8, max_exceptions: usize) -> Option<(Vec<i64>, Vec<u32>)> {
    let n = values.len();
    let mut ints = pool::take_i64();
    ints.reserve(n);
    let mut exc_pos: Vec<u32> = Vec::new();
    let mut prev = 0i64;
    for (k, &v) in values.iter().enumerate() {
        match scale(v, e as usize) {
            Some(i) => {
                ints.push(i);
                prev = i;
            }
            None => {
                if exc_pos.len() == max_exceptions {
                    pool::give_i64(ints);
                    return None;
                }
                exc_pos.push(k as u32);
                ints.push(prev);
            }
        }
    }
    Some((ints, exc_pos))
}

/// Encodes with exponent `e`; returns false (writing nothing) if more than
/// half the values would be exceptions.
pub fn encode_with(values: &[f64], e: u8, out: &mut Vec<u8>) -> bool {
    let Some((ints, exc_pos)) = scale_all(values, e, values.len() / 2) else { return false };
    out.push(e);
    write_exceptions(values, &exc_pos, out);
    stream::encode(&ints, stream::choose_mode(&ints), out);
    pool::give_i64(ints);
    true
}

/// Chooses the exponent and encodes; false (nothing written) if unsuitable.
pub fn encode(values: &[f64], out: &mut Vec<u8>) -> bool {
    match choose_exponent(values) {
        Some(e) => encode_with(values, e, out),
        None => false,
    }
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let e = cur.u8()?;
    if e > MAX_E {
        return Err(codec_err(format!("decimal: exponent {e} > {MAX_E}")));
    }
    let (pos, exc) = read_exceptions(&mut cur, n, "decimal")?;
    let start = out.len();
    out.reserve(n);
    let div = POW10[e as usize];
    stream::decode(&mut cur, n, |b| ints_div_to_f64(b, div, out))?;
    cur.finish()?;
    patch_exceptions(&mut out[start..], &pos, exc);
    Ok(())
}

/// Writes the exception list shared by the decimal codecs: varint count,
/// varint position gaps (first absolute, then `pos[k] - pos[k-1] - 1`),
/// then each value's 8 bytes.
pub(super) fn write_exceptions(values: &[f64], exc_pos: &[u32], out: &mut Vec<u8>) {
    put_varint(out, exc_pos.len() as u64);
    let mut last: i64 = -1;
    for &p in exc_pos {
        put_varint(out, (i64::from(p) - last - 1) as u64);
        last = i64::from(p);
    }
    for &p in exc_pos {
        out.extend_from_slice(&values[p as usize].to_bits().to_le_bytes());
    }
}

/// Reads what `write_exceptions` wrote: positions (strictly increasing,
/// below `n`) and the raw value bytes.
pub(super) fn read_exceptions<'a>(
    cur: &mut Cursor<'a>,
    n: usize,
    codec: &str,
) -> Result<(Vec<usize>, &'a [u8]), CodecError> {
    let n_exc = cur.varint()?;
    if n_exc > n as u64 || n_exc.saturating_mul(9) > cur.remaining() as u64 {
        return Err(codec_err(format!("{codec}: bad exception count {n_exc}")));
    }
    let n_exc = n_exc as usize;
    let mut pos = Vec::with_capacity(n_exc);
    let mut last: u64 = u64::MAX; // -1
    for _ in 0..n_exc {
        let gap = cur.varint()?;
        let p = last.wrapping_add(1).checked_add(gap).filter(|&p| p < n as u64);
        let Some(p) = p else {
            return Err(codec_err(format!("{codec}: exception position out of range")));
        };
        pos.push(p as usize);
        last = p;
    }
    Ok((pos, cur.bytes(n_exc * 8)?))
}

/// Overwrites the decoded values at the exception positions.
pub(super) fn patch_exceptions(dst: &mut [f64], pos: &[usize], exc: &[u8]) {
    for (p, b) in pos.iter().zip(exc.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        dst[*p] = f64::from_bits(u64::from_le_bytes(a));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use proptest::prelude::*;

    #[test]
    fn picks_smallest_exponent() {
        let v: Vec<f64> = (0..3000).map(|i| f64::from(i % 1000) / 100.0).collect();
        assert_eq!(choose_exponent(&v), Some(2));
        let v: Vec<f64> = (0..3000).map(|i| 88.5 + f64::from(i % 97) / 100000.0).collect();
        assert_eq!(choose_exponent(&v), Some(5));
        let v: Vec<f64> = vec![0.1, 0.2, 0.3];
        assert_eq!(choose_exponent(&v), Some(1));
    }

    #[test]
    fn edge_cases_and_exceptions() {
        assert_eq!(round_trip(&[], encode, decode), Some(1 + 1 + 1));
        round_trip(&[0.5], encode, decode).unwrap();
        let mut v: Vec<f64> = (0..5000).map(|i| f64::from(i % 300 - 70) / 10.0).collect();
        v[0] = f64::NAN;
        v[17] = -0.0;
        v[1024] = f64::INFINITY;
        v[1025] = f64::NEG_INFINITY;
        v[4999] = f64::from_bits(0x7ff0_0000_dead_beef);
        v[3000] = std::f64::consts::PI;
        v[3001] = 5e-324;
        let size = round_trip(&v, encode, decode).unwrap();
        assert!(size < 5000 * 12 / 8 + 120, "{size}");
        // all NaN: not suitable
        assert_eq!(round_trip(&[f64::NAN; 100], encode, decode), None);
        assert_eq!(round_trip(&[1e300, 1e300], encode, decode), None);
    }

    #[test]
    fn corrupt_inputs_error() {
        let mut v: Vec<f64> = (0..3000).map(|i| f64::from(i % 1000) / 100.0).collect();
        v[5] = f64::NAN;
        let mut buf = Vec::new();
        assert!(encode(&v, &mut buf));
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
        let mut bad = buf.clone();
        bad[0] = 19;
        assert!(decode(&bad, v.len(), &mut Vec::new()).is_err());
        let mut bad = buf.clone();
        bad[1] = 0x7f;
        assert!(decode(&bad, v.len(), &mut Vec::new()).is_err());
    }

    proptest! {
        #[test]
        fn prop_decimals(ints in proptest::collection::vec(-10_000_000i64..10_000_000, 1..3000), e in 0usize..8, specials in proptest::collection::vec((any::<usize>(), any::<u64>()), 0..20)) {
            let mut v: Vec<f64> = ints.iter().map(|&i| i as f64 / POW10[e]).collect();
            let len = v.len();
            for (p, b) in specials {
                v[p % len] = f64::from_bits(b);
            }
            let _ = round_trip(&v, encode, decode);
        }

        #[test]
        fn prop_any_bits_with_forced_exponent(bits in proptest::collection::vec(any::<u64>(), 0..500), e in 0u8..=MAX_E) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            let _ = round_trip(&v, |v, b| encode_with(v, e, b), decode);
        }
    }
}
