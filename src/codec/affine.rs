//! Codec 12, `affine`: values generated as `base + k * 10^-e` in floating
//! point, such as `25.0 + i * 0.001` (a start value plus a decimal step
//! times a counter). Decimal scaling (codec 4) misses many of them, because
//! `25.0 + i * 0.001` is often one ulp away from the decimal `25.xyz`;
//! replaying the same two floating-point operations reproduces them exactly.
//!
//! Bytes and decoding formula: SPEC.md §4.16 "affine (id 12)".

use super::bits::{Cursor, pool, stream};
use super::decimal::{FAST, MAGIC, MAX_E, POW10, patch_exceptions, read_exceptions, write_exceptions};
use super::integer::ints_affine_to_f64;
use super::{CodecError, codec_err};

const STEP: [f64; 19] = [
    1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
    1e-16, 1e-17, 1e-18,
];

#[inline]
fn model(base: f64, k: i64, e: usize) -> f64 {
    base + (k as f64) * STEP[e]
}

/// The counter `v` corresponds to, if the model reproduces `v` exactly.
#[inline]
fn counter(v: f64, base: f64, e: usize) -> Option<i64> {
    let x = (v - base) * POW10[e];
    if x.is_nan() || x.abs() >= FAST {
        return None;
    }
    let k = ((x + MAGIC) - MAGIC) as i64;
    (model(base, k, e).to_bits() == v.to_bits()).then_some(k)
}

/// Whether the first values fit the model well enough to try encoding.
pub fn likely(values: &[f64], e: u8) -> bool {
    if e == 0 || e > MAX_E || values.len() < 64 || !values[0].is_finite() {
        return false;
    }
    let head = &values[..values.len().min(256)];
    head.iter().filter(|&&v| counter(v, values[0], e as usize).is_some()).count() * 64 >= head.len() * 63
}

/// Encodes with exponent `e`; false (nothing written) unless at most one
/// value in 64 is an exception.
pub fn encode_with(values: &[f64], e: u8, out: &mut Vec<u8>) -> bool {
    match values.first() {
        Some(&base) => encode_with_base(values, e, base, out),
        None => false,
    }
}

/// [`encode_with`] with a given base instead of the first value: the
/// blocks of a segment encode against the segment's first value, the
/// start of a `base + i * step` series that a later block alone would
/// not reproduce (its first value is already rounded).
pub fn encode_with_base(values: &[f64], e: u8, base: f64, out: &mut Vec<u8>) -> bool {
    if e == 0 || e > MAX_E || values.is_empty() || !base.is_finite() {
        return false;
    }
    let mut ks = pool::take_i64();
    ks.reserve(values.len());
    let mut exc_pos = Vec::new();
    let mut prev = 0i64;
    for (j, &v) in values.iter().enumerate() {
        match counter(v, base, e as usize) {
            Some(k) => {
                ks.push(k);
                prev = k;
            }
            None => {
                exc_pos.push(j as u32);
                ks.push(prev);
            }
        }
    }
    if exc_pos.len() * 64 > values.len() {
        pool::give_i64(ks);
        return false;
    }
    out.push(e);
    out.extend_from_slice(&base.to_bits().to_le_bytes());
    write_exceptions(values, &exc_pos, out);
    stream::encode(&ks, stream::choose_mode(&ks), out);
    pool::give_i64(ks);
    true
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let e = cur.u8()?;
    if e == 0 || e > MAX_E {
        return Err(codec_err(format!("affine: exponent {e} not in 1..={MAX_E}")));
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(cur.bytes(8)?);
    let base = f64::from_bits(u64::from_le_bytes(b));
    let (pos, exc) = read_exceptions(&mut cur, n, "affine")?;
    let start = out.len();
    out.reserve(n);
    let step = STEP[e as usize];
    stream::decode(&mut cur, n, |ks| ints_affine_to_f64(ks, base, step, out))?;
    cur.finish()?;
    patch_exceptions(&mut out[start..], &pos, exc);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use proptest::prelude::*;

    #[test]
    fn the_reference_workload_costs_almost_nothing() {
        let v: Vec<f64> = (0..100_000).map(|i| 25.0 + i as f64 * 0.001).collect();
        assert!(likely(&v, 3));
        let size = round_trip(&v, |v, b| encode_with(v, 3, b), decode).unwrap();
        // About 3 bytes of block header per 1024 counters, no exceptions.
        assert!(size < 512, "{size} bytes");
    }

    #[test]
    fn exceptions_and_refusals() {
        let mut v: Vec<f64> = (0..1000).map(|i| -3.5 + i as f64 * 0.25).collect();
        v[10] = f64::NAN;
        v[999] = -0.0;
        assert!(round_trip(&v, |v, b| encode_with(v, 2, b), decode).is_some());
        assert_eq!(round_trip(&[f64::NAN; 100], |v, b| encode_with(v, 2, b), decode), None);
        assert_eq!(round_trip(&[1.0, 2.0], |v, b| encode_with(v, 0, b), decode), None);
        assert!(!likely(&v[..10], 2));
    }

    #[test]
    fn corrupt_inputs_error() {
        let v: Vec<f64> = (0..3000).map(|i| 1.0 + i as f64 * 0.01).collect();
        let mut buf = Vec::new();
        assert!(encode_with(&v, 2, &mut buf));
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
        let mut bad = buf.clone();
        bad[0] = 0;
        assert!(decode(&bad, v.len(), &mut Vec::new()).is_err());
    }

    proptest! {
        #[test]
        fn prop_any_bits_round_trip(bits in proptest::collection::vec(any::<u64>(), 1..300), e in 1u8..=MAX_E, base in any::<f64>(), step in 0i64..5) {
            let mut v: Vec<f64> = (0..bits.len() as i64).map(|i| base + (i * step) as f64 * STEP[e as usize]).collect();
            for (j, b) in bits.iter().enumerate().step_by(37) {
                v[j] = f64::from_bits(*b);
            }
            let _ = round_trip(&v, |v, b| encode_with(v, e, b), decode);
        }
    }
}
