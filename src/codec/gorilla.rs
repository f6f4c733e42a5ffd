//! Codec 2, `gorilla`: Facebook Gorilla XOR compression (VLDB 2015), the
//! general fallback for floats.
//!
//! Bits: SPEC.md §4.5 "gorilla (id 2)".

use super::bits::{BitReader, BitWriter};
use super::{CodecError, codec_err};

pub fn encode(values: &[f64], out: &mut Vec<u8>) {
    let Some(first) = values.first() else { return };
    out.reserve(values.len() * 2);
    let mut w = BitWriter::new(out);
    let mut prev = first.to_bits();
    w.write(prev, 64);
    let (mut plead, mut ptrail) = (0u32, 0u32);
    for v in &values[1..] {
        let bits = v.to_bits();
        let x = bits ^ prev;
        prev = bits;
        if x == 0 {
            w.write(0, 1);
            continue;
        }
        let lead = x.leading_zeros().min(31);
        let trail = x.trailing_zeros();
        let pmlen = 64 - plead - ptrail;
        let mlen = 64 - lead - trail;
        if lead >= plead && trail >= ptrail && pmlen <= mlen + 13 {
            w.write(0b01, 2);
            w.write(x >> ptrail, pmlen);
        } else {
            let hdr = 0b11 | (u64::from(lead) << 2) | (u64::from(mlen & 63) << 7);
            w.write(hdr, 13);
            w.write(x >> trail, mlen);
            plead = lead;
            ptrail = trail;
        }
    }
    w.finish();
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    if n == 0 {
        return if data.is_empty() { Ok(()) } else { Err(codec_err("gorilla: data for zero values")) };
    }
    // every value after the first takes at least one bit
    if (n - 1) / 8 + 8 > data.len() {
        return Err(codec_err(format!("gorilla: {} bytes cannot hold {n} values", data.len())));
    }
    out.reserve(n);
    let mut r = BitReader::new(data);
    let mut prev = r.read(64)?;
    out.push(f64::from_bits(prev));
    let (mut trail, mut mlen) = (0u32, 64u32);
    for _ in 1..n {
        let c = r.read(1)?;
        if c != 0 {
            if r.read(1)? != 0 {
                let h = r.read(11)? as u32;
                let lead = h & 31;
                let m = h >> 5;
                mlen = if m == 0 { 64 } else { m };
                if lead + mlen > 64 {
                    return Err(codec_err("gorilla: window wider than 64 bits"));
                }
                trail = 64 - lead - mlen;
            }
            prev ^= r.read(mlen)? << trail;
        }
        out.push(f64::from_bits(prev));
    }
    if r.bits_left() >= 8 {
        return Err(codec_err("gorilla: trailing bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    #[test]
    fn edge_cases() {
        assert_eq!(round_trip_always(&[], encode, decode), 0);
        assert_eq!(round_trip_always(&[1.5], encode, decode), 8);
        round_trip_always(&[f64::NAN; 100], encode, decode);
        round_trip_always(
            &[
                f64::NAN,
                -0.0,
                0.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                5e-324,
                f64::from_bits(0x7ff0_0000_dead_beef),
                f64::MAX,
                f64::MIN,
                1.0,
            ],
            encode,
            decode,
        );
        round_trip_always(
            &[0.0, f64::from_bits(u64::MAX), 0.0, f64::from_bits(1), f64::from_bits(1 << 63)],
            encode,
            decode,
        );
        let v: Vec<f64> = (0..10_000).map(|i| (i as f64 * 0.01).sin()).collect();
        round_trip_always(&v, encode, decode);
    }

    #[test]
    fn repeated_values_cost_one_bit() {
        let n = round_trip_always(&[3.25; 8001], encode, decode);
        assert_eq!(n, 8 + 1000);
    }

    #[test]
    fn corrupt_inputs_error() {
        let v: Vec<f64> = (0..500).map(|i| (i as f64).sqrt()).collect();
        let mut buf = Vec::new();
        encode(&v, &mut buf);
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err(), "cut {cut}");
        }
        assert!(decode(&buf, v.len() + 1000, &mut Vec::new()).is_err());
        assert!(decode(&buf, 0, &mut Vec::new()).is_err());
        let mut longer = buf.clone();
        longer.push(0);
        assert!(decode(&longer, v.len(), &mut Vec::new()).is_err());
    }

    proptest! {
        #[test]
        fn prop_bits(bits in proptest::collection::vec(any::<u64>(), 0..2000)) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            round_trip_always(&v, encode, decode);
        }

        #[test]
        fn prop_smooth(start in -1e6f64..1e6, steps in proptest::collection::vec(-2i32..3, 0..2000)) {
            let mut x = start;
            let v: Vec<f64> = steps.iter().map(|&s| { x += f64::from(s) * 0.1; x }).collect();
            round_trip_always(&v, encode, decode);
        }
    }
}
