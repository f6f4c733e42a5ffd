//! The handle's query entry points: range reads, aggregation, latest rows
//! and storage statistics. Each takes a snapshot under the read lock and
//! decodes without it (SPEC.md, "Queries").

use super::NanoTsDb;
use crate::error::{Error, Result};
#[cfg(feature = "aggregate")]
use crate::query::aggregate::{Agg, AggregateReader, Aggregation};
use crate::query::stats::{TableStats, table_stats};
use crate::query::{Columns, RangeReader, Snapshot};

impl NanoTsDb {
    /// Rows of `table` with `start_ms <= ts_ms <= end_ms` (inclusive at both
    /// ends), sorted by timestamp; rows with equal timestamps keep their
    /// append order. Returns `(ts_ms, columns)` with `columns[c][i]` the
    /// value of column `c` in row `i`. Includes unflushed rows.
    ///
    /// Errors: `NotFound`, `InvalidArgument` if `start_ms > end_ms`,
    /// `Corrupt` if a segment fails its checksum.
    pub fn query_table_range_columns(
        &self,
        table: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<(Vec<i64>, Vec<Vec<f64>>)> {
        let c = self.query_range(table, start_ms, end_ms)?;
        Ok((c.ts, c.columns))
    }

    /// Like [`Self::query_table_range_columns`] (range inclusive at both
    /// ends), returning a [`Columns`].
    pub fn query_range(&self, table: &str, start_ms: i64, end_ms: i64) -> Result<Columns> {
        if start_ms > end_ms {
            return Err(Error::invalid(format!("query range start {start_ms} is after its end {end_ms}")));
        }
        self.range_reader(table, start_ms, end_ms)?.read_all()
    }

    /// A reader that returns the rows of `[start_ms, end_ms]` (inclusive at
    /// both ends) in timestamp order, one group of segments at a time, so
    /// memory stays bounded by the largest group (one segment unless rows
    /// were appended out of order across flushes). It reads a snapshot:
    /// later appends and flushes do not affect it.
    pub fn range_reader(&self, table: &str, start_ms: i64, end_ms: i64) -> Result<RangeReader> {
        if start_ms > end_ms {
            return Err(Error::invalid(format!("query range start {start_ms} is after its end {end_ms}")));
        }
        let snap = self.snapshot(table, start_ms, end_ms)?;
        Ok(RangeReader::new(snap, start_ms, end_ms))
    }

    /// Aggregates `table` over `[start_ms, end_ms]` (inclusive at both ends)
    /// in buckets of `bucket_ms` aligned to multiples of `bucket_ms` from the
    /// Unix epoch: one row per non-empty bucket, and for each value column
    /// and each of `aggs` a result column `<column>_<agg>`. Segments lying
    /// wholly inside one bucket are answered from their statistics without
    /// decoding. NaN values: `count` counts every row (NaN included);
    /// `sum`, `min`, `max` and `mean` skip NaN (`sum` of no value is 0,
    /// `min`/`max`/`mean` of no value are NaN); `first` and `last` are the
    /// values of the earliest and latest row, NaN or not.
    ///
    /// Errors: `NotFound`; `InvalidArgument` if `start_ms > end_ms`,
    /// `bucket_ms <= 0` or `aggs` is empty; `Corrupt`.
    #[cfg(feature = "aggregate")]
    pub fn aggregate(
        &self,
        table: &str,
        start_ms: i64,
        end_ms: i64,
        bucket_ms: i64,
        aggs: &[Agg],
    ) -> Result<Aggregation> {
        self.aggregate_reader(table, start_ms, end_ms, bucket_ms, aggs)?.read_all()
    }

    /// Like [`Self::aggregate`] (range inclusive at both ends), returning
    /// buckets batch by batch with memory bounded by one group of segments.
    #[cfg(feature = "aggregate")]
    pub fn aggregate_reader(
        &self,
        table: &str,
        start_ms: i64,
        end_ms: i64,
        bucket_ms: i64,
        aggs: &[Agg],
    ) -> Result<AggregateReader> {
        AggregateReader::new(self.range_reader(table, start_ms, end_ms)?, bucket_ms, aggs)
    }

    /// The latest row of `table` (largest timestamp; ties: last appended),
    /// or no row for an empty table. Answered from the newest segment's
    /// header when possible, never by scanning old segments.
    pub fn latest(&self, table: &str) -> Result<Columns> {
        self.latest_n(table, 1)
    }

    /// The last `n` rows of `table` by timestamp (ties in append order),
    /// oldest first. Reads only the newest segments.
    pub fn latest_n(&self, table: &str, n: usize) -> Result<Columns> {
        let snap = self.snapshot(table, i64::MIN, i64::MAX)?;
        crate::query::latest::latest_n(snap, n)
    }

    /// Storage statistics of `table`: rows, segments, bytes on disk and raw
    /// bytes per column, compression ratio, and the codecs in use. Answered
    /// from the index; the first call after opening reads each segment's
    /// header once (with `pread`: no page of the file stays resident), later
    /// calls only those of segments flushed since.
    pub fn stats(&self, table: &str) -> Result<TableStats> {
        let (snap, buffered, id, live, index) = {
            let st = self.read_lock()?;
            let t = st.table(table)?;
            let snap = Snapshot {
                table: table.to_owned(),
                columns: t.def.columns.clone(),
                map: st.map().clone(),
                segments: t.segments.clone(),
                tombstones: t.tombstones.clone(),
                mem: Columns::default(),
            };
            let live: Vec<u32> = st.tables().map(|t| t.def.id).collect();
            (snap, t.mem.ts.len() as u64, t.def.id, live, st.storage_index().clone())
        };
        table_stats(&snap, buffered, id, &index, &live)
    }

    fn snapshot(&self, table: &str, start_ms: i64, end_ms: i64) -> Result<Snapshot> {
        let st = self.read_lock()?;
        let t = st.table(table)?;
        let (ts, columns) = t.mem.copy_range(start_ms, end_ms);
        Ok(Snapshot {
            table: table.to_owned(),
            columns: t.def.columns.clone(),
            map: st.map().clone(),
            segments: t.segments.clone(),
            tombstones: t.tombstones.clone(),
            mem: Columns { ts, columns },
        })
    }
}
