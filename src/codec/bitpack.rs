//! Shared building blocks: a bounds-checked byte cursor, LEB128 varints,
//! zigzag, an LSB-first bit writer/reader, and the frame-of-reference (FOR)
//! block packer with exceptions ("patching") used by the timestamp, integer
//! and decimal codecs.
//!
//! # Bit streams
//! Every bit stream in NanoTS is LSB-first: bit `j` of the stream is bit
//! `j % 8` of byte `j / 8`, and a `k`-bit field takes the next `k` bits of
//! the stream with its least significant bit first. A stream is padded with
//! zero bits to a whole byte.
//!
//! # Varints
//! `varint` = unsigned LEB128 (7 bits per byte, low group first, high bit set
//! on every byte but the last), at most 10 bytes for a u64.
//! `zvarint` = a varint of the zigzag encoding of an i64
//! (`(v << 1) ^ (v >> 63)`).
//!
//! # FOR block
//! A column of `m` i64 values is cut into blocks of [`BLOCK`] = 1024 values,
//! the last block holding the remaining `m % 1024` (if not zero). Each block
//! of `len` values is, in order:
//!
//! | field      | size                  | meaning                                     |
//! |------------|-----------------------|---------------------------------------------|
//! | `w`        | u8                    | bit width of the packed offsets, 0..=64     |
//! | `base`     | zvarint               | the reference (see below)                   |
//! | `n_exc`    | varint                | number of exceptions, 0..=len               |
//! | `exc_w`    | u8, only if `n_exc>0` | width of the exceptions' high bits, 1..=64-w |
//! | `packed`   | `len*w/8` bytes (rounded up) | the low `w` bits of every offset     |
//! | `exc_pos`  | `n_exc*10/8` bytes (rounded up) | bit stream: positions in the block, 10 bits each, strictly increasing |
//! | `exc_high` | `n_exc*exc_w/8` bytes (rounded up) | bit stream: offset >> w, `exc_w` bits each |
//!
//! The offset of value `i` is `(v_i - base) mod 2^64` (wrapping), so
//! `v_i = base + (low_i | high_i << w)` (wrapping). Values whose offset does
//! not fit in `w` bits are exceptions; the encoder picks `w` minimizing the
//! block size. The encoder's `base` is the block minimum, or one of the 8
//! smallest values when the values below it are outliers (their wrapped
//! offsets then become exceptions). A block whose values are all equal costs
//! 4 bytes or so.
//!
//! `packed` layout: a full block (len = 1024) uses the *interleaved* layout:
//! it is `16 * w` little-endian u64 words; value `i = 16 * r + l`
//! (row `r` in 0..64, lane `l` in 0..16) occupies bits `r*w .. r*w+w` of lane
//! `l`'s 64-row bit stream, where lane `l`'s word `k` is stored as word
//! `16 * k + l` (bit `b` of a lane stream is bit `b % 64` of its word
//! `b / 64`). This lets the decoder unpack 16 values at once with SIMD.
//! A partial block (len < 1024) uses the plain LSB-first bit stream of
//! `len` fields of `w` bits. Bits of a value that is an exception hold the
//! low `w` bits of its offset; `high_i = 0` for the other values.
//!
//! Blocks follow each other with no padding or length prefix. Decoders
//! reject `w > 64`, `n_exc > len`, `exc_w = 0`, `w + exc_w > 64`, and
//! positions that are `>= len` or not strictly increasing; any field
//! running past the data is an error.
//!
//! # Integer stream
//! The codecs that store i64 columns (timestamp, integer, decimal, dict
//! indices, float-int) use one *integer stream* of `n` values:
//!
//! | size | field                                                           |
//! |------|-----------------------------------------------------------------|
//! | u8   | `mode`: 0 = FOR, 1 = delta, 2 = linear (other values are errors) |
//! | 8    | delta and linear modes, `n > 0` only: the first value `v[0]`, i64 LE |
//! | 8    | linear mode, `n > 0` only: `step`, i64 LE (the encoder writes `(v[n-1] - v[0]) / (n-1)`, rounded) |
//! | ...  | FOR mode: `ceil(n/1024)` FOR blocks of the values; delta mode: `ceil((n-1)/1024)` FOR blocks of the wrapping differences `v[i] - v[i-1]`, i = 1..n; linear mode: `ceil(n/1024)` FOR blocks of the wrapping residuals `v[i] - (v[0] + i*step)`, i = 0..n |
//!
//! The value count `n` is not stored; it comes from the segment header.

#![allow(clippy::needless_range_loop)]

use super::{CodecError, codec_err};

/// Values per FOR block.
pub const BLOCK: usize = 1024;
/// Bits per exception position (positions are < 1024).
const POS_BITS: u32 = 10;
const LANES: usize = 16;
const ROWS: usize = BLOCK / LANES;

/// Per-thread pools of scratch vectors, so that repeated encodes do not
/// pay for fresh (page-faulting) allocations. Nested users simply get a
/// new vector. Per thread at most 3 i64 vectors of at most 2^20 elements
/// and 3 byte vectors of at most 2^23 bytes are kept (<= 48 MiB), until
/// [`release`].
pub mod pool {
    use std::cell::Cell;

    const KEEP: usize = 3;
    const MAX_CAP: usize = 1 << 20;

    /// Frees this thread's pooled vectors.
    pub fn release() {
        I64.with(|c| drop(c.take()));
        U8.with(|c| drop(c.take()));
    }

    thread_local! {
        static I64: Cell<Vec<Vec<i64>>> = const { Cell::new(Vec::new()) };
        static U8: Cell<Vec<Vec<u8>>> = const { Cell::new(Vec::new()) };
    }

    type Pool<T> = std::thread::LocalKey<Cell<Vec<Vec<T>>>>;

    fn take<T>(pool: &'static Pool<T>) -> Vec<T> {
        pool.with(|c| {
            let mut p = c.take();
            let v = p.pop().unwrap_or_default();
            c.set(p);
            v
        })
    }

    fn give<T>(pool: &'static Pool<T>, mut v: Vec<T>, max_cap: usize) {
        if v.capacity() > max_cap {
            return;
        }
        v.clear();
        pool.with(|c| {
            let mut p = c.take();
            if p.len() < KEEP {
                p.push(v);
            }
            c.set(p);
        });
    }

    /// An empty vector, possibly with capacity from earlier use.
    pub fn take_i64() -> Vec<i64> {
        take(&I64)
    }

    pub fn give_i64(v: Vec<i64>) {
        give(&I64, v, MAX_CAP);
    }

    /// An empty byte vector, possibly with capacity from earlier use.
    pub fn take_u8() -> Vec<u8> {
        take(&U8)
    }

    pub fn give_u8(v: Vec<u8>) {
        give(&U8, v, MAX_CAP * 8);
    }
}

#[inline]
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
pub fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Number of significant bits of `v` (0 for 0).
#[inline]
pub fn bit_len(v: u64) -> u32 {
    64 - v.leading_zeros()
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_zvarint(out: &mut Vec<u8>, v: i64) {
    put_varint(out, zigzag(v));
}

/// A bounds-checked reader over the encoded bytes.
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], CodecError> {
        if len > self.remaining() {
            return Err(codec_err(format!(
                "truncated: need {len} bytes at offset {}, have {}",
                self.pos,
                self.remaining()
            )));
        }
        let s = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u64(&mut self) -> Result<u64, CodecError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.bytes(8)?);
        Ok(u64::from_le_bytes(a))
    }

    pub fn varint(&mut self) -> Result<u64, CodecError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b > 1 {
                return Err(codec_err("varint overflows u64"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(codec_err("varint longer than 10 bytes"))
    }

    pub fn zvarint(&mut self) -> Result<i64, CodecError> {
        Ok(unzigzag(self.varint()?))
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), CodecError> {
        if self.remaining() != 0 {
            return Err(codec_err(format!("{} trailing bytes after the encoded data", self.remaining())));
        }
        Ok(())
    }
}

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
    for o in out.iter_mut() {
        *o = peek_bits(src, pos, w);
        pos += w as usize;
    }
}

#[inline]
fn mask(w: u32) -> u64 {
    if w >= 64 { u64::MAX } else { (1u64 << w) - 1 }
}

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

/// Picks the width for offsets with this bit-length histogram: returns
/// `(w, max_w, cost in bits)`, cost = `len*w + n_exc*(10 + max_w - w)`
/// (+ 8 for the exception width byte).
#[inline]
fn choose_width(hist: &[u32; 65], len: usize) -> (u32, u32, u64) {
    let max_w = (0..=64).rev().find(|&b| hist[b] > 0).unwrap_or(0) as u32;
    let mut best_w = max_w;
    let mut best_cost = len as u64 * u64::from(max_w);
    let mut n_exc = 0u64;
    for w in (0..max_w).rev() {
        n_exc += u64::from(hist[w as usize + 1]);
        let cost = len as u64 * u64::from(w) + n_exc * (POS_BITS as u64 + u64::from(max_w - w)) + 16;
        if cost < best_cost {
            best_cost = cost;
            best_w = w;
        }
    }
    (best_w, max_w, best_cost)
}

/// The block's reference: its minimum, or the k-th smallest value (k < 8)
/// when the k smaller ones are low outliers whose exclusion narrows every
/// other value by enough bits to pay for making them exceptions.
#[inline]
fn robust_base(vals: &[i64]) -> i64 {
    const K: usize = 8;
    let len = vals.len();
    if len < 8 * K {
        return vals.iter().copied().min().unwrap_or(0);
    }
    let mut lo = [i64::MAX; K]; // the K smallest, ascending
    let mut hi = [i64::MIN; K]; // the K largest, descending
    #[cold]
    #[inline(never)]
    fn insert(lo: &mut [i64; K], hi: &mut [i64; K], v: i64) {
        if v < lo[K - 1] {
            let mut i = K - 1;
            while i > 0 && lo[i - 1] > v {
                lo[i] = lo[i - 1];
                i -= 1;
            }
            lo[i] = v;
        }
        if v > hi[K - 1] {
            let mut i = K - 1;
            while i > 0 && hi[i - 1] < v {
                hi[i] = hi[i - 1];
                i -= 1;
            }
            hi[i] = v;
        }
    }
    // thresholds kept in registers; inserting is rare for most data
    let (mut lo_t, mut hi_t) = (i64::MAX, i64::MIN);
    for &v in vals {
        if v < lo_t || v > hi_t {
            insert(&mut lo, &mut hi, v);
            lo_t = lo[K - 1];
            hi_t = hi[K - 1];
        }
    }
    // width of the core (the top K-1 values are patched anyway)
    let top = hi[K - 1];
    let width = |b: i64| i64::from(bit_len(top.wrapping_sub(b) as u64));
    let w0 = width(lo[0]);
    let mut best = (0i64, lo[0]);
    for (k, &b) in lo.iter().enumerate().skip(1) {
        if b > top {
            break;
        }
        let saving = len as i64 * (w0 - width(b)) - k as i64 * 74;
        if saving > best.0 {
            best = (saving, b);
        }
    }
    best.1
}

#[inline]
fn offsets(vals: &[i64], offs: &mut [u64; BLOCK]) -> (i64, [u32; 65]) {
    let base = robust_base(vals);
    for (o, &v) in offs.iter_mut().zip(vals) {
        *o = v.wrapping_sub(base) as u64;
    }
    // four interleaved histograms avoid store-forwarding stalls when
    // neighbouring values fall into the same bucket
    let mut h = [[0u32; 65]; 4];
    let len = vals.len();
    let quads = offs[..len].chunks_exact(4);
    let rest = quads.remainder();
    for q in quads {
        h[0][bit_len(q[0]) as usize] += 1;
        h[1][bit_len(q[1]) as usize] += 1;
        h[2][bit_len(q[2]) as usize] += 1;
        h[3][bit_len(q[3]) as usize] += 1;
    }
    for &o in rest {
        h[0][bit_len(o) as usize] += 1;
    }
    let mut hist = [0u32; 65];
    for (b, x) in hist.iter_mut().enumerate() {
        *x = h[0][b] + h[1][b] + h[2][b] + h[3][b];
    }
    (base, hist)
}

/// Approximate size in bits of the FOR block for `vals` (header included).
pub fn block_cost(vals: &[i64]) -> u64 {
    let mut offs = [0u64; BLOCK];
    let (base, hist) = offsets(vals, &mut offs);
    let (_, _, cost) = choose_width(&hist, vals.len());
    cost + 8 * (2 + (bit_len(zigzag(base)) as u64).div_ceil(7))
}

/// Appends one FOR block (see the module docs) for `vals` (1..=1024 values).
pub fn encode_block(vals: &[i64], out: &mut Vec<u8>) {
    debug_assert!(!vals.is_empty() && vals.len() <= BLOCK);
    let len = vals.len();
    let mut offs = [0u64; BLOCK];
    let (base, hist) = offsets(vals, &mut offs);
    let (w, max_w, _) = choose_width(&hist, len);
    out.push(w as u8);
    put_zvarint(out, base);
    let m = mask(w);
    if w == max_w {
        put_varint(out, 0);
    } else {
        let exc_w = max_w - w;
        let mut pos = Vec::new();
        let mut high = Vec::new();
        for (i, o) in offs[..len].iter_mut().enumerate() {
            if *o > m {
                pos.push(i as u64);
                high.push(*o >> w);
                *o &= m;
            }
        }
        put_varint(out, pos.len() as u64);
        out.push(exc_w as u8);
        pack_any(&offs[..len], w, out);
        pack_stream(&pos, POS_BITS, out);
        pack_stream(&high, exc_w, out);
        return;
    }
    pack_any(&offs[..len], w, out);
}

fn pack_any(offs: &[u64], w: u32, out: &mut Vec<u8>) {
    if let Ok(full) = <&[u64; BLOCK]>::try_from(offs) {
        pack_block(full, w, out);
    } else {
        pack_stream(offs, w, out);
    }
}

fn packed_len(len: usize, w: u32) -> usize {
    (len * w as usize).div_ceil(8)
}

/// Decodes one FOR block of `len` (1..=1024) values into `out[..len]`.
pub fn decode_block(
    cur: &mut Cursor<'_>,
    len: usize,
    tmp: &mut [u64; BLOCK],
    out: &mut [i64],
) -> Result<(), CodecError> {
    debug_assert!(len <= BLOCK && out.len() >= len);
    let w = u32::from(cur.u8()?);
    if w > 64 {
        return Err(codec_err(format!("bit width {w} > 64")));
    }
    let base = cur.zvarint()?;
    let n_exc = cur.varint()?;
    if n_exc > len as u64 {
        return Err(codec_err(format!("{n_exc} exceptions in a block of {len}")));
    }
    let n_exc = n_exc as usize;
    let exc_w = if n_exc > 0 {
        let e = u32::from(cur.u8()?);
        if e == 0 || e + w > 64 {
            return Err(codec_err(format!("bad exception width {e} (w {w})")));
        }
        e
    } else {
        0
    };
    let packed = cur.bytes(packed_len(len, w))?;
    if len == BLOCK {
        unpack_block(packed, w, tmp);
    } else {
        unpack_stream(packed, w, &mut tmp[..len]);
    }
    if n_exc > 0 {
        let pos_bytes = cur.bytes(packed_len(n_exc, POS_BITS))?;
        let high_bytes = cur.bytes(packed_len(n_exc, exc_w))?;
        let mut prev: i64 = -1;
        for k in 0..n_exc {
            let p = peek_bits(pos_bytes, k * POS_BITS as usize, POS_BITS) as usize;
            if p >= len || (p as i64) <= prev {
                return Err(codec_err("exception position out of order or range"));
            }
            prev = p as i64;
            let high = peek_bits(high_bytes, k * exc_w as usize, exc_w);
            tmp[p] |= high << w;
        }
    }
    for (o, &t) in out[..len].iter_mut().zip(tmp[..len].iter()) {
        *o = base.wrapping_add(t as i64);
    }
    Ok(())
}

/// Integer stream (see the module docs): `mode` u8 (0 = FOR, 1 = delta,
/// 2 = linear), then
/// - FOR: the `n` values as FOR blocks;
/// - delta: if `n > 0`, the first value as i64 LE (8 bytes), then the `n - 1`
///   wrapping differences `v[i] - v[i-1]` as FOR blocks;
/// - linear: if `n > 0`, the first value and `step` as i64 LE, then the `n`
///   wrapping residuals `v[i] - (v[0] + i*step)` as FOR blocks.
pub mod stream {
    use super::*;

    pub const MODE_FOR: u8 = 0;
    pub const MODE_DELTA: u8 = 1;
    pub const MODE_LINEAR: u8 = 2;

    /// The line of the linear mode: first value and the average step
    /// `(last - first) / (n - 1)` (rounded half away from zero, saturated to
    /// i64).
    fn line(vals: &[i64]) -> (i64, i64) {
        let first = vals.first().copied().unwrap_or(0);
        let last = vals.last().copied().unwrap_or(0);
        let step = if vals.len() > 1 {
            let span = i128::from(last) - i128::from(first);
            let d = vals.len() as i128 - 1;
            // rounded to nearest: a truncated step would drift by up to one
            // unit per value
            let s = (2 * span + d.signum() * d * span.signum()) / (2 * d);
            s.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
        } else {
            0
        };
        (first, step)
    }

    /// Residuals `v[i] - (first + i * step)` (wrapping) of a chunk starting
    /// at index `start`.
    #[inline]
    fn residuals(chunk: &[i64], start: usize, first: i64, step: i64, d: &mut [i64; BLOCK]) {
        let mut pred = first.wrapping_add(step.wrapping_mul(start as i64));
        for (o, &v) in d.iter_mut().zip(chunk) {
            *o = v.wrapping_sub(pred);
            pred = pred.wrapping_add(step);
        }
    }

    pub fn encode(vals: &[i64], mode: u8, out: &mut Vec<u8>) {
        out.push(mode);
        if mode == MODE_DELTA {
            let Some(&first) = vals.first() else { return };
            out.extend_from_slice(&first.to_le_bytes());
            let mut d = [0i64; BLOCK];
            let mut prev = first;
            for chunk in vals[1..].chunks(BLOCK) {
                for (o, &v) in d.iter_mut().zip(chunk) {
                    *o = v.wrapping_sub(prev);
                    prev = v;
                }
                encode_block(&d[..chunk.len()], out);
            }
        } else if mode == MODE_LINEAR {
            if vals.is_empty() {
                return;
            }
            let (first, step) = line(vals);
            out.extend_from_slice(&first.to_le_bytes());
            out.extend_from_slice(&step.to_le_bytes());
            let mut d = [0i64; BLOCK];
            for (k, chunk) in vals.chunks(BLOCK).enumerate() {
                residuals(chunk, k * BLOCK, first, step, &mut d);
                encode_block(&d[..chunk.len()], out);
            }
        } else {
            for chunk in vals.chunks(BLOCK) {
                encode_block(chunk, out);
            }
        }
    }

    /// Estimated size in bits of `vals` in `mode`, from the cost model of
    /// up to `sample_blocks` evenly spread blocks, scaled.
    pub fn estimate(vals: &[i64], mode: u8, sample_blocks: usize) -> u64 {
        let nblocks = vals.len().div_ceil(BLOCK);
        if nblocks == 0 {
            return 0;
        }
        let take = sample_blocks.clamp(1, nblocks);
        let step = nblocks / take;
        let mut total = 0u64;
        let mut d = [0i64; BLOCK];
        for b in (0..nblocks).step_by(step).take(take) {
            let start = b * BLOCK;
            let chunk = &vals[start..(start + BLOCK).min(vals.len())];
            if mode == MODE_DELTA {
                let mut prev = if start == 0 { chunk[0] } else { vals[start - 1] };
                for (o, &v) in d.iter_mut().zip(chunk) {
                    *o = v.wrapping_sub(prev);
                    prev = v;
                }
                total += block_cost(&d[..chunk.len()]);
            } else if mode == MODE_LINEAR {
                let (first, step) = line(vals);
                residuals(chunk, start, first, step, &mut d);
                total += block_cost(&d[..chunk.len()]) + 64;
            } else {
                total += block_cost(chunk);
            }
        }
        total * nblocks as u64 / take as u64
    }

    /// Picks FOR, delta or linear by the cost model on a sample of blocks.
    pub fn choose_mode(vals: &[i64]) -> u8 {
        let f = estimate(vals, MODE_FOR, 8);
        let d = estimate(vals, MODE_DELTA, 8);
        let l = estimate(vals, MODE_LINEAR, 8);
        if l < d && l < f {
            MODE_LINEAR
        } else if d < f {
            MODE_DELTA
        } else {
            MODE_FOR
        }
    }

    /// Decodes `n` values, handing them to `sink` one block (<= 1024
    /// values) at a time.
    pub fn decode(cur: &mut Cursor<'_>, n: usize, mut sink: impl FnMut(&[i64])) -> Result<(), CodecError> {
        let mode = cur.u8()?;
        let mut tmp = [0u64; BLOCK];
        let mut buf = [0i64; BLOCK];
        match mode {
            MODE_FOR => {
                let mut left = n;
                while left > 0 {
                    let len = left.min(BLOCK);
                    decode_block(cur, len, &mut tmp, &mut buf)?;
                    sink(&buf[..len]);
                    left -= len;
                }
            }
            MODE_DELTA => {
                if n == 0 {
                    return Ok(());
                }
                let mut acc = cur.u64()? as i64;
                sink(&[acc]);
                let mut left = n - 1;
                while left > 0 {
                    let len = left.min(BLOCK);
                    decode_block(cur, len, &mut tmp, &mut buf)?;
                    for x in buf[..len].iter_mut() {
                        acc = acc.wrapping_add(*x);
                        *x = acc;
                    }
                    sink(&buf[..len]);
                    left -= len;
                }
            }
            MODE_LINEAR => {
                if n == 0 {
                    return Ok(());
                }
                let first = cur.u64()? as i64;
                let step = cur.u64()? as i64;
                let mut pred = first;
                let mut left = n;
                while left > 0 {
                    let len = left.min(BLOCK);
                    decode_block(cur, len, &mut tmp, &mut buf)?;
                    for x in buf[..len].iter_mut() {
                        *x = x.wrapping_add(pred);
                        pred = pred.wrapping_add(step);
                    }
                    sink(&buf[..len]);
                    left -= len;
                }
            }
            m => return Err(codec_err(format!("unknown integer stream mode {m}"))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rt_block(vals: &[i64]) {
        let mut buf = Vec::new();
        encode_block(vals, &mut buf);
        let mut cur = Cursor::new(&buf);
        let mut tmp = [0u64; BLOCK];
        let mut out = vec![0i64; vals.len()];
        decode_block(&mut cur, vals.len(), &mut tmp, &mut out).unwrap();
        cur.finish().unwrap();
        assert_eq!(out, vals);
    }

    #[test]
    fn varint_round_trip_and_overflow() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX, 1 << 63] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(Cursor::new(&b).varint().unwrap(), v);
        }
        assert!(Cursor::new(&[0xff; 10]).varint().is_err());
        assert!(Cursor::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).varint().is_err());
        assert!(Cursor::new(&[0x80]).varint().is_err());
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

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

    #[test]
    fn every_width_full_and_partial() {
        for w in 0..=64u32 {
            for len in [1usize, 7, 1000, BLOCK] {
                let vals: Vec<i64> = (0..len)
                    .map(|i| {
                        let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        (if w == 64 { x } else { x & mask(w) }) as i64
                    })
                    .collect();
                rt_block(&vals);
            }
        }
    }

    #[test]
    fn exceptions_are_used_and_exact() {
        let mut vals: Vec<i64> = (0..BLOCK as i64).map(|i| i % 4).collect();
        vals[17] = i64::MAX;
        vals[500] = i64::MIN;
        vals[1023] = 1 << 40;
        rt_block(&vals);
        let vals: Vec<i64> = (0..BLOCK as i64).map(|i| if i == 3 { 1 << 50 } else { 1000 + i % 2 }).collect();
        let mut buf = Vec::new();
        encode_block(&vals, &mut buf);
        assert!(buf.len() < 140 + 20, "{}", buf.len());
        rt_block(&vals);
    }

    #[test]
    fn low_outliers_become_exceptions() {
        let mut vals: Vec<i64> = (0..BLOCK as i64).map(|i| 1000 + (i * 7) % 16).collect();
        vals[5] = -1_000_000_000_000_000;
        vals[600] = i64::MIN;
        vals[601] = -77;
        vals[900] = i64::MAX;
        rt_block(&vals);
        let mut buf = Vec::new();
        encode_block(&vals, &mut buf);
        // 4 bits per value plus four exceptions, not 64 bits per value
        assert!(buf.len() < 512 + 60, "{}", buf.len());
    }

    #[test]
    fn constant_block_is_tiny() {
        let mut buf = Vec::new();
        encode_block(&[1000; BLOCK], &mut buf);
        assert_eq!(buf.len(), 4);
    }

    proptest! {
        #[test]
        fn prop_block(vals in proptest::collection::vec(any::<i64>(), 1..=BLOCK)) {
            rt_block(&vals);
        }

        #[test]
        fn prop_block_small(vals in proptest::collection::vec(-20i64..20, 1..=BLOCK), big in any::<i64>(), at in 0usize..BLOCK) {
            let mut vals = vals;
            let at = at % vals.len();
            vals[at] = big;
            rt_block(&vals);
        }

        #[test]
        fn prop_stream(vals in proptest::collection::vec(any::<i64>(), 0..3000), mode in 0u8..3) {
            let mut buf = Vec::new();
            stream::encode(&vals, mode, &mut buf);
            let mut cur = Cursor::new(&buf);
            let mut out = Vec::new();
            stream::decode(&mut cur, vals.len(), |b| out.extend_from_slice(b)).unwrap();
            cur.finish().unwrap();
            prop_assert_eq!(out, vals);
        }

        #[test]
        fn prop_stream_lines(start in any::<i64>(), step in any::<i64>(), jit in proptest::collection::vec(-1000i64..1000, 0..3000), mode in 0u8..3) {
            let vals: Vec<i64> = jit.iter().enumerate().map(|(i, j)| start.wrapping_add(step.wrapping_mul(i as i64)).wrapping_add(*j)).collect();
            let mut buf = Vec::new();
            stream::encode(&vals, mode, &mut buf);
            let mut cur = Cursor::new(&buf);
            let mut out = Vec::new();
            stream::decode(&mut cur, vals.len(), |b| out.extend_from_slice(b)).unwrap();
            cur.finish().unwrap();
            prop_assert_eq!(out, vals);
        }
    }
}
