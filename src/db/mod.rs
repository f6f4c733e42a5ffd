//! The public handle, [`NanoTsDb`].

mod meta;
mod open;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::{Error, ErrorKind, Result};
use crate::options::NanoTsOptions;
use crate::query::stats::{TableStats, table_stats};
use crate::query::{Columns, RangeReader, Snapshot};
use state::{State, closed_error};

/// An open NanoTS database: one `.ntt` file (plus its `-wal` side file
/// while open), exclusively locked by this handle.
///
/// All methods take `&self` and the handle is `Send + Sync`: appends,
/// flushes and table creation are serialized by an internal lock, while
/// queries only hold a read lock long enough to take a snapshot and decode
/// without it, so they run concurrently with each other and with writes.
pub struct NanoTsDb {
    path: PathBuf,
    state: RwLock<State>,
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
        let path = path.as_ref().to_path_buf();
        let state = open::open(&path, opts)?;
        Ok(NanoTsDb {
            path,
            state: RwLock::new(state),
        })
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
            g.poisoned
                .get_or_insert_with(|| "a panic interrupted a write".into());
            g
        })
    }

    fn read_lock(&self) -> Result<RwLockReadGuard<'_, State>> {
        let g = self.state.read().unwrap_or_else(|e| e.into_inner());
        if g.closed {
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
        self.write_lock().create_table(table, columns)
    }

    /// Appends one row to `table`. Any timestamp order is accepted. The row
    /// is in the WAL when this returns (see [`crate::SyncMode`]).
    ///
    /// Errors: `NotFound` for an unknown table, `SchemaMismatch` when
    /// `values.len()` differs from the table's column count.
    pub fn append_row(&self, table: &str, ts_ms: i64, values: &[f64]) -> Result<()> {
        self.write_lock().append_row(table, ts_ms, values)
    }

    /// Appends many rows, column by column: `columns[c][i]` is the value of
    /// column `c` at `ts_ms[i]`. All or nothing with respect to validation.
    pub fn append_rows(&self, table: &str, ts_ms: &[i64], columns: &[&[f64]]) -> Result<()> {
        self.write_lock().append_rows(table, ts_ms, columns)
    }

    /// Appends `value` to the one-column series `series` (column `value`),
    /// creating it on first use.
    ///
    /// Errors: `SchemaMismatch` if `series` is a table with other columns.
    pub fn append(&self, series: &str, ts_ms: i64, value: f64) -> Result<()> {
        let mut st = self.write_lock();
        if let Some(&id) = st.by_name.get(series) {
            let cols = &st.tables[&id].def.columns;
            if cols.len() != 1 || cols[0] != SERIES_COLUMN {
                return Err(Error::new(
                    ErrorKind::SchemaMismatch,
                    format!(
                        "{series:?} is a table with columns {cols:?}, not a series with one column \"value\""
                    ),
                ));
            }
        } else {
            st.create_table(series, &[SERIES_COLUMN])?;
        }
        st.append_row(series, ts_ms, &[value])
    }

    /// Writes all buffered rows into compressed segments in the `.ntt` file,
    /// fsyncs it (unless `SyncMode::Never`) and empties the WAL.
    pub fn flush(&self) -> Result<()> {
        self.write_lock().flush(false)
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
            return Err(Error::invalid(format!(
                "query range start {start_ms} is after its end {end_ms}"
            )));
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
            return Err(Error::invalid(format!(
                "query range start {start_ms} is after its end {end_ms}"
            )));
        }
        let snap = self.snapshot(table, start_ms, end_ms)?;
        Ok(RangeReader::new(snap, start_ms, end_ms))
    }

    /// Storage statistics of `table`: rows, segments, bytes on disk and raw
    /// bytes per column, compression ratio, and the codecs in use.
    pub fn stats(&self, table: &str) -> Result<TableStats> {
        table_stats(&self.snapshot(table, i64::MIN, i64::MAX)?)
    }

    fn snapshot(&self, table: &str, start_ms: i64, end_ms: i64) -> Result<Snapshot> {
        let st = self.read_lock()?;
        let id = st.table_id(table)?;
        let t = &st.tables[&id];
        let (ts, columns) = t.mem.copy_range(start_ms, end_ms);
        Ok(Snapshot {
            table: table.to_owned(),
            columns: t.def.columns.clone(),
            map: st.map.clone(),
            segments: t.segments.clone(),
            mem: Columns { ts, columns },
            max_record_size: st.max_record_size,
        })
    }

    /// Names of all tables, sorted.
    pub fn list_tables(&self) -> Result<Vec<String>> {
        let st = self.read_lock()?;
        let mut names: Vec<String> = st.by_name.keys().cloned().collect();
        names.sort();
        Ok(names)
    }

    /// Value column names of `table`, in order (without `ts_ms`).
    pub fn table_columns(&self, table: &str) -> Result<Vec<String>> {
        let st = self.read_lock()?;
        let id = st.table_id(table)?;
        Ok(st.tables[&id].def.columns.clone())
    }

    /// Bytes of buffered (unflushed) row data over all tables; never more
    /// than `auto_flush_bytes` plus one append's rows.
    pub fn pending_bytes(&self) -> Result<usize> {
        Ok(self.read_lock()?.mem_bytes)
    }

    /// Flushes, writes a checkpoint, fsyncs and removes the WAL: afterwards
    /// the `.ntt` file alone is the database. Later calls on this handle
    /// return `Closed`; closing twice is fine. On error the handle stays
    /// open and no data is lost (the WAL still holds the rows).
    pub fn close(&self) -> Result<()> {
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
        f.debug_struct("NanoTsDb")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
