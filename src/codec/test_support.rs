//! The round trip every codec unit test runs, in one place, so that every
//! codec is held to the same meaning of "decodes what it encoded": the
//! encoder only appends (and appends nothing when it refuses the values),
//! the decoder only appends after what its output already holds, and the
//! values come back bit for bit (NaN payloads and -0.0 included).

use super::CodecError;

/// An element type a codec encodes: f64 values or i64 timestamps and
/// integers, compared by bit pattern.
pub(crate) trait Sample: Copy {
    /// Placed in the output before a decoder runs; it must stay untouched.
    const SENTINEL: Self;
    /// The bit pattern the round trip must preserve.
    fn bits(self) -> u64;
}

impl Sample for f64 {
    const SENTINEL: f64 = 0.5;
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl Sample for i64 {
    const SENTINEL: i64 = 42;
    fn bits(self) -> u64 {
        self as u64
    }
}

/// Byte already in the encoder's output buffer; it must stay untouched.
const PREFIX: u8 = 0xAA;

/// Encodes `vals` with `encode`, which returns false if its codec cannot
/// represent them, then decodes the bytes with `decode` and asserts the
/// contract above. Returns the encoded size in bytes, or None if `encode`
/// refused.
pub(crate) fn round_trip<T: Sample>(
    vals: &[T],
    encode: impl FnOnce(&[T], &mut Vec<u8>) -> bool,
    decode: impl FnOnce(&[u8], usize, &mut Vec<T>) -> Result<(), CodecError>,
) -> Option<usize> {
    let mut buf = vec![PREFIX];
    if !encode(vals, &mut buf) {
        assert_eq!(buf, [PREFIX], "an encoder that refuses the values writes nothing");
        return None;
    }
    assert_eq!(buf[0], PREFIX, "encoder overwrote what was before its output");
    let encoded = &buf[1..];
    let mut out = vec![T::SENTINEL];
    decode(encoded, vals.len(), &mut out).expect("decodes what it encoded");
    assert_eq!(out[0].bits(), T::SENTINEL.bits(), "decoder overwrote what was before its output");
    let want: Vec<u64> = vals.iter().map(|v| v.bits()).collect();
    let got: Vec<u64> = out[1..].iter().map(|v| v.bits()).collect();
    assert_eq!(got, want, "decoded bit patterns differ from the encoded ones");
    Some(encoded.len())
}

/// [`round_trip`] for an encoder that accepts any values. Returns the
/// encoded size in bytes.
pub(crate) fn round_trip_always<T: Sample>(
    vals: &[T],
    encode: impl FnOnce(&[T], &mut Vec<u8>),
    decode: impl FnOnce(&[u8], usize, &mut Vec<T>) -> Result<(), CodecError>,
) -> usize {
    let accepted = |v: &[T], out: &mut Vec<u8>| {
        encode(v, out);
        true
    };
    round_trip(vals, accepted, decode).expect("this encoder accepts any values")
}
