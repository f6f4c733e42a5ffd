//! The public handle, [`NanoTsDb`]: its locks and write calls (here), its
//! queries (`queries.rs`) and its maintenance calls (`maintain.rs`).
//! Beneath it: `state/`, the engine state, its write paths and how a
//! read-only handle follows the writer (`state/follow.rs`); `open.rs` and
//! `recovery.rs`, opening a writer and rebuilding the index from the file
//! (into an `index.rs` [`Index`](index::Index)); `verify.rs`, the integrity check;
//! `shared.rs` and `background.rs`, the shared handle and its maintenance
//! thread.

#[cfg(feature = "maintenance")]
pub(crate) mod background;
mod index;
mod maintain;
mod open;
mod queries;
mod recovery;
mod report;
mod shared;
mod state;
mod verify;

pub use maintain::BackupMode;
pub use report::{Problem, RecoveryReport, VerifyReport};
pub use shared::{NanoTsDbShared, WeakNanoTsDbShared};
pub use state::CommitStats;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use crate::error::{Error, ErrorKind, Result};
use crate::options::NanoTsOptions;
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
        #[cfg(feature = "maintenance")]
        if opts.auto_maintenance.is_some() {
            return Err(Error::invalid(
                "auto_maintenance runs a background thread: open with NanoTsDbShared::open instead",
            ));
        }
        Self::open_inner(path.as_ref(), opts)
    }

    pub(crate) fn open_inner(path: &Path, opts: NanoTsOptions) -> Result<NanoTsDb> {
        let read_only = opts.read_only;
        let state =
            if read_only { state::follow::open_read_only(path, opts)? } else { open::open(path, opts)? };
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
        state::follow::refresh(&mut st, &self.path)
    }

    /// `ReadOnly` on a read-only handle: checked first by every write call,
    /// so that nothing happens before the refusal.
    pub(crate) fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(state::read_only_error());
        }
        Ok(())
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
