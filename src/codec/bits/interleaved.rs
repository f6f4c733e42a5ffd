//! The packed offsets of a full FOR block, interleaved over 16 lanes so that
//! the decoder unpacks 16 values at once (with SIMD); a partial block is a
//! plain bit stream instead.
//!
//! Bytes: SPEC.md §4.2 "FOR block" (`packed` layout).

use super::BLOCK;
use super::bit_io::mask;

const LANES: usize = 16;
const ROWS: usize = BLOCK / LANES;

/// Packs a full block of 1024 values (each < 2^w) in the interleaved layout.
pub fn pack_block(vals: &[u64; BLOCK], w: u32, out: &mut Vec<u8>) {
    if w == 0 {
        return;
    }
    let w = w as usize;
    let mut buf = [0u64; LANES * 64];
    let words = &mut buf[..LANES * w];
    for r in 0..ROWS {
        let bit = r * w;
        let wi = bit / 64;
        let sh = bit % 64;
        for l in 0..LANES {
            let v = vals[r * LANES + l];
            words[wi * LANES + l] |= v << sh;
            if sh + w > 64 {
                words[(wi + 1) * LANES + l] |= v >> (64 - sh);
            }
        }
    }
    out.reserve(words.len() * 8);
    for x in words.iter() {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

#[inline(always)]
fn lane_words(src: &[u8], wi: usize) -> &[u8; LANES * 8] {
    src[wi * LANES * 8..(wi + 1) * LANES * 8].try_into().expect("slice of constant length")
}

#[inline(always)]
fn word(a: &[u8; LANES * 8], l: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&a[l * 8..l * 8 + 8]);
    u64::from_le_bytes(b)
}

// `l` indexes the output row and both lane words at once.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn unpack_w<const W: usize>(src: &[u8], out: &mut [u64; BLOCK]) {
    assert!(src.len() == LANES * 8 * W);
    let m = mask(W as u32);
    for r in 0..ROWS {
        let bit = r * W;
        let wi = bit / 64;
        let sh = bit % 64;
        let lo = lane_words(src, wi);
        let o: &mut [u64; LANES] =
            (&mut out[r * LANES..r * LANES + LANES]).try_into().expect("slice of constant length");
        if sh + W > 64 {
            let hi = lane_words(src, wi + 1);
            for l in 0..LANES {
                o[l] = ((word(lo, l) >> sh) | (word(hi, l) << (64 - sh))) & m;
            }
        } else {
            for l in 0..LANES {
                o[l] = (word(lo, l) >> sh) & m;
            }
        }
    }
}

/// Unpacks a full interleaved block; `src.len()` must be `128 * w`.
pub fn unpack_block(src: &[u8], w: u32, out: &mut [u64; BLOCK]) {
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match w {
                0 => out.fill(0),
                $($n => unpack_w::<$n>(src, out),)*
                _ => unreachable!("bit width validated by the caller"),
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
              33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64);
}
