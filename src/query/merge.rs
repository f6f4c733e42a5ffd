//! A group's rows in timestamp order. A group's sources are decoded one
//! after another, in append order, and each comes sorted (a segment is
//! sorted at flush, the unflushed rows are a sorted copy), so the group is
//! a few sorted runs. They overlap where rows arrived late across flushes,
//! usually by a few rows at a run's start. Merging each run into the rows
//! before it then touches only the overlap, and moves only the rows that
//! change places: a stable sort of the whole group compared every row
//! about log2(runs) times and copied every value twice.

use super::Columns;
use crate::table::stable_order;

/// Sorts the rows of `out` from `base` on by timestamp, equal timestamps
/// in the order they are in (append order), given that they are runs
/// starting at `starts` (relative to `base`, ascending, the first 0).
pub(super) fn sort_runs(out: &mut Columns, base: usize, starts: &[usize]) {
    let Some(perm) = run_order(&out.ts[base..], starts) else { return };
    let moved = moved_ranges(&perm);
    let mut tmp = Vec::new();
    permute(&mut out.ts[base..], &perm, &moved, &mut tmp);
    let mut tmp = Vec::new();
    for col in &mut out.columns {
        permute(&mut col[base..], &perm, &moved, &mut tmp);
    }
}

/// The stable order of `ts` (`perm[k]`: the index of the `k`-th row in
/// order), or None when `ts` is sorted already. Merges run by run when
/// every run is sorted and the runs overlap little, else sorts the whole.
fn run_order(ts: &[i64], starts: &[usize]) -> Option<Vec<u32>> {
    let descents = || (1..ts.len()).filter(|&i| ts[i - 1] > ts[i]);
    // sorted already: None
    descents().next()?;
    if descents().all(|i| starts.binary_search(&i).is_ok())
        && let Some(perm) = merge_order(ts, starts)
    {
        return Some(perm);
    }
    Some(stable_order(ts))
}

/// The stable order of `ts`, made of sorted runs starting at `starts`, by
/// merging each run into the rows before it; None when the overlaps add
/// up to more rows than a sort's merges would touch (about `log2(runs)`
/// passes over the rows): runs that each span the whole group would
/// otherwise cost a pass each.
fn merge_order(ts: &[i64], starts: &[usize]) -> Option<Vec<u32>> {
    let budget = ts.len() * (usize::BITS - starts.len().leading_zeros()) as usize;
    let mut merged = 0usize;
    let mut perm: Vec<u32> = Vec::with_capacity(ts.len());
    let mut tail: Vec<u32> = Vec::new();
    let ends = starts.iter().skip(1).copied().chain([ts.len()]);
    for (s, e) in starts.iter().copied().zip(ends) {
        let Some(&last) = perm.last() else {
            perm.extend(s as u32..e as u32);
            continue;
        };
        let last = ts[last as usize];
        // the rows placed so far that go after the run's first (equal
        // ones stay before it), and the run's rows that go before the
        // last row placed (equal ones go after it)
        let p = if s < e { perm.partition_point(|&i| ts[i as usize] <= ts[s]) } else { perm.len() };
        let q = s + ts[s..e].partition_point(|&t| t < last);
        merged += perm.len() - p + (q - s);
        if merged > budget {
            return None;
        }
        tail.clear();
        tail.extend_from_slice(&perm[p..]);
        perm.truncate(p);
        let (mut a, mut b) = (0, s);
        while a < tail.len() && b < q {
            if ts[b] < ts[tail[a] as usize] {
                perm.push(b as u32);
                b += 1;
            } else {
                perm.push(tail[a]);
                a += 1;
            }
        }
        perm.extend_from_slice(&tail[a..]);
        perm.extend(b as u32..e as u32);
    }
    Some(perm)
}

/// The ranges of positions whose rows change places under `perm`: each
/// range holds its own rows in another order, outside them rows stay.
fn moved_ranges(perm: &[u32]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < perm.len() {
        if perm[i] as usize == i {
            i += 1;
            continue;
        }
        // every row before `start` stays or moves within an earlier
        // range, so the rows of `start..end` come from `start..`: `end`
        // grows until every row in the range comes from inside it
        let start = i;
        let mut end = i + 1;
        while i < end {
            end = end.max(perm[i] as usize + 1);
            i += 1;
        }
        ranges.push(start..end);
    }
    ranges
}

/// Puts `v[k] = v[perm[k]]` (the old `v`) in the `moved` ranges.
fn permute<T: Copy>(v: &mut [T], perm: &[u32], moved: &[std::ops::Range<usize>], tmp: &mut Vec<T>) {
    for r in moved {
        tmp.clear();
        tmp.extend(perm[r.clone()].iter().map(|&k| v[k as usize]));
        v[r.clone()].copy_from_slice(tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of random lengths, sorted or not, overlapping by random
    /// amounts, with repeated timestamps: the same order as a stable sort.
    #[test]
    fn same_order_as_a_stable_sort() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut merged = 0;
        for round in 0..3000 {
            let runs = 1 + rand(6) as usize;
            let (mut ts, mut starts) = (Vec::new(), Vec::new());
            let mut t0 = rand(50) as i64;
            for _ in 0..runs {
                starts.push(ts.len());
                let len = rand(if round % 10 == 0 { 3 } else { 40 }) as usize;
                // back by up to 30 from where the run before stopped
                t0 -= rand(31) as i64;
                let mut run: Vec<i64> = (0..len).map(|_| t0 + rand(len as u64 + 1) as i64).collect();
                if round % 7 != 3 {
                    run.sort();
                }
                t0 = run.iter().copied().max().unwrap_or(t0);
                ts.extend(run);
            }
            let want = stable_order(&ts);
            let got = run_order(&ts, &starts);
            match &got {
                None => assert!(ts.is_sorted(), "{ts:?}"),
                Some(p) => assert_eq!(p, &want, "{ts:?} runs at {starts:?}"),
            }
            if round % 7 != 3 && got.is_some() {
                // sorted runs: the merge's own answer, when it gives one
                let m = merge_order(&ts, &starts);
                assert!(m.as_ref().is_none_or(|m| m == &want), "{ts:?} runs at {starts:?}");
                merged += usize::from(m.is_some());
            }
            let cols: Vec<Vec<f64>> =
                (0..2).map(|c| (0..ts.len()).map(|i| (i * 10 + c) as f64).collect()).collect();
            let mut out = Columns { ts: vec![-1; 3], columns: vec![vec![-1.0; 3]; 2] };
            out.ts.extend(&ts);
            for (o, c) in out.columns.iter_mut().zip(&cols) {
                o.extend(c);
            }
            sort_runs(&mut out, 3, &starts);
            assert_eq!(out.ts[..3], [-1; 3]);
            let order: Vec<i64> = want.iter().map(|&i| ts[i as usize]).collect();
            assert_eq!(out.ts[3..], order[..]);
            for (o, c) in out.columns.iter().zip(&cols) {
                let want_col: Vec<f64> = want.iter().map(|&i| c[i as usize]).collect();
                assert_eq!(o[3..], want_col[..]);
            }
        }
        assert!(merged > 1000, "only {merged} groups merged run by run");
    }

    /// Runs that overlap little are merged; runs that each span the
    /// whole group are left to the sort, in the same order either way.
    #[test]
    fn heavy_overlap_goes_to_the_sort() {
        let runs = 64usize;
        // run r holds r, r + runs, r + 2 runs, ...: each spans everything
        let interleaved: Vec<i64> =
            (0..runs).flat_map(|r| (0..100).map(move |k| (k * runs + r) as i64)).collect();
        let starts: Vec<usize> = (0..runs).map(|r| r * 100).collect();
        assert!(merge_order(&interleaved, &starts).is_none());
        assert_eq!(run_order(&interleaved, &starts), Some(stable_order(&interleaved)));
        // each run a little late: 5 rows back into the one before
        let late: Vec<i64> = (0..runs as i64).flat_map(|r| (0..100).map(move |k| r * 95 + k)).collect();
        assert_eq!(merge_order(&late, &starts), Some(stable_order(&late)));
    }

    #[test]
    fn moved_ranges_hold_their_rows() {
        assert_eq!(moved_ranges(&[0, 1, 2]), vec![]);
        assert_eq!(moved_ranges(&[1, 0, 2, 4, 3]), vec![0..2, 3..5]);
        // a row that stays inside a range of rows that move
        assert_eq!(moved_ranges(&[2, 1, 0, 3]), vec![0..3]);
        assert_eq!(moved_ranges(&[3, 0, 1, 2, 4]), vec![0..4]);
    }
}
