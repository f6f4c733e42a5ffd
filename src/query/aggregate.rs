//! Time-bucket aggregation, answered from segment statistics wherever a
//! whole segment falls into one bucket.
//!
//! Buckets are aligned to multiples of `bucket_ms` from the Unix epoch:
//! a row at `ts` belongs to the bucket starting at `floor(ts / bucket_ms) *
//! bucket_ms` (floor division, so negative timestamps work too; the first
//! bucket is clipped at `i64::MIN` when its true start lies below it).
//!
//! NaN values: `count` counts every row (NaN included); `sum`, `min`, `max`
//! and `mean` skip NaN (`sum` of no value is 0, `min`/`max`/`mean` of no
//! value are NaN); `first` and `last` are the values of the earliest and
//! latest row by timestamp (ties: append order), NaN or not.
//!
//! Sums add per segment, then across segments and rows: the result can
//! differ from a strict row-order sum in the last bits.

use super::{Columns, RangeReader, Source, cut, remove_deleted};
use crate::error::{Error, Result};
use crate::segment::{Block, ColumnStats, SegmentMeta};
use crate::table::Tombstone;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Agg {
    /// Rows in the bucket (NaN values included).
    Count,
    /// Sum of the non-NaN values.
    Sum,
    /// Smallest non-NaN value.
    Min,
    /// Largest non-NaN value.
    Max,
    /// Mean of the non-NaN values.
    Mean,
    /// Value of the earliest row (ties: first appended).
    First,
    /// Value of the latest row (ties: last appended).
    Last,
}

impl Agg {
    /// Lowercase name, used in result column names (`<column>_<agg>`).
    pub fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::Mean => "mean",
            Agg::First => "first",
            Agg::Last => "last",
        }
    }
}

/// Values of one result column: counts are integers, the rest floats.
#[derive(Debug, Clone, PartialEq)]
pub enum AggValues {
    /// Counts (`Agg::Count`).
    U64(Vec<u64>),
    /// Every other aggregate.
    F64(Vec<f64>),
}

/// One result column: `name` is `<column>_<agg>`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggColumn {
    /// `<column>_<agg>`, e.g. `temp_mean`.
    pub name: String,
    /// The table column aggregated.
    pub column: String,
    /// The aggregate.
    pub agg: Agg,
    /// One value per bucket, aligned with [`Aggregation::bucket_start`].
    pub values: AggValues,
}

/// One row per non-empty bucket, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    /// Start of each bucket in ms (a multiple of the bucket width).
    pub bucket_start: Vec<i64>,
    /// One column per (value column, aggregate) pair asked for.
    pub columns: Vec<AggColumn>,
}

/// A row's position for first/last: timestamp, then append order
/// (segment index in file order, then row; buffered rows come last).
type Order = (i64, u64, u64);

#[derive(Clone, Copy)]
struct Partial {
    count: u64,
    non_nan: u64,
    sum: f64,
    min: f64,
    max: f64,
    first: (Order, f64),
    last: (Order, f64),
}

impl Partial {
    const EMPTY: Partial = Partial {
        count: 0,
        non_nan: 0,
        sum: 0.0,
        min: f64::NAN,
        max: f64::NAN,
        first: ((i64::MAX, u64::MAX, u64::MAX), f64::NAN),
        last: ((i64::MIN, 0, 0), f64::NAN),
    };

    fn merge(&mut self, o: &Partial) {
        self.count += o.count;
        self.non_nan += o.non_nan;
        self.sum += o.sum;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        if o.first.0 < self.first.0 {
            self.first = o.first;
        }
        if o.last.0 > self.last.0 {
            self.last = o.last;
        }
    }

    fn value(&self, agg: Agg) -> f64 {
        match agg {
            Agg::Count => self.count as f64,
            Agg::Sum => self.sum,
            Agg::Min => self.min,
            Agg::Max => self.max,
            Agg::Mean if self.non_nan == 0 => f64::NAN,
            Agg::Mean => self.sum / self.non_nan as f64,
            Agg::First => self.first.1,
            Agg::Last => self.last.1,
        }
    }
}

/// Sum, minimum and maximum of a run of values with no NaN.
#[derive(Clone, Copy)]
struct RunFold {
    sum: f64,
    min: f64,
    max: f64,
}

/// Count, NaN-skipping sum/min/max of one run of values (not empty).
#[inline]
fn fold_run(col: &[f64], first: (Order, f64), last: (Order, f64)) -> Partial {
    let n = col.len() as u64;
    match fold_values(col) {
        Some(RunFold { sum, min, max }) => Partial { count: n, non_nan: n, sum, min, max, first, last },
        None => fold_run_nan(col, first, last),
    }
}

/// Sum, min and max of `col` (not empty), or `None` when the sum shows a
/// NaN (a NaN value, or infinities of both signs): the caller then folds
/// with [`fold_run_nan`]. Comparisons with NaN are false, so NaN never
/// becomes a min or max in this first pass. In AVX2 registers where the
/// CPU has them (baseline x86-64 folds two values per instruction, AVX2
/// four), else in four portable lanes.
#[inline]
fn fold_values(col: &[f64]) -> Option<RunFold> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { fold_values_avx2(col) };
    }
    fold_values_portable(col)
}

/// [`fold_values`] in four portable lanes, so the loop pipelines and
/// vectorizes while its 12 accumulators stay in registers (with eight on
/// baseline x86-64, 16 xmm registers, they spilled).
#[inline(always)]
fn fold_values_portable(col: &[f64]) -> Option<RunFold> {
    const L: usize = 4;
    let mut sum = [0.0f64; L];
    let mut min = [f64::INFINITY; L];
    let mut max = [f64::NEG_INFINITY; L];
    let chunks = col.chunks_exact(L);
    let tail = chunks.remainder();
    for c in chunks {
        for lane in 0..L {
            let v = c[lane];
            sum[lane] += v;
            min[lane] = if v < min[lane] { v } else { min[lane] };
            max[lane] = if v > max[lane] { v } else { max[lane] };
        }
    }
    for (lane, &v) in tail.iter().enumerate() {
        sum[lane] += v;
        min[lane] = if v < min[lane] { v } else { min[lane] };
        max[lane] = if v > max[lane] { v } else { max[lane] };
    }
    let sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    if sum.is_nan() {
        return None;
    }
    // No lane saw a NaN, so the plain comparisons are exact here.
    let min = min.into_iter().fold(f64::INFINITY, |m, v| if v < m { v } else { m });
    let max = max.into_iter().fold(f64::NEG_INFINITY, |m, v| if v > m { v } else { m });
    Some(RunFold { sum, min, max })
}

/// [`fold_values`] in two AVX2 registers of four lanes per accumulator,
/// reduced in registers. Written with intrinsics: `vminpd(v, m)` is exactly
/// `if v < m { v } else { m }` (and `vmaxpd` likewise), which LLVM did not
/// see, vectorizing the portable loop with blends; and a minutely bucket's
/// 60 values cost more in the reduction and the tail than in the loop.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fold_values_avx2(col: &[f64]) -> Option<RunFold> {
    use std::arch::x86_64::*;
    let load = |at: usize| {
        let four = &col[at..at + 4];
        // SAFETY: `four` holds 4 f64; unaligned loads are allowed.
        unsafe { _mm256_loadu_pd(four.as_ptr()) }
    };
    let (mut s0, mut s1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    let (mut lo0, mut lo1) = (_mm256_set1_pd(f64::INFINITY), _mm256_set1_pd(f64::INFINITY));
    let (mut hi0, mut hi1) = (_mm256_set1_pd(f64::NEG_INFINITY), _mm256_set1_pd(f64::NEG_INFINITY));
    let mut i = 0;
    while i + 8 <= col.len() {
        let (a, b) = (load(i), load(i + 4));
        s0 = _mm256_add_pd(s0, a);
        s1 = _mm256_add_pd(s1, b);
        lo0 = _mm256_min_pd(a, lo0);
        lo1 = _mm256_min_pd(b, lo1);
        hi0 = _mm256_max_pd(a, hi0);
        hi1 = _mm256_max_pd(b, hi1);
        i += 8;
    }
    if i + 4 <= col.len() {
        let a = load(i);
        s0 = _mm256_add_pd(s0, a);
        lo0 = _mm256_min_pd(a, lo0);
        hi0 = _mm256_max_pd(a, hi0);
        i += 4;
    }
    // Eight lanes to one: 256 -> 128 -> 64 bits.
    let s = _mm256_add_pd(s0, s1);
    let s = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd::<1>(s));
    let mut sum = _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    let m = _mm256_min_pd(lo0, lo1);
    let m = _mm_min_pd(_mm256_castpd256_pd128(m), _mm256_extractf128_pd::<1>(m));
    let mut min = _mm_cvtsd_f64(_mm_min_sd(m, _mm_unpackhi_pd(m, m)));
    let m = _mm256_max_pd(hi0, hi1);
    let m = _mm_max_pd(_mm256_castpd256_pd128(m), _mm256_extractf128_pd::<1>(m));
    let mut max = _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m)));
    for &v in &col[i..] {
        sum += v;
        min = if v < min { v } else { min };
        max = if v > max { v } else { max };
    }
    if sum.is_nan() {
        return None;
    }
    Some(RunFold { sum, min, max })
}

/// [`fold_run`] for a run with NaN values: four lanes that skip them.
fn fold_run_nan(col: &[f64], first: (Order, f64), last: (Order, f64)) -> Partial {
    const L: usize = 4;
    // Counted in f64 lanes (exact below 2^53) so the loop stays in vector
    // registers.
    let mut non_nan = [0.0f64; L];
    let mut sum = [0.0f64; L];
    let mut min = [f64::INFINITY; L];
    let mut max = [f64::NEG_INFINITY; L];
    let mut step = |lane: usize, v: f64| {
        let ok = !v.is_nan();
        non_nan[lane] += if ok { 1.0 } else { 0.0 };
        sum[lane] += if ok { v } else { 0.0 };
        min[lane] = if v < min[lane] { v } else { min[lane] };
        max[lane] = if v > max[lane] { v } else { max[lane] };
    };
    let chunks = col.chunks_exact(L);
    let tail = chunks.remainder();
    for c in chunks {
        for (lane, &v) in c.iter().enumerate() {
            step(lane, v);
        }
    }
    for (lane, &v) in tail.iter().enumerate() {
        step(lane, v);
    }
    let non_nan = ((non_nan[0] + non_nan[1]) + (non_nan[2] + non_nan[3])) as u64;
    let (min, max) = if non_nan == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (min.into_iter().fold(f64::INFINITY, f64::min), max.into_iter().fold(f64::NEG_INFINITY, f64::max))
    };
    let sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    Partial { count: col.len() as u64, non_nan, sum, min, max, first, last }
}

/// Bucket index of `ts` (floor division; `bucket_ms > 0`, so the i64
/// division cannot overflow; i128 so the neighbours' starts cannot).
#[inline]
fn bucket_of(ts: i64, bucket_ms: i64) -> i128 {
    i128::from(ts.div_euclid(bucket_ms))
}

fn bucket_start(idx: i128, bucket_ms: i64) -> i64 {
    (idx * bucket_ms as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The buckets an aggregation has open: one partial per value column each,
/// kept until no later group can reach them.
struct Buckets {
    bucket_ms: i64,
    ncols: usize,
    /// Indices of the open buckets, ascending.
    keys: Vec<i128>,
    /// `ncols` partials per open bucket, in the order of `keys`.
    parts: Vec<Partial>,
}

impl Buckets {
    fn new(bucket_ms: i64, ncols: usize) -> Buckets {
        Buckets { bucket_ms, ncols, keys: Vec::new(), parts: Vec::new() }
    }

    /// The partials of bucket `idx`, opened if needed. Rows come mostly in
    /// time order, so the bucket is usually the last one or a new last one.
    fn bucket(&mut self, idx: i128) -> &mut [Partial] {
        let n = self.ncols;
        let k = match self.keys.last() {
            Some(&last) if last == idx => self.keys.len() - 1,
            Some(&last) if last > idx => match self.keys.binary_search(&idx) {
                Ok(k) => k,
                Err(k) => {
                    self.keys.insert(k, idx);
                    self.parts.splice(k * n..k * n, std::iter::repeat_n(Partial::EMPTY, n));
                    k
                }
            },
            _ => {
                self.keys.push(idx);
                self.parts.extend(std::iter::repeat_n(Partial::EMPTY, n));
                self.keys.len() - 1
            }
        };
        &mut self.parts[k * n..(k + 1) * n]
    }

    /// Closes the open buckets before index `limit` (all of them if
    /// `None`), returning their indices and partials.
    fn close_before(&mut self, limit: Option<i128>) -> (Vec<i128>, Vec<Partial>) {
        let k = limit.map_or(self.keys.len(), |l| self.keys.partition_point(|&key| key < l));
        let keys: Vec<i128> = self.keys.drain(..k).collect();
        let parts: Vec<Partial> = self.parts.drain(..k * self.ncols).collect();
        (keys, parts)
    }

    /// Merges the statistics of `rows` rows (one block or segment, inside
    /// the range and one bucket) whose first and last rows are `first` and
    /// `last`.
    fn merge_stats(&mut self, rows: u32, first: Order, last: Order, stats: &[ColumnStats]) {
        let parts = self.bucket(bucket_of(first.0, self.bucket_ms));
        for (p, s) in parts.iter_mut().zip(stats) {
            p.merge(&Partial {
                count: u64::from(rows),
                non_nan: u64::from(rows) - u64::from(s.nan_count),
                sum: s.sum,
                min: s.min,
                max: s.max,
                first: (first, s.first),
                last: (last, s.last),
            });
        }
    }

    /// Folds sorted rows of one source (append order `source`), the first
    /// of which is row `row_base` of its segment: timestamps `ts`, values
    /// `columns`.
    fn fold_rows<T: Times + ?Sized>(&mut self, ts: &T, columns: &[Vec<f64>], source: u64, row_base: u64) {
        let b = self.bucket_ms;
        let last_bucket = bucket_of(i64::MAX, b);
        let mut i = 0;
        // The previous run's bucket and length: with regular timestamps
        // the next run is usually the next bucket and as long.
        let mut prev: Option<(i128, usize)> = None;
        while i < ts.len() {
            // Rows are sorted: find the run of this bucket, then fold each
            // column over it in a tight loop.
            let t = ts.at(i);
            let idx = match prev {
                Some((p, _)) if p < last_bucket && t < bucket_start(p + 2, b) => p + 1,
                _ => bucket_of(t, b),
            };
            let run_end = if idx == last_bucket {
                ts.len()
            } else {
                ts.run_end(i, bucket_start(idx + 1, b), prev.map_or(0, |(_, len)| len))
            };
            prev = Some((idx, run_end - i));
            let first = (t, source, row_base + i as u64);
            let last = (ts.at(run_end - 1), source, row_base + (run_end - 1) as u64);
            // The run is sorted by (ts, append order): its first and last
            // rows are the run's first and last.
            let fold = |col: &Vec<f64>| {
                let col = &col[i..run_end];
                fold_run(col, (first, col[0]), (last, col[col.len() - 1]))
            };
            if self.keys.last().is_none_or(|&k| k < idx) {
                // A new last bucket (the usual case): its partials are the
                // run's own.
                self.keys.push(idx);
                self.parts.extend(columns.iter().map(fold));
            } else {
                for (p, col) in self.bucket(idx).iter_mut().zip(columns) {
                    p.merge(&fold(col));
                }
            }
            i = run_end;
        }
    }
}

/// The timestamps of sorted rows being folded: decoded, or a regular run
/// known from its first timestamp and step.
trait Times {
    fn len(&self) -> usize;
    /// Row `i`'s timestamp.
    fn at(&self, i: usize) -> i64;
    /// The end of the run of rows from `i` (`at(i) < end_ts`) that lie
    /// before `end_ts`; `guess` is the length of the run before.
    fn run_end(&self, i: usize, end_ts: i64, guess: usize) -> usize;
}

impl Times for [i64] {
    fn len(&self) -> usize {
        self.len()
    }

    fn at(&self, i: usize) -> i64 {
        self[i]
    }

    fn run_end(&self, i: usize, end_ts: i64, guess: usize) -> usize {
        run_end(self, i, end_ts, guess)
    }
}

/// `first + i * step` for each row `i` in `0..rows` (`step > 0`, and no
/// overflow: [`SegmentView::block_ts_step`] checked it against the
/// directory): a block whose timestamps were never decoded.
///
/// [`SegmentView::block_ts_step`]: crate::segment::SegmentView::block_ts_step
struct Regular {
    first: i64,
    step: i64,
    rows: usize,
}

impl Regular {
    /// The part of a regular block (first timestamp `first`, `rows` rows)
    /// inside `start..=end`: rows `lo..hi` of the block, and their run.
    fn cut(first: i64, step: i64, rows: usize, start: i64, end: i64) -> (usize, usize, Regular) {
        // rows before `t`: the first i with first + i * step >= t
        let before = |t: i64| {
            let d = i128::from(t) - i128::from(first);
            if d <= 0 { 0 } else { (d + i128::from(step) - 1) / i128::from(step) }.min(rows as i128) as usize
        };
        let lo = before(start);
        let hi = end.checked_add(1).map_or(rows, before).max(lo);
        (lo, hi, Regular { first: first + lo as i64 * step, step, rows: hi - lo })
    }
}

impl Times for Regular {
    fn len(&self) -> usize {
        self.rows
    }

    fn at(&self, i: usize) -> i64 {
        self.first + i as i64 * self.step
    }

    fn run_end(&self, i: usize, end_ts: i64, guess: usize) -> usize {
        // As long as the run before (the usual case): two comparisons.
        let e = i + guess;
        if guess > 0 && e <= self.rows && self.at(e - 1) < end_ts && (e == self.rows || self.at(e) >= end_ts)
        {
            return e;
        }
        // the first j with first + j * step >= end_ts (> i, as at(i) < end_ts)
        let d = i128::from(end_ts) - i128::from(self.first);
        let j = (d + i128::from(self.step) - 1) / i128::from(self.step);
        (j.min(self.rows as i128) as usize).max(i + 1)
    }
}

/// The end of the run of sorted `ts` from `i` that lies before `end_ts`
/// (`ts[i] < end_ts`): two comparisons if the run is `guess` rows long,
/// else galloping, so a short run costs a few comparisons whatever the
/// length of `ts`.
fn run_end(ts: &[i64], i: usize, end_ts: i64, guess: usize) -> usize {
    let e = i + guess;
    if guess > 0 && e <= ts.len() && ts[e - 1] < end_ts && ts.get(e).is_none_or(|&t| t >= end_ts) {
        return e;
    }
    let mut step = 1;
    let mut lo = i + 1;
    loop {
        let probe = i + step;
        if probe >= ts.len() || ts[probe] >= end_ts {
            let hi = probe.min(ts.len());
            return lo + ts[lo..hi].partition_point(|&t| t < end_ts);
        }
        lo = probe + 1;
        step *= 2;
    }
}

/// `get` of column `c`'s partial in each bucket (`ncols` partials per
/// bucket, `c < ncols`), one tight loop per result column.
#[inline(always)]
fn gather<T>(parts: &[Partial], ncols: usize, c: usize, get: impl Fn(&Partial) -> T) -> Vec<T> {
    parts.chunks_exact(ncols).map(|bucket| get(&bucket[c])).collect()
}

/// Streams the aggregation of a planned range read, group by group.
pub struct AggregateReader {
    reader: RangeReader,
    bucket_ms: i64,
    aggs: Vec<Agg>,
    buckets: Buckets,
    scratch: Columns,
    /// Segments answered from their statistics alone (for benchmarks).
    pub segments_from_stats: u64,
    /// Segments not answered from their header alone (for benchmarks).
    pub segments_decoded: u64,
    /// Blocks of those segments answered from their directory's
    /// statistics (for benchmarks).
    pub blocks_from_stats: u64,
    /// Blocks of those segments decoded row by row (for benchmarks; a
    /// classic segment counts as none).
    pub blocks_decoded: u64,
    /// Of those, blocks whose timestamps were a regular run, folded from
    /// its first timestamp and step without decoding them (for benchmarks
    /// and tests).
    pub blocks_regular: u64,
    /// Classic segments decoded whose timestamps were a regular run, folded
    /// the same way (for benchmarks and tests).
    pub segments_regular: u64,
}

impl AggregateReader {
    /// Checks the arguments and plans the aggregation of `reader`'s range.
    pub fn new(reader: RangeReader, bucket_ms: i64, aggs: &[Agg]) -> Result<AggregateReader> {
        if bucket_ms <= 0 {
            return Err(Error::invalid(format!("bucket_ms must be positive, got {bucket_ms}")));
        }
        if aggs.is_empty() {
            return Err(Error::invalid("no aggregate function given"));
        }
        let ncols = reader.snap.columns.len();
        Ok(AggregateReader {
            reader,
            bucket_ms,
            aggs: aggs.to_vec(),
            buckets: Buckets::new(bucket_ms, ncols),
            scratch: Columns::with_columns(ncols, 0),
            segments_from_stats: 0,
            segments_decoded: 0,
            blocks_from_stats: 0,
            blocks_decoded: 0,
            blocks_regular: 0,
            segments_regular: 0,
        })
    }

    /// Result column names, in output order: for each value column, for
    /// each aggregate, `<column>_<agg>`.
    pub fn column_names(&self) -> Vec<(String, String, Agg)> {
        let mut out = Vec::new();
        for c in &self.reader.snap.columns {
            for a in &self.aggs {
                out.push((format!("{c}_{}", a.name()), c.clone(), *a));
            }
        }
        out
    }

    /// Whether a segment can be answered from its header: wholly inside the
    /// range and one bucket, and untouched by deletes.
    fn answerable_from_stats(&self, meta: &SegmentMeta) -> bool {
        meta.min_ts >= self.reader.start_ms
            && meta.max_ts <= self.reader.end_ms
            && bucket_of(meta.min_ts, self.bucket_ms) == bucket_of(meta.max_ts, self.bucket_ms)
            && !self.reader.snap.tombstones.iter().any(|t| t.hits(meta))
    }

    /// Folds the next group in; returns false when all groups are folded.
    fn fold_next_group(&mut self) -> Result<bool> {
        let Some(group) = self.reader.next_group() else { return Ok(false) };
        let ncols = self.reader.snap.columns.len();
        for src in group {
            match src {
                Source::Segment(order, meta) if self.answerable_from_stats(&meta) => {
                    let view = self.reader.reads.header(&self.reader.snap.map, &meta, ncols)?;
                    let stats: Vec<ColumnStats> = (0..ncols).map(|c| *view.column_stats(c)).collect();
                    let first = (meta.min_ts, order as u64, 0);
                    let last = (meta.max_ts, order as u64, u64::from(meta.rows) - 1);
                    self.buckets.merge_stats(meta.rows, first, last, &stats);
                    self.segments_from_stats += 1;
                }
                Source::Segment(order, meta) => self.fold_segment(order as u64, &meta)?,
                Source::Mem => {
                    let snap = &self.reader.snap;
                    let lo = snap.mem.ts.partition_point(|&t| t < self.reader.start_ms);
                    let hi = snap.mem.ts.partition_point(|&t| t <= self.reader.end_ms);
                    let rows = Columns {
                        ts: snap.mem.ts[lo..hi].to_vec(),
                        columns: snap.mem.columns.iter().map(|c| c[lo..hi].to_vec()).collect(),
                    };
                    self.buckets.fold_rows(&rows.ts[..], &rows.columns, u64::MAX, 0);
                }
            }
        }
        Ok(true)
    }

    /// Folds a segment that cannot be answered from its header alone: in
    /// the blocked layout, every block inside the range and one bucket, and
    /// untouched by deletes, from the directory's statistics, and only the
    /// others decoded (each run of them with one read); a classic segment
    /// is decoded whole.
    fn fold_segment(&mut self, order: u64, meta: &SegmentMeta) -> Result<()> {
        self.segments_decoded += 1;
        let ncols = self.reader.snap.columns.len();
        let mut rows = std::mem::take(&mut self.scratch);
        rows.ts.clear();
        rows.columns.iter_mut().for_each(Vec::clear);
        let result = self.fold_blocks(order, meta, &mut rows);
        let result = match result {
            Ok(true) => Ok(()),
            Ok(false) => self.fold_classic(order, meta, &mut rows),
            Err(e) => Err(e),
        };
        rows.columns.resize_with(ncols, Vec::new);
        self.scratch = rows;
        result
    }

    /// [`Self::fold_segment`] of a classic segment, read whole: when no
    /// tombstone reaches it and its timestamps are one regular run, like a
    /// block's in [`Self::fold_blocks`], only its values are decoded.
    fn fold_classic(&mut self, order: u64, meta: &SegmentMeta, rows: &mut Columns) -> Result<()> {
        let (start, end) = (self.reader.start_ms, self.reader.end_ms);
        let deleted = self.reader.snap.tombstones.iter().any(|t| t.hits(meta));
        let view = self.reader.segment_whole(meta, rows.columns.len())?;
        let step = view.ts_step().filter(|_| !deleted);
        if step.is_none() {
            view.decode_ts(&mut rows.ts)?;
        }
        for (c, col) in rows.columns.iter_mut().enumerate() {
            view.decode_column(c, col)?;
        }
        if let Some(step) = step {
            let (lo, hi, times) = Regular::cut(meta.min_ts, step, meta.rows as usize, start, end);
            for col in rows.columns.iter_mut() {
                cut(col, 0, lo, hi);
            }
            self.buckets.fold_rows(&times, &rows.columns, order, lo as u64);
            self.segments_regular += 1;
            return Ok(());
        }
        self.reader.keep_range_and_live(meta, rows, 0);
        self.buckets.fold_rows(&rows.ts[..], &rows.columns, order, 0);
        Ok(())
    }

    /// [`Self::fold_segment`] of a blocked segment; false (nothing done)
    /// for a classic one.
    fn fold_blocks(&mut self, order: u64, meta: &SegmentMeta, rows: &mut Columns) -> Result<bool> {
        let ncols = self.reader.snap.columns.len();
        let (start, end, bucket_ms) = (self.reader.start_ms, self.reader.end_ms, self.bucket_ms);
        let snap = &self.reader.snap;
        let (view, mut blocks) = self.reader.reads.header_and_blocks(&snap.map, meta, ncols)?;
        if !view.is_blocked() {
            return Ok(false);
        }
        let hits: Vec<&Tombstone> = snap.tombstones.iter().filter(|t| t.hits(meta)).collect();
        let all = view.blocks();
        let deleted_in = |b: &Block| {
            let m = SegmentMeta { min_ts: b.first_ts, max_ts: b.last_ts, ..*meta };
            hits.iter().any(|t| t.hits(&m))
        };
        let answerable = |b: &Block| {
            b.first_ts >= start
                && b.last_ts <= end
                && bucket_of(b.first_ts, bucket_ms) == bucket_of(b.last_ts, bucket_ms)
                && !deleted_in(b)
        };
        let mut b = all.partition_point(|b| b.last_ts < start);
        let b1 = all.partition_point(|b| b.first_ts <= end);
        let mut stats = Vec::with_capacity(ncols);
        while b < b1 {
            let blk = all[b];
            if answerable(&blk) {
                stats.clear();
                stats.extend((0..ncols).map(|c| *view.block_column_stats(b, c)));
                let first = (blk.first_ts, order, u64::from(blk.row_start));
                let last = (blk.last_ts, order, u64::from(blk.row_start + blk.rows - 1));
                self.buckets.merge_stats(blk.rows, first, last, &stats);
                self.blocks_from_stats += 1;
                b += 1;
                continue;
            }
            let e = b + all[b..b1].iter().position(&answerable).unwrap_or(b1 - b);
            // One read for the run, then decode and fold block by block:
            // a block's rows are still in cache when the fold reads them.
            let (data, at) = blocks.read(&view, b..e)?;
            for (blk, k) in all[b..e].iter().zip(b..) {
                rows.ts.clear();
                rows.columns.iter_mut().for_each(Vec::clear);
                let bytes = view.block_bytes(k, data, at)?;
                let row_start = u64::from(blk.row_start);
                // Regular timestamps (no deletes to match against them)
                // are folded from their first and step, never decoded.
                if let Some(step) = view.block_ts_step(k, bytes).filter(|_| !deleted_in(blk)) {
                    for (c, col) in rows.columns.iter_mut().enumerate() {
                        view.decode_block_column(k, c, bytes, col)?;
                    }
                    let (lo, hi, times) = Regular::cut(blk.first_ts, step, blk.rows as usize, start, end);
                    for col in rows.columns.iter_mut() {
                        cut(col, 0, lo, hi);
                    }
                    self.buckets.fold_rows(&times, &rows.columns, order, row_start + lo as u64);
                    self.blocks_regular += 1;
                    continue;
                }
                view.decode_blocks(k..k + 1, data, at, &mut rows.ts, &mut rows.columns)?;
                let lo = rows.ts.partition_point(|&t| t < start);
                let hi = rows.ts.partition_point(|&t| t <= end);
                for col in rows.columns.iter_mut() {
                    cut(col, 0, lo, hi);
                }
                cut(&mut rows.ts, 0, lo, hi);
                if deleted_in(blk) {
                    remove_deleted(rows, 0, &hits);
                }
                // Rows keep their order in the segment, so first/last ties
                // still break by it (deletes only shift later indices down).
                self.buckets.fold_rows(&rows.ts[..], &rows.columns, order, row_start + lo as u64);
            }
            self.blocks_decoded += (e - b) as u64;
            b = e;
        }
        Ok(true)
    }

    /// The next batch of finished buckets (at least one, unless done), or
    /// `None` when the whole range is aggregated.
    pub fn next_batch(&mut self) -> Result<Option<Aggregation>> {
        loop {
            let more = self.fold_next_group()?;
            // Buckets before the next group's first bucket are final.
            let limit = match (more, self.reader.next_group_start()) {
                (true, Some(t)) => Some(bucket_of(t, self.bucket_ms)),
                _ => None,
            };
            let (keys, parts) = self.buckets.close_before(limit);
            if !keys.is_empty() {
                return Ok(Some(self.emit(&keys, &parts)));
            }
            if !more {
                return Ok(None);
            }
        }
    }

    /// The result rows of closed buckets `keys`, whose partials are
    /// `parts` (one per value column each).
    fn emit(&self, keys: &[i128], parts: &[Partial]) -> Aggregation {
        let ncols = self.reader.snap.columns.len().max(1);
        let aggs = self.aggs.len();
        // One pass per result column over the partials of its value
        // column (every `ncols`-th): tight loops, no per-value match.
        let columns = self
            .column_names()
            .into_iter()
            .enumerate()
            .map(|(k, (name, column, agg))| {
                let c = k / aggs;
                let values = match agg {
                    Agg::Count => AggValues::U64(gather(parts, ncols, c, |p| p.count)),
                    Agg::Sum => AggValues::F64(gather(parts, ncols, c, |p| p.sum)),
                    Agg::Min => AggValues::F64(gather(parts, ncols, c, |p| p.min)),
                    Agg::Max => AggValues::F64(gather(parts, ncols, c, |p| p.max)),
                    _ => AggValues::F64(gather(parts, ncols, c, |p| p.value(agg))),
                };
                AggColumn { name, column, agg, values }
            })
            .collect();
        let bucket_start_out = keys.iter().map(|&k| bucket_start(k, self.bucket_ms)).collect();
        Aggregation { bucket_start: bucket_start_out, columns }
    }

    /// Aggregates everything into one result.
    pub fn read_all(mut self) -> Result<Aggregation> {
        let mut all = Aggregation { bucket_start: Vec::new(), columns: Vec::new() };
        while let Some(b) = self.next_batch()? {
            if all.columns.is_empty() {
                all = b;
                continue;
            }
            all.bucket_start.extend(b.bucket_start);
            for (dst, src) in all.columns.iter_mut().zip(b.columns) {
                match (&mut dst.values, src.values) {
                    (AggValues::U64(d), AggValues::U64(s)) => d.extend(s),
                    (AggValues::F64(d), AggValues::F64(s)) => d.extend(s),
                    _ => unreachable!("same column kinds in every batch"),
                }
            }
        }
        if all.columns.is_empty() {
            all = self.emit(&[], &[]);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fold of `vals` the slow, obvious way.
    fn naive(vals: &[f64]) -> (u64, f64, f64, f64) {
        let ok: Vec<f64> = vals.iter().copied().filter(|v| !v.is_nan()).collect();
        let sum: f64 = ok.iter().sum();
        let min = ok.iter().copied().fold(f64::NAN, f64::min);
        let max = ok.iter().copied().fold(f64::NAN, f64::max);
        (ok.len() as u64, sum, min, max)
    }

    fn same(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn fold_run_skips_nan_and_handles_infinities() {
        let o = ((0, 0, 0), 0.0);
        let mut cases: Vec<Vec<f64>> = vec![
            vec![1.0],
            vec![f64::NAN],
            vec![f64::NAN; 19],
            vec![f64::INFINITY, f64::NEG_INFINITY, 3.0],
            vec![f64::INFINITY; 9],
            vec![-0.0, 0.0, -0.0],
        ];
        // every length up to 40 (lanes and tails), a NaN at each place
        for n in 1..40 {
            let base: Vec<f64> = (0..n).map(|i| ((i * 7919) % 97) as f64 * 0.25 - 10.0).collect();
            cases.push(base.clone());
            for at in 0..n {
                let mut v = base.clone();
                v[at] = f64::NAN;
                cases.push(v);
            }
        }
        for vals in &cases {
            let (non_nan, sum, min, max) = naive(vals);
            // dispatched (AVX2 here where the CPU has it) and portable
            let portable = |f: Option<RunFold>| match f {
                Some(RunFold { sum, min, max }) => {
                    let n = vals.len() as u64;
                    Partial { count: n, non_nan: n, sum, min, max, first: o, last: o }
                }
                None => fold_run_nan(vals, o, o),
            };
            let mut folds = vec![fold_run(vals, o, o), portable(fold_values_portable(vals))];
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                folds.push(portable(unsafe { fold_values_avx2(vals) }));
            }
            for p in folds {
                assert_eq!(p.count, vals.len() as u64, "{vals:?}");
                assert_eq!(p.non_nan, non_nan, "{vals:?}");
                assert!(same(p.sum, sum), "{vals:?}: sum {} != {sum}", p.sum);
                assert!(same(p.min, min) && same(p.max, max), "{vals:?}: {} {} vs {min} {max}", p.min, p.max);
            }
        }
    }

    /// A regular run against its timestamps written out: the cut to a
    /// range, every row's timestamp, and the runs before bucket edges
    /// with right and wrong guesses.
    #[test]
    fn regular_runs_match_their_timestamps() {
        for (first, step, rows) in
            [(0i64, 1000i64, 500usize), (-7_001, 3, 97), (1_704_067_200_123, 60_000, 1), (5, 1, 64)]
        {
            let ts: Vec<i64> = (0..rows as i64).map(|i| first + i * step).collect();
            let last = ts[rows - 1];
            let edges = [
                i64::MIN,
                first - step,
                first - 1,
                first,
                first + 1,
                first + step * 7 - 1,
                last,
                last + 1,
                i64::MAX,
            ];
            for start in edges {
                for end in edges {
                    let (lo, hi, r) = Regular::cut(first, step, rows, start, end);
                    let want_lo = ts.partition_point(|&t| t < start);
                    let want_hi = ts.partition_point(|&t| t <= end).max(want_lo);
                    assert_eq!((lo, hi), (want_lo, want_hi), "{first} {step} {rows} {start}..={end}");
                    assert_eq!(r.len(), hi - lo);
                    let cut = &ts[lo..hi];
                    assert!((0..r.len()).all(|i| r.at(i) == cut[i]));
                    for i in (0..cut.len()).step_by(7) {
                        for end_ts in [cut[i] + 1, cut[i] + step * 5, cut[i] + step * 5 + 1, i64::MAX] {
                            let want = cut.partition_point(|&t| t < end_ts);
                            for guess in [0usize, 1, 5, want - i, want - i + 1, 10_000] {
                                assert_eq!(
                                    r.run_end(i, end_ts, guess),
                                    want,
                                    "i {i} end {end_ts} guess {guess}"
                                );
                                assert_eq!(cut.run_end(i, end_ts, guess), want);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn run_end_with_right_and_wrong_guesses() {
        let ts: Vec<i64> = (0..500).map(|i| i * 7 / 3).collect();
        for i in [0usize, 1, 17, 250, 498] {
            for end_ts in [ts[i] + 1, ts[i] + 50, ts[i] + 1000, i64::MAX] {
                let want = ts.partition_point(|&t| t < end_ts);
                for guess in [0usize, 1, 5, want - i, want - i + 1, 10_000] {
                    assert_eq!(run_end(&ts, i, end_ts, guess), want, "i {i} end {end_ts} guess {guess}");
                }
            }
        }
    }
}
