//! The frame-of-reference (FOR) block with exceptions ("patching"): up to
//! [`BLOCK`] i64 values as offsets from a base, packed in `w` bits each, the
//! few offsets that do not fit patched with their high bits. The building
//! block of every integer stream.
//!
//! Bytes, and the encoder's choice of `base` and `w`: SPEC.md §4.2 "FOR block".

use super::bit_io::{mask, pack_stream, unpack_stream};
use super::interleaved::{pack_block, unpack_block};
use super::varint::{put_varint, put_zvarint, zigzag};
use super::{BLOCK, Cursor, pool};
use crate::codec::{CodecError, codec_err};

/// Bits per exception position (positions are < 1024).
const POS_BITS: u32 = 10;
/// Exceptions a decoder unpacks at a time.
const EXC_RUN: usize = 64;

/// Number of significant bits of `v` (0 for 0).
#[inline]
pub fn bit_len(v: u64) -> u32 {
    64 - v.leading_zeros()
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

/// Values kept at each end of the block when looking for low outliers.
const K: usize = 8;

/// The block's reference: its minimum, or the k-th smallest value (k < 8)
/// when the k smaller ones are low outliers whose exclusion narrows every
/// other value by enough bits to pay for making them exceptions.
#[inline]
fn robust_base(vals: &[i64]) -> i64 {
    let len = vals.len();
    if len < 8 * K {
        return vals.iter().copied().min().unwrap_or(0);
    }
    // The scan costs a few compares a value, but an insertion for every new
    // extreme: on a trending block (FOR over rising values), every value.
    // There the two-pass shortcut is several times faster; on others, a
    // little slower.
    let head = &vals[..2 * K];
    let trending = head.windows(2).all(|w| w[0] < w[1]) || head.windows(2).all(|w| w[0] > w[1]);
    let (lo, top) = if trending { extremes(vals) } else { None }.unwrap_or_else(|| extremes_scan(vals));
    // width of the core (the top K-1 values are patched anyway)
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

/// The K smallest values, ascending, and the K-th largest, of a block of
/// at least K values; None when the shortcut would not pay (then
/// [`extremes_scan`] finds the same).
///
/// Lane `j` holds the values at `j`, `j + K`, `j + 2K`, ...: the lanes' K
/// minima are K different values, so the K smallest are all at most the
/// largest of those minima, and likewise the K largest at least the
/// smallest lane maximum. Two passes find these cuts (vectorized) and the
/// few values beyond them, which are then sorted.
#[inline]
fn extremes(vals: &[i64]) -> Option<([i64; K], i64)> {
    const MAX_CANDIDATES: usize = 64;
    let mut lane_min = [i64::MAX; K];
    let mut lane_max = [i64::MIN; K];
    let chunks = vals.chunks_exact(K);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..K {
            lane_min[j] = lane_min[j].min(c[j]);
            lane_max[j] = lane_max[j].max(c[j]);
        }
    }
    for (j, &v) in rest.iter().enumerate() {
        lane_min[j] = lane_min[j].min(v);
        lane_max[j] = lane_max[j].max(v);
    }
    let lo_cut = lane_min.iter().copied().max().expect("K lanes");
    let hi_cut = lane_max.iter().copied().min().expect("K lanes");
    let mut low = [0i64; MAX_CANDIDATES];
    let mut high = [0i64; MAX_CANDIDATES];
    let (mut nl, mut nh) = (0, 0);
    for &v in vals {
        if v <= lo_cut {
            *low.get_mut(nl)? = v;
            nl += 1;
        }
        if v >= hi_cut {
            *high.get_mut(nh)? = v;
            nh += 1;
        }
    }
    let low = &mut low[..nl];
    low.sort_unstable();
    let high = &mut high[..nh];
    high.sort_unstable();
    let lo: [i64; K] = low[..K].try_into().expect("at least K values at or below the cut");
    Some((lo, high[nh - K]))
}

/// [`extremes`] by one scan keeping the K smallest and K largest so far.
#[inline(never)]
fn extremes_scan(vals: &[i64]) -> ([i64; K], i64) {
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
    (lo, hi[K - 1])
}

#[inline]
fn offsets(vals: &[i64], offs: &mut [u64; BLOCK]) -> (i64, [u32; 65]) {
    let base = robust_base(vals);
    for (o, &v) in offs.iter_mut().zip(vals) {
        *o = v.wrapping_sub(base) as u64;
    }
    (base, width_histogram(vals, base))
}

/// How many of `vals` have offsets from `base` of each bit length.
#[inline]
fn width_histogram(vals: &[i64], base: i64) -> [u32; 65] {
    let width = |v: i64| bit_len(v.wrapping_sub(base) as u64) as usize;
    // four interleaved histograms avoid store-forwarding stalls when
    // neighbouring values fall into the same bucket
    let mut h = [[0u32; 65]; 4];
    let quads = vals.chunks_exact(4);
    let rest = quads.remainder();
    for q in quads {
        h[0][width(q[0])] += 1;
        h[1][width(q[1])] += 1;
        h[2][width(q[2])] += 1;
        h[3][width(q[3])] += 1;
    }
    for &v in rest {
        h[0][width(v)] += 1;
    }
    let mut hist = [0u32; 65];
    for (b, x) in hist.iter_mut().enumerate() {
        *x = h[0][b] + h[1][b] + h[2][b] + h[3][b];
    }
    hist
}

/// Approximate size in bits of the FOR block for `vals` (header included).
pub fn block_cost(vals: &[i64]) -> u64 {
    // the offsets' widths alone: no block of offsets to zero and fill
    let base = robust_base(vals);
    let hist = width_histogram(vals, base);
    let (_, _, cost) = choose_width(&hist, vals.len());
    cost + 8 * (2 + (bit_len(zigzag(base)) as u64).div_ceil(7))
}

/// Appends one FOR block (see the module docs) for `vals` (1..=1024 values).
pub fn encode_block(vals: &[i64], out: &mut Vec<u8>) {
    debug_assert!(!vals.is_empty() && vals.len() <= BLOCK);
    // a kept scratch: zeroing a fresh one per block was about 1% of a
    // flush's instructions
    let mut offs = pool::take_chunk_scratch();
    encode_offsets(vals, &mut offs, out);
    pool::give_chunk_scratch(offs);
}

/// [`encode_block`] with `offs` to work in.
fn encode_offsets(vals: &[i64], offs: &mut [u64; BLOCK], out: &mut Vec<u8>) {
    let len = vals.len();
    let (base, hist) = offsets(vals, offs);
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

/// The bytes of exceptions `first..first + m` of a field of `bits` bits
/// (`first` a multiple of [`EXC_RUN`], so the run starts on a byte).
fn exception_run(bytes: &[u8], first: usize, m: usize, bits: u32) -> &[u8] {
    let start = first * bits as usize / 8;
    &bytes[start..start + packed_len(m, bits)]
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
    let (pos_bytes, high_bytes) = if n_exc > 0 {
        (cur.bytes(packed_len(n_exc, POS_BITS))?, cur.bytes(packed_len(n_exc, exc_w))?)
    } else {
        (&[][..], &[][..])
    };
    if w == 0 {
        // Every offset is 0 but the exceptions': no unpacking, and no
        // scratch to clear (a delta stream of a slowly changing series is
        // mostly such blocks).
        out[..len].fill(base);
        return for_each_exception(pos_bytes, high_bytes, n_exc, exc_w, len, |p, high| {
            out[p] = base.wrapping_add(high as i64);
        });
    }
    if len == BLOCK {
        unpack_block(packed, w, tmp);
    } else {
        unpack_stream(packed, w, &mut tmp[..len]);
    }
    for_each_exception(pos_bytes, high_bytes, n_exc, exc_w, len, |p, high| tmp[p] |= high << w)?;
    for (o, &t) in out[..len].iter_mut().zip(tmp[..len].iter()) {
        *o = base.wrapping_add(t as i64);
    }
    Ok(())
}

/// Calls `patch(position, high bits)` for each of a block's `n_exc`
/// exceptions, checking that positions ascend and lie below `len`. The
/// fields are unpacked [`EXC_RUN`] at a time (a run of either field starts
/// on a byte: `EXC_RUN` is a multiple of 8), not read one by one.
fn for_each_exception(
    pos_bytes: &[u8],
    high_bytes: &[u8],
    n_exc: usize,
    exc_w: u32,
    len: usize,
    mut patch: impl FnMut(usize, u64),
) -> Result<(), CodecError> {
    if n_exc == 0 {
        return Ok(());
    }
    let mut positions = [0u64; EXC_RUN];
    let mut highs = [0u64; EXC_RUN];
    let mut prev: i64 = -1;
    for first in (0..n_exc).step_by(EXC_RUN) {
        let m = (n_exc - first).min(EXC_RUN);
        unpack_stream(exception_run(pos_bytes, first, m, POS_BITS), POS_BITS, &mut positions[..m]);
        unpack_stream(exception_run(high_bytes, first, m, exc_w), exc_w, &mut highs[..m]);
        for (&p, &high) in positions[..m].iter().zip(&highs[..m]) {
            let p = p as usize;
            if p >= len || (p as i64) <= prev {
                return Err(codec_err("exception position out of order or range"));
            }
            prev = p as i64;
            patch(p, high);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    /// One block as a whole chunk, the shape the round-trip helper takes.
    fn decode_one_block(data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
        let mut cur = Cursor::new(data);
        let start = out.len();
        out.resize(start + n, 0);
        decode_block(&mut cur, n, &mut [0u64; BLOCK], &mut out[start..])?;
        cur.finish()
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
                round_trip_always(&vals, encode_block, decode_one_block);
            }
        }
    }

    #[test]
    fn exceptions_are_used_and_exact() {
        let mut vals: Vec<i64> = (0..BLOCK as i64).map(|i| i % 4).collect();
        vals[17] = i64::MAX;
        vals[500] = i64::MIN;
        vals[1023] = 1 << 40;
        round_trip_always(&vals, encode_block, decode_one_block);
        let vals: Vec<i64> = (0..BLOCK as i64).map(|i| if i == 3 { 1 << 50 } else { 1000 + i % 2 }).collect();
        let mut buf = Vec::new();
        encode_block(&vals, &mut buf);
        assert!(buf.len() < 140 + 20, "{}", buf.len());
        round_trip_always(&vals, encode_block, decode_one_block);
    }

    /// More exceptions than the decoder unpacks at a time, in full and
    /// partial blocks: every run boundary, and a last run cut short.
    #[test]
    fn many_exceptions_across_runs() {
        for (len, every) in [(BLOCK, 9), (BLOCK, 13), (1000, 11), (700, 7)] {
            let vals: Vec<i64> =
                (0..len as i64).map(|i| if i % every == 0 { 1000 + i * 3 } else { i % 2 }).collect();
            let mut buf = Vec::new();
            encode_block(&vals, &mut buf);
            let mut cur = Cursor::new(&buf);
            let (w, _base, n_exc) = (cur.u8().unwrap(), cur.zvarint().unwrap(), cur.varint().unwrap());
            assert_eq!(w, 1, "len {len}, every {every}");
            assert_eq!(n_exc, len.div_ceil(every as usize) as u64, "len {len}, every {every}");
            assert!(n_exc as usize > EXC_RUN);
            round_trip_always(&vals, encode_block, decode_one_block);
        }
    }

    /// Zero-width blocks (every offset 0 but the exceptions') decode
    /// without unpacking: full and partial, with exceptions in one and in
    /// several runs, and with none; a block whose stored positions are out
    /// of order is refused.
    #[test]
    fn zero_width_blocks_with_exceptions() {
        for (len, every) in
            [(BLOCK, 60), (BLOCK, 7), (333, 60), (100, 50), (BLOCK, usize::MAX), (17, usize::MAX)]
        {
            let vals: Vec<i64> = (0..len)
                .map(|i| if i % every == every - 1 { -40 + (i as i64 % 5) * 9 } else { -50 })
                .collect();
            let mut buf = Vec::new();
            encode_block(&vals, &mut buf);
            let mut cur = Cursor::new(&buf);
            let (w, _base, n_exc) = (cur.u8().unwrap(), cur.zvarint().unwrap(), cur.varint().unwrap());
            assert_eq!(w, 0, "len {len}, every {every}");
            assert_eq!(n_exc, (len / every.min(len + 1)) as u64, "len {len}, every {every}");
            round_trip_always(&vals, encode_block, decode_one_block);
        }
        // Two exceptions; their stored positions swapped.
        let mut vals = vec![7i64; BLOCK];
        vals[3] = 100;
        vals[9] = 200;
        let mut buf = Vec::new();
        encode_block(&vals, &mut buf);
        // w, base, count, exception width, then the 10-bit positions 3 and 9
        let at = 4;
        assert_eq!((buf[0], buf[2]), (0, 2));
        let (p3, p9) = (3u32, 9u32);
        let swapped = p9 | (p3 << 10);
        assert_eq!(
            u32::from(buf[at]) | (u32::from(buf[at + 1]) << 8) | (u32::from(buf[at + 2] & 0xf) << 16),
            p3 | (p9 << 10)
        );
        buf[at] = swapped as u8;
        buf[at + 1] = (swapped >> 8) as u8;
        buf[at + 2] = (buf[at + 2] & 0xf0) | ((swapped >> 16) as u8 & 0xf);
        let mut out = Vec::new();
        assert!(decode_one_block(&buf, BLOCK, &mut out).is_err());
    }

    #[test]
    fn low_outliers_become_exceptions() {
        let mut vals: Vec<i64> = (0..BLOCK as i64).map(|i| 1000 + (i * 7) % 16).collect();
        vals[5] = -1_000_000_000_000_000;
        vals[600] = i64::MIN;
        vals[601] = -77;
        vals[900] = i64::MAX;
        round_trip_always(&vals, encode_block, decode_one_block);
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

    /// The shortcut finds what the scan finds, or declines.
    fn same_extremes(vals: &[i64]) {
        if vals.len() >= K
            && let Some(fast) = extremes(vals)
        {
            assert_eq!(fast, extremes_scan(vals), "{vals:?}");
        }
    }

    #[test]
    fn extremes_shortcut_matches_the_scan() {
        let up: Vec<i64> = (0..BLOCK as i64).collect();
        let down: Vec<i64> = up.iter().rev().copied().collect();
        let flat = vec![5i64; BLOCK];
        let mut lanes: Vec<i64> = (0..BLOCK as i64).map(|i| if i % 8 == 0 { -i } else { i }).collect();
        for v in [&up, &down, &flat, &lanes] {
            same_extremes(v);
        }
        assert!(extremes(&up).is_some() && extremes(&flat).is_none());
        lanes[3] = i64::MIN;
        same_extremes(&lanes);
    }

    proptest! {
        #[test]
        fn prop_extremes(vals in proptest::collection::vec(any::<i64>(), K..=BLOCK), small in proptest::collection::vec(-5i64..5, K..=BLOCK)) {
            same_extremes(&vals);
            same_extremes(&small);
            let sorted = { let mut v = vals.clone(); v.sort_unstable(); v };
            same_extremes(&sorted);
        }

        #[test]
        fn prop_block(vals in proptest::collection::vec(any::<i64>(), 1..=BLOCK)) {
            round_trip_always(&vals, encode_block, decode_one_block);
        }

        #[test]
        fn prop_block_small(vals in proptest::collection::vec(-20i64..20, 1..=BLOCK), big in any::<i64>(), at in 0usize..BLOCK) {
            let mut vals = vals;
            let at = at % vals.len();
            vals[at] = big;
            round_trip_always(&vals, encode_block, decode_one_block);
        }
    }
}
