//! Codec 6, `rle`: run-length encoding for flat columns.
//!
//! Bytes: SPEC.md §4.9 "rle (id 6)".

use super::bits::{Cursor, put_varint};
use super::{CodecError, codec_err};

/// Number of runs of bit-identical values.
pub fn count_runs(values: &[f64]) -> usize {
    if values.is_empty() {
        return 0;
    }
    1 + values.windows(2).filter(|w| w[0].to_bits() != w[1].to_bits()).count()
}

pub fn encode(values: &[f64], out: &mut Vec<u8>) {
    put_varint(out, count_runs(values) as u64);
    let mut i = 0;
    while i < values.len() {
        let b = values[i].to_bits();
        let mut j = i + 1;
        while j < values.len() && values[j].to_bits() == b {
            j += 1;
        }
        put_varint(out, (j - i) as u64);
        out.extend_from_slice(&b.to_le_bytes());
        i = j;
    }
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let runs = cur.varint()?;
    if runs > n as u64 || runs.saturating_mul(9) > cur.remaining() as u64 {
        return Err(codec_err(format!("rle: bad run count {runs} for {n} values")));
    }
    out.reserve(n);
    let mut left = n as u64;
    for _ in 0..runs {
        let len = cur.varint()?;
        if len == 0 || len > left {
            return Err(codec_err("rle: run length out of range"));
        }
        let v = f64::from_bits(cur.u64()?);
        out.resize(out.len() + len as usize, v);
        left -= len;
    }
    if left != 0 {
        return Err(codec_err("rle: runs do not cover n values"));
    }
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    #[test]
    fn runs_and_errors() {
        assert_eq!(round_trip_always(&[], encode, decode), 1);
        assert_eq!(round_trip_always(&[f64::NAN; 1000], encode, decode), 1 + 2 + 8);
        let mut v = vec![1.0; 500];
        v.extend([-0.0; 300]);
        v.extend([0.0; 300]);
        assert_eq!(count_runs(&v), 3);
        let size = round_trip_always(&v, encode, decode);
        let mut buf = Vec::new();
        encode(&v, &mut buf);
        for cut in 0..size {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
        }
        assert!(decode(&buf, v.len() + 1, &mut Vec::new()).is_err());
        assert!(decode(&buf, v.len() - 1, &mut Vec::new()).is_err());
    }

    proptest! {
        #[test]
        fn prop_runs(runs in proptest::collection::vec((any::<u64>(), 1usize..50), 0..100)) {
            let v: Vec<f64> = runs.iter().flat_map(|&(b, k)| std::iter::repeat_n(f64::from_bits(b), k)).collect();
            round_trip_always(&v, encode, decode);
        }
    }
}
