//! Codec 10, `float-int`: the floats' bit patterns mapped to order-preserving
//! i64 and stored as an integer stream. For high-precision data where
//! neither decimal scaling nor a dictionary applies: close values have close
//! integers, so FOR or delta + FOR packs them in fewer bits than Gorilla.
//!
//! Bytes and the mapping: SPEC.md §4.13 "float-int (id 10)".

use super::CodecError;
use super::bits::{Cursor, pool, stream};

/// The order-preserving, self-inverse map between f64 bits and i64.
#[inline(always)]
fn map(b: u64) -> u64 {
    b ^ ((((b as i64) >> 63) as u64) >> 1)
}

pub fn encode(values: &[f64], out: &mut Vec<u8>) {
    let mut ints = pool::take_i64();
    ints.extend(values.iter().map(|v| map(v.to_bits()) as i64));
    stream::encode(&ints, stream::choose_mode(&ints), out);
    pool::give_i64(ints);
}

/// Estimated encoded size in bytes (cost model, no encoding).
pub fn estimate_bytes(values: &[f64]) -> u64 {
    let ints: Vec<i64> = values.iter().map(|v| map(v.to_bits()) as i64).collect();
    let f = stream::estimate(&ints, stream::MODE_FOR, 8);
    let d = stream::estimate(&ints, stream::MODE_DELTA, 8);
    f.min(d) / 8 + 9
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    out.reserve(n);
    stream::decode(&mut cur, n, |b| {
        out.extend(b.iter().map(|&s| f64::from_bits(map(s as u64))));
    })?;
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    #[test]
    fn map_is_order_preserving_and_self_inverse() {
        let mut v = [f64::NEG_INFINITY, -1.5, -5e-324, -0.0, 0.0, 5e-324, 1.0, 2.0, f64::INFINITY];
        v.sort_by(f64::total_cmp);
        let m: Vec<i64> = v.iter().map(|x| map(x.to_bits()) as i64).collect();
        assert!(m.windows(2).all(|w| w[0] < w[1]));
        for x in v {
            assert_eq!(map(map(x.to_bits())), x.to_bits());
        }
    }

    #[test]
    fn round_trips_and_errors() {
        assert_eq!(round_trip_always(&[], encode, decode), 1);
        round_trip_always(
            &[f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, f64::MAX, f64::MIN],
            encode,
            decode,
        );
        let v: Vec<f64> = (0..5000).map(|i| 0.5 + (f64::from(i) * 0.37).sin() * 1e-3).collect();
        let size = round_trip_always(&v, encode, decode);
        assert!(size * 8 < 5000 * 50, "{size}");
        let mut buf = Vec::new();
        encode(&v, &mut buf);
        for cut in (0..buf.len()).step_by(5) {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
    }

    proptest! {
        #[test]
        fn prop_bits(bits in proptest::collection::vec(any::<u64>(), 0..2000)) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            round_trip_always(&v, encode, decode);
        }
    }
}
