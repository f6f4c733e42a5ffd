//! Feeds arbitrary bytes, codec id and row count to both decoders.
//! Run with `cargo +nightly fuzz run decode` from the crate root.
//!
//! Input layout: byte 0 = codec id (any byte, so every id is reached:
//! ts-period 13, dict-entropy 14 and decimal-entropy 15 included), bytes
//! 1..4 = n (u24 LE, taken modulo 100_000), the rest = the encoded column.
//! Properties: no panic, no hang, and on success exactly `n` values; a
//! successfully decoded value column also survives a re-encode round trip
//! bit-exactly.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nanots::codec::{
    Level, decode_shared_dict, decode_timestamps, decode_values, decode_values_shared, encode_timestamps,
    encode_values,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let codec = data[0];
    let n = u32::from_le_bytes([data[1], data[2], data[3], 0]) as usize % 100_000;
    let payload = &data[4..];

    let mut values = Vec::new();
    if decode_values(codec, payload, n, &mut values).is_ok() {
        assert_eq!(values.len(), n);
        for level in [Level::Hot, Level::Cold] {
            let mut buf = Vec::new();
            let c = encode_values(&values, level, &mut buf);
            let mut again = Vec::new();
            decode_values(c, &buf, n, &mut again).expect("re-encoded column decodes");
            assert!(
                values
                    .iter()
                    .zip(&again)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
    }

    // A blocked segment's shared dictionary (a prelude) and its indices.
    if let Ok(dict) = decode_shared_dict(payload, n.max(1)) {
        assert!(!dict.is_empty() && dict.len() <= n.max(1));
    }
    let mut shared = Vec::new();
    if decode_values_shared(codec, payload, n, Some(&[1.5, -0.0, f64::NAN]), &mut shared).is_ok() {
        assert_eq!(shared.len(), n);
    }

    let mut ts = Vec::new();
    if decode_timestamps(codec, payload, n, &mut ts).is_ok() {
        assert_eq!(ts.len(), n);
        let mut buf = Vec::new();
        let c = encode_timestamps(&ts, &mut buf);
        let mut again = Vec::new();
        decode_timestamps(c, &buf, n, &mut again).expect("re-encoded timestamps decode");
        assert_eq!(ts, again);
    }
});
