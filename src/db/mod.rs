//! The public handle, [`NanoTsDb`].

pub(crate) mod background;
mod follow;
mod open;
mod recovery;
mod report;
mod shared;
mod state;
mod verify;

pub use report::{Problem, RecoveryReport, VerifyReport};
pub use shared::{NanoTsDbShared, WeakNanoTsDbShared};
pub use state::CommitStats;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::format::MAX_SEGMENT_ROWS;
use crate::maintenance::{self, TableAction};
use crate::options::NanoTsOptions;
use crate::query::aggregate::{Agg, AggregateReader, Aggregation};
use crate::query::stats::{TableStats, table_stats};
use crate::query::{Columns, RangeReader, Snapshot};
use state::{State, closed_error};

/// An open NanoTS database: one `.ntt` file (plus its `-wal` side file
/// while open), exclusively locked by this handle.
///
/// All methods take `&self` and the handle is `Send + Sync`:
/// - appends are serialized by an internal lock;
/// - queries hold a read lock only to take a snapshot and decode without it,
///   so they run concurrently with each other, with appends, and with pack
///   and compaction (they see the state before or after those);
/// - flush, table creation, deletes, pack and compaction are serialized by
///   a second, maintenance lock. While a pack or compaction runs, appends go
///   on and automatic flushes wait for it to finish, up to twice
///   `auto_flush_bytes` of buffered rows; beyond that appends wait too.
pub struct NanoTsDb {
    path: PathBuf,
    /// Opened with `NanoTsOptions::read_only`: follows a writer, writes
    /// nothing.
    read_only: bool,
    state: RwLock<State>,
    /// Held by every operation that changes the set of segments, tables or
    /// tombstones; taken before `state` (or with `try_lock` under it).
    maint: Mutex<()>,
}

/// What [`NanoTsDb::backup`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackupMode {
    /// The segments as they are (those a delete reached re-encoded).
    #[default]
    Copy,
    /// Every table merged into sorted, non-overlapping segments of
    /// `segment_max_rows` rows, re-encoded with the strongest codecs.
    Pack,
}

fn backup_action(mode: BackupMode, _t: &crate::table::Table, rows: usize) -> TableAction {
    match mode {
        BackupMode::Copy => TableAction::Keep { cutoff_ms: None },
        BackupMode::Pack => TableAction::Pack { target_rows: rows, cutoff_ms: None },
    }
}

/// Name of the single column of tables created by [`NanoTsDb::append`].
pub const SERIES_COLUMN: &str = "value";

impl NanoTsDb {
    /// Opens the database file at `path`, creating it if it does not exist,
    /// and recovers from any crash: a torn tail is cut off and rows still in
    /// the WAL are replayed and flushed.
    ///
    /// Errors: `Locked` if another handle (in this process or another) has
    /// it open; `UnsupportedVersion` for a file from a newer NanoTS (the file
    /// is left untouched); `Corrupt` for damaged committed data, naming the
    /// offset; `InvalidArgument` for bad options or `NANOTS_MAX_RECORD_SIZE`.
    pub fn open(path: impl AsRef<Path>, opts: NanoTsOptions) -> Result<NanoTsDb> {
        if opts.auto_maintenance.is_some() {
            return Err(Error::invalid(
                "auto_maintenance runs a background thread: open with NanoTsDbShared::open instead",
            ));
        }
        Self::open_inner(path.as_ref(), opts)
    }

    pub(crate) fn open_inner(path: &Path, opts: NanoTsOptions) -> Result<NanoTsDb> {
        let read_only = opts.read_only;
        let state = if read_only { follow::open_read_only(path, opts)? } else { open::open(path, opts)? };
        Ok(NanoTsDb { path: path.to_path_buf(), read_only, state: RwLock::new(state), maint: Mutex::new(()) })
    }

    /// Opens `path` read-only (`NanoTsOptions::read_only` with the other
    /// options at their defaults): any number of read-only handles, in any
    /// number of processes, next to one writer. A read-only handle takes no
    /// lock and writes nothing, not even a WAL; it sees what the writer has
    /// committed (flushed), refreshed at every query (see [`Self::refresh`]).
    /// Every write call returns `ReadOnly`.
    ///
    /// Errors: `NotFound` for a missing or empty file; `Corrupt` for damaged
    /// committed data or a file shorter than its commit slot says;
    /// `UnsupportedVersion`.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<NanoTsDb> {
        Self::open(path, NanoTsOptions { read_only: true, ..Default::default() })
    }

    /// Whether this handle was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// On a read-only handle, brings its view up to what the writer has
    /// committed since the last look: a file renamed over the path by a
    /// pack or compaction is opened afresh, transactions appended since are
    /// applied. Every query does this first, so calling it is needed only
    /// to look without querying. A query never sees half a transaction.
    /// Returns whether the view changed; always `false` on a writer.
    pub fn refresh(&self) -> Result<bool> {
        if !self.read_only {
            return Ok(false);
        }
        let mut st = self.write_lock();
        if st.is_closed() {
            return Err(closed_error());
        }
        follow::refresh(&mut st, &self.path)
    }

    /// `ReadOnly` on a read-only handle: checked first by every write call,
    /// so that nothing happens before the refusal.
    pub(crate) fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(state::read_only_error());
        }
        Ok(())
    }

    /// Flushes if there are buffered rows and the last flush was at least
    /// `age` ago. Returns whether it flushed.
    pub(crate) fn flush_if_older(&self, age: Duration) -> Result<bool> {
        let _m = self.maint_lock();
        let mut st = self.write_lock();
        if st.pending_bytes() == 0 || st.last_flush().elapsed() < age {
            return Ok(false);
        }
        st.flush(false)?;
        Ok(true)
    }

    /// Merges each table's trailing run of small segments (fewer than
    /// `target_rows / 2` rows each, at least `min_segments` of them, in file
    /// order) into segments of up to `target_rows` rows, appended at the end
    /// of the file in one transaction per table: the step that background
    /// maintenance runs, for hosts that schedule maintenance themselves.
    /// Cost: the merged rows only; the old segments' space comes back at the
    /// next compaction. Returns how many tables it merged.
    ///
    /// Errors: `InvalidArgument` if `target_rows` is not 2..=4,194,304 or
    /// `min_segments` is below 2.
    pub fn merge_small_segments(&self, target_rows: usize, min_segments: usize) -> Result<usize> {
        self.writable()?;
        if !(2..=MAX_SEGMENT_ROWS).contains(&target_rows) || min_segments < 2 {
            return Err(Error::invalid(format!(
                "merge needs target_rows 2..={MAX_SEGMENT_ROWS} and min_segments >= 2, got {target_rows} and {min_segments}"
            )));
        }
        let tables = self.list_tables()?;
        let mut merged = 0;
        for t in tables {
            let _m = self.maint_lock();
            let mut st = self.write_lock();
            match st.merge_tail(&t, target_rows / 2, target_rows, min_segments) {
                Ok(true) => merged += 1,
                Ok(false) => {}
                // Dropped since listed: nothing to merge.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(merged)
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, State> {
        // A panic while the lock was held leaves the state suspect: poison
        // the handle for writes instead of propagating the panic.
        self.state.write().unwrap_or_else(|e| {
            let mut g = e.into_inner();
            g.poison("a panic interrupted a write");
            g
        })
    }

    fn maint_lock(&self) -> MutexGuard<'_, ()> {
        self.maint.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The write lock, having flushed first if the buffered rows reached
    /// the auto-flush threshold and no maintenance is running.
    fn append_lock(&self) -> Result<RwLockWriteGuard<'_, State>> {
        let mut st = self.write_lock();
        if !st.needs_flush() {
            return Ok(st);
        }
        match self.maint.try_lock() {
            Ok(_m) => st.flush(false)?,
            Err(TryLockError::Poisoned(e)) => {
                let _m = e.into_inner();
                st.flush(false)?;
            }
            // A pack or compaction is running: flush after it, unless the
            // buffered rows reached twice the threshold. Then wait for it
            // (backpressure), so memory stays bounded during long rewrites.
            Err(TryLockError::WouldBlock) => {
                if st.pending_bytes() >= st.opts().auto_flush_bytes.saturating_mul(2) {
                    drop(st);
                    let _m = self.maint_lock();
                    st = self.write_lock();
                    if st.needs_flush() {
                        st.flush(false)?;
                    }
                }
            }
        }
        Ok(st)
    }

    fn read_lock(&self) -> Result<RwLockReadGuard<'_, State>> {
        if self.read_only {
            self.refresh()?;
        }
        let g = self.state.read().unwrap_or_else(|e| e.into_inner());
        if g.is_closed() {
            return Err(closed_error());
        }
        Ok(g)
    }

    /// Creates table `table` with value columns `columns` (plus the implicit
    /// `ts_ms`). Creating a table that exists with the same columns does
    /// nothing, so start-up code can call it every time.
    ///
    /// Errors: `InvalidArgument` for an empty, too long (> 255 bytes) or
    /// control-character name, no columns, more than 4096, duplicates or a
    /// column named `ts_ms`; `AlreadyExists` if the table exists with other
    /// columns. Nothing is written on error.
    pub fn create_table(&self, table: &str, columns: &[&str]) -> Result<()> {
        self.writable()?;
        let _m = self.maint_lock();
        self.write_lock().create_table(table, columns)
    }

    /// Appends one row to `table`. Any timestamp order is accepted. The row
    /// is in the WAL when this returns (see [`crate::SyncMode`]).
    ///
    /// Errors: `NotFound` for an unknown table, `SchemaMismatch` when
    /// `values.len()` differs from the table's column count.
    pub fn append_row(&self, table: &str, ts_ms: i64, values: &[f64]) -> Result<()> {
        self.writable()?;
        self.append_lock()?.append_row(table, ts_ms, values)
    }

    /// Appends many rows, column by column: `columns[c][i]` is the value of
    /// column `c` at `ts_ms[i]`. All or nothing with respect to validation.
    pub fn append_rows(&self, table: &str, ts_ms: &[i64], columns: &[&[f64]]) -> Result<()> {
        self.writable()?;
        self.append_lock()?.append_rows(table, ts_ms, columns)
    }

    /// Appends `value` to the one-column series `series` (column `value`),
    /// creating it on first use.
    ///
    /// Errors: `SchemaMismatch` if `series` is a table with other columns.
    pub fn append(&self, series: &str, ts_ms: i64, value: f64) -> Result<()> {
        self.writable()?;
        let exists = {
            let st = self.read_lock()?;
            st.find_table(series).map(|t| t.def.columns.clone())
        };
        match exists {
            Some(cols) if cols.len() != 1 || cols[0] != SERIES_COLUMN => Err(Error::new(
                ErrorKind::SchemaMismatch,
                format!(
                    "{series:?} is a table with columns {cols:?}, not a series with one column \"value\""
                ),
            )),
            Some(_) => self.append_row(series, ts_ms, &[value]),
            None => {
                self.create_table(series, &[SERIES_COLUMN])?;
                self.append_row(series, ts_ms, &[value])
            }
        }
    }

    /// Writes all buffered rows into compressed segments in the `.ntt` file,
    /// fsyncs it (unless `SyncMode::Never`) and empties the WAL.
    pub fn flush(&self) -> Result<()> {
        self.writable()?;
        let _m = self.maint_lock();
        self.write_lock().flush(false)
    }

    /// Deletes the rows of `table` with `start_ms <= ts_ms <= end_ms`
    /// (inclusive at both ends) that exist now; rows appended afterwards are
    /// not affected. Queries stop seeing them at once; their space comes back
    /// at the next [`Self::pack_table`] or [`Self::compact_retention_now`].
    ///
    /// Errors: `NotFound`, `InvalidArgument` if `start_ms > end_ms`.
    pub fn delete_range(&self, table: &str, start_ms: i64, end_ms: i64) -> Result<()> {
        self.writable()?;
        let _m = self.maint_lock();
        self.write_lock().delete_range(table, start_ms, end_ms)
    }

    /// Drops `table` and all its rows. Its name can be used again at once;
    /// its space comes back at the next pack or compaction.
    pub fn drop_table(&self, table: &str) -> Result<()> {
        self.writable()?;
        let _m = self.maint_lock();
        self.write_lock().drop_table(table)
    }

    /// Rewrites the file without the rows that retention, deletes and
    /// dropped tables removed, so the file shrinks. Rows older than
    /// `retention` before the table's cutoff are removed, where the cutoff is
    /// the earlier of the table's newest timestamp and the wall clock (one
    /// row with a far-future timestamp cannot wipe a table). Does nothing if
    /// there is nothing to remove. See [`Self::pack_table`] for the protocol.
    pub fn compact_retention_now(&self) -> Result<()> {
        self.writable()?;
        let retention = self.read_lock()?.opts().retention;
        let now = crate::io::now_unix_ms();
        let cutoff = move |newest: Option<i64>| retention_cutoff_ms(retention, newest, now);
        self.rewrite(
            |st| {
                st.has_garbage()
                    || st.tables().any(|t| {
                        !t.tombstones.is_empty() || {
                            let c = cutoff(t.segments.iter().map(|s| s.max_ts).max());
                            c.is_some_and(|c| t.segments.iter().any(|s| s.min_ts < c))
                        }
                    })
            },
            |_, newest| TableAction::Keep { cutoff_ms: cutoff(newest) },
        )
    }

    /// Merges all segments of `table` into sorted, non-overlapping segments
    /// of about `target_segment_points` rows each, re-encoded with the
    /// cold-tier (strongest) codecs. Buffered rows are flushed first, and
    /// pending deletes of every table are applied.
    ///
    /// Protocol (SPEC.md, "Rewrites"): a new file is written beside the
    /// database, fsynced and renamed over it, and the directory fsynced; a
    /// crash at any point leaves either the old or the new file, both
    /// complete. Queries from other threads keep running on the old file
    /// until the switch. Peak extra disk space is the size of the new file.
    ///
    /// Errors: `NotFound`, `InvalidArgument` if `target_segment_points` is 0
    /// or above 4,194,304.
    pub fn pack_table(&self, table: &str, target_segment_points: usize) -> Result<()> {
        self.writable()?;
        if target_segment_points == 0 || target_segment_points > MAX_SEGMENT_ROWS {
            return Err(Error::invalid(format!(
                "target_segment_points must be 1..={MAX_SEGMENT_ROWS}, got {target_segment_points}"
            )));
        }
        let id = self.read_lock()?.table_id(table)?;
        self.rewrite(
            |_| true,
            |t, _| {
                if t.def.id == id {
                    TableAction::Pack { target_rows: target_segment_points, cutoff_ms: None }
                } else {
                    TableAction::Keep { cutoff_ms: None }
                }
            },
        )
    }

    /// Writes a consistent copy of the committed state to `dest`, a new
    /// file (like SQLite's `VACUUM INTO`): on a writer, buffered rows are
    /// flushed first, so the copy holds every row appended before the
    /// call; on a read-only handle, what the writer has committed. The copy
    /// is built beside `dest` under a temporary name, fsynced and linked
    /// into place, so `dest` is either absent or complete; it is a closed
    /// database (no WAL) with a new database id, ready to be moved off the
    /// device. Deletes are applied physically; `BackupMode::Pack` also
    /// merges every table into sorted segments with the strongest codecs.
    ///
    /// Appends and queries go on meanwhile; flushes, deletes and rewrites
    /// wait only for the flush and the snapshot, not for the copy.
    ///
    /// Errors: `AlreadyExists` if `dest` exists; `InvalidArgument` if
    /// `dest` is the database or its WAL; `Io`.
    pub fn backup(&self, dest: impl AsRef<Path>, mode: BackupMode) -> Result<()> {
        let dest = dest.as_ref();
        if dest == self.path || dest == crate::wal::wal_path(&self.path) {
            return Err(Error::invalid(format!("cannot back up {} onto itself", self.path.display())));
        }
        if dest.exists() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("{} exists: a backup never replaces a file", dest.display()),
            ));
        }
        let mut input = if self.read_only {
            self.refresh()?;
            let st = self.read_lock()?;
            st.rewrite_input(|t, _| backup_action(mode, t, st.opts().segment_max_rows))
        } else {
            self.writable()?;
            let _m = self.maint_lock();
            let mut st = self.write_lock();
            st.flush(false)?;
            let rows = st.opts().segment_max_rows;
            st.rewrite_input(|t, _| backup_action(mode, t, rows))
        };
        // A copy is a new database: a WAL of the source never applies to it.
        input.header.db_id = crate::io::random_u64();
        maintenance::write_copy(dest, &input)
    }

    /// Flushes, then, if `needed` says so, rewrites the file with the
    /// per-table actions of `choose`, and switches to it.
    fn rewrite(
        &self,
        needed: impl FnOnce(&State) -> bool,
        choose: impl FnMut(&crate::table::Table, Option<i64>) -> TableAction,
    ) -> Result<()> {
        let _m = self.maint_lock();
        let input = {
            let mut st = self.write_lock();
            st.flush(false)?;
            if !needed(&st) {
                return Ok(());
            }
            st.rewrite_input(choose)
        };
        // The slow part runs without the state lock: appends and queries go on.
        let (new, dir_synced) = maintenance::rewrite(&self.path, &input)?;
        let mut st = self.write_lock();
        st.write(|st| {
            st.install_rewrite(new)?;
            dir_synced
        })
    }

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
    /// decoding. See [`crate::query::aggregate`] for NaN handling.
    ///
    /// Errors: `NotFound`; `InvalidArgument` if `start_ms > end_ms`,
    /// `bucket_ms <= 0` or `aggs` is empty; `Corrupt`.
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
    /// bytes per column, compression ratio, and the codecs in use.
    pub fn stats(&self, table: &str) -> Result<TableStats> {
        table_stats(&self.snapshot(table, i64::MIN, i64::MAX)?)
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

    /// Checks the whole database (SQLite's `integrity_check`): walks every
    /// record and its checksum, decodes every column of every live segment,
    /// and checks the index and the segment statistics against the data.
    /// Returns every problem with its file offset; reads only. Cost: one
    /// pass over the file, decoding everything; writers wait meanwhile.
    ///
    /// Errors: `Closed`.
    pub fn verify(&self) -> Result<VerifyReport> {
        let st = self.read_lock()?;
        Ok(verify::verify(&st))
    }

    /// What opening this handle recovered: a torn tail cut, WAL rows
    /// replayed, and (in salvage mode, or where the WAL was not synced)
    /// what was dropped.
    pub fn recovery_report(&self) -> RecoveryReport {
        self.state.read().unwrap_or_else(|e| e.into_inner()).recovery_report().clone()
    }

    /// Transactions, checkpoints and fsyncs this handle has made since it
    /// was opened (recovery at open included).
    pub fn commit_stats(&self) -> CommitStats {
        self.state.read().unwrap_or_else(|e| e.into_inner()).commit_stats()
    }

    /// Names of all tables, sorted.
    pub fn list_tables(&self) -> Result<Vec<String>> {
        let st = self.read_lock()?;
        let mut names: Vec<String> = st.table_names().cloned().collect();
        names.sort();
        Ok(names)
    }

    /// Value column names of `table`, in order (without `ts_ms`).
    pub fn table_columns(&self, table: &str) -> Result<Vec<String>> {
        let st = self.read_lock()?;
        Ok(st.table(table)?.def.columns.clone())
    }

    /// Bytes of buffered (unflushed) row data over all tables; never more
    /// than `auto_flush_bytes` plus one append's rows.
    pub fn pending_bytes(&self) -> Result<usize> {
        Ok(self.read_lock()?.pending_bytes())
    }

    /// Flushes, writes a checkpoint, fsyncs and removes the WAL: afterwards
    /// the `.ntt` file alone is the database. Later calls on this handle
    /// return `Closed`; closing twice is fine. On error the handle stays
    /// open and no data is lost (the WAL still holds the rows).
    pub fn close(&self) -> Result<()> {
        let _m = self.maint_lock();
        self.write_lock().close()
    }
}

/// The retention cutoff: rows with `ts_ms` below it expire. `None` when
/// there is no retention or no row. Computed from the earlier of the table's
/// newest timestamp and the wall clock, saturating at the `i64` ends.
pub fn retention_cutoff_ms(retention: Option<Duration>, newest_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    let keep = i64::try_from(retention?.as_millis()).unwrap_or(i64::MAX);
    Some(newest_ms?.min(now_ms).saturating_sub(keep))
}

impl Drop for NanoTsDb {
    fn drop(&mut self) {
        // Errors cannot be reported from Drop; rows stay in the WAL and are
        // recovered at the next open.
        let _ = self.write_lock().close();
    }
}

impl std::fmt::Debug for NanoTsDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NanoTsDb").field("path", &self.path).finish_non_exhaustive()
    }
}
