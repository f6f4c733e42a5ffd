//! The entropy stream: `n` unsigned integers coded with a canonical,
//! length-limited Huffman code over an alphabet of `D` *direct* symbols
//! (the values `0..D` themselves) and 65 *escape* symbols (a bit-length
//! class of `u - D`, followed by its bits below the top one). Small or few
//! distinct values (timestamp residuals, dictionary indices) cost about
//! their order-0 entropy; one repeated symbol costs nothing per value.
//!
//! Bytes: SPEC.md §4.3a "Entropy stream".

use super::bit_io::peek_bits;
use super::for_block::bit_len;
use super::{Cursor, pool, put_varint};
use crate::codec::{CodecError, codec_err};

/// Longest code, bits: the decoder's lookup table has at most 2^12 entries.
pub const MAX_CODE_LEN: u32 = 12;
/// Escape symbols: bit lengths 0..=64 of `u - D`.
const ESCAPES: usize = 65;
/// Largest `D`: the alphabet (`D + 65` symbols) fits a 12-bit code.
pub const MAX_DIRECT: u64 = (1 << MAX_CODE_LEN) - ESCAPES as u64;

/// Symbol of `u` with `d` direct symbols, and the extra bits that follow
/// its code: `(symbol, extra value, extra bit count)`.
#[inline]
fn symbol_of(u: u64, d: u64) -> (usize, u64, u32) {
    if u < d {
        return (u as usize, 0, 0);
    }
    let x = u - d;
    let k = bit_len(x);
    let extra = if k <= 1 { 0 } else { x & ((1u64 << (k - 1)) - 1) };
    (d as usize + k as usize, extra, k.saturating_sub(1))
}

/// Huffman code lengths (at most [`MAX_CODE_LEN`]) for these symbol
/// frequencies; 0 for unused symbols. One used symbol gets length 1 here
/// (the stream then stores it as the only one, coded in 0 bits).
fn code_lengths(freq: &[u64]) -> Vec<u8> {
    let mut f: Vec<u64> = freq.to_vec();
    loop {
        let lens = huffman(&f);
        if lens.iter().all(|&l| u32::from(l) <= MAX_CODE_LEN) {
            return lens;
        }
        // flatten the distribution until the code fits the limit
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = (*x >> 1).max(1);
        }
    }
}

/// Unlimited Huffman code lengths (a heap of subtrees).
fn huffman(freq: &[u64]) -> Vec<u8> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut lens = vec![0u8; freq.len()];
    let used: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
    if used.len() == 1 {
        lens[used[0]] = 1;
        return lens;
    }
    // nodes: leaves 0..used.len(), then internal ones; parent links
    let mut parent: Vec<usize> = vec![usize::MAX; used.len()];
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> =
        used.iter().enumerate().map(|(i, &s)| Reverse((freq[s], i))).collect();
    while heap.len() > 1 {
        let Reverse((fa, a)) = heap.pop().expect("two nodes");
        let Reverse((fb, b)) = heap.pop().expect("two nodes");
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        heap.push(Reverse((fa + fb, node)));
    }
    // depth of each node, from the root down (parents come after children)
    let mut depth = vec![0u32; parent.len()];
    for i in (0..parent.len()).rev() {
        if parent[i] != usize::MAX {
            depth[i] = depth[parent[i]] + 1;
        }
    }
    for (i, &s) in used.iter().enumerate() {
        lens[s] = depth[i].min(255) as u8;
    }
    lens
}

/// Canonical codes for `lens` (at most [`MAX_CODE_LEN`] bits each; 0: no
/// code), bit-reversed for an LSB-first stream: codes in the order of
/// (length, symbol), each the one before plus one, shifted left to its
/// length. Computed as DEFLATE does, from the count of each length (no
/// sort: a block's decode builds them for up to 4,096 symbols).
fn canonical_codes(lens: &[u8]) -> Vec<u32> {
    const LENS: usize = MAX_CODE_LEN as usize + 1;
    let mut count = [0u32; LENS];
    for &l in lens {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    // next[l]: the code of the first symbol of length l not yet given one
    let mut next = [0u32; LENS];
    let mut code = 0u32;
    for l in 1..LENS {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    lens.iter()
        .map(|&l| match l {
            0 => 0,
            l => {
                let c = next[usize::from(l)];
                next[usize::from(l)] += 1;
                c.reverse_bits() >> (32 - u32::from(l))
            }
        })
        .collect()
}

/// Symbol frequencies of `vals` with `d` direct symbols.
fn histogram(vals: &[u64], d: u64) -> Vec<u64> {
    let m = d as usize + ESCAPES;
    // four interleaved histograms: a run of one symbol would otherwise
    // wait on its own previous increment every value
    let mut h = vec![0u64; 4 * m];
    let quads = vals.chunks_exact(4);
    let rest = quads.remainder();
    for q in quads {
        for (j, &u) in q.iter().enumerate() {
            h[j * m + symbol_of(u, d).0] += 1;
        }
    }
    for &u in rest {
        h[symbol_of(u, d).0] += 1;
    }
    (0..m).map(|s| h[s] + h[m + s] + h[2 * m + s] + h[3 * m + s]).collect()
}

/// Values below this are counted one by one when choosing `D`.
const SMALL: usize = 4096;

/// `log2(x)` for `x >= 1`, within about 0.01 (estimates only).
#[inline]
fn approx_log2(x: u64) -> f64 {
    let k = 63 - x.leading_zeros();
    let m = x as f64 / (1u64 << k) as f64 - 1.0; // mantissa - 1, in [0, 1)
    f64::from(k) + m * (1.3466 - 0.3466 * m)
}

/// A one-pass summary of values from which the stream's size for any `D`
/// up to [`MAX_DIRECT`] is estimated in constant time.
pub struct Summary {
    /// For `u` in `0..=small_end`: the count of the values below `u`, and
    /// `c log2(c)` summed over the counts `c` of the values below `u`.
    prefix: Vec<(u64, f64)>,
    /// Count of the values of [`SMALL`] or more by bit length.
    big: [u64; 65],
    /// Largest value below [`SMALL`] seen, plus 1.
    small_end: usize,
    n: u64,
}

impl Summary {
    pub fn new(mut vals: impl Iterator<Item = u64>) -> Summary {
        // two interleaved counts: a run of one value would otherwise wait
        // on its own previous increment every value
        let mut two = pool::take_zeroed_u32(2 * SMALL);
        let (lo, hi) = two.split_at_mut(SMALL);
        let mut big = [0u64; 65];
        let mut n = 0u64;
        // the OR of the small values bounds the largest
        let mut seen = 0u64;
        let mut count = |half: &mut [u32], u: u64| {
            if u < SMALL as u64 {
                half[u as usize] += 1;
                seen |= u;
            } else {
                big[bit_len(u) as usize] += 1;
            }
        };
        while let Some(a) = vals.next() {
            count(lo, a);
            n += 1;
            if let Some(b) = vals.next() {
                count(hi, b);
                n += 1;
            }
        }
        let bound = (seen as usize + 1).min(SMALL);
        let small_end = (0..bound).rposition(|u| lo[u] + hi[u] > 0).map_or(0, |p| p + 1);
        let mut prefix = Vec::with_capacity(small_end + 1);
        prefix.push((0, 0.0));
        let (mut c_acc, mut h_acc) = (0u64, 0f64);
        // the counters are read once, and zeroed for the next summary
        // (an extend of slice iterators: no capacity check per entry)
        prefix.extend(lo[..small_end].iter_mut().zip(&mut hi[..small_end]).map(|(a, b)| {
            let c = std::mem::take(a) + std::mem::take(b);
            c_acc += u64::from(c);
            if c > 1 {
                h_acc += f64::from(c) * approx_log2(u64::from(c));
            }
            (c_acc, h_acc)
        }));
        pool::give_zeroed_u32(two);
        Summary { prefix, big, small_end, n }
    }

    /// Number of values below [`SMALL`] in `lo..hi`.
    #[inline]
    fn count(&self, lo: usize, hi: usize) -> u64 {
        let hi = hi.min(self.small_end);
        if lo >= hi { 0 } else { self.prefix[hi].0 - self.prefix[lo].0 }
    }

    /// Estimated bits of the stream with `d` direct symbols: order-0
    /// entropy of the symbols plus extra bits plus the header. (Values of
    /// [`SMALL`] or more are put in the class of their own bit length, not
    /// of `u - d`'s: close enough.)
    pub fn estimate_bits(&self, d: u64) -> u64 {
        let d = (d as usize).min(SMALL);
        let n = self.n.max(1);
        let mut classes = self.big;
        let mut extra = 0u64;
        for (k, &c) in self.big.iter().enumerate() {
            extra += c * (k as u64).saturating_sub(1);
        }
        if d < self.small_end {
            classes[0] += self.count(d, d + 1);
            for (k, class) in classes.iter_mut().enumerate().take(13).skip(1) {
                let c = self.count(d + (1 << (k - 1)), d + (1 << k));
                *class += c;
                extra += c * (k as u64 - 1);
            }
        }
        // the sum over symbols of c log2(n / c) is n log2 n - sum c log2 c
        let mut clogc = self.prefix[d.min(self.small_end)].1;
        for &c in &classes {
            if c > 1 {
                clogc += c as f64 * approx_log2(c);
            }
        }
        let h = (n as f64 * approx_log2(n) - clogc).max(0.0);
        let m = if d < self.small_end { d + ESCAPES } else { self.small_end };
        h as u64 + extra + 8 * (6 + m as u64 / 2)
    }

    /// The `D` among 0, the powers of two up to `max_direct` and
    /// `max_direct` itself with the smallest estimate.
    pub fn choose_direct(&self, max_direct: u64) -> u64 {
        let max_direct = max_direct.min(MAX_DIRECT).min(self.small_end as u64);
        let mut best = (self.estimate_bits(0), 0);
        let mut d = 1;
        while d <= max_direct {
            let c = self.estimate_bits(d);
            if c < best.0 {
                best = (c, d);
            }
            d *= 2;
        }
        if max_direct > d / 2 {
            let c = self.estimate_bits(max_direct);
            if c < best.0 {
                best = (c, max_direct);
            }
        }
        best.1
    }
}

/// Up to 8 runs of 1024 consecutive values of `vals`, evenly spread (all
/// of them, borrowed, if there are at most 16384): what the encoders
/// estimate on.
pub fn sample<T: Copy>(vals: &[T]) -> std::borrow::Cow<'_, [T]>
where
    [T]: ToOwned<Owned = Vec<T>>,
{
    const B: usize = 1024;
    let n = vals.len();
    if n <= 16 * B {
        return std::borrow::Cow::Borrowed(vals);
    }
    std::borrow::Cow::Owned((0..8).flat_map(|k| &vals[k * (n - B) / 7..][..B]).copied().collect())
}

/// The number of direct symbols, among a few up to `max_direct`, that
/// gives about the smallest stream.
pub fn choose_direct(vals: &[u64], max_direct: u64) -> u64 {
    Summary::new(vals.iter().copied()).choose_direct(max_direct)
}

/// Bit streams the values are dealt to (value `i` to stream `i % 4`), so
/// that a decoder follows four independent chains of codes at once.
pub const STREAMS: usize = 4;

/// Appends the entropy stream of `vals` with `d` (<= [`MAX_DIRECT`])
/// direct symbols.
pub fn encode(vals: &[u64], d: u64, out: &mut Vec<u8>) {
    debug_assert!(d <= MAX_DIRECT);
    // a stream of one value without extra bits has the same bytes whatever
    // the count, 0 included
    let vals = if vals.is_empty() { &[0][..] } else { vals };
    let freq = histogram(vals, d);
    let mut lens = code_lengths(&freq);
    let used: Vec<usize> = (0..lens.len()).filter(|&s| lens[s] > 0).collect();
    if used.len() == 1 {
        // the only symbol: stored with length 1, coded in 0 bits
        lens[used[0]] = 1;
    }
    let m = lens.iter().rposition(|&l| l > 0).map_or(0, |p| p + 1);
    put_varint(out, d);
    put_varint(out, m as u64);
    for pair in lens[..m].chunks(2) {
        out.push(pair[0] | pair.get(1).map_or(0, |h| h << 4));
    }
    if used.len() == 1 && (used[0] as u64) < d + 2 {
        return;
    }
    let codes = canonical_codes(&lens);
    // each symbol's code and its length (0 bits when it is the only one),
    // in one entry: one lookup per value
    let multi = used.len() > 1;
    let table: Vec<(u64, u32)> = codes
        .iter()
        .zip(&lens)
        .map(|(&c, &l)| if multi { (u64::from(c), u32::from(l)) } else { (0, 0) })
        .collect();
    let mut streams: [Vec<u8>; STREAMS] = Default::default();
    for (j, bits) in streams.iter_mut().enumerate() {
        bits.reserve(vals.len() / 16);
        let mut w = super::BitWriter::new(bits);
        for &u in vals.iter().skip(j).step_by(STREAMS) {
            let (s, extra, k) = symbol_of(u, d);
            let (code, l) = table[s];
            if l + k <= 64 {
                w.write(code | (extra << l), l + k);
            } else {
                w.write(code, l);
                w.write(extra, k);
            }
        }
        w.finish();
    }
    for bits in &streams {
        put_varint(out, bits.len() as u64);
    }
    for bits in &streams {
        out.extend_from_slice(bits);
    }
}

/// Table entries (u32): bits 0..4 the code length, 4..10 the number of
/// extra bits, bit 10 `NO_CODE`, and above them one of two layouts, chosen
/// per stream:
/// - **narrow**, when every used symbol's smallest value is below 2^21
///   (every direct symbol, and escape classes up to 20 bits): bits 11.. the
///   smallest value, so a value is `(e >> 11) + extra`;
/// - **wide**: bits 11..18 the escape slot (0 for a direct symbol, class +
///   1 for an escape class: an index into [`Code::escape_base`]), 18.. the
///   direct symbol's value (0 for an escape class); a value is then
///   `(e >> 18) + escape_base[slot] + extra`.
///
/// Either way without a branch. `NO_CODE` marks "no code here" (an
/// incomplete code reached it).
const NO_CODE: u32 = 1 << 10;
/// Entry bits below the smallest value (narrow) or the escape slot (wide).
const BASE_SHIFT: u32 = 11;
/// Entry bits below the direct symbol's value (wide).
const VALUE_SHIFT: u32 = 18;

/// Most values per call of a decoder's sink.
const CHUNK: usize = super::BLOCK;

/// Most bits one value takes: its code and the extra bits of the widest
/// escape class.
const MAX_VALUE_BITS: usize = MAX_CODE_LEN as usize + (ESCAPES - 2);

/// Zero bytes after the lanes' bit streams. A window is 8 bytes read at a
/// lane's position; positions are checked against the streams' ends after
/// each chunk, and within one a lane of a corrupt stream decodes at most
/// `CHUNK / STREAMS` values, so no window starts more than this many bytes
/// past the streams and none needs a bound of its own.
const PAD: usize = 8 + (CHUNK / STREAMS * MAX_VALUE_BITS).div_ceil(8);

/// How the lanes of a stream decode a value: the layouts of [`NO_CODE`]'s
/// comment, and narrow codes of direct symbols only (no extra bits).
const DIRECT: u8 = 0;
const NARROW: u8 = 1;
const WIDE: u8 = 2;
/// Narrow, and no value longer than 28 bits (code and extra bits): a
/// lane's window holds two values.
const NARROW_2: u8 = 3;
/// Narrow, and no value longer than 19 bits: a window holds three.
const NARROW_3: u8 = 4;

/// Bits of a lane's window that hold stream bits: it is read at a byte
/// and shifted by the bit position within it (at most 7).
const WINDOW_BITS: u32 = 57;

/// Whether the entries of `MODE` have the narrow layout.
const fn is_narrow(mode: u8) -> bool {
    matches!(mode, NARROW | NARROW_2 | NARROW_3)
}

/// The values a lane takes from one window in `MODE`: direct codes are at
/// most [`MAX_CODE_LEN`] bits, four of them within [`WINDOW_BITS`].
const fn per_window(mode: u8) -> usize {
    match mode {
        DIRECT => 4,
        NARROW_3 => 3,
        NARROW_2 => 2,
        _ => 1,
    }
}

/// What the decoder of one stream needs: the code table and each escape
/// class's smallest value.
struct Code {
    /// `2^max_len` entries, the longest code's length (one entry for a
    /// single escape class, whose code is empty): built per stream, so a
    /// short block's stream does not pay for a 2^12-entry table (16 KiB,
    /// half an L1 cache).
    table: Vec<u32>,
    /// `table.len() - 1`.
    mask: u64,
    /// For the wide layout. Slot 0: 0 (direct symbols); slot k + 1: escape
    /// class k's smallest value, `D` for class 0 and `D + 2^(k-1)` for
    /// k >= 1.
    escape_base: [u64; 128],
}

impl Code {
    /// The smallest value of symbol `s`.
    fn base(s: usize, d: u64) -> u64 {
        match (s as u64).checked_sub(d) {
            None => s as u64,
            Some(0) => d,
            Some(k) => d.wrapping_add(1 << (k - 1)),
        }
    }

    /// How the lanes decode a stream whose used symbols are `used`.
    fn mode(used: &[usize], d: u64) -> u8 {
        if used.iter().all(|&s| (s as u64) < d) {
            DIRECT
        } else if used.iter().all(|&s| Code::base(s, d) < 1 << (32 - BASE_SHIFT)) {
            NARROW
        } else {
            WIDE
        }
    }

    /// The entry of symbol `s`, whose code is `len` bits long.
    fn entry(s: usize, len: u32, d: u64, narrow: bool) -> u32 {
        let class = (s as u64).checked_sub(d);
        let kb = class.map_or(0, |k| k.saturating_sub(1) as u32);
        let high = match class {
            _ if narrow => (Self::base(s, d) as u32) << BASE_SHIFT,
            None => (s as u32) << VALUE_SHIFT,
            Some(k) => (k as u32 + 1) << BASE_SHIFT,
        };
        high | (kb << 4) | len
    }

    /// The table entry the low bits of `window` select.
    #[inline(always)]
    fn entry_at(&self, window: u64) -> u32 {
        let i = (window & self.mask) as usize;
        debug_assert!(i < self.table.len());
        // SAFETY: `read_header` sets `table` once, a power of two entries
        // long, and `mask` to `table.len() - 1`, so `i` is at most
        // `table.len() - 1`; neither field changes afterwards.
        // The hot loops index here once per value; the bounds check cost
        // about 5% of the instructions of an entropy-coded column's decode.
        unsafe { *self.table.get_unchecked(i) }
    }

    /// Decodes the next value of a lane, without branches but for the
    /// rare value whose code and extra bits exceed 57 bits; ORs `NO_CODE`
    /// into `bad` on an invalid code.
    ///
    /// # Safety
    /// As [`Code::window`].
    #[inline(always)]
    unsafe fn next<const MODE: u8>(&self, data: &[u8], pos: &mut usize, bad: &mut u32) -> u64 {
        // SAFETY: the caller's.
        let window = unsafe { Self::window(data, *pos) };
        let e = self.entry_at(window);
        *bad |= e;
        let l = e & 15;
        if MODE == DIRECT {
            *pos += l as usize;
            return u64::from(e >> BASE_SHIFT);
        }
        let kb = (e >> 4) & 63;
        let base = if is_narrow(MODE) {
            u64::from(e >> BASE_SHIFT)
        } else {
            u64::from(e >> VALUE_SHIFT) + self.escape_base[(e >> BASE_SHIFT) as usize & 127]
        };
        let extra = if l + kb <= 57 {
            (window >> l) & ((1u64 << kb) - 1)
        } else {
            // the padding reads as zeros past the end
            peek_bits(data, *pos + l as usize, kb)
        };
        *pos += (l + kb) as usize;
        base.wrapping_add(extra)
    }

    /// The next value of a lane from its window `w` (advanced past the
    /// code) in a code whose symbols are all direct (no extra bits): the
    /// symbol is the value.
    #[inline(always)]
    fn take_direct(&self, w: &mut u64, pos: &mut usize, bad: &mut u32) -> u64 {
        let e = self.entry_at(*w);
        *bad |= e;
        let len = e & 15;
        *w >>= len;
        *pos += len as usize;
        u64::from(e >> BASE_SHIFT)
    }

    /// The next value of a lane from its window `w` (advanced past the
    /// value) in a narrow code whose values (code and extra bits) take at
    /// most `WINDOW_BITS / per_window(MODE)` bits.
    #[inline(always)]
    fn take_narrow(&self, w: &mut u64, pos: &mut usize, bad: &mut u32) -> u64 {
        let e = self.entry_at(*w);
        *bad |= e;
        let l = e & 15;
        let kb = (e >> 4) & 63;
        let extra = (*w >> l) & ((1u64 << kb) - 1);
        *w >>= l + kb;
        *pos += (l + kb) as usize;
        u64::from(e >> BASE_SHIFT).wrapping_add(extra)
    }

    /// Fills `out` (a multiple of 4 values but at the end) taking value `i`
    /// from lane `i % 4`, whose bit position is `pos[i % 4]`.
    ///
    /// # Safety
    /// `out` holds at most [`CHUNK`] values, and `data` holds at least
    /// [`PAD`] bytes past every position in `pos`.
    #[inline(never)]
    unsafe fn lanes<const MODE: u8>(
        &self,
        data: &[u8],
        out: &mut [u64],
        pos: &mut [usize; STREAMS],
        bad: &mut u32,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") {
            // SAFETY: the CPU supports BMI2 (checked just above); the
            // rest is the caller's.
            unsafe { self.lanes_bmi2::<MODE>(data, out, pos, bad) };
            return;
        }
        // SAFETY: the caller's.
        unsafe { self.lanes_body::<MODE>(data, out, pos, bad) };
    }

    /// [`Code::lanes`] compiled with BMI2, whose shifts by a register and
    /// masks of a variable width (`shrx`, `bzhi`) are one instruction each:
    /// x86-64's baseline shifts only by `cl`, and decoding a value takes
    /// three such shifts and a mask.
    ///
    /// # Safety
    /// As [`Code::lanes`], on a CPU with BMI2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2")]
    unsafe fn lanes_bmi2<const MODE: u8>(
        &self,
        data: &[u8],
        out: &mut [u64],
        pos: &mut [usize; STREAMS],
        bad: &mut u32,
    ) {
        // SAFETY: the caller's.
        unsafe { self.lanes_body::<MODE>(data, out, pos, bad) };
    }

    /// # Safety
    /// As [`Code::lanes`].
    #[inline(always)]
    unsafe fn lanes_body<const MODE: u8>(
        &self,
        data: &[u8],
        out: &mut [u64],
        pos: &mut [usize; STREAMS],
        bad: &mut u32,
    ) {
        debug_assert!(out.len() <= CHUNK);
        let [mut p0, mut p1, mut p2, mut p3] = *pos;
        let mut b = 0u32;
        let mut out = out;
        // Each lane decodes at most `CHUNK / STREAMS` values here, each
        // advancing its position by at most `MAX_VALUE_BITS`, from a
        // position with `PAD` bytes after it (the caller's), so each window
        // read starts at most `PAD - 8` bytes past it.
        // SAFETY: so `data` holds 8 bytes from every `p / 8` read.
        let window = |p: usize| unsafe { Self::window(data, p) };
        // SAFETY: as for `window`.
        let next = |p: &mut usize, b: &mut u32| unsafe { self.next::<MODE>(data, p, b) };
        let per = per_window(MODE);
        if per > 1 {
            // One window per lane for `per` values, which fit its
            // `WINDOW_BITS` (the mode's bound). Each value then waits only
            // on the table load of the one before (and a shift), not on a
            // position and a window load too.
            let take = |w: &mut u64, p: &mut usize, b: &mut u32| {
                if MODE == DIRECT { self.take_direct(w, p, b) } else { self.take_narrow(w, p, b) }
            };
            let mut rounds = out.chunks_exact_mut(per * STREAMS);
            for q in &mut rounds {
                let (mut w0, mut w1, mut w2, mut w3) = (window(p0), window(p1), window(p2), window(p3));
                for q in q.chunks_exact_mut(STREAMS) {
                    let q: &mut [u64; STREAMS] = q.try_into().expect("a value per lane");
                    q[0] = take(&mut w0, &mut p0, &mut b);
                    q[1] = take(&mut w1, &mut p1, &mut b);
                    q[2] = take(&mut w2, &mut p2, &mut b);
                    q[3] = take(&mut w3, &mut p3, &mut b);
                }
            }
            out = rounds.into_remainder();
        }
        let mut quads = out.chunks_exact_mut(STREAMS);
        for q in &mut quads {
            q[0] = next(&mut p0, &mut b);
            q[1] = next(&mut p1, &mut b);
            q[2] = next(&mut p2, &mut b);
            q[3] = next(&mut p3, &mut b);
        }
        *pos = [p0, p1, p2, p3];
        for (o, p) in quads.into_remainder().iter_mut().zip(pos.iter_mut()) {
            *o = next(p, &mut b);
        }
        *bad |= b;
    }

    /// At least 57 bits from bit `pos` of `data`: one unaligned load.
    ///
    /// # Safety
    /// `data` holds at least 8 bytes from byte `pos / 8`.
    #[inline(always)]
    unsafe fn window(data: &[u8], pos: usize) -> u64 {
        let byte = pos / 8;
        debug_assert!(byte + 8 <= data.len());
        // SAFETY: the caller's: bytes `byte..byte + 8` are inside `data`.
        let at = unsafe { data.as_ptr().add(byte) };
        // SAFETY: as above; `read_unaligned` needs no alignment.
        let w = unsafe { at.cast::<u64>().read_unaligned() };
        u64::from_le(w) >> (pos % 8)
    }
}

/// What a stream's code lengths say: one value throughout (no bit
/// streams follow), or a code and the lanes' way of decoding it.
// Made once per stream and moved once: a box would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum Header {
    Run(u64),
    Code { code: Code, lanes_mode: u8 },
}

/// The lanes mode of a stream with layout `mode` whose values take at
/// most `max_bits` bits (code and extra bits): narrow codes of short
/// values take several values from one window.
fn lanes_mode(mode: u8, max_bits: u32) -> u8 {
    match mode {
        NARROW if max_bits <= WINDOW_BITS / 3 => NARROW_3,
        NARROW if max_bits <= WINDOW_BITS / 2 => NARROW_2,
        m => m,
    }
}

/// Reads a stream's `D` and code lengths, and builds its decoding table.
fn read_header(cur: &mut Cursor<'_>) -> Result<Header, CodecError> {
    let d = cur.varint()?;
    if d > MAX_DIRECT {
        return Err(codec_err(format!("entropy stream: {d} direct symbols, at most {MAX_DIRECT}")));
    }
    let m = cur.varint()?;
    if m == 0 || m > d + ESCAPES as u64 {
        return Err(codec_err(format!("entropy stream: {m} code lengths for {d} direct symbols")));
    }
    let m = m as usize;
    let packed = cur.bytes(m.div_ceil(2))?;
    let lens: Vec<u8> = (0..m).map(|s| (packed[s / 2] >> (4 * (s % 2))) & 15).collect();
    let used: Vec<usize> = (0..m).filter(|&s| lens[s] > 0).collect();
    if used.is_empty() {
        return Err(codec_err("entropy stream: no symbol has a code"));
    }
    if used.len() == 1 && (used[0] as u64) < d + 2 {
        // one value throughout, no bit streams (an escape class 0 or 1
        // stands for exactly its own symbol number)
        return Ok(Header::Run(used[0] as u64));
    }
    let max_len = used.iter().map(|&s| u32::from(lens[s])).max().unwrap_or(0);
    if max_len > MAX_CODE_LEN {
        return Err(codec_err(format!("entropy stream: code length {max_len} above {MAX_CODE_LEN}")));
    }
    let mode = Code::mode(&used, d);
    let entry = |s: usize, l: u32| Code::entry(s, l, d, mode != WIDE);
    // the most bits a value takes, code and extra bits
    let max_bits =
        used.iter().map(|&s| (entry(s, u32::from(lens[s])) >> 4) & 63).max().unwrap_or(0) + max_len;
    let size = 1usize << max_len;
    let mut escape_base = [0u64; 128];
    for k in 0..ESCAPES {
        escape_base[k + 1] = Code::base(d as usize + k, d);
    }
    let code = if used.len() == 1 {
        // one escape class: its code is empty, only the extra bits remain
        Code { table: vec![entry(used[0], 0)], mask: 0, escape_base }
    } else {
        // the lengths must form a complete prefix code (Kraft sum 1)
        let kraft: u64 = used.iter().map(|&s| 1u64 << (MAX_CODE_LEN - u32::from(lens[s]))).sum();
        if kraft != 1 << MAX_CODE_LEN {
            return Err(codec_err("entropy stream: code lengths do not form a complete prefix code"));
        }
        Code { table: build_table(&lens, &used, max_len, entry), mask: (size - 1) as u64, escape_base }
    };
    Ok(Header::Code { code, lanes_mode: lanes_mode(mode, max_bits) })
}

/// The `2^max_len` entries of a complete prefix code's table (`used`: the
/// symbols with a code, ascending; `entry`: a symbol's entry from its
/// code length), every entry a symbol's whose code the index's low bits
/// begin with.
///
/// Built length by length, doubling: the table of the codes up to `l`
/// bits is the one for `l - 1` bits twice over (a code of `k < l` bits
/// fills every `2^k`-th entry), with the codes of `l` bits put in, one
/// entry each. That is a copy and a store per symbol instead of a store
/// per entry: most of the table is copies of its short codes.
fn build_table(lens: &[u8], used: &[usize], max_len: u32, entry: impl Fn(usize, u32) -> u32) -> Vec<u32> {
    let codes = canonical_codes(lens);
    // the used symbols by code length (a counting sort): lengths `l` at
    // `by_len[first[l]..first[l + 1]]`
    let mut first = [0usize; MAX_CODE_LEN as usize + 2];
    for &s in used {
        first[usize::from(lens[s]) + 1] += 1;
    }
    for l in 1..first.len() {
        first[l] += first[l - 1];
    }
    let mut by_len = vec![0usize; used.len()];
    let mut next = first;
    for &s in used {
        let l = usize::from(lens[s]);
        by_len[next[l]] = s;
        next[l] += 1;
    }
    let mut table = Vec::with_capacity(1 << max_len);
    // no code is empty: the one entry of 0 bits is only doubled
    table.push(NO_CODE);
    for l in 1..=max_len as usize {
        table.extend_from_within(..);
        for &s in &by_len[first[l]..first[l + 1]] {
            table[codes[s] as usize] = entry(s, l as u32);
        }
    }
    table
}

/// The value of a stream that is one symbol without extra bits (every
/// value the same), read from its header alone; `None` for any other
/// stream (the cursor is then left inside it).
#[cfg(feature = "aggregate")] // only aggregation skips decoding timestamps
pub fn run_value(cur: &mut Cursor<'_>) -> Result<Option<u64>, CodecError> {
    match read_header(cur)? {
        Header::Run(v) => Ok(Some(v)),
        Header::Code { .. } => Ok(None),
    }
}

/// Decodes `n` values of an entropy stream, handing them to `sink` in
/// order, in chunks of at most 1024; except when the stream is one symbol
/// without extra bits (every value the same): then `sink` is not called
/// and the value is returned.
pub fn decode(
    cur: &mut Cursor<'_>,
    n: usize,
    mut sink: impl FnMut(&[u64]),
) -> Result<Option<u64>, CodecError> {
    let (code, lanes_mode) = match read_header(cur)? {
        Header::Run(v) => return Ok(Some(v)),
        Header::Code { code, lanes_mode } => (code, lanes_mode),
    };
    // the lanes' bit streams, one after another: lane j's bits are
    // start[j] * 8 .. end[j] * 8 of `data`
    let mut start = [0usize; STREAMS];
    let mut end = [0usize; STREAMS];
    let mut total = 0usize;
    for j in 0..STREAMS {
        let len = cur.varint()?;
        if len > cur.remaining().saturating_sub(total) as u64 {
            return Err(codec_err("entropy stream: bit stream runs past the chunk"));
        }
        start[j] = total;
        total += len as usize;
        end[j] = total;
    }
    // the bit streams and `PAD` bytes of zeros
    let mut data = pool::take_u8();
    data.extend_from_slice(cur.bytes(total)?);
    data.resize(total + PAD, 0);
    let mut pos = start.map(|s| s * 8);
    // On an error the two scratches are dropped, not given back: the pool
    // makes new ones.
    let mut buf = pool::take_chunk_scratch();
    let mut bad = 0u32;
    let mut left = n;
    while left > 0 {
        let len = left.min(CHUNK);
        let out = &mut buf[..len];
        // `out` holds at most `CHUNK` values, and every lane's position is
        // at most the end of the streams (checked below after each chunk),
        // with `PAD` bytes after it.
        match lanes_mode {
            // SAFETY: as above.
            DIRECT => unsafe { code.lanes::<DIRECT>(&data, out, &mut pos, &mut bad) },
            // SAFETY: as above.
            NARROW => unsafe { code.lanes::<NARROW>(&data, out, &mut pos, &mut bad) },
            // SAFETY: as above.
            NARROW_2 => unsafe { code.lanes::<NARROW_2>(&data, out, &mut pos, &mut bad) },
            // SAFETY: as above.
            NARROW_3 => unsafe { code.lanes::<NARROW_3>(&data, out, &mut pos, &mut bad) },
            // SAFETY: as above.
            _ => unsafe { code.lanes::<WIDE>(&data, out, &mut pos, &mut bad) },
        }
        if bad & NO_CODE != 0 {
            return Err(codec_err("entropy stream: invalid code"));
        }
        if (0..STREAMS).any(|j| pos[j] > end[j] * 8) {
            return Err(codec_err("entropy stream: bit stream truncated"));
        }
        sink(&buf[..len]);
        left -= len;
    }
    pool::give_chunk_scratch(buf);
    pool::give_u8(data);
    for j in 0..STREAMS {
        if pos[j].div_ceil(8) != end[j] {
            return Err(codec_err(format!(
                "entropy stream: lane {j} used {} bits of its {} bytes",
                pos[j] - start[j] * 8,
                end[j] - start[j]
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
/// [`decode`] for a sink that takes every value the same way: a run of one
/// value is handed over in chunks too.
pub fn decode_chunks(cur: &mut Cursor<'_>, n: usize, mut sink: impl FnMut(&[u64])) -> Result<(), CodecError> {
    if let Some(v) = decode(cur, n, &mut sink)? {
        let same = vec![v; n.min(CHUNK)];
        let mut left = n;
        while left > 0 {
            let len = left.min(CHUNK);
            sink(&same[..len]);
            left -= len;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary's estimates at every `D` tried by `choose_direct`.
    fn estimates(s: &Summary) -> Vec<u64> {
        (0..=12).map(|k| s.estimate_bits((1u64 << k) - 1)).chain([s.choose_direct(MAX_DIRECT)]).collect()
    }

    #[test]
    fn summaries_share_no_counts() {
        // the counters are pooled per thread: a summary of wide values, then
        // one of narrow values, must equal the narrow one alone (computed
        // on a fresh thread, whose pool is empty)
        let wide: Vec<u64> = (0..5000u64).map(|i| (i * 7919) % 4096).chain([1 << 40, 5000]).collect();
        let narrow: Vec<u64> = (0..3000u64).map(|i| i % 3 + (i % 17 == 0) as u64 * 900).collect();
        let alone = std::thread::spawn({
            let narrow = narrow.clone();
            move || estimates(&Summary::new(narrow.into_iter()))
        })
        .join()
        .unwrap();
        let first = estimates(&Summary::new(wide.iter().copied()));
        assert_eq!(estimates(&Summary::new(narrow.iter().copied())), alone);
        assert_eq!(estimates(&Summary::new(wide.iter().copied())), first);
        // odd counts (the last value has no partner) and no values at all
        assert_eq!(Summary::new([7u64].into_iter()).small_end, 8);
        assert_eq!(Summary::new(std::iter::empty()).small_end, 0);
        assert_eq!(Summary::new([1u64 << 20].into_iter()).small_end, 0);
    }

    #[test]
    fn canonical_codes_follow_length_then_symbol() {
        // the definition, by sorting the symbols: each code is the one
        // before plus one, shifted left to its length
        fn by_sort(lens: &[u8]) -> Vec<u32> {
            let mut order: Vec<usize> = (0..lens.len()).filter(|&s| lens[s] > 0).collect();
            order.sort_by_key(|&s| (lens[s], s));
            let mut codes = vec![0u32; lens.len()];
            let (mut code, mut prev) = (0u32, 0u8);
            for (i, &s) in order.iter().enumerate() {
                code = if i == 0 { 0 } else { (code + 1) << (lens[s] - prev) };
                prev = lens[s];
                codes[s] = code.reverse_bits() >> (32 - u32::from(lens[s]));
            }
            codes
        }
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..200 {
            let n = 1 + round * 20;
            let freq: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // skewed, with unused symbols
                    u64::from(!x.is_multiple_of(4)) * ((x >> 8) % 1000).pow(round as u32 % 3 + 1)
                })
                .collect();
            if freq.iter().all(|&f| f == 0) {
                continue;
            }
            let lens = code_lengths(&freq);
            assert_eq!(canonical_codes(&lens), by_sort(&lens), "{n} symbols");
            check_table(&lens);
        }
        assert_eq!(canonical_codes(&[0, 1, 0]), vec![0, 0, 0]);
    }

    /// `build_table` against its definition: every entry whose index's
    /// low bits are a symbol's code, that symbol's.
    fn check_table(lens: &[u8]) {
        let used: Vec<usize> = (0..lens.len()).filter(|&s| lens[s] > 0).collect();
        if used.len() < 2 {
            return;
        }
        let max_len = used.iter().map(|&s| u32::from(lens[s])).max().unwrap();
        let entry = |s: usize, l: u32| (s as u32) << BASE_SHIFT | l;
        let codes = canonical_codes(lens);
        let mut want = vec![NO_CODE; 1 << max_len];
        for &s in &used {
            let l = u32::from(lens[s]);
            for j in (codes[s] as usize..want.len()).step_by(1 << l) {
                want[j] = entry(s, l);
            }
        }
        assert!(!want.contains(&NO_CODE), "an incomplete code");
        assert_eq!(build_table(lens, &used, max_len, entry), want);
    }

    fn round_trip(vals: &[u64], d: u64) -> usize {
        let mut b = Vec::new();
        encode(vals, d, &mut b);
        let mut cur = Cursor::new(&b);
        let mut got = Vec::new();
        decode_chunks(&mut cur, vals.len(), |c| got.extend_from_slice(c)).unwrap();
        cur.finish().unwrap();
        assert_eq!(got, vals);
        b.len()
    }

    #[test]
    fn round_trips_and_sizes() {
        assert!(round_trip(&[0; 4000], 1) <= 6);
        assert!(round_trip(&[7; 4000], 8) <= 8);
        // an escape class with extra bits: 2 bits each
        assert!(round_trip(&[7; 4000], 0) <= 1016);
        round_trip(&[u64::MAX, 0, 1, u64::MAX - 1, 1 << 63], 0);
        round_trip(&[u64::MAX, 0, 1, u64::MAX - 1, 1 << 63], MAX_DIRECT);
        let skewed: Vec<u64> = (0..10_000u64).map(|i| if i % 10 == 0 { i % 7 } else { 0 }).collect();
        let b = round_trip(&skewed, 8);
        assert!(b * 8 < 10_000 * 3 / 2, "{b}");
        // a geometric-like distribution over many symbols hits the length limit
        let geo: Vec<u64> = (0..100_000u64)
            .map(|i| u64::from((i * 2_654_435_761 % 1_000_003).trailing_zeros() * 97 % 4000))
            .collect();
        round_trip(&geo, MAX_DIRECT);
        let wide: Vec<u64> = (0..5000u64).map(|i| i * i * 977).collect();
        for d in [0, 1, 16, 1000] {
            round_trip(&wide, d);
        }
    }

    /// Values below `D` only (the decoder reads four codes per window),
    /// with codes up to the 12-bit limit, cut at every remainder of the
    /// decoder's rounds of 16 values and around its chunks of 1024.
    #[test]
    fn direct_codes_at_every_count() {
        let geo: Vec<u64> = (0..100_000u64)
            .map(|i| u64::from((i * 2_654_435_761 % 1_000_003).trailing_zeros() * 97 % 4000))
            .collect();
        for n in (0..=40).chain([1023, 1024, 1025, 4099, 100_000]) {
            round_trip(&geo[..n], MAX_DIRECT);
        }
        let mut b = Vec::new();
        encode(&geo, MAX_DIRECT, &mut b);
        let mut cur = Cursor::new(&b);
        let (d, m) = (cur.varint().unwrap(), cur.varint().unwrap() as usize);
        let lens = cur.bytes(m.div_ceil(2)).unwrap();
        assert_eq!(d, MAX_DIRECT);
        assert!(m as u64 <= d, "every symbol direct");
        assert!(lens.iter().any(|&p| p & 15 == 12 || p >> 4 == 12), "some code of 12 bits");
    }

    /// Escape classes on both sides of the narrow layout's limit (a
    /// smallest value below 2^21), and direct symbols beside them.
    #[test]
    fn narrow_and_wide_layouts() {
        let d = 16u64;
        // class k's smallest value: d + 2^(k-1)
        let class = |k: usize| d as usize + k;
        assert_eq!(Code::mode(&[3, 9], d), DIRECT);
        assert_eq!(Code::mode(&[3, class(0), class(1), class(20)], d), NARROW);
        assert_eq!(Code::mode(&[3, class(21)], d), NARROW, "d + 2^20 < 2^21");
        assert_eq!(Code::mode(&[3, class(22)], d), WIDE, "d + 2^21");
        assert_eq!(Code::mode(&[class(64)], d), WIDE);
        let mut x = 7u64;
        for top in [(1u64 << 21) - 1 - d, (1 << 21) - d, (1 << 22) + 5, u64::MAX] {
            let vals: Vec<u64> = (0..5000)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    match i % 5 {
                        0 => top,
                        1 => d + x % 3,
                        _ => x % d,
                    }
                })
                .collect();
            round_trip(&vals, d);
        }
    }

    /// The lanes mode of an encoded stream (None: one value throughout).
    fn lanes_mode_of(bytes: &[u8]) -> Option<u8> {
        match read_header(&mut Cursor::new(bytes)).unwrap() {
            Header::Run(_) => None,
            Header::Code { lanes_mode, .. } => Some(lanes_mode),
        }
    }

    /// Values short enough for several to a window are decoded that way,
    /// on both sides of each bound, at chunk lengths with and without a
    /// remainder of single values.
    #[test]
    fn values_per_window() {
        for m in [DIRECT, NARROW, NARROW_2, NARROW_3, WIDE] {
            assert!(per_window(m) as u32 * if m == DIRECT { MAX_CODE_LEN } else { 1 } <= WINDOW_BITS);
        }
        assert_eq!(lanes_mode(NARROW, 19), NARROW_3);
        assert_eq!(lanes_mode(NARROW, 20), NARROW_2);
        assert_eq!(lanes_mode(NARROW, 28), NARROW_2);
        assert_eq!(lanes_mode(NARROW, 29), NARROW);
        assert_eq!(lanes_mode(DIRECT, 12), DIRECT);
        assert_eq!(lanes_mode(WIDE, 12), WIDE);
        let d = 16u64;
        let mut seen = Vec::new();
        let mut x = 99u64;
        // the largest value sets the widest escape class: from none
        // (direct symbols only) to 2^27 and past 2^21 (wide)
        for top_bits in [0u32, 4, 8, 12, 14, 16, 18, 20, 24] {
            for n in [4000usize, 1024 + 7, 37] {
                let vals: Vec<u64> = (0..n)
                    .map(|i| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        match i % 7 {
                            0 if top_bits > 0 => d + (x >> (64 - top_bits)),
                            _ => x % d,
                        }
                    })
                    .collect();
                let mut b = Vec::new();
                encode(&vals, d, &mut b);
                seen.extend(lanes_mode_of(&b));
                round_trip(&vals, d);
            }
        }
        for m in [DIRECT, NARROW, NARROW_2, NARROW_3, WIDE] {
            assert!(seen.contains(&m), "lanes mode {m} never taken: {seen:?}");
        }
    }

    #[test]
    fn arbitrary_bytes_do_not_panic() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = decode(&mut Cursor::new(&bytes), 1000, |_| {});
        }
    }
}
