//! Codec 9, `dict`: dictionary encoding for columns with few distinct
//! values (relative to their length).
//!
//! The dictionary holds the distinct bit patterns sorted by
//! `f64::total_cmp` (so nearby values get nearby indices), itself encoded by
//! another value codec; each value is then its index, as an integer stream.
//!
//! Bytes: SPEC.md §4.12 "dict (id 9)". The same dictionary with its
//! indices in an entropy stream is codec 14 (`dict_entropy.rs`); the
//! encoder writes whichever of the two is smaller.

use super::bits::{Cursor, pool, put_varint, stream};
use super::dict_entropy::decode_dictionary;
use super::{CodecError, Level, codec_err, dict_entropy, id};

/// Sort key giving `f64::total_cmp` order on bit patterns.
#[inline]
fn key(bits: u64) -> u64 {
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

const EMPTY: u32 = u32::MAX;

#[inline]
fn hash(b: u64, shift: u32) -> usize {
    (b.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// Encodes a dictionary's distinct values: returns the codec id it used.
/// The chooser passes itself in (without the dictionary), so this leaf
/// codec never imports the chooser.
pub type NestedEncoder = fn(&[f64], Level, &mut Vec<u8>) -> u8;

/// Encodes with a dictionary whose values `nested` encodes, its indices
/// as an integer stream (id 9) or, when smaller, an entropy stream (id 14);
/// returns the id, or None (nothing written) if there are more than `n / 4`
/// distinct values, or more than 2^14 (Hot) / 2^20 (Cold).
pub fn encode(values: &[f64], level: Level, nested: NestedEncoder, out: &mut Vec<u8>) -> Option<u8> {
    encode_only(values, level, nested, None, out)
}

/// [`encode`] restricted to one of the two index layouts (`Some(id)`), or
/// either (`None`).
pub fn encode_only(
    values: &[f64],
    level: Level,
    nested: NestedEncoder,
    only: Option<u8>,
    out: &mut Vec<u8>,
) -> Option<u8> {
    let n = values.len();
    let limit = limit(n, level);
    if n == 0 || limit == 0 {
        return None;
    }
    let mut idx = pool::take_i64();
    let Some(distinct) = insertion_ids(values, limit, &mut idx) else {
        pool::give_i64(idx);
        return None;
    };
    let dict = to_ranks(&distinct, &mut idx);
    let mut dbytes = Vec::new();
    let dc = nested(&dict, level, &mut dbytes);
    put_varint(out, dict.len() as u64);
    out.push(dc);
    put_varint(out, dbytes.len() as u64);
    out.extend_from_slice(&dbytes);
    let start = out.len();
    let codec = if only == Some(id::DICT_ENTROPY) {
        dict_entropy::encode_indices(&idx, dict.len(), out);
        id::DICT_ENTROPY
    } else {
        stream::encode(&idx, stream::choose_mode(&idx), out);
        // the entropy stream, when its estimate says it may be smaller
        if only.is_none() && dict_entropy::estimate_bits(&idx, dict.len()) / 8 < (out.len() - start) as u64 {
            let mut e = pool::take_u8();
            dict_entropy::encode_indices(&idx, dict.len(), &mut e);
            let better = e.len() < out.len() - start;
            if better {
                out.truncate(start);
                out.extend_from_slice(&e);
            }
            pool::give_u8(e);
            if better {
                pool::give_i64(idx);
                return Some(id::DICT_ENTROPY);
            }
        }
        id::DICT
    };
    pool::give_i64(idx);
    Some(codec)
}

/// Most distinct values a dictionary of `n` values may hold at `level`.
fn limit(n: usize, level: Level) -> usize {
    let cap = if level == Level::Hot { 1 << 14 } else { 1 << 20 };
    (n / 4).min(cap)
}

/// A low estimate of the bytes of [`encode`] of `values`: their indices
/// alone, as they cost in `sample` (runs of 1024 consecutive values spread
/// evenly over the column, the chooser's block sample), scaled. It leaves
/// out what the sample cannot show, the dictionary itself and the wider
/// indices of the distinct values the sample missed, so it errs low: a
/// dictionary that looks bigger than another codec here is, in practice,
/// bigger; one that looks smaller must be encoded to know.
///
/// None when the sample alone exceeds the dictionary's limit, or, if the
/// estimate is below `worth` (so the dictionary may be encoded), when the
/// column's distinct values, counted approximately ([`distinct_count`]),
/// clearly exceed it: `encode` would fail, but only after hashing its way
/// there.
pub fn estimate_low(values: &[f64], sample: &[f64], level: Level, worth: u64) -> Option<u64> {
    let (n, s) = (values.len(), sample.len());
    let limit = limit(n, level);
    if s == 0 || limit == 0 {
        return None;
    }
    let mut idx = pool::take_i64();
    let est = insertion_ids(sample, limit, &mut idx).map(|distinct| {
        to_ranks(&distinct, &mut idx);
        let bits = stream::estimate(&idx, stream::choose_mode(&idx), 8)
            .min(dict_entropy::estimate_bits(&idx, distinct.len()));
        bits / 8 * n as u64 / s as u64
    });
    pool::give_i64(idx);
    let est = est?;
    if est < worth && distinct_count(values) > limit as f64 * 1.05 {
        return None;
    }
    Some(est)
}

/// The splitmix64 finalizer: every input bit reaches every output bit.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Bits of the linear-counting bitmap of [`distinct_count`] (8 KiB: stays
/// in L1).
const SKETCH_BITS: usize = 1 << 16;

/// The number of distinct bit patterns in `values`, estimated by linear
/// counting (Whang et al. 1990): each value sets one bit of a bitmap chosen
/// by its hash, and `m ln(m / zeros)` estimates how many distinct values
/// set them. Standard error about 0.3% at 2^14 distinct values; infinite
/// once the bitmap is full (several times 2^16 distinct values).
pub fn distinct_count(values: &[f64]) -> f64 {
    let mut bits = vec![0u64; SKETCH_BITS / 64];
    let shift = 64 - SKETCH_BITS.trailing_zeros();
    for v in values {
        // the table's multiplicative hash clusters decimal bit patterns
        // (harmless when probing, not for counting): mix them first
        let h = hash(mix(v.to_bits()), shift);
        bits[h / 64] |= 1 << (h % 64);
    }
    let set: u32 = bits.iter().map(|w| w.count_ones()).sum();
    let zeros = (SKETCH_BITS as f64) - f64::from(set);
    if zeros == 0.0 {
        return f64::INFINITY;
    }
    SKETCH_BITS as f64 * (SKETCH_BITS as f64 / zeros).ln()
}

/// Pushes to `idx` each value's insertion id (the order in which its bit
/// pattern first appeared) and returns the distinct bit patterns in that
/// order; None past `limit` distinct values.
fn insertion_ids(values: &[f64], limit: usize, idx: &mut Vec<i64>) -> Option<Vec<u64>> {
    // open addressing, bit pattern -> insertion id; grows at load 1/2
    let mut size = 1024usize;
    let mut shift = 64 - size.trailing_zeros();
    let mut table: Vec<(u64, u32)> = vec![(0, EMPTY); size];
    idx.reserve(values.len());
    let mut distinct: Vec<u64> = Vec::new();
    for v in values {
        let b = v.to_bits();
        let mut i = hash(b, shift);
        let id = loop {
            let (k, id) = table[i];
            if id == EMPTY {
                if distinct.len() >= limit {
                    return None;
                }
                let id = distinct.len() as u32;
                table[i] = (b, id);
                distinct.push(b);
                if distinct.len() * 2 > size {
                    size *= 2;
                    shift -= 1;
                    table = vec![(0, EMPTY); size];
                    for (k, &d) in distinct.iter().enumerate() {
                        let mut j = hash(d, shift);
                        while table[j].1 != EMPTY {
                            j = (j + 1) & (size - 1);
                        }
                        table[j] = (d, k as u32);
                    }
                }
                break id;
            }
            if k == b {
                break id;
            }
            i = (i + 1) & (size - 1);
        };
        idx.push(i64::from(id));
    }
    Some(distinct)
}

/// Sorts the dictionary (`f64::total_cmp` order) and turns the insertion
/// ids in `idx` into ranks in it; returns the sorted dictionary.
fn to_ranks(distinct: &[u64], idx: &mut [i64]) -> Vec<f64> {
    let mut order: Vec<(u64, u32)> = distinct.iter().enumerate().map(|(k, &b)| (key(b), k as u32)).collect();
    order.sort_unstable();
    let mut rank_of = vec![0u32; distinct.len()];
    for (r, &(_, k)) in order.iter().enumerate() {
        rank_of[k as usize] = r as u32;
    }
    for x in idx.iter_mut() {
        *x = i64::from(rank_of[*x as usize]);
    }
    order.iter().map(|&(_, k)| f64::from_bits(distinct[k as usize])).collect()
}

/// A dictionary shared by the blocks of one segment column (SPEC.md
/// §3.2.1, §4.17): writes the dictionary part of [`encode`]'s layout (`d`,
/// `dc`, `len`, the values) to `prelude` and returns every value's index;
/// None (nothing written) under the same limits as [`encode`].
pub fn encode_shared(
    values: &[f64],
    level: Level,
    nested: NestedEncoder,
    prelude: &mut Vec<u8>,
) -> Option<Vec<i64>> {
    let n = values.len();
    let limit = limit(n, level);
    if n == 0 || limit == 0 {
        return None;
    }
    let mut idx = Vec::new();
    let distinct = insertion_ids(values, limit, &mut idx)?;
    let dict = to_ranks(&distinct, &mut idx);
    let mut dbytes = Vec::new();
    let dc = nested(&dict, level, &mut dbytes);
    put_varint(prelude, dict.len() as u64);
    prelude.push(dc);
    put_varint(prelude, dbytes.len() as u64);
    prelude.extend_from_slice(&dbytes);
    Some(idx)
}

/// A rough size of [`encode_shared`]'s output for `values`: the
/// dictionary as 8 bytes a value plus indices of `ceil(log2 d)` bits, `d`
/// the distinct values counted approximately ([`distinct_count`]); None if
/// `d` clearly exceeds the limit. One pass, no hashing into a table: for
/// deciding whether to try.
pub fn estimate_shared(values: &[f64], level: Level) -> Option<usize> {
    let n = values.len();
    let limit = limit(n, level);
    let d = distinct_count(values);
    if n == 0 || d > limit as f64 * 1.05 {
        return None;
    }
    let d = (d.round() as usize).max(1);
    let bits = usize::BITS - (d - 1).leading_zeros();
    Some(d * 8 + n * bits as usize / 8)
}

/// Encodes indices into a shared dictionary as one block's chunk (codec
/// `dict-shared`, 4.17): one integer stream.
pub fn encode_shared_indices(idx: &[i64], out: &mut Vec<u8>) {
    stream::encode(idx, stream::choose_mode(idx), out);
}

/// Decodes what [`encode_shared`] wrote to a prelude: a dictionary of at
/// most `max` values (the segment's rows); the prelude must be consumed
/// exactly.
pub fn decode_shared(prelude: &[u8], max: usize) -> Result<Vec<f64>, CodecError> {
    let mut cur = Cursor::new(prelude);
    let dict = decode_dictionary(&mut cur, max)?;
    cur.finish()?;
    Ok(dict)
}

/// Decodes one block's chunk of codec `dict-shared`: `n` indices into
/// `dict`.
pub fn decode_shared_indices(
    data: &[u8],
    n: usize,
    dict: &[f64],
    out: &mut Vec<f64>,
) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    decode_indices(&mut cur, n, dict, out)?;
    cur.finish()
}

/// Decodes an integer stream of `n` indices into `dict`, appending the
/// values to `out`.
fn decode_indices(
    cur: &mut Cursor<'_>,
    n: usize,
    dict: &[f64],
    out: &mut Vec<f64>,
) -> Result<(), CodecError> {
    out.reserve(n);
    let mut bad = false;
    stream::decode(cur, n, |b| {
        out.extend(b.iter().map(|&i| match dict.get(i as u64 as usize) {
            Some(&v) => v,
            None => {
                bad = true;
                0.0
            }
        }));
    })?;
    if bad {
        return Err(codec_err("dict: index out of range"));
    }
    Ok(())
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    let dict = decode_dictionary(&mut cur, n)?;
    decode_indices(&mut cur, n, &dict, out)?;
    cur.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip;
    use crate::codec::{affine, gorilla, plain};
    use proptest::prelude::*;

    // Dictionary encoders standing in for the chooser, which this leaf
    // codec must not import: plain, the simplest, and gorilla, a bit stream
    // whose exact length the dict decoder has to hand over.
    fn nested_plain(values: &[f64], _: Level, out: &mut Vec<u8>) -> u8 {
        plain::encode_f64(values, out);
        id::PLAIN
    }

    fn nested_gorilla(values: &[f64], _: Level, out: &mut Vec<u8>) -> u8 {
        gorilla::encode(values, out);
        id::GORILLA
    }

    const NESTED: [NestedEncoder; 2] = [nested_plain, nested_gorilla];

    #[test]
    fn round_trips_and_limits() {
        for nested in NESTED {
            assert_eq!(
                round_trip(
                    &[],
                    |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(),
                    decode
                ),
                None
            );
            assert_eq!(
                round_trip(
                    &[1.0, 2.0, 3.0],
                    |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(),
                    decode
                ),
                None
            );
            let specials = [f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, 0.7, -2.5];
            let v: Vec<f64> = (0..5000).map(|i| specials[(i * 7 + i / 3) % specials.len()]).collect();
            let size = round_trip(
                &v,
                |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(),
                decode,
            )
            .unwrap();
            assert!(size < 5000 * 3 / 8 + 200, "{size}");
            let v: Vec<f64> = (0..5000).map(|i| f64::from(i % 2000)).collect();
            assert_eq!(
                round_trip(
                    &v,
                    |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(),
                    decode
                ),
                None
            );
            let v: Vec<f64> = (0..5000).map(|i| f64::from(i % 1000) * 0.123_456_789).collect();
            round_trip(&v, |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(), decode)
                .unwrap();
        }
    }

    /// The chooser may give a dictionary the affine codec (id 12) when its
    /// sorted values are `base + k * step`; decoders must accept it.
    #[test]
    fn affine_dictionary() {
        fn nested_affine(values: &[f64], _: Level, out: &mut Vec<u8>) -> u8 {
            assert!(affine::encode_with(values, 3, out), "the dictionary is affine");
            id::AFFINE
        }
        let v: Vec<f64> = (0..4000).map(|i| 0.33 + f64::from((i * 37) % 64) * 0.003).collect();
        round_trip(&v, |v, b| encode_only(v, Level::Hot, nested_affine, Some(id::DICT), b).is_some(), decode)
            .unwrap();
        let mut buf = Vec::new();
        assert!(encode(&v, Level::Hot, nested_affine, &mut buf).is_some());
        assert_eq!(buf[..2], [64, id::AFFINE]);
    }

    #[test]
    fn distinct_count_is_close() {
        for d in [1u64, 100, 5000, 16_384, 40_000] {
            let v: Vec<f64> = (0..131_072u64).map(|i| ((i * 7919) % d) as f64 * 0.01).collect();
            let got = distinct_count(&v);
            assert!((got - d as f64).abs() <= d as f64 * 0.02 + 1.0, "{d} distinct, counted {got}");
        }
        let v: Vec<f64> = (0..1_000_000u64).map(|i| i as f64).collect();
        assert_eq!(distinct_count(&v), f64::INFINITY);
    }

    /// The estimate is a low one, and absent where the dictionary fails.
    #[test]
    fn estimate_low_is_low() {
        let sample = |v: &[f64]| -> Vec<f64> {
            (0..8).flat_map(|k| &v[k * (v.len() - 1024) / 7..][..1024]).copied().collect()
        };
        let mut x = 1u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for d in [10u64, 700, 12_000] {
            let v: Vec<f64> = (0..131_072u64).map(|_| (rnd() % d) as f64 * 0.5).collect();
            let mut buf = Vec::new();
            assert!(encode(&v, Level::Hot, nested_plain, &mut buf).is_some());
            let est = estimate_low(&v, &sample(&v), Level::Hot, u64::MAX).unwrap();
            assert!(est as usize <= buf.len(), "{d}: estimate {est}, real {}", buf.len());
        }
        let v: Vec<f64> = (0..131_072u64).map(|i| i as f64 * 0.5).collect();
        assert_eq!(estimate_low(&v, &sample(&v), Level::Hot, u64::MAX), None);
        assert!(encode(&v, Level::Hot, nested_plain, &mut Vec::new()).is_none());
    }

    #[test]
    fn corrupt_inputs_error() {
        let v: Vec<f64> = (0..3000).map(|i| f64::from(i % 50) * 0.37).collect();
        for nested in NESTED {
            let mut buf = Vec::new();
            assert_eq!(encode_only(&v, Level::Hot, nested, Some(id::DICT), &mut buf), Some(id::DICT));
            for cut in 0..buf.len() {
                assert!(decode(&buf[..cut], v.len(), &mut Vec::new()).is_err());
            }
            let mut bad = buf.clone();
            bad[1] = id::DICT;
            assert!(decode(&bad, v.len(), &mut Vec::new()).is_err());
            assert!(decode(&buf, 10, &mut Vec::new()).is_err());
        }
    }

    proptest! {
        #[test]
        fn prop_dict(pool in proptest::collection::vec(any::<u64>(), 1..20), picks in proptest::collection::vec(any::<usize>(), 0..3000)) {
            let v: Vec<f64> = picks.iter().map(|&p| f64::from_bits(pool[p % pool.len()])).collect();
            for nested in NESTED {
                let _ = round_trip(&v, |v, b| encode_only(v, Level::Hot, nested, Some(id::DICT), b).is_some(), decode);
            }
        }
    }
}
