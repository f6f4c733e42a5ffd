//! The writes that finish opening a writer, once every check has passed
//! (SPEC.md, "Opening and recovery", step 8): the WAL's rows read into the
//! buffers, a torn tail cut, a format-1 file upgraded, a slot published for
//! the recovered state, and a fresh WAL started.

use std::path::Path;

use super::State;
use crate::db::report::{Problem, RecoveryReport};
use crate::error::{Error, Result};
use crate::format::FORMAT_VERSION;
use crate::format::header::{FileHeader, Slot, WIDE, WIDE_HEADER_VERSION};
use crate::options::SyncMode;
use crate::wal::{self, WalWriter};

impl State {
    /// Reads the rows still in the WAL into the buffers (nothing is written).
    pub fn read_wal(&mut self, wal_path: &Path, salvage: bool, report: &mut RecoveryReport) -> Result<()> {
        let flushed = self.commit.flushed_wal_epoch;
        let mut mem_bytes = 0usize;
        let tables = &mut self.tables;
        let outcome = wal::replay(wal_path, self.header.db_id, flushed, salvage, |batch| {
            let Some(t) = tables.get_mut(&batch.table_id) else {
                return Err(Error::corrupt(format!("rows for unknown table id {}", batch.table_id)));
            };
            if t.def.columns.len() != batch.ncols {
                return Err(Error::corrupt(format!(
                    "{} values per row for table {:?}, which has {} columns",
                    batch.ncols,
                    t.def.name,
                    t.def.columns.len()
                )));
            }
            let mut row = vec![0.0; batch.ncols];
            for i in 0..batch.nrows {
                for (c, v) in row.iter_mut().enumerate() {
                    *v = batch.value(i, c);
                }
                t.mem.push_row(batch.ts(i), &row);
            }
            mem_bytes += 8 * batch.nrows * (1 + batch.ncols);
            Ok(())
        })?;
        self.mem_bytes = mem_bytes;
        report.wal_frames_replayed = outcome.frames;
        report.wal_rows_replayed = outcome.rows;
        report.wal_frames_dropped = outcome.frames_dropped;
        report.problems.extend(outcome.problems.into_iter().map(|(offset, message)| Problem {
            in_wal: true,
            offset,
            message,
        }));
        Ok(())
    }

    /// Cuts the file at the committed end, so that new records follow the
    /// last commit, and fsyncs the cut.
    pub fn cut_torn_tail(&mut self) -> Result<()> {
        self.file.truncate(self.end)?;
        self.file.sync_data()?;
        self.map = self.file.map()?;
        Ok(())
    }

    /// The version a read-write open upgrades this file to in place: this
    /// library's, or for a file with the 256-byte header (formats 1 to 3),
    /// the newest format with that header (SPEC.md §9).
    fn upgrade_target(&self) -> u32 {
        if self.header.layout() == WIDE { WIDE_HEADER_VERSION } else { FORMAT_VERSION }
    }

    /// Whether the file's format is older than the one it can be upgraded
    /// to in place (formats 1 and 2).
    pub fn needs_upgrade(&self) -> bool {
        self.header.version < self.upgrade_target()
    }

    /// Rewrites a format-1 or -2 file's header to format 3, after a
    /// checkpoint of the current state, so that from now on every checkpoint
    /// the file holds describes the state after its own transaction.
    pub fn upgrade_format(&mut self) -> Result<()> {
        self.flush(true)?;
        self.file.sync_data()?;
        let header = FileHeader { version: self.upgrade_target(), ..self.header };
        self.file.write_at(&header.encode(), 0)?;
        self.file.sync_data()?;
        self.header = header;
        Ok(())
    }

    /// Publishes a slot for the state just recovered, durable before
    /// anything builds on it (and saying how the records after it will be
    /// written), unless `newest`, the slot opening trusted, says as much.
    pub fn publish_recovered(&mut self, newest: Option<Slot>) -> Result<()> {
        let unsynced = self.opts.sync == SyncMode::Never;
        if newest.is_none_or(|s| s.committed_end != self.end || s.unsynced_tail != unsynced) {
            self.write_slot()?;
            self.file.sync_data()?;
            self.commit_stats.syncs += 1;
        }
        Ok(())
    }

    /// Lets appends log to a WAL at `wal_path`, in the epoch after the
    /// flushed one. Call only once the replayed rows were flushed: until that
    /// commit is durable the old WAL is the only copy of them. The WAL is
    /// created by the first append (SPEC.md §5): opening a database with a
    /// clean WAL-less close behind it writes nothing. A WAL left by a crash,
    /// now flushed, is removed (were the removal lost, replay would skip it:
    /// its epoch is flushed).
    pub fn start_wal(&mut self, wal_path: &Path) -> Result<()> {
        match std::fs::remove_file(wal_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(e, "cannot remove the flushed WAL", wal_path));
            }
            _ => {}
        }
        self.wal_path = Some(wal_path.to_path_buf());
        Ok(())
    }

    /// The WAL appends log to, created (header written and, in synced
    /// modes, fsynced with its directory) if this epoch has none yet.
    pub(super) fn wal_for_append(&mut self) -> Result<&mut WalWriter> {
        if self.wal.is_none() {
            let path = self.wal_path.as_deref().ok_or_else(super::closed_error)?;
            self.wal = Some(WalWriter::create(
                path,
                self.header.db_id,
                self.commit.flushed_wal_epoch + 1,
                self.opts.sync,
                self.max_record_size,
            )?);
        }
        Ok(self.wal.as_mut().expect("just created"))
    }

    /// Records what opening found and did, for `recovery_report`.
    pub fn set_recovery_report(&mut self, report: RecoveryReport) {
        self.recovery = report;
    }
}
