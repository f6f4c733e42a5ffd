//! Codec 11, `split`: ALP's "real doubles" idea (ALP_rd, SIGMOD 2023) for
//! high-precision floats. Each value's bits are split at bit `p`: the
//! left part `bits >> p` (sign, exponent, first mantissa bits) takes few
//! distinct values and is dictionary-coded by frequency rank; the right
//! part `bits & (2^p - 1)` is bit-packed.
//!
//! Bytes: SPEC.md §4.14 "split (id 11)".

use super::bits::{BLOCK, Cursor, block_cost, pool, put_varint, stream};
use super::{CodecError, codec_err};

/// At most this many distinct left parts.
const MAX_D: usize = 4096;
const EMPTY: u32 = u32::MAX;

/// Estimated bits per value with split point `p` on the sample's bits, or
/// None if the left parts are too many.
fn estimate(bits: &[u64], p: u32) -> Option<f64> {
    let m = bits.len();
    let mut lefts: Vec<u64> = bits.iter().map(|b| b >> p).collect();
    lefts.sort_unstable();
    // (count, left part), sorted by left part
    let mut runs: Vec<(u32, u64)> = Vec::new();
    for &l in &lefts {
        match runs.last_mut() {
            Some((c, v)) if *v == l => *c += 1,
            _ => runs.push((1, l)),
        }
    }
    if runs.len() > MAX_D.min(m / 2 + 1) {
        return None;
    }
    let mut by_freq: Vec<usize> = (0..runs.len()).collect();
    by_freq.sort_unstable_by(|&a, &b| runs[b].0.cmp(&runs[a].0).then(a.cmp(&b)));
    let mut rank = vec![0i64; runs.len()];
    for (r, &k) in by_freq.iter().enumerate() {
        rank[k] = r as i64;
    }
    let ranks: Vec<i64> = bits
        .iter()
        .map(|b| {
            let l = b >> p;
            runs.binary_search_by(|r| r.1.cmp(&l)).map_or(0, |k| rank[k])
        })
        .collect();
    let rank_bits: u64 = ranks.chunks(BLOCK).map(block_cost).sum();
    Some(rank_bits as f64 / m as f64 + f64::from(p) + runs.len() as f64 * f64::from(72 - p) / m as f64)
}

/// Picks `p` on (at most 256 values of) a sample; returns (p, estimated
/// bits per value).
pub fn choose(sample: &[f64]) -> Option<(u32, f64)> {
    if sample.is_empty() {
        return None;
    }
    let step = sample.len().div_ceil(256);
    let bits: Vec<u64> = sample.iter().step_by(step).map(|v| v.to_bits()).collect();
    let mut best: Option<(u32, f64)> = None;
    // coarse search over even p from the top (fewer right bits only means
    // more distinct left parts), then the odd neighbours of the best
    for p in (32..=60u32).rev().step_by(2) {
        match estimate(&bits, p) {
            Some(c) if best.is_none_or(|(_, b)| c < b) => best = Some((p, c)),
            // roughly convex in p: stop once clearly past the minimum
            Some(c) if best.is_some_and(|(_, b)| c > b + 3.0) => break,
            Some(_) => {}
            None => break,
        }
    }
    let (bp, _) = best?;
    for q in [bp - 1, bp + 1] {
        if let Some(c) = estimate(&bits, q)
            && best.is_none_or(|(_, b)| c < b)
        {
            best = Some((q, c));
        }
    }
    best
}

#[inline]
fn hash(b: u64, shift: u32) -> usize {
    (b.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// Encodes with split point `p`; false (nothing written) if there are more
/// than 4096 distinct left parts.
pub fn encode_with(values: &[f64], p: u32, out: &mut Vec<u8>) -> bool {
    let n = values.len();
    if n == 0 || !(1..=63).contains(&p) {
        return false;
    }
    let size = (2 * MAX_D).next_power_of_two();
    let shift = 64 - size.trailing_zeros();
    let mut table: Vec<(u64, u32)> = vec![(0, EMPTY); size];
    let mut lefts: Vec<(u32, u64)> = Vec::new(); // (count, left)
    let mut ids = pool::take_i64();
    ids.reserve(n);
    for v in values {
        let l = v.to_bits() >> p;
        let mut i = hash(l, shift);
        let id = loop {
            let (k, id) = table[i];
            if id == EMPTY {
                if lefts.len() >= MAX_D {
                    pool::give_i64(ids);
                    return false;
                }
                let id = lefts.len() as u32;
                table[i] = (l, id);
                lefts.push((0, l));
                break id;
            }
            if k == l {
                break id;
            }
            i = (i + 1) & (size - 1);
        };
        lefts[id as usize].0 += 1;
        ids.push(i64::from(id));
    }
    let mut order: Vec<u32> = (0..lefts.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (ca, la) = lefts[a as usize];
        let (cb, lb) = lefts[b as usize];
        cb.cmp(&ca).then(la.cmp(&lb))
    });
    let mut rank_of = vec![0u32; lefts.len()];
    for (r, &id) in order.iter().enumerate() {
        rank_of[id as usize] = r as u32;
    }
    out.push(p as u8);
    put_varint(out, lefts.len() as u64);
    for &id in &order {
        put_varint(out, lefts[id as usize].1);
    }
    let mut v = ids;
    for x in v.iter_mut() {
        *x = i64::from(rank_of[*x as usize]);
    }
    stream::encode(&v, stream::choose_mode(&v), out);
    let m = (1u64 << p) - 1;
    v.clear();
    v.extend(values.iter().map(|x| (x.to_bits() & m) as i64));
    stream::encode(&v, stream::choose_mode(&v), out);
    pool::give_i64(v);
    true
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let p = u32::from(cur.u8()?);
    if !(1..=63).contains(&p) {
        return Err(codec_err(format!("split: bad split point {p}")));
    }
    let d = cur.varint()?;
    if d == 0 || d > n as u64 || d > cur.remaining() as u64 {
        return Err(codec_err(format!("split: bad left dictionary size {d}")));
    }
    let mut lefts = Vec::with_capacity(d as usize);
    for _ in 0..d {
        let l = cur.varint()?;
        if l >> (64 - p) != 0 {
            return Err(codec_err("split: left part too wide"));
        }
        lefts.push(l << p);
    }
    let mut ranks: Vec<i64> = Vec::with_capacity(n);
    stream::decode(&mut cur, n, |b| ranks.extend_from_slice(b))?;
    let m = (1u64 << p) - 1;
    let lefts = &lefts[..];
    let mut bad = false;
    out.reserve(n);
    let mut k = 0usize;
    stream::decode(&mut cur, n, |b| {
        let rs = &ranks[k..k + b.len()];
        out.extend(b.iter().zip(rs).map(|(&r, &q)| {
            let l = match lefts.get(q as u64 as usize) {
                Some(&l) => l,
                None => {
                    bad = true;
                    0
                }
            };
            f64::from_bits(l | (r as u64 & m))
        }));
        k += b.len();
    })?;
    if bad {
        return Err(codec_err("split: rank out of range"));
    }
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use proptest::prelude::*;

    #[test]
    fn round_trips_limits_and_errors() {
        assert_eq!(round_trip(&[], |v, b| encode_with(v, 50, b), decode), None);
        assert_eq!(round_trip(&[1.0], |v, b| encode_with(v, 0, b), decode), None);
        let specials = [f64::NAN, -0.0, f64::INFINITY, 5e-324, f64::MAX];
        for p in [52, 1, 63] {
            round_trip(&specials, |v, b| encode_with(v, p, b), decode).unwrap();
        }
        let mut x = 7u64;
        let v: Vec<f64> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 11) as f64 / (1u64 << 53) as f64 * 1.5
            })
            .collect();
        let (p, est) = choose(&v[..1024]).unwrap();
        let size = round_trip(&v, |v, b| encode_with(v, p, b), decode).unwrap();
        let bits = size as f64 * 8.0 / v.len() as f64;
        assert!(bits < 57.0 && (bits - est).abs() < 2.0, "{p} {bits} {est}");
        let mut buf = Vec::new();
        encode_with(&v[..3000], p, &mut buf);
        for cut in (0..buf.len()).step_by(3) {
            assert!(decode(&buf[..cut], 3000, &mut Vec::new()).is_err());
        }
        assert!(decode(&buf, 2999, &mut Vec::new()).is_err());
        // too many distinct left parts
        assert_eq!(round_trip(&v, |v, b| encode_with(v, 30, b), decode), None);
    }

    proptest! {
        #[test]
        fn prop_bits(bits in proptest::collection::vec(any::<u64>(), 0..1500), p in 1u32..64) {
            let v: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).collect();
            let _ = round_trip(&v, |v, b| encode_with(v, p, b), decode);
        }
    }
}
