//! The adaptive value-codec chooser behind `encode_values`.
//!
//! Order of checks: empty -> plain (0 bytes); all bits identical ->
//! constant; all integral -> integer, else decimal (if at most half the
//! values are exceptions); dictionary (n >= 64, gives up past n/4 distinct
//! values); Gorilla when the best so far costs more than 24 bits/value
//! (always at Cold); RLE when its size (known from the run count) can win;
//! pco at Cold (feature `pco`).
//! The smallest candidate wins; plain if nothing beats 8 bytes/value.

use super::{Level, constant, decimal, dict, gorilla, id, integer, plain, rle};

struct Best {
    codec: u8,
    bytes: Vec<u8>,
    len: usize,
}

impl Best {
    fn offer(&mut self, codec: u8, bytes: Vec<u8>) {
        if bytes.len() < self.len {
            self.len = bytes.len();
            self.bytes = bytes;
            self.codec = codec;
        }
    }
}

pub fn encode_values(values: &[f64], level: Level, out: &mut Vec<u8>) -> u8 {
    encode_inner(values, level, true, out)
}

/// The chooser without the dictionary candidate (for dictionaries).
pub fn encode_values_no_dict(values: &[f64], level: Level, out: &mut Vec<u8>) -> u8 {
    encode_inner(values, level, false, out)
}

fn encode_inner(values: &[f64], level: Level, allow_dict: bool, out: &mut Vec<u8>) -> u8 {
    let n = values.len();
    if n == 0 {
        return id::PLAIN;
    }
    if let Some(b) = constant::common_bits(values) {
        constant::encode(b, out);
        return id::CONSTANT;
    }
    let mut best = Best {
        codec: id::PLAIN,
        bytes: Vec::new(),
        len: n * 8,
    };
    if let Some(ints) = integer::as_integers(values) {
        let mut b = Vec::new();
        integer::encode_ints(&ints, &mut b);
        best.offer(id::INTEGER, b);
    } else {
        let mut b = Vec::new();
        if decimal::encode(values, &mut b) {
            best.offer(id::DECIMAL, b);
        }
    }
    if allow_dict && n >= 64 {
        let mut b = Vec::new();
        if dict::encode(values, level, &mut b) {
            best.offer(id::DICT, b);
        }
    }
    if level == Level::Cold || best.len * 8 > n * 24 {
        let mut b = Vec::with_capacity(n * 4);
        gorilla::encode(values, &mut b);
        best.offer(id::GORILLA, b);
    }
    let runs = rle::count_runs(values);
    // each run costs at most 10 + 8 bytes, at least 1 + 8
    if runs * 9 < best.len {
        let mut b = Vec::new();
        rle::encode(values, &mut b);
        best.offer(id::RLE, b);
    }
    #[cfg(feature = "pco")]
    if level == Level::Cold {
        let mut b = Vec::new();
        if super::pco::encode(values, &mut b) {
            best.offer(id::PCO, b);
        }
    }
    if best.codec == id::PLAIN {
        plain::encode_f64(values, out);
    } else {
        out.extend_from_slice(&best.bytes);
    }
    best.codec
}
