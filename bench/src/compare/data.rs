//! The workloads: real series read at run time from the shared data
//! directory (never copied into the repository), cycled to any number of
//! rows of `ts_ms` plus four `f64` columns.
//!
//! Rows are generated on the fly from the source series (a few hundred KB),
//! never materialised: every engine's process holds only what the engine
//! itself holds, so its peak RSS is its own.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

/// Value columns of every table, in order.
pub const COLUMNS: [&str; 4] = ["v1", "v2", "v3", "v4"];

/// The four `floats/` series used as columns v1..v4: one decimal, two
/// decimals (prices), five decimals, and float32-rounded wind speeds.
pub const FLOATS_SERIES: [&str; 4] = ["City-temp", "Stocks-USA", "Air-pressure", "Basel-wind"];

/// The four `timestamped/` (NAB) series used as columns v1..v4; their
/// timestamp deltas, concatenated, are the table's timestamps: 30 min
/// (taxi), 1 h with gaps (temperature), 5 min with repeats (network), and
/// the irregular road-traffic sensor.
pub const TIMESTAMPED_SERIES: [&str; 4] = [
    "realKnownCause__nyc_taxi",
    "realKnownCause__ambient_temperature_system_failure",
    "realAWSCloudwatch__ec2_network_in_5abac7",
    "realTraffic__TravelTime_451",
];

/// 2024-01-01T00:00:00Z, the first timestamp of the `floats` workload.
const FLOATS_T0_MS: i64 = 1_704_067_200_000;

/// One row in ten arrives late in the out-of-order variant...
const LATE_ONE_IN: u64 = 10;
/// ...by 1 ms to this much (uniform).
pub const MAX_LATENESS_MS: i64 = 60_000;
/// Seed of the deterministic lateness draw.
const LATE_SEED: u64 = 0x6e61_6e6f_7473_0016;

/// A workload: where its rows come from and how to generate any of them.
#[derive(Debug, Clone)]
pub struct Workload {
    /// `floats` or `timestamped`.
    pub name: &'static str,
    /// Timestamp of row 0, ms.
    t0_ms: i64,
    /// Offsets of one cycle's timestamps from the cycle's first, ms;
    /// strictly increasing, starting at 0.
    cycle_offsets_ms: Vec<i64>,
    /// From the first timestamp of a cycle to the first of the next, ms.
    cycle_span_ms: i64,
    /// The four value series, each cycled on its own.
    columns: [Vec<f64>; 4],
    /// One line on where the data comes from, for the report.
    pub description: String,
}

/// Whether rows arrive in timestamp order or with some late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Strictly increasing timestamps.
    InOrder,
    /// The same rows; one in [`LATE_ONE_IN`] arrives up to
    /// [`MAX_LATENESS_MS`] late: after the rows whose timestamps are at most
    /// its own plus its lateness.
    Late,
}

impl Workload {
    /// Reads the workload `name` (`floats` or `timestamped`) from `dir`.
    pub fn load(dir: &Path, name: &str) -> Result<Workload, String> {
        match name {
            "floats" => load_floats(dir),
            "timestamped" => load_timestamped(dir),
            other => Err(format!("unknown workload {other} (floats, timestamped)")),
        }
    }

    /// Timestamp of row `i` (in timestamp order), ms.
    pub fn ts_at(&self, i: u64) -> i64 {
        let l = self.cycle_offsets_ms.len() as u64;
        self.t0_ms + (i / l) as i64 * self.cycle_span_ms + self.cycle_offsets_ms[(i % l) as usize]
    }

    /// Row `i` (in timestamp order).
    pub fn row_at(&self, i: u64) -> (i64, [f64; 4]) {
        let v = |c: usize| self.columns[c][(i % self.columns[c].len() as u64) as usize];
        (self.ts_at(i), [v(0), v(1), v(2), v(3)])
    }

    /// The first `rows` rows, in arrival order.
    pub fn rows(&self, rows: u64, arrival: Arrival) -> Rows<'_> {
        let in_order = InOrder { w: self, i: 0, end: rows, k: 0, cycle_base_ms: self.t0_ms, pos: [0; 4] };
        match arrival {
            Arrival::InOrder => Rows::InOrder(in_order),
            Arrival::Late => Rows::Late { rows: in_order, pending: BinaryHeap::new() },
        }
    }

    /// The inclusive timestamp range of `n` rows starting at row `start`
    /// (in timestamp order): the same rows in both arrival orders.
    pub fn range_of(&self, start: u64, n: u64) -> (i64, i64) {
        (self.ts_at(start), self.ts_at(start + n - 1))
    }
}

/// Whether row `i` arrives late, and by how much (ms).
fn lateness_ms(i: u64) -> Option<i64> {
    let h = splitmix64(i ^ LATE_SEED);
    h.is_multiple_of(LATE_ONE_IN).then(|| 1 + ((h >> 32) % MAX_LATENESS_MS as u64) as i64)
}

/// SplitMix64: a fixed pseudo-random number for `x`.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Rows in timestamp order, walked with one cursor per series (no
/// division per row).
pub struct InOrder<'a> {
    w: &'a Workload,
    i: u64,
    end: u64,
    /// Position in the cycle of timestamps.
    k: usize,
    cycle_base_ms: i64,
    /// Position in each value series.
    pos: [usize; 4],
}

impl Iterator for InOrder<'_> {
    type Item = (i64, [f64; 4]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.i == self.end {
            return None;
        }
        let w = self.w;
        let ts = self.cycle_base_ms + w.cycle_offsets_ms[self.k];
        let mut v = [0.0; 4];
        for (c, x) in v.iter_mut().enumerate() {
            *x = w.columns[c][self.pos[c]];
            self.pos[c] += 1;
            if self.pos[c] == w.columns[c].len() {
                self.pos[c] = 0;
            }
        }
        self.k += 1;
        if self.k == w.cycle_offsets_ms.len() {
            self.k = 0;
            self.cycle_base_ms += w.cycle_span_ms;
        }
        self.i += 1;
        Some((ts, v))
    }
}

/// Rows in arrival order.
pub enum Rows<'a> {
    /// Timestamp order.
    InOrder(InOrder<'a>),
    /// Timestamp order but for the late rows, held back until the rows up
    /// to their arrival time have gone by.
    Late {
        /// The rows in timestamp order.
        rows: InOrder<'a>,
        /// Late rows not yet arrived: (arrival time in ms, row index).
        pending: BinaryHeap<Reverse<(i64, u64)>>,
    },
}

impl Iterator for Rows<'_> {
    type Item = (i64, [f64; 4]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::InOrder(rows) => rows.next(),
            Rows::Late { rows, pending } => loop {
                let next_ts =
                    (rows.i < rows.end).then(|| rows.cycle_base_ms + rows.w.cycle_offsets_ms[rows.k]);
                if let Some(&Reverse((arrives, i))) = pending.peek()
                    && next_ts.is_none_or(|t| arrives < t)
                {
                    pending.pop();
                    return Some(rows.w.row_at(i));
                }
                let i = rows.i;
                let row = rows.next()?;
                match lateness_ms(i) {
                    Some(late) => pending.push(Reverse((row.0 + late, i))),
                    None => return Some(row),
                }
            },
        }
    }
}

/// The rows as Arrow sees them: `ts` (Int64), then [`COLUMNS`] (Float64).
pub fn arrow_schema() -> SchemaRef {
    let mut fields = vec![Field::new("ts", DataType::Int64, false)];
    fields.extend(COLUMNS.iter().map(|c| Field::new(*c, DataType::Float64, false)));
    Arc::new(Schema::new(fields))
}

/// One batch of rows as columns, reused from batch to batch.
#[derive(Debug, Default)]
pub struct Batch {
    /// Timestamps, ms.
    pub ts: Vec<i64>,
    /// The four value columns.
    pub cols: [Vec<f64>; 4],
}

impl Batch {
    /// Replaces the contents with the next `max` rows of `rows` (fewer at
    /// the end); returns how many.
    pub fn fill(&mut self, rows: &mut Rows<'_>, max: usize) -> usize {
        self.ts.clear();
        self.cols.iter_mut().for_each(Vec::clear);
        for (ts, v) in rows.take(max) {
            self.ts.push(ts);
            for (c, x) in v.into_iter().enumerate() {
                self.cols[c].push(x);
            }
        }
        self.ts.len()
    }

    /// The rows as a record batch of [`arrow_schema`]: the vectors become
    /// the arrays (no copy), and the batch is left empty.
    pub fn take_record_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let b = std::mem::take(self);
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(b.ts))];
        arrays.extend(b.cols.into_iter().map(|c| Arc::new(Float64Array::from(c)) as ArrayRef));
        RecordBatch::try_new(schema.clone(), arrays)
    }

    /// The value columns as slices, in the shape `append_rows` takes.
    pub fn col_slices(&self) -> [&[f64]; 4] {
        [&self.cols[0], &self.cols[1], &self.cols[2], &self.cols[3]]
    }
}

/// Rows that arrive after a row with a later timestamp.
pub fn count_out_of_order(rows: Rows<'_>) -> u64 {
    let mut max = i64::MIN;
    let mut late = 0;
    for (ts, _) in rows {
        if ts < max {
            late += 1;
        }
        max = max.max(ts);
    }
    late
}

fn load_floats(dir: &Path) -> Result<Workload, String> {
    let mut columns: [Vec<f64>; 4] = Default::default();
    let mut skipped = 0;
    for (c, name) in FLOATS_SERIES.iter().enumerate() {
        let path = dir.join("floats").join(format!("{name}.csv"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let field = line.trim().trim_matches('"');
            if field.is_empty() {
                // A few files mark a missing sample with an empty field.
                skipped += 1;
                continue;
            }
            columns[c].push(field.parse().map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?);
        }
    }
    let lens: Vec<String> =
        FLOATS_SERIES.iter().zip(&columns).map(|(n, c)| format!("{n} ({})", c.len())).collect();
    Ok(Workload {
        name: "floats",
        t0_ms: FLOATS_T0_MS,
        cycle_offsets_ms: vec![0],
        cycle_span_ms: 1000,
        columns,
        description: format!(
            "floats: ts 1 s apart from 2024-01-01; columns {}; {skipped} empty values skipped",
            lens.join(", ")
        ),
    })
}

fn load_timestamped(dir: &Path) -> Result<Workload, String> {
    let mut columns: [Vec<f64>; 4] = Default::default();
    let mut deltas = Vec::new();
    let mut t0_ms = None;
    let mut repeated = 0;
    for (c, name) in TIMESTAMPED_SERIES.iter().enumerate() {
        let path = dir.join("timestamped").join(format!("{name}.csv"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut prev = None;
        for (n, line) in text.lines().enumerate().skip(1) {
            let bad = |what: &str| format!("{}:{}: {what}", path.display(), n + 1);
            let (ts, value) = line.split_once(',').ok_or_else(|| bad("no comma"))?;
            let ts = parse_utc_ms(ts).ok_or_else(|| bad("bad timestamp"))?;
            columns[c].push(value.trim().parse().map_err(|e| bad(&format!("{e}")))?);
            t0_ms.get_or_insert(ts);
            if let Some(p) = prev {
                // Repeated timestamps (and steps back, none in these files)
                // are dropped from the timestamps: the in-order tables hold
                // strictly increasing ones (SQLite's key is the timestamp).
                if ts > p {
                    deltas.push(ts - p);
                } else {
                    repeated += 1;
                }
            }
            prev = Some(ts);
        }
    }
    let mut cycle_offsets_ms = Vec::with_capacity(deltas.len());
    let mut off = 0;
    for d in &deltas {
        cycle_offsets_ms.push(off);
        off += d;
    }
    let lens: Vec<String> =
        TIMESTAMPED_SERIES.iter().zip(&columns).map(|(n, c)| format!("{n} ({})", c.len())).collect();
    Ok(Workload {
        name: "timestamped",
        t0_ms: t0_ms.ok_or("timestamped: no rows")?,
        cycle_span_ms: off,
        description: format!(
            "timestamped: ts = the {} positive deltas of these files, concatenated and cycled \
             ({repeated} repeated timestamps dropped); columns {}",
            cycle_offsets_ms.len(),
            lens.join(", ")
        ),
        cycle_offsets_ms,
        columns,
    })
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) to ms since the Unix epoch (the timestamps of
/// `../shared/data/timestamped/`).
pub fn parse_utc_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    if s.len() != 19 {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    Some(((days_from_civil(y, m, d) * 24 + hh) * 60 + mm) * 60_000 + ss * 1000)
}

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d`
/// (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Workload {
        Workload {
            name: "toy",
            t0_ms: 1000,
            cycle_offsets_ms: vec![0, 300, 900],
            cycle_span_ms: 1200,
            columns: [vec![1.0, 2.0], vec![3.0], vec![4.0, 5.0, 6.0], vec![7.0]],
            description: String::new(),
        }
    }

    #[test]
    fn utc_parse() {
        assert_eq!(parse_utc_ms("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_utc_ms("2014-04-01 00:05:00"), Some(1_396_310_700_000));
        assert_eq!(parse_utc_ms("2014-04-01"), None);
    }

    #[test]
    fn cursor_walk_matches_random_access() {
        let w = toy();
        let rows: Vec<_> = w.rows(10, Arrival::InOrder).collect();
        let direct: Vec<_> = (0..10).map(|i| w.row_at(i)).collect();
        assert_eq!(rows, direct);
        assert_eq!(rows[3].0, 2200);
        assert_eq!(w.range_of(2, 3), (1900, 2500));
    }

    #[test]
    fn late_rows_are_the_same_rows_reordered() {
        let w = toy();
        let mut late: Vec<_> = w.rows(5000, Arrival::Late).collect();
        let in_order: Vec<_> = w.rows(5000, Arrival::InOrder).collect();
        assert_ne!(late, in_order);
        assert!(count_out_of_order(w.rows(5000, Arrival::Late)) > 0);
        late.sort_by_key(|r| r.0);
        assert_eq!(late, in_order);
    }
}
