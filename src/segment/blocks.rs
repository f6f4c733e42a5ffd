//! Where a segment's rows are cut into blocks (SPEC.md §3.2.1).
//!
//! Blocks end at multiples of a *block period* `P` taken from a ladder of
//! durations in which each divides the next (1 ms ... 1 day). Aggregation
//! buckets are multiples of `bucket_ms` from the epoch, so whenever the
//! bucket width is a multiple of `P` (hourly or daily buckets over 1 Hz
//! data, where `P` is one hour) every block lies inside one bucket and is
//! answered from its statistics: nothing is decoded. Blocks that straddle a
//! bucket edge (a bucket narrower than `P`, a block cut by the row cap) are
//! decoded on their own, without the blocks before them.
//!
//! `P` is the largest rung at which the segment's average rate puts at most
//! [`TARGET_ROWS`] rows in a period, so blocks hold roughly 700 to 4,096 rows
//! (rungs are at most 6x apart): enough rows that a block's statistics (29 +
//! 49 bytes per column) stay near 1% of the bytes of real data, few enough
//! that a range query which cuts a segment decodes little beyond its range.
//! A period with few rows (a gap in the data) does not end a block until it
//! holds [`MIN_ROWS`]; a burst is cut every [`MAX_ROWS`] rows. A segment of
//! fewer than `2 * MIN_BLOCK_SEGMENT` rows stays one block (the classic
//! layout, no directory at all); so does one whose rate is too low for a
//! one-day block to hold [`MIN_BLOCK_SEGMENT`] rows on average, unless it
//! has [`MIN_COUNT_SEGMENT`] rows or more: that one is cut every
//! [`TARGET_ROWS`] rows.

/// Block periods in ms, each a divisor of the next and at most 6 times it:
/// 1, 5, 10, 50, 100, 500 ms, 1, 5, 10, 30 s, 1, 5, 15, 30 min, 1, 6 h, 1 day.
const LADDER: [i64; 17] = [
    1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000,
    21_600_000, 86_400_000,
];

/// Most rows a block period should hold at the segment's average rate.
pub const TARGET_ROWS: usize = 4096;
/// A block is not ended at a period boundary before it holds this many rows.
pub const MIN_ROWS: usize = 64;
/// A block never holds more rows than this.
pub const MAX_ROWS: usize = 16_384;
/// Segments below twice this many rows, or whose one-day blocks would hold
/// fewer on average, are not cut at period boundaries.
pub const MIN_BLOCK_SEGMENT: usize = 1024;
/// Such a segment of at least this many rows is still cut, every
/// [`TARGET_ROWS`] rows; a shorter one is one block (decoding it whole
/// costs little, and a directory would cost a percent of a small file).
pub const MIN_COUNT_SEGMENT: usize = 32_768;

/// The exclusive end index of each block of the sorted timestamps `ts`;
/// one entry (`ts.len()`) when the segment is one block.
pub fn cut(ts: &[i64]) -> Vec<usize> {
    let n = ts.len();
    let Some(period) = period(ts) else {
        // Too slow for aligned blocks, but long: blocks of TARGET_ROWS rows
        // still let a range read decode a few thousand rows instead of the
        // whole segment (aggregation then decodes the blocks that straddle
        // a bucket edge, as for any block).
        if n >= MIN_COUNT_SEGMENT {
            return (1..=n.div_ceil(TARGET_ROWS)).map(|k| (k * TARGET_ROWS).min(n)).collect();
        }
        return vec![n];
    };
    let mut ends = Vec::with_capacity(n / (TARGET_ROWS / 4) + 2);
    let mut start = 0;
    // The end of the current period (i128: the last period may end past
    // i64::MAX); a division only when a row crosses it.
    let next_edge = |t: i64| (i128::from(t.div_euclid(period)) + 1) * i128::from(period);
    let mut edge = next_edge(ts[0]);
    for (i, &t) in ts.iter().enumerate().skip(1) {
        let crossed = i128::from(t) >= edge;
        let rows = i - start;
        if (crossed && rows >= MIN_ROWS) || rows >= MAX_ROWS {
            ends.push(i);
            start = i;
        }
        if crossed {
            // A short block runs on into the next period; it straddles
            // the boundary and is decoded when a bucket edge cuts it.
            edge = next_edge(t);
        }
    }
    ends.push(n);
    ends
}

/// The block period for `ts`, or `None` if it stays one block.
fn period(ts: &[i64]) -> Option<i64> {
    let n = ts.len();
    if n < 2 * MIN_BLOCK_SEGMENT {
        return None;
    }
    // i128: the span of extreme timestamps overflows i64.
    let span = (ts[n - 1] as i128 - ts[0] as i128).max(1);
    let rows_per = |p: i64| (n as i128 * p as i128) / span;
    let mut chosen = None;
    for &p in &LADDER {
        if rows_per(p) <= TARGET_ROWS as i128 {
            chosen = Some(p);
        }
    }
    match chosen {
        // Even 1 ms periods would hold more than the target (many rows per
        // ms): cut by the row cap alone, period 1 ms.
        None => Some(1),
        // Too slow for one-day blocks of useful size: the statistics would
        // cost more than they save.
        Some(p) if p == LADDER[LADDER.len() - 1] && rows_per(p) < MIN_BLOCK_SEGMENT as i128 => None,
        Some(p) => Some(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(ends: &[usize]) -> Vec<usize> {
        let mut prev = 0;
        ends.iter()
            .map(|&e| {
                let s = e - prev;
                prev = e;
                s
            })
            .collect()
    }

    #[test]
    fn one_hertz_blocks_are_whole_hours() {
        let t0 = 1_704_067_200_000i64 + 1_234_000; // not on an hour
        let ts: Vec<i64> = (0..131_072).map(|i| t0 + i * 1000).collect();
        let ends = cut(&ts);
        assert!(ends.len() > 30, "{}", ends.len());
        let mut start = 0;
        for &e in &ends {
            let hour = ts[start].div_euclid(3_600_000);
            assert_eq!(ts[e - 1].div_euclid(3_600_000), hour, "block {start}..{e} spans an hour edge");
            if e < ts.len() {
                assert_ne!(ts[e].div_euclid(3_600_000), hour, "block ended inside an hour");
            }
            start = e;
        }
        assert_eq!(*ends.last().unwrap(), ts.len());
    }

    #[test]
    fn small_and_slow_segments_are_one_block() {
        let ts: Vec<i64> = (0..2000).map(|i| i * 1000).collect();
        assert_eq!(cut(&ts), [2000]);
        // One row per 5 minutes: a day holds 288 rows.
        let ts: Vec<i64> = (0..20_000).map(|i| i * 300_000).collect();
        assert_eq!(cut(&ts), [20_000]);
        // A long slow segment is cut by rows.
        let ts: Vec<i64> = (0..40_000).map(|i| i * 300_000).collect();
        assert_eq!(sizes(&cut(&ts)), [vec![TARGET_ROWS; 9], vec![40_000 - 9 * TARGET_ROWS]].concat());
    }

    #[test]
    fn bursts_and_gaps_respect_the_row_bounds() {
        // All rows at one timestamp: cut by the cap.
        let ts = vec![7i64; 40_000];
        assert_eq!(sizes(&cut(&ts)), [16_384, 16_384, 7232]);
        // 1 kHz data with a few stray rows far apart.
        let mut ts: Vec<i64> = (0..50_000).collect();
        ts.extend([10_000_000, 20_000_000, 30_000_000]);
        let s = sizes(&cut(&ts));
        assert_eq!(s.iter().sum::<usize>(), ts.len());
        assert!(s.iter().all(|&r| r <= MAX_ROWS));
        assert!(s[..s.len() - 1].iter().all(|&r| r >= MIN_ROWS), "{s:?}");
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let mut ts: Vec<i64> = (0..5000).map(|i| i64::MIN + i).collect();
        ts.extend((0..5000).map(|i| i64::MAX - 5000 + i));
        let ends = cut(&ts);
        assert_eq!(*ends.last().unwrap(), ts.len());
        assert!(ends.windows(2).all(|w| w[0] < w[1]));
    }
}
