//! LSB-first bit streams: a writer, a bounds-checked reader, and packing of
//! fixed-width fields. Every bit stream in NanoTS has this bit order.
//!
//! Bytes: SPEC.md §4.1 "Bit streams and varints".

use crate::codec::{CodecError, codec_err};

/// LSB-first bit writer.
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    fill: u32,
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, fill: 0 }
    }

    /// Appends the low `k` bits of `v` (`k <= 64`; `v` must have no bits
    /// above `k`).
    #[inline]
    pub fn write(&mut self, v: u64, k: u32) {
        debug_assert!(k <= 64);
        debug_assert!(k == 64 || v >> k == 0);
        if k == 0 {
            return;
        }
        self.acc |= v << self.fill;
        let total = self.fill + k;
        if total >= 64 {
            self.out.extend_from_slice(&self.acc.to_le_bytes());
            // bits of v not yet written
            self.acc = if self.fill == 0 { 0 } else { v >> (64 - self.fill) };
            self.fill = total - 64;
        } else {
            self.fill = total;
        }
    }

    /// Flushes the last partial byte(s), zero padded.
    pub fn finish(self) {
        let nbytes = self.fill.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..nbytes]);
    }
}

/// Loads 8 bytes little-endian at byte offset `at`, zero padded past the end.
#[inline]
fn load_padded(data: &[u8], at: usize) -> u64 {
    if let Some(s) = data.get(at..at + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    } else {
        let mut a = [0u8; 8];
        if at < data.len() {
            let s = &data[at..];
            a[..s.len()].copy_from_slice(s);
        }
        u64::from_le_bytes(a)
    }
}

/// LSB-first bit reader; every read is bounds checked.
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0, end: data.len().saturating_mul(8) }
    }

    /// Reads a `k`-bit field, `k <= 64`.
    #[inline]
    pub fn read(&mut self, k: u32) -> Result<u64, CodecError> {
        let k = k as usize;
        if k > 64 || self.end - self.pos < k {
            return Err(codec_err("bit stream truncated"));
        }
        let v = peek_bits(self.data, self.pos, k as u32);
        self.pos += k;
        Ok(v)
    }

    pub fn bits_left(&self) -> usize {
        self.end - self.pos
    }
}

/// Reads `k` (<= 64) bits at bit offset `pos`, zero padded past the end.
#[inline]
pub fn peek_bits(data: &[u8], pos: usize, k: u32) -> u64 {
    if k == 0 {
        return 0;
    }
    let byte = pos / 8;
    let sh = (pos % 8) as u32;
    let mut v = load_padded(data, byte) >> sh;
    if sh + k > 64 {
        let b = data.get(byte + 8).copied().unwrap_or(0);
        v |= u64::from(b) << (64 - sh);
    }
    if k == 64 { v } else { v & ((1u64 << k) - 1) }
}

/// Packs `vals` (each < 2^w) as a plain LSB-first bit stream.
pub fn pack_stream(vals: &[u64], w: u32, out: &mut Vec<u8>) {
    if w == 0 {
        return;
    }
    let mut bw = BitWriter::new(out);
    for &v in vals {
        bw.write(v, w);
    }
    bw.finish();
}

/// Unpacks `out.len()` fields of `w` bits from a plain stream whose length
/// the caller has checked (`src.len() == ceil(out.len() * w / 8)`).
pub fn unpack_stream(src: &[u8], w: u32, out: &mut [u64]) {
    if w == 0 {
        out.fill(0);
        return;
    }
    let mut pos = 0usize;
    let mut i = 0;
    if w <= 56 {
        // While a field's 8-byte window lies inside `src`, one unaligned
        // load, a shift and a mask (the field starts at most 7 bits into
        // the window, and 7 + 56 <= 64); only the last few fields need the
        // padded, bounds-checked read.
        let m = mask(w);
        let wu = w as usize;
        let fast = if src.len() >= 8 { ((src.len() - 8) * 8 / wu + 1).min(out.len()) } else { 0 };
        while i < fast {
            let byte = pos / 8;
            let word = u64::from_le_bytes(src[byte..byte + 8].try_into().expect("8 bytes"));
            out[i] = (word >> (pos % 8)) & m;
            pos += wu;
            i += 1;
        }
    }
    for o in out[i..].iter_mut() {
        *o = peek_bits(src, pos, w);
        pos += w as usize;
    }
}

/// The low `w` bits set (`w` <= 64; all 64 for `w` >= 64).
#[inline]
pub fn mask(w: u32) -> u64 {
    if w >= 64 { u64::MAX } else { (1u64 << w) - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_writer_reader() {
        let fields: Vec<(u64, u32)> =
            vec![(1, 1), (0, 1), (u64::MAX, 64), (5, 3), (0x1234, 13), (u64::MAX >> 1, 63), (0, 0), (7, 64)];
        let mut buf = Vec::new();
        let mut w = BitWriter::new(&mut buf);
        for &(v, k) in &fields {
            w.write(v, k);
        }
        w.finish();
        let total: u32 = fields.iter().map(|f| f.1).sum();
        assert_eq!(buf.len(), total.div_ceil(8) as usize);
        let mut r = BitReader::new(&buf);
        for &(v, k) in &fields {
            assert_eq!(r.read(k).unwrap(), v);
        }
        assert!(r.bits_left() < 8);
        assert!(r.read(8).is_err());
    }
}
