//! Codec 16, `decimal-ulp`: decimals that arithmetic left a few ulps off
//! (`45.751999999999995`, `46.476000000000006`: sums and averages of
//! 3-decimal readings). Each value is the nearest decimal `i / 10^e` plus a
//! small difference of bit patterns; the decimals are stored as in codec 15
//! (`decimal_entropy.rs`), the differences in a second entropy stream,
//! where exact decimals cost about nothing.
//!
//! Bytes: SPEC.md §4.20 "decimal-ulp (id 16)".

use super::bits::{Cursor, entropy, pool, unzigzag, zigzag};
use super::decimal::{FAST, MAGIC, MAX_E, POW10, patch_exceptions};
use super::{CodecError, codec_err, decimal_entropy};

/// Largest difference in ulps the encoder stores (larger: an exception).
const MAX_ULPS: i64 = 1 << 16;
/// Largest difference the exponent choice counts as fitting.
const FIT_ULPS: i64 = 8;

/// The nearest integer of `v × 10^e` and the difference of `v`'s bit
/// pattern from that of `i / 10^e`, if `v` is finite, not -0.0, within
/// range and at most `max_ulps` away.
#[inline]
fn split(v: f64, e: usize, max_ulps: i64) -> Option<(i64, i64)> {
    let p = POW10[e];
    let x = v * p;
    if !x.is_finite() || x.abs() >= FAST || v.to_bits() == (-0.0f64).to_bits() {
        return None;
    }
    let i = ((x + MAGIC) - MAGIC) as i64;
    let b = (i as f64) / p;
    let r = (v.to_bits() as i64).wrapping_sub(b.to_bits() as i64);
    (r.abs() <= max_ulps).then_some((i, r))
}

/// The smallest exponent at which at least 15 in 16 of up to 256 values
/// spread over `values` are within [`FIT_ULPS`] of a decimal, and not all of
/// them exactly (that is codec 4's or 15's case).
pub fn choose_exponent(values: &[f64]) -> Option<u8> {
    let step = values.len().div_ceil(256).max(1);
    let sample: Vec<f64> = values.iter().step_by(step).copied().collect();
    if sample.is_empty() {
        return None;
    }
    for e in 0..=MAX_E as usize {
        let mut fit = 0;
        let mut off = 0;
        for &v in &sample {
            if let Some((_, r)) = split(v, e, FIT_ULPS) {
                fit += 1;
                off += usize::from(r != 0);
            }
        }
        if fit * 16 >= sample.len() * 15 {
            return (off > 0).then_some(e as u8);
        }
    }
    None
}

/// Encodes with exponent `e`; false (nothing written) if more than half the
/// values would be exceptions.
pub fn encode_with(values: &[f64], e: u8, out: &mut Vec<u8>) -> bool {
    let n = values.len();
    let mut ints = pool::take_i64();
    ints.reserve(n);
    let mut ulps: Vec<u64> = Vec::with_capacity(n);
    let mut exc_pos: Vec<u32> = Vec::new();
    let mut prev = 0i64;
    for (k, &v) in values.iter().enumerate() {
        match split(v, e as usize, MAX_ULPS) {
            Some((i, r)) => {
                ints.push(i);
                ulps.push(zigzag(r));
                prev = i;
            }
            None => {
                exc_pos.push(k as u32);
                ints.push(prev);
                ulps.push(0);
            }
        }
    }
    if exc_pos.len() * 2 > n {
        pool::give_i64(ints);
        return false;
    }
    decimal_entropy::encode_scaled(values, e, &ints, &exc_pos, out);
    let d = entropy::choose_direct(&ulps, 64);
    entropy::encode(&ulps, d, out);
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
    let start = out.len();
    let (pos, exc) = decimal_entropy::decode_body(&mut cur, n, out)?;
    if out.len() - start != n {
        return Err(codec_err("decimal-ulp: decimal part holds a different number of values"));
    }
    let mut k = start;
    let run = entropy::decode(&mut cur, n, |chunk| {
        for (o, &u) in out[k..k + chunk.len()].iter_mut().zip(chunk) {
            *o = f64::from_bits((o.to_bits() as i64).wrapping_add(unzigzag(u)) as u64);
        }
        k += chunk.len();
    })?;
    if let Some(u) = run {
        let r = unzigzag(u);
        for o in &mut out[start..] {
            *o = f64::from_bits((o.to_bits() as i64).wrapping_add(r) as u64);
        }
    }
    cur.finish()?;
    patch_exceptions(&mut out[start..], &pos, exc);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use proptest::prelude::*;

    /// 3-decimal readings, some summed so that they land an ulp or two off.
    fn noisy(n: usize) -> Vec<f64> {
        let mut x = 99u64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let a = 40.0 + (x % 8000) as f64 / 1000.0;
                if x.is_multiple_of(3) { a + 0.001 + 0.002 } else { a }
            })
            .collect()
    }

    #[test]
    fn round_trips_and_beats_exceptions() {
        let v = noisy(5000);
        assert_eq!(choose_exponent(&v), Some(3));
        let size = round_trip(&v, encode, decode).unwrap();
        assert!(size * 8 < 5000 * 16, "{size}");
        let mut with_specials = v.clone();
        for (k, s) in
            [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, f64::from_bits(0x7ff8_0000_dead_0001)]
                .into_iter()
                .enumerate()
        {
            with_specials[k * 101 + 7] = s;
        }
        round_trip(&with_specials, |v, b| encode_with(v, 3, b), decode).unwrap();
        // exact decimals: not this codec's case
        let exact: Vec<f64> = (0..1000).map(|i| f64::from(i) / 100.0).collect();
        assert_eq!(choose_exponent(&exact), None);
        assert_eq!(round_trip(&[], |v, b| encode_with(v, 2, b), decode), Some(1 + 1 + 1 + 3));
        round_trip(&[1.5], |v, b| encode_with(v, 1, b), decode).unwrap();
    }

    #[test]
    fn corrupt_inputs_error() {
        let v = noisy(3000);
        let mut buf = Vec::new();
        assert!(encode(&v, &mut buf));
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err(), "cut {cut}");
        }
        let mut longer = buf.clone();
        longer.push(0);
        assert!(decode(&longer, v.len(), &mut Vec::new()).is_err());
    }

    proptest! {
        #[test]
        fn prop_any_bits(bits in proptest::collection::vec(any::<u64>(), 0..2000), e in 0u8..19) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            let _ = round_trip(&v, |v, b| encode_with(v, e, b), decode);
        }

        #[test]
        fn prop_noisy_decimals(ints in proptest::collection::vec(-1_000_000i64..1_000_000, 1..3000), e in 0i32..8, ulps in proptest::collection::vec(-3i64..4, 1..3000)) {
            let v: Vec<f64> = ints.iter().zip(ulps.iter().cycle()).map(|(&i, &r)| {
                let b = i as f64 / 10f64.powi(e);
                f64::from_bits((b.to_bits() as i64).wrapping_add(r) as u64)
            }).collect();
            let _ = round_trip(&v, encode, decode);
        }

        #[test]
        fn prop_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), n in 0usize..3000) {
            let mut out = Vec::new();
            if decode(&bytes, n, &mut out).is_ok() {
                prop_assert_eq!(out.len(), n);
            }
        }
    }
}
