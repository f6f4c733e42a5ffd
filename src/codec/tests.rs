//! Dispatch-level tests: round trips through `encode_*`/`decode_*`, the
//! chooser's picks, and random garbage fed to every decoder.

use std::cell::Cell;

use super::test_support::round_trip_always;
use super::*;
use proptest::prelude::*;

/// Round trip through `encode_values` and `decode_values`: the codec id
/// chosen and the encoded size in bytes.
fn dispatch_round_trip(v: &[f64], level: Level) -> (u8, usize) {
    let codec = Cell::new(0);
    let size = round_trip_always(
        v,
        |v, out| codec.set(encode_values(v, level, out)),
        |data, n, out| decode_values(codec.get(), data, n, out),
    );
    (codec.get(), size)
}

/// Round trip through `encode_timestamps` and `decode_timestamps`: the
/// codec id chosen and the encoded size in bytes.
fn dispatch_round_trip_ts(ts: &[i64]) -> (u8, usize) {
    let codec = Cell::new(0);
    let size = round_trip_always(
        ts,
        |ts, out| codec.set(encode_timestamps(ts, out)),
        |data, n, out| decode_timestamps(codec.get(), data, n, out),
    );
    (codec.get(), size)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn chooser_picks() {
    for level in [Level::Hot, Level::Cold] {
        assert_eq!(dispatch_round_trip(&[], level), (id::PLAIN, 0));
        assert_eq!(dispatch_round_trip(&[1.5], level), (id::CONSTANT, 8));
        assert_eq!(dispatch_round_trip(&[f64::NAN; 100], level), (id::CONSTANT, 8));
        let v: Vec<f64> = (0..10_000).map(|i| f64::from(i % 17)).collect();
        let (c, _) = dispatch_round_trip(&v, level);
        assert!([id::INTEGER, id::DECIMAL_ENTROPY, id::DICT_ENTROPY, id::PCO].contains(&c), "{c}");
        let v: Vec<f64> = (0..10_000).map(|i| f64::from(i % 9000) / 100.0).collect();
        let (c, _) = dispatch_round_trip(&v, level);
        assert!([id::DECIMAL, id::DECIMAL_ENTROPY, id::PCO].contains(&c), "{c}");
        let v: Vec<f64> = (0..10_000).map(|i| if i < 5000 { 0.1 } else { -3.7 }).collect();
        assert_eq!(dispatch_round_trip(&v, level).0, id::RLE);
        let mut r = Rng(99);
        let v: Vec<f64> = (0..1000).map(|_| f64::from_bits(r.next())).collect();
        assert_eq!(dispatch_round_trip(&v, level), (id::PLAIN, 8000));
        let v: Vec<f64> = (0..10_000).map(|i| (f64::from(i) * 0.001).sin()).collect();
        let (c, _) = dispatch_round_trip(&v, level);
        assert!(c == id::FLOAT_INT || c == id::PCO, "{c}");
        let v: Vec<f64> =
            (0..10_000).map(|i| f64::from(i / 3).sqrt() * 1e10 + 1.0 / f64::from(i / 3 + 1)).collect();
        let (c, _) = dispatch_round_trip(&v, level);
        assert!([id::GORILLA, id::FLOAT_INT, id::PCO].contains(&c), "{c}");
    }
}

/// The Hot chooser estimates instead of encoding every candidate: on
/// columns long enough to be sampled, of each shape a candidate wins on,
/// it must stay within 1% of the smallest candidate.
#[test]
fn hot_chooser_near_the_smallest_candidate() {
    let mut r = Rng(7);
    let n = 131_072;
    let mut walk = 2000i64;
    let columns: Vec<(&str, Vec<f64>)> = vec![
        // a drifting sensor reading with two decimals
        (
            "walk",
            (0..n)
                .map(|_| {
                    walk += (r.next() % 7) as i64 - 3;
                    walk as f64 / 100.0
                })
                .collect(),
        ),
        // a handful of levels, in no order
        ("levels", (0..n).map(|_| [0.25, 17.5, 3.1, 99.9, 42.0][(r.next() % 5) as usize]).collect()),
        // high-precision smooth data
        ("sine", (0..n).map(|i| (i as f64 * 0.001).sin()).collect()),
        // two decimals, 3000 distinct values, random order
        ("prices", (0..n).map(|_| (r.next() % 3000) as f64 / 100.0 + 10.0).collect()),
        // runs of one value
        ("steps", (0..n).map(|i| ((i / 5000) % 7) as f64 * 1.5).collect()),
    ];
    let candidates =
        [id::GORILLA, id::INTEGER, id::DECIMAL, id::RLE, id::DICT, id::FLOAT_INT, id::SPLIT, id::AFFINE];
    for (name, v) in &columns {
        let smallest = candidates
            .iter()
            .filter_map(|&c| {
                let mut b = Vec::new();
                super::encode_values_as(c, v, &mut b).then_some(b.len())
            })
            .min()
            .unwrap();
        let (_, hot) = dispatch_round_trip(v, Level::Hot);
        assert!(hot * 100 <= smallest * 101, "{name}: Hot chose {hot} bytes, smallest candidate {smallest}");
    }
}

/// The entropy-coded value codecs, forced, on columns with NaN payloads,
/// -0.0, infinities and subnormals (verbatim exceptions or dictionary
/// entries), small integers and decimals.
#[test]
fn entropy_codecs_round_trip() {
    let specials = [
        f64::NAN,
        f64::from_bits(0x7ff8_dead_beef_0001),
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        f64::MAX,
    ];
    let mut r = Rng(11);
    let counts: Vec<f64> = (0..5000).map(|_| (r.next() % 100).min(r.next() % 300) as f64).collect();
    let pct: Vec<f64> = (0..5000).map(|_| (r.next() % 10_000) as f64 / 100.0).collect();
    let walk: Vec<f64> = (0..5000)
        .scan(0i64, |w, _| {
            *w += (r.next() % 21) as i64 - 10;
            Some(*w as f64 / 10.0)
        })
        .collect();
    let huge: Vec<f64> =
        (0..3000).map(|i| if i % 2 == 0 { 9.0e15 } else { -9.0e15 + f64::from(i) }).collect();
    for base in [counts, pct, walk, huge] {
        let mut with_specials = base.clone();
        for (k, &s) in specials.iter().enumerate() {
            with_specials[k * 97 + 3] = s;
        }
        for v in [base, with_specials] {
            for c in [id::DICT_ENTROPY, id::DECIMAL_ENTROPY, id::DECIMAL_ULP] {
                let mut b = Vec::new();
                if !encode_values_as(c, &v, &mut b) {
                    continue;
                }
                let mut out = vec![0.25];
                decode_values(c, &b, v.len(), &mut out).unwrap();
                let got: Vec<u64> = out[1..].iter().map(|x| x.to_bits()).collect();
                let want: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
                assert_eq!(got, want, "codec {c}");
            }
            for level in [Level::Hot, Level::Cold] {
                dispatch_round_trip(&v, level);
            }
        }
    }
    // a small-count column costs about its entropy
    let v: Vec<f64> =
        (0..8000).map(|_| [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 7.0][(r.next() % 8) as usize]).collect();
    let (_, size) = dispatch_round_trip(&v, Level::Hot);
    assert!(size * 8 < 8000 * 19 / 10, "{size}");
}

/// A segment's decimal-entropy tuning on its other blocks: the sampled
/// block's exponent; fewer digits where a block has fewer; a block with
/// more than 1 exception in 64 left to the chooser. Every chunk written
/// decodes to the same bits.
#[test]
fn decimal_entropy_tuning_follows_each_block() {
    let sample: Vec<f64> = (0..4096).map(|i| (i % 997) as f64 * 0.001 + 20.0).collect();
    let tuning = tune(id::DECIMAL_ENTROPY, &sample, sample[0]);
    let tuned = |block: &[f64]| {
        let mut out = Vec::new();
        encode_values_tuned(&tuning, block, &mut out).then(|| {
            let mut back = Vec::new();
            decode_values(id::DECIMAL_ENTROPY, &out, block.len(), &mut back).expect("decodes");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            assert_eq!(bits(&back), bits(block));
            out[0] // the chunk's exponent
        })
    };
    assert_eq!(tuned(&sample), Some(3));
    // one decimal: the integers at e = 3 all end in 00
    let tenths: Vec<f64> = (0..4096).map(|i| (i % 50) as f64 * 0.1 + 20.0).collect();
    assert_eq!(tuned(&tenths), Some(1));
    let whole: Vec<f64> = (0..4096).map(|i| (i % 50) as f64).collect();
    assert_eq!(tuned(&whole), Some(0));
    // 4 digits in 1 value of 64 or fewer: exceptions at e = 3, kept
    let mut few = sample.clone();
    for v in few.iter_mut().step_by(64) {
        *v += 0.0001;
    }
    assert_eq!(tuned(&few), Some(3));
    // in 1 of 4: this block's own exponent, chosen again
    let mut many = sample.clone();
    for v in many.iter_mut().step_by(4) {
        *v += 0.0001;
    }
    assert_eq!(tuned(&many), Some(4));
}

#[test]
fn mixed_specials_round_trip() {
    let mut v: Vec<f64> = (0..3000).map(|i| f64::from(i % 500) / 4.0).collect();
    for (k, s) in [
        f64::NAN,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        -5e-324,
        f64::from_bits(0x7ff8_dead_beef_0001),
        f64::from_bits(0xfff0_0000_0000_0001),
        f64::MAX,
        f64::MIN_POSITIVE,
    ]
    .into_iter()
    .enumerate()
    {
        v[k * 300 + 1] = s;
    }
    for level in [Level::Hot, Level::Cold] {
        let (c, size) = dispatch_round_trip(&v, level);
        assert!(size < 3000 * 2, "{} {size}", codec_name(c));
    }
}

#[test]
fn timestamps_edge_cases() {
    assert_eq!(dispatch_round_trip_ts(&[]), (id::PLAIN, 0));
    dispatch_round_trip_ts(&[i64::MIN]);
    dispatch_round_trip_ts(&[i64::MIN, i64::MAX, i64::MIN, 0, i64::MAX]);
    let mut r = Rng(5);
    let ts: Vec<i64> = (0..5000).map(|_| r.next() as i64).collect();
    assert_eq!(dispatch_round_trip_ts(&ts), (id::PLAIN, 40_000));
    let ts: Vec<i64> = (0..100_000).map(|i| i * 1000).collect();
    let (c, size) = dispatch_round_trip_ts(&ts);
    assert_eq!((c, size), (id::TS_PERIOD, 7));
    // jitter around a line
    let ts: Vec<i64> = (0..100_000).map(|i| i * 1000 + (r.next() % 101) as i64).collect();
    let (_, size) = dispatch_round_trip_ts(&ts);
    assert!(size * 8 < 100_000 * 8, "{size}");
    // gaps of whole periods, repeats and a step back
    let mut t = 0i64;
    let ts: Vec<i64> = (0..10_000)
        .map(|_| {
            t += 60_000 * [1, 1, 2, 1, 5, 0, 1, 3, -1, 1][(r.next() % 10) as usize];
            t
        })
        .collect();
    let (c, size) = dispatch_round_trip_ts(&ts);
    assert_eq!(c, id::TS_PERIOD);
    assert!(size * 8 < 10_000 * 3, "{size}");
}

#[test]
fn scratch_release_keeps_encoding_correct() {
    let v: Vec<f64> = (0..5000).map(|i| f64::from(i % 300) / 8.0).collect();
    let (c1, s1) = dispatch_round_trip(&v, Level::Hot);
    release_scratch_buffers();
    let (c2, s2) = dispatch_round_trip(&v, Level::Hot);
    assert_eq!((c1, s1), (c2, s2));
}

#[test]
fn unknown_ids_error() {
    for c in [0u8, 17, 200, 255] {
        assert!(decode_values(c, &[], 0, &mut Vec::new()).is_err());
        assert!(decode_timestamps(c, &[], 0, &mut Vec::new()).is_err());
        assert_eq!(codec_name(c), "unknown");
    }
    assert!(decode_timestamps(id::GORILLA, &[], 0, &mut Vec::new()).is_err());
    assert!(decode_timestamps(id::DICT_ENTROPY, &[], 0, &mut Vec::new()).is_err());
    assert!(decode_values(id::TS_PERIOD, &[], 0, &mut Vec::new()).is_err());
}

/// Thousands of random byte strings (pure garbage and mutated valid
/// encodings) to every decoder: they must return Ok with exactly n values
/// or Err, and never panic.
#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    let value_ids = [
        id::PLAIN,
        id::GORILLA,
        id::INTEGER,
        id::DECIMAL,
        id::CONSTANT,
        id::RLE,
        id::PCO,
        id::DICT,
        id::FLOAT_INT,
        id::SPLIT,
        id::AFFINE,
        id::DICT_ENTROPY,
        id::DECIMAL_ENTROPY,
        id::DECIMAL_ULP,
    ];
    let mut valid: Vec<(u8, Vec<u8>, usize)> = Vec::new();
    for level in [Level::Hot, Level::Cold] {
        let sets: Vec<Vec<f64>> = vec![
            (0..3000).map(|i| f64::from(i % 17)).collect(),
            (0..3000).map(|i| f64::from(i % 1700) / 100.0).collect(),
            (0..3000).map(|i| (f64::from(i) * 0.01).sin()).collect(),
            (0..3000).map(|i| if i < 1000 { 0.1 } else { 2.0 }).collect(),
            (0..3000).map(|i| 25.0 + f64::from(i) * 0.001).collect(),
            (0..3000).map(|i| f64::from(i % 1700) / 100.0 + 0.001 + 0.002).collect(),
        ];
        for v in sets {
            let mut b = Vec::new();
            let c = encode_values(&v, level, &mut b);
            valid.push((c, b, v.len()));
        }
    }
    let mut b = Vec::new();
    let c = gorilla_only(&mut b);
    valid.push((c, b, 3000));
    // one valid encoding per codec, forced
    let mut rr = Rng(77);
    let mixed: Vec<f64> = (0..3000)
        .map(|i| match i % 5 {
            0 => f64::from(i % 40) / 10.0,
            1 => f64::from_bits(rr.next() >> 12 | 0x3fe0_0000_0000_0000),
            _ => f64::from(i % 7),
        })
        .collect();
    for &c in &value_ids {
        let mut b = Vec::new();
        if encode_values_as(c, &mixed, &mut b) {
            valid.push((c, b, mixed.len()));
        }
        let mut b = Vec::new();
        if encode_values_as(c, &[2.5; 700], &mut b) {
            valid.push((c, b, 700));
        }
    }
    let covered: Vec<u8> = valid.iter().map(|v| v.0).collect();
    for c in [
        id::PLAIN,
        id::GORILLA,
        id::DECIMAL,
        id::CONSTANT,
        id::RLE,
        id::DICT,
        id::FLOAT_INT,
        id::SPLIT,
        id::DICT_ENTROPY,
        id::DECIMAL_ENTROPY,
    ] {
        assert!(covered.contains(&c), "no valid sample for codec {c}");
    }
    let ts: Vec<i64> = (0..3000).map(|i| i * 1000 + (i % 7)).collect();
    let mut tsb = Vec::new();
    encode_timestamps(&ts, &mut tsb);
    // ts-period on gappy periodic timestamps, with repeats and steps back
    let ts_p: Vec<i64> =
        (0..3000).map(|i| i * 60_000 + [0, 60_000, -60_000, 240_000][(i % 4) as usize]).collect();
    let mut tspb = Vec::new();
    assert_eq!(encode_timestamps(&ts_p, &mut tspb), id::TS_PERIOD);

    // NANOTS_FUZZ_ITERS raises the iteration count for a longer local run
    let iters: u64 = std::env::var("NANOTS_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(8000);
    for iter in 0..iters {
        let len = (r.next() % 300) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
        let n = (r.next() % 5000) as usize;
        for &c in &value_ids {
            let mut out = Vec::new();
            if decode_values(c, &data, n, &mut out).is_ok() {
                assert_eq!(out.len(), n);
            }
        }
        for c in [id::TS_DELTA_FOR, id::TS_PERIOD] {
            let mut out = Vec::new();
            if decode_timestamps(c, &data, n, &mut out).is_ok() {
                assert_eq!(out.len(), n);
            }
        }
        // mutate a valid encoding
        let (c, good, gn) = &valid[(iter as usize) % valid.len()];
        data.clone_from(good);
        if !data.is_empty() {
            for _ in 0..1 + r.next() % 4 {
                let at = (r.next() as usize) % data.len();
                data[at] ^= 1 << (r.next() % 8);
            }
        }
        if r.next().is_multiple_of(4) {
            data.truncate((r.next() as usize) % (data.len() + 1));
        }
        let n = if r.next().is_multiple_of(8) { (r.next() % 5000) as usize } else { *gn };
        let mut out = Vec::new();
        if decode_values(*c, &data, n, &mut out).is_ok() {
            assert_eq!(out.len(), n);
        }
        let mut t = tsb.clone();
        let at = (r.next() as usize) % t.len();
        t[at] ^= 1 << (r.next() % 8);
        let mut out = Vec::new();
        if decode_timestamps(id::TS_DELTA_FOR, &t, ts.len(), &mut out).is_ok() {
            assert_eq!(out.len(), ts.len());
        }
        let mut t = tspb.clone();
        let at = (r.next() as usize) % t.len();
        t[at] ^= 1 << (r.next() % 8);
        let mut out = Vec::new();
        if decode_timestamps(id::TS_PERIOD, &t, ts_p.len(), &mut out).is_ok() {
            assert_eq!(out.len(), ts_p.len());
        }
    }
}

fn gorilla_only(out: &mut Vec<u8>) -> u8 {
    let v: Vec<f64> = (0..3000).map(|i| (f64::from(i) * 0.37).cos() * 1e3).collect();
    gorilla::encode(&v, out);
    id::GORILLA
}

proptest! {
    #[test]
    fn prop_values_any_bits(b in proptest::collection::vec(any::<u64>(), 0..2000), cold in any::<bool>()) {
        let v: Vec<f64> = b.iter().map(|&x| f64::from_bits(x)).collect();
        dispatch_round_trip(&v, if cold { Level::Cold } else { Level::Hot });
    }

    #[test]
    fn prop_values_decimalish(ints in proptest::collection::vec(-100_000i64..100_000, 1..3000), e in 0i32..6, specials in proptest::collection::vec((any::<usize>(), any::<u64>()), 0..10), cold in any::<bool>()) {
        let mut v: Vec<f64> = ints.iter().map(|&i| i as f64 / 10f64.powi(e)).collect();
        let len = v.len();
        for (p, b) in specials {
            v[p % len] = f64::from_bits(b);
        }
        dispatch_round_trip(&v, if cold { Level::Cold } else { Level::Hot });
    }

    #[test]
    fn prop_values_runs(runs in proptest::collection::vec((any::<u64>(), 1usize..200), 1..30)) {
        let v: Vec<f64> = runs.iter().flat_map(|&(b, k)| std::iter::repeat_n(f64::from_bits(b), k)).collect();
        dispatch_round_trip(&v, Level::Hot);
    }

    /// Cold (pack) is never larger than Hot (flush) for the same values.
    #[test]
    fn prop_cold_never_larger_than_hot(ints in proptest::collection::vec(-5000i64..5000, 1..3000), e in 0i32..4, noisy in any::<bool>(), runs in any::<bool>()) {
        let v: Vec<f64> = ints
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let i = if runs { ints[k / 50 * 50 % ints.len()] } else { i };
                let b = i as f64 / 10f64.powi(e);
                if noisy && i % 3 == 0 { b + 0.1 + 0.2 } else { b }
            })
            .collect();
        let mut hot = Vec::new();
        encode_values(&v, Level::Hot, &mut hot);
        let mut cold = Vec::new();
        encode_values(&v, Level::Cold, &mut cold);
        prop_assert!(cold.len() <= hot.len(), "cold {} > hot {}", cold.len(), hot.len());
    }

    #[test]
    fn prop_timestamps_any(ts in proptest::collection::vec(any::<i64>(), 0..3000)) {
        dispatch_round_trip_ts(&ts);
    }

    #[test]
    fn prop_timestamps_sorted(start in any::<i64>(), steps in proptest::collection::vec(0i64..10_000, 0..3000)) {
        let mut t = start;
        let ts: Vec<i64> = steps.iter().map(|&s| { t = t.wrapping_add(s); t }).collect();
        dispatch_round_trip_ts(&ts);
    }
}
