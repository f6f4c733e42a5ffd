//! Codec 7, `pco`: the cold tier, delegating to the `pco` crate
//! (Pcodec, format of pco 1.x).
//!
//! Bytes: SPEC.md §4.10 "pco (id 7)" (a pco standalone file).
//!
//! Only available with the default-on cargo feature `pco`; builds without it
//! reject this id with an error saying so.

use super::{CodecError, codec_err};

#[cfg(feature = "pco")]
pub fn encode(values: &[f64], out: &mut Vec<u8>) -> bool {
    match ::pco::standalone::simple_compress(values, &::pco::ChunkConfig::default()) {
        Ok(bytes) => {
            out.extend_from_slice(&bytes);
            true
        }
        Err(_) => false,
    }
}

#[cfg(feature = "pco")]
pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut dst = vec![0.0f64; n];
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ::pco::standalone::simple_decompress_into(data, &mut dst)
    }));
    match res {
        Ok(Ok(p)) if p.finished && p.n_processed == n => {
            out.extend_from_slice(&dst);
            Ok(())
        }
        Ok(Ok(p)) => Err(codec_err(format!(
            "pco: stream holds a different number of values than {n} (decoded {}, finished {})",
            p.n_processed, p.finished
        ))),
        Ok(Err(e)) => Err(codec_err(format!("pco: {e}"))),
        Err(_) => Err(codec_err("pco: decoder panicked on corrupt data")),
    }
}

#[cfg(not(feature = "pco"))]
pub fn decode(_data: &[u8], _n: usize, _out: &mut Vec<f64>) -> Result<(), CodecError> {
    Err(codec_err("pco codec (id 7): this build of NanoTS lacks pco support (cargo feature `pco` disabled)"))
}

#[cfg(all(test, feature = "pco"))]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn prop_any_bits(bits in proptest::collection::vec(any::<u64>(), 0..3000)) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            prop_assert!(round_trip(&v, encode, decode).is_some());
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let mut v: Vec<f64> = (0..5000).map(|i| f64::from(i % 300) / 10.0).collect();
        v[3] = f64::NAN;
        v[4] = -0.0;
        v[5] = f64::from_bits(0x7ff0_0000_dead_beef);
        round_trip(&v, encode, decode).expect("pco encodes any f64 values");
        let mut buf = Vec::new();
        assert!(encode(&v, &mut buf));
        assert!(decode(&buf, v.len() + 1, &mut Vec::new()).is_err());
        assert!(decode(&buf, v.len() - 1, &mut Vec::new()).is_err());
        for cut in (0..buf.len()).step_by(7) {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
        round_trip(&[], encode, decode).expect("pco encodes no values");
    }
}

#[cfg(all(test, not(feature = "pco")))]
mod tests {
    #[test]
    fn decode_without_feature_errors() {
        let e = super::decode(&[], 0, &mut Vec::new()).unwrap_err();
        assert!(e.0.contains("lacks pco"));
    }
}
