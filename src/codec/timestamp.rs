//! Codec 8, `ts-delta-for`: timestamps as delta (or linear-prediction
//! residual) + frame-of-reference bit-packing in blocks of 1024 with
//! exceptions: one integer stream, whose mode the encoder picks by the cost
//! model. A regular series costs almost nothing (every block has `w = 0`).
//!
//! Bytes, and what jitter and gaps cost: SPEC.md §4.11 "ts-delta-for (id 8)".

use super::CodecError;
use super::bits::{Cursor, stream};

pub fn encode(ts: &[i64], out: &mut Vec<u8>) {
    stream::encode(ts, stream::choose_mode(ts), out);
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    out.reserve(n);
    stream::decode(&mut cur, n, |b| out.extend_from_slice(b))?;
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    #[test]
    fn edge_cases() {
        assert_eq!(round_trip_always(&[], encode, decode), 1);
        round_trip_always(&[i64::MIN], encode, decode);
        round_trip_always(&[i64::MAX, i64::MIN, 0, i64::MAX, -1, i64::MIN], encode, decode);
        round_trip_always(&[5, 4, 3, 2, 1], encode, decode);
    }

    #[test]
    fn regular_costs_under_a_tenth_of_a_bit() {
        let ts: Vec<i64> = (0..100_000).map(|i| 1_700_000_000_000 + i * 1000).collect();
        let bytes = round_trip_always(&ts, encode, decode);
        assert!((bytes * 8) as f64 / ts.len() as f64 <= 0.1, "{bytes}");
    }

    #[test]
    fn jitter_and_gaps() {
        let mut x = 1u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let ts: Vec<i64> = (0..100_000).map(|i| i * 1000 + (rnd() % 3) as i64 - 1).collect();
        let bits = round_trip_always(&ts, encode, decode) as f64 * 8.0 / 1e5;
        assert!(bits < 2.2, "{bits}");
        let ts: Vec<i64> = (0..100_000).map(|i| i * 1000 + (rnd() % 101) as i64 - 50).collect();
        let bits = round_trip_always(&ts, encode, decode) as f64 * 8.0 / 1e5;
        assert!(bits < 7.2, "{bits}");
        let mut t = 0i64;
        let ts: Vec<i64> = (0..100_000)
            .map(|i| {
                t += if i % 5000 == 4999 { 3_600_000 } else { 1000 };
                t
            })
            .collect();
        let bits = round_trip_always(&ts, encode, decode) as f64 * 8.0 / 1e5;
        assert!(bits < 0.1, "{bits}");
    }

    #[test]
    fn corrupt_inputs_error() {
        let ts: Vec<i64> = (0..3000).map(|i| i * 7 + (i % 5)).collect();
        let mut buf = Vec::new();
        encode(&ts, &mut buf);
        for cut in 0..buf.len() {
            let mut out = Vec::new();
            assert!(decode(&buf[..cut], ts.len(), &mut out).is_err());
        }
        let mut out = Vec::new();
        assert!(decode(&buf, ts.len() + 2000, &mut out).is_err());
        assert!(decode(&buf, ts.len() - 1000, &mut out).is_err());
        let mut bad = buf.clone();
        bad[0] = 9;
        assert!(decode(&bad, ts.len(), &mut out).is_err());
    }

    proptest! {
        #[test]
        fn prop_any_i64(ts in proptest::collection::vec(any::<i64>(), 0..3000)) {
            round_trip_always(&ts, encode, decode);
        }

        #[test]
        fn prop_sorted_with_jitter(start in any::<i64>(), step in 0i64..100_000, jit in proptest::collection::vec(-50i64..50, 0..5000)) {
            let ts: Vec<i64> = jit.iter().enumerate().map(|(i, j)| start.wrapping_add(step.wrapping_mul(i as i64)).wrapping_add(*j)).collect();
            round_trip_always(&ts, encode, decode);
        }
    }
}
