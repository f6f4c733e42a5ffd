//! Codec 5, `constant`: every value has the same bits.
//!
//! Bytes: SPEC.md §4.8 "constant (id 5)".

use super::{CodecError, codec_err};

/// The common bit pattern, if all values share one (None for empty input).
pub fn common_bits(values: &[f64]) -> Option<u64> {
    let first = values.first()?.to_bits();
    values.iter().all(|v| v.to_bits() == first).then_some(first)
}

pub fn encode(bits: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(&bits.to_le_bytes());
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let Ok(b) = <[u8; 8]>::try_from(data) else {
        return Err(codec_err(format!("constant: expected 8 bytes, got {}", data.len())));
    };
    let v = f64::from_bits(u64::from_le_bytes(b));
    out.resize(out.len() + n, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn prop_any_bits(b in any::<u64>(), n in 0usize..5000) {
            let v = vec![f64::from_bits(b); n];
            prop_assert_eq!(common_bits(&v), if n == 0 { None } else { Some(b) });
            prop_assert_eq!(round_trip_always(&v, |_, out| encode(b, out), decode), 8);
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let nan = f64::from_bits(0xfff0_0000_0000_0001);
        assert_eq!(common_bits(&[nan, nan]), Some(nan.to_bits()));
        assert_eq!(common_bits(&[0.0, -0.0]), None);
        assert_eq!(common_bits(&[]), None);
        assert_eq!(round_trip_always(&[nan; 3], |_, out| encode(nan.to_bits(), out), decode), 8);
        let mut buf = Vec::new();
        encode(nan.to_bits(), &mut buf);
        assert!(decode(&buf[..7], 3, &mut Vec::new()).is_err());
        assert!(decode(&[0; 9], 3, &mut Vec::new()).is_err());
    }
}
