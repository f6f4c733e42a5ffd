//! Codec 1, plain: each value as 8 little-endian bytes. The fallback for
//! data no other codec shrinks, and the simplest thing a reader can check.
//!
//! Bytes: SPEC.md §4.4 "plain (id 1)".

use super::{CodecError, codec_err};

pub fn encode_i64(values: &[i64], out: &mut Vec<u8>) {
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

pub fn encode_f64(values: &[f64], out: &mut Vec<u8>) {
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
}

fn check_len(data: &[u8], n: usize) -> Result<(), CodecError> {
    match n.checked_mul(8) {
        Some(len) if len == data.len() => Ok(()),
        _ => Err(codec_err(format!("plain codec: {} bytes cannot hold {n} values", data.len()))),
    }
}

pub fn decode_i64(data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
    check_len(data, n)?;
    out.extend(data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("chunks_exact(8)"))));
    Ok(())
}

pub fn decode_f64(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    check_len(data, n)?;
    out.extend(
        data.chunks_exact(8)
            .map(|c| f64::from_bits(u64::from_le_bytes(c.try_into().expect("chunks_exact(8)")))),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn prop_round_trip(vals in proptest::collection::vec(any::<i64>(), 0..1000)) {
            prop_assert_eq!(round_trip_always(&vals, encode_i64, decode_i64), vals.len() * 8);
            let f: Vec<f64> = vals.iter().map(|&b| f64::from_bits(b as u64)).collect();
            prop_assert_eq!(round_trip_always(&f, encode_f64, decode_f64), f.len() * 8);
            // an i64 and the f64 with the same bits are the same 8 bytes
            let mut buf = Vec::new();
            encode_i64(&vals, &mut buf);
            let mut buf2 = Vec::new();
            encode_f64(&f, &mut buf2);
            prop_assert_eq!(&buf2, &buf);
        }
    }

    #[test]
    fn round_trip_special_values_bit_exact() {
        let vals =
            [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, f64::from_bits(0x7ff0_0000_dead_beef)];
        assert_eq!(round_trip_always(&vals, encode_f64, decode_f64), vals.len() * 8);
    }

    #[test]
    fn wrong_length_is_an_error() {
        let mut out = Vec::new();
        assert!(decode_i64(&[0u8; 15], 2, &mut out).is_err());
        assert!(decode_i64(&[0u8; 16], usize::MAX, &mut out).is_err());
        assert!(out.is_empty());
    }
}
