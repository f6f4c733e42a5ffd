//! Codec 1, plain: each value as 8 little-endian bytes. The fallback for
//! data no other codec shrinks, and the simplest thing a reader can check.

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
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn prop_round_trip(vals in proptest::collection::vec(any::<i64>(), 0..1000)) {
            let mut buf = Vec::new();
            encode_i64(&vals, &mut buf);
            let mut out = Vec::new();
            decode_i64(&buf, vals.len(), &mut out).unwrap();
            prop_assert_eq!(&out, &vals);
            let f: Vec<f64> = vals.iter().map(|&b| f64::from_bits(b as u64)).collect();
            let mut buf2 = Vec::new();
            encode_f64(&f, &mut buf2);
            prop_assert_eq!(&buf2, &buf);
            let mut outf = Vec::new();
            decode_f64(&buf2, f.len(), &mut outf).unwrap();
            prop_assert!(outf.iter().zip(&f).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn round_trip_special_values_bit_exact() {
        let vals =
            [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, f64::from_bits(0x7ff0_0000_dead_beef)];
        let mut buf = Vec::new();
        encode_f64(&vals, &mut buf);
        let mut out = Vec::new();
        decode_f64(&buf, vals.len(), &mut out).unwrap();
        let a: Vec<u64> = vals.iter().map(|v| v.to_bits()).collect();
        let b: Vec<u64> = out.iter().map(|v| v.to_bits()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn wrong_length_is_an_error() {
        let mut out = Vec::new();
        assert!(decode_i64(&[0u8; 15], 2, &mut out).is_err());
        assert!(decode_i64(&[0u8; 16], usize::MAX, &mut out).is_err());
        assert!(out.is_empty());
    }
}
