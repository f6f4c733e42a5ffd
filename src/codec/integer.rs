//! Codec 3, `integer`: floats that are all integral (not -0.0, within
//! +-2^53) stored as i64 in an integer stream.
//!
//! Bytes: SPEC.md §4.6 "integer (id 3)".

use super::CodecError;
use super::bits::{Cursor, stream};

/// Largest magnitude the integer codec accepts (every integer up to it is
/// exactly representable).
pub const LIMIT: f64 = 9007199254740992.0; // 2^53

/// Returns the values as i64 if every one is integral, not -0.0 and within
/// +-2^53.
pub fn as_integers(values: &[f64]) -> Option<Vec<i64>> {
    let mut ints = Vec::with_capacity(values.len());
    for &v in values {
        if v.is_nan() || v.abs() > LIMIT || v.trunc() != v || v.to_bits() == (-0.0f64).to_bits() {
            return None;
        }
        ints.push(v as i64);
    }
    Some(ints)
}

pub fn encode_ints(ints: &[i64], out: &mut Vec<u8>) {
    stream::encode(ints, stream::choose_mode(ints), out);
}

const MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52
const MAGIC_BITS: i64 = 0x4338_0000_0000_0000; // bits of MAGIC
const FAST: i64 = 1 << 51;

/// Whether every value is within [-2^51, 2^51) (branch-free, vectorizable).
#[inline(always)]
fn fits_fast(b: &[i64]) -> bool {
    let acc = b.iter().fold(0u64, |acc, &x| acc | x.wrapping_add(FAST) as u64);
    acc >> 52 == 0
}

/// Appends `i as f64` for every i (vectorizable when all |i| < 2^51).
/// Appended by `extend` over the input, not written into zeroed space:
/// zeroing first cost a pass over the output.
#[inline(always)]
pub fn ints_to_f64(b: &[i64], out: &mut Vec<f64>) {
    if fits_fast(b) {
        out.extend(b.iter().map(|&i| f64::from_bits(i.wrapping_add(MAGIC_BITS) as u64) - MAGIC));
    } else {
        out.extend(b.iter().map(|&i| i as f64));
    }
}

/// Appends `i as f64 / div` for every i.
#[inline(always)]
pub fn ints_div_to_f64(b: &[i64], div: f64, out: &mut Vec<f64>) {
    if fits_fast(b) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { div_fast_avx2(out, b, div) };
            return;
        }
        div_fast(out, b, div);
    } else {
        out.extend(b.iter().map(|&i| i as f64 / div));
    }
}

#[inline(always)]
fn div_fast(out: &mut Vec<f64>, b: &[i64], div: f64) {
    out.extend(b.iter().map(|&i| (f64::from_bits(i.wrapping_add(MAGIC_BITS) as u64) - MAGIC) / div));
}

/// `div_fast` compiled for AVX2 (4-wide division): the division is the
/// bottleneck of decimal decoding.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn div_fast_avx2(out: &mut Vec<f64>, b: &[i64], div: f64) {
    div_fast(out, b, div)
}

/// Appends `base + (i as f64) * step` for every i (codec 14, `affine`:
/// the same two roundings whichever way `i as f64` is computed). With the
/// exact conversion of [`ints_to_f64`] when every |i| < 2^51, which
/// vectorizes (`i64 as f64` has no vector instruction before AVX-512): the
/// scalar conversion was most of an affine column's decoding after its
/// integer stream.
#[inline(always)]
pub fn ints_affine_to_f64(b: &[i64], base: f64, step: f64, out: &mut Vec<f64>) {
    if fits_fast(b) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { affine_fast_avx2(out, b, base, step) };
            return;
        }
        affine_fast(out, b, base, step);
    } else {
        out.extend(b.iter().map(|&i| base + (i as f64) * step));
    }
}

#[inline(always)]
fn affine_fast(out: &mut Vec<f64>, b: &[i64], base: f64, step: f64) {
    out.extend(b.iter().map(|&i| base + (f64::from_bits(i.wrapping_add(MAGIC_BITS) as u64) - MAGIC) * step));
}

/// `affine_fast` compiled for AVX2 (four values per instruction; no FMA,
/// whose single rounding would change the values).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn affine_fast_avx2(out: &mut Vec<f64>, b: &[i64], base: f64, step: f64) {
    affine_fast(out, b, base, step)
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    out.reserve(n);
    stream::decode(&mut cur, n, |b| ints_to_f64(b, out))?;
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    /// The encoder side of the codec for values that are all integral.
    fn encode_integral(values: &[f64], out: &mut Vec<u8>) {
        encode_ints(&as_integers(values).expect("integral values"), out);
    }

    #[test]
    fn acceptance() {
        assert!(as_integers(&[1.0, -0.0]).is_none());
        assert!(as_integers(&[f64::NAN]).is_none());
        assert!(as_integers(&[f64::INFINITY]).is_none());
        assert!(as_integers(&[0.5]).is_none());
        assert!(as_integers(&[LIMIT * 2.0]).is_none());
        assert_eq!(as_integers(&[LIMIT, -LIMIT, 0.0]).unwrap(), vec![1 << 53, -(1 << 53), 0]);
    }

    #[test]
    fn edge_cases() {
        round_trip_always(&[], encode_integral, decode);
        round_trip_always(&[7.0], encode_integral, decode);
        round_trip_always(&[LIMIT, -LIMIT, 0.0, 1.0, -1.0, LIMIT - 1.0], encode_integral, decode);
        let v: Vec<f64> = (0..5000).map(|i| f64::from(i * 3 % 17)).collect();
        assert!(round_trip_always(&v, encode_integral, decode) < 5000 * 5 / 8 + 100);
        let v: Vec<f64> = (0..5000).map(|i| f64::from(1_000_000 + i)).collect();
        assert!(round_trip_always(&v, encode_integral, decode) < 100);
        let v: Vec<f64> = (0..3000).map(|i| ((i as f64) * 1e12).min(LIMIT)).collect();
        round_trip_always(&v, encode_integral, decode);
    }

    /// The affine conversion, dispatched and portable, bit for bit against
    /// `base + (i as f64) * step`: small and huge integers (the fast
    /// conversion's bound, 2^51, on both sides), odd steps and bases.
    #[test]
    fn affine_conversion_is_exact() {
        let small: Vec<i64> = (-3000..3000).map(|i| i * 7919).collect();
        let mut huge = small.clone();
        for edge in [1i64 << 51, (1 << 51) - 1, -(1 << 51), -(1 << 51) - 1, 1 << 53, i64::MAX, i64::MIN] {
            huge.extend([edge, edge.wrapping_add(1), edge.wrapping_sub(1)]);
        }
        let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (base, step) in
            [(25.0, 0.001), (-3.5, 0.25), (1e15, 1e-3), (0.1, 1e-18), (f64::MIN_POSITIVE, 3.0)]
        {
            let want = |ints: &[i64]| bits(ints.iter().map(|&i| base + (i as f64) * step).collect());
            for ints in [&small[..], &small[17..4000], &huge[..]] {
                let mut got = Vec::new();
                ints_affine_to_f64(ints, base, step, &mut got);
                assert_eq!(bits(got), want(ints), "{base} {step}");
            }
            let mut portable = Vec::new();
            affine_fast(&mut portable, &small, base, step);
            assert_eq!(bits(portable), want(&small), "{base} {step}");
        }
    }

    #[test]
    fn corrupt_inputs_error() {
        let v: Vec<f64> = (0..3000).map(|i| f64::from(i * 37 % 1001)).collect();
        let mut buf = Vec::new();
        encode_ints(&as_integers(&v).unwrap(), &mut buf);
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
    }

    proptest! {
        #[test]
        fn prop_ints(ints in proptest::collection::vec(-(1i64 << 53)..=(1i64 << 53), 0..3000)) {
            let v: Vec<f64> = ints.iter().map(|&i| i as f64).collect();
            round_trip_always(&v, encode_integral, decode);
        }

        #[test]
        fn prop_any_i64_stream_converts_like_as(ints in proptest::collection::vec(any::<i64>(), 0..2000)) {
            let mut buf = Vec::new();
            encode_ints(&ints, &mut buf);
            let mut out = Vec::new();
            decode(&buf, ints.len(), &mut out).unwrap();
            let want: Vec<u64> = ints.iter().map(|&i| (i as f64).to_bits()).collect();
            let got: Vec<u64> = out.iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(got, want);
        }
    }
}
