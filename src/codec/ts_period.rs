//! Codec 13, `ts-period`: timestamps as devices produce them. The
//! differences between consecutive timestamps are all multiples of their
//! greatest common divisor `g` (e.g. 60,000 ms); in units of `g` most equal
//! one period `p`. Each difference is stored as its residual from the
//! period, `d / g - p`, in an entropy stream: a regular run costs nothing
//! per timestamp, and gaps of whole periods, jitter, repeats (residual
//! `-p`) and steps backwards cost about their entropy.
//!
//! Bytes: SPEC.md §4.17 "ts-period (id 13)".

use super::bits::entropy;
use super::bits::{Cursor, put_varint, unzigzag, zigzag};
use super::{CodecError, codec_err};

/// Largest number of direct symbols the encoder tries.
const MAX_DIRECT_TRIED: u64 = 256;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The most frequent value of `q`, looked for in up to 4096 values spread
/// over it (ties: the smallest).
fn dominant(q: &[i64]) -> i64 {
    let step = q.len().div_ceil(4096).max(1);
    let mut s: Vec<i64> = q.iter().step_by(step).copied().collect();
    s.sort_unstable();
    let mut best = (0usize, 0i64);
    let mut i = 0;
    while i < s.len() {
        let j = s[i..].iter().position(|&x| x != s[i]).map_or(s.len(), |k| i + k);
        if j - i > best.0 {
            best = (j - i, s[i]);
        }
        i = j;
    }
    best.1
}

/// Encodes `ts` if it is regular (at least 2 timestamps, all differences
/// equal and positive) and returns true; else writes nothing.
pub fn encode_regular(ts: &[i64], out: &mut Vec<u8>) -> bool {
    let (Some(&first), Some(&second)) = (ts.first(), ts.get(1)) else { return false };
    let d0 = second.wrapping_sub(first);
    if d0 <= 0 || !ts.windows(2).all(|w| w[1].wrapping_sub(w[0]) == d0) {
        return false;
    }
    // g = the step, p = 1, every residual 0 (one symbol; the stream of one
    // value 0 has the same bytes as of n - 1 of them)
    put_varint(out, zigzag(first));
    put_varint(out, d0 as u64);
    put_varint(out, zigzag(1));
    entropy::encode(&[0], 1, out);
    true
}

pub fn encode(ts: &[i64], out: &mut Vec<u8>) {
    if encode_regular(ts, out) {
        return;
    }
    let Some(&first) = ts.first() else { return };
    put_varint(out, zigzag(first));
    if ts.len() == 1 {
        return;
    }
    let deltas: Vec<i64> = ts.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    let mut g = 0u64;
    for d in &deltas {
        // one remainder per difference once g has settled
        if g == 0 || d.unsigned_abs() % g != 0 {
            g = gcd(g, d.unsigned_abs());
        }
    }
    if g == 0 || g > i64::MAX as u64 {
        // all repeats; or the one difference is i64::MIN (wrapping holds it)
        g = 1;
    }
    let gi = g as i64;
    let q: Vec<i64> = if g == 1 { deltas } else { deltas.iter().map(|&d| d / gi).collect() };
    let p = dominant(&q);
    let u: Vec<u64> = q.iter().map(|&x| zigzag(x.wrapping_sub(p))).collect();
    let d = entropy::choose_direct(&u, MAX_DIRECT_TRIED);
    put_varint(out, g);
    put_varint(out, zigzag(p));
    entropy::encode(&u, d, out);
}

/// Reads a chunk's divisor `g` (checked: 1..=i64::MAX) and period `p`,
/// which follow its first timestamp when it holds more than one.
fn divisor_and_period(cur: &mut Cursor<'_>) -> Result<(i64, i64), CodecError> {
    let g = cur.varint()?;
    if g == 0 || g > i64::MAX as u64 {
        return Err(codec_err(format!("ts-period: bad divisor {g}")));
    }
    Ok((g as i64, unzigzag(cur.varint()?)))
}

pub fn decode(data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
    let mut cur = Cursor::new(data);
    if n == 0 {
        return cur.finish();
    }
    let mut t = unzigzag(cur.varint()?);
    out.reserve(n);
    out.push(t);
    if n == 1 {
        return cur.finish();
    }
    let (g, p) = divisor_and_period(&mut cur)?;
    let run = entropy::decode(&mut cur, n - 1, |chunk| {
        out.extend(chunk.iter().map(|&u| {
            t = t.wrapping_add(p.wrapping_add(unzigzag(u)).wrapping_mul(g));
            t
        }));
    })?;
    if let Some(u) = run {
        // one step throughout (a regular series)
        let step = p.wrapping_add(unzigzag(u)).wrapping_mul(g);
        extend_regular(out, t, step, n as i64);
    }
    cur.finish()
}

/// `(first, step)` of `n` timestamps (at least 2) whose chunk says they
/// are one regular run, read without producing them; `None` for any other
/// chunk, a damaged one included (decoding it reports the damage). The
/// step is as [`decode`] would wrap it: the caller checks it against the
/// range it expects.
#[cfg(feature = "aggregate")] // only aggregation skips decoding timestamps
pub fn regular(data: &[u8], n: usize) -> Option<(i64, i64)> {
    if n < 2 {
        return None;
    }
    let mut cur = Cursor::new(data);
    let t = unzigzag(cur.varint().ok()?);
    let (g, p) = divisor_and_period(&mut cur).ok()?;
    let u = entropy::run_value(&mut cur).ok()??;
    cur.finish().ok()?;
    Some((t, p.wrapping_add(unzigzag(u)).wrapping_mul(g)))
}

/// Appends `t + step * i` for `i` in `1..n` (wrapping). Independent
/// products, not a running sum: the sum is one serial chain (tried, 20%
/// slower in a minutely aggregation). Compiled with AVX2 where the CPU has
/// it, which multiplies four at a time.
fn extend_regular(out: &mut Vec<i64>, t: i64, step: i64, n: i64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { extend_regular_avx2(out, t, step, n) };
    }
    extend_regular_portable(out, t, step, n)
}

#[inline(always)]
fn extend_regular_portable(out: &mut Vec<i64>, t: i64, step: i64, n: i64) {
    out.extend((1..n).map(|i| t.wrapping_add(step.wrapping_mul(i))));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn extend_regular_avx2(out: &mut Vec<i64>, t: i64, step: i64, n: i64) {
    extend_regular_portable(out, t, step, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::round_trip_always;
    use proptest::prelude::*;

    /// The regular run's fill, dispatched and portable, against a
    /// running sum: every remainder of the four-wide loop, wrapping steps.
    #[test]
    fn regular_fill_matches_a_running_sum() {
        for (t, step) in [(1_700_000_000_000i64, 1000i64), (-5, 0), (i64::MAX - 3, 7), (0, i64::MIN), (9, -1)]
        {
            for n in [1i64, 2, 3, 4, 5, 8, 9, 1023, 1024, 1025] {
                let mut want = Vec::new();
                let mut acc = t;
                for _ in 1..n {
                    acc = acc.wrapping_add(step);
                    want.push(acc);
                }
                let (mut got, mut portable) = (vec![42], vec![42]);
                extend_regular(&mut got, t, step, n);
                extend_regular_portable(&mut portable, t, step, n);
                assert_eq!(&got[1..], &want[..], "t {t}, step {step}, n {n}");
                assert_eq!(portable, got);
            }
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(round_trip_always(&[], encode, decode), 0);
        round_trip_always(&[i64::MIN], encode, decode);
        round_trip_always(&[i64::MAX, i64::MIN, 0, i64::MAX, -1, i64::MIN], encode, decode);
        round_trip_always(&[i64::MIN, i64::MAX], encode, decode);
        round_trip_always(&[i64::MAX, i64::MIN], encode, decode);
        round_trip_always(&[0, i64::MIN, 0], encode, decode);
        round_trip_always(&[5, 4, 3, 2, 1], encode, decode);
        round_trip_always(&[7, 7, 7, 7], encode, decode);
    }

    #[test]
    fn regular_block_costs_a_handful_of_bytes() {
        let ts: Vec<i64> = (0..4000).map(|i| 1_700_000_000_000 + i * 300_000).collect();
        let bytes = round_trip_always(&ts, encode, decode);
        assert!(bytes <= 16, "{bytes}");
    }

    /// `regular` reads (first, step) from exactly the chunks that decode to
    /// one regular run, and nothing (no panic) from the others, damaged
    /// ones included.
    #[test]
    #[cfg(feature = "aggregate")]
    fn regular_reads_only_regular_runs() {
        let run: Vec<i64> = (0..1000).map(|i| -5_000 + i * 60_000).collect();
        let mut bytes = Vec::new();
        encode(&run, &mut bytes);
        assert_eq!(regular(&bytes, run.len()), Some((-5_000, 60_000)));
        assert_eq!(regular(&bytes, 1), None, "one timestamp has no step");
        for cut in 0..bytes.len() {
            assert_eq!(regular(&bytes[..cut], run.len()), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(regular(&longer, run.len()), None, "bytes past the stream");
        // one gap, a repeat, a step back: decoded, never read as regular
        for (at, d) in [(500usize, 120_000i64), (10, 0), (999, -60_000)] {
            let mut ts = run.clone();
            for t in &mut ts[at..] {
                *t += d - 60_000;
            }
            let mut b = Vec::new();
            encode(&ts, &mut b);
            assert_eq!(regular(&b, ts.len()), None, "{at} {d}");
        }
        // whatever the bytes, a step read agrees with the decoder
        let mut x = 11u64;
        for _ in 0..2000 {
            let mut b = bytes.clone();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % b.len() as u64) as usize;
            b[i] ^= 1 << (x % 8);
            if let Some((t, step)) = regular(&b, 50) {
                let mut out = Vec::new();
                decode(&b, 50, &mut out).unwrap();
                assert!(
                    out.iter().enumerate().all(|(k, &v)| v == t.wrapping_add(step.wrapping_mul(k as i64)))
                );
            }
        }
    }

    #[test]
    fn gaps_repeats_and_steps_back() {
        let mut t = 1_700_000_000_000i64;
        let mut x = 7u64;
        let ts: Vec<i64> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t += match x % 100 {
                    0 => 0,
                    1 => -60_000,
                    2..=5 => 60_000 * (x % 7) as i64,
                    _ => 60_000,
                };
                t
            })
            .collect();
        let bits = round_trip_always(&ts, encode, decode) as f64 * 8.0 / ts.len() as f64;
        // a Huffman code spends at least 1 bit per value once there are two
        // symbols; ts-delta-for's exceptions cost more here
        let mut for_bytes = Vec::new();
        crate::codec::timestamp::encode(&ts, &mut for_bytes);
        assert!(bits < 1.25 && bits < for_bytes.len() as f64 * 8.0 / ts.len() as f64, "{bits}");
    }

    #[test]
    fn corrupt_inputs_error() {
        let ts: Vec<i64> = (0..3000).map(|i| i * 7000 + (i % 5) * 1000).collect();
        let mut buf = Vec::new();
        encode(&ts, &mut buf);
        for cut in 0..buf.len() {
            let mut out = Vec::new();
            assert!(decode(&buf[..cut], ts.len(), &mut out).is_err(), "cut {cut}");
        }
        let mut out = Vec::new();
        assert!(decode(&buf, ts.len() + 2000, &mut out).is_err());
        let mut longer = buf.clone();
        longer.push(0);
        assert!(decode(&longer, ts.len(), &mut out).is_err());
    }

    proptest! {
        #[test]
        fn prop_any_i64(ts in proptest::collection::vec(any::<i64>(), 0..3000)) {
            round_trip_always(&ts, encode, decode);
        }

        #[test]
        fn prop_periodic_with_gaps(start in any::<i64>(), g in 1i64..1_000_000, p in -3i64..20, r in proptest::collection::vec(-3i64..40, 0..5000)) {
            let mut t = start;
            let ts: Vec<i64> = r.iter().map(|&k| { t = t.wrapping_add(g.wrapping_mul(p + if k > 30 { k } else { 0 })); t }).collect();
            round_trip_always(&ts, encode, decode);
        }

        #[test]
        fn prop_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..5000) {
            let mut out = Vec::new();
            if decode(&bytes, n, &mut out).is_ok() {
                prop_assert_eq!(out.len(), n);
            }
        }
    }
}
