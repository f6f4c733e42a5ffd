//! The handle's maintenance entry points: merging small segments, the
//! rewrites (retention compaction, pack) and backups, and the timed flush
//! that background maintenance runs. Whatever changes the file takes the
//! maintenance lock like the foreground write calls, so it is as crash-safe
//! as they are.

use std::path::Path;
use std::time::Duration;

use super::NanoTsDb;
use super::state::State;
use crate::error::{Error, ErrorKind, Result};
use crate::format::MAX_SEGMENT_ROWS;
use crate::maintenance::{self, TableAction};

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

impl NanoTsDb {
    /// Flushes if there are buffered rows and the last flush was at least
    /// `age` ago. Returns whether it flushed.
    #[cfg(feature = "maintenance")]
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
}

/// The retention cutoff: rows with `ts_ms` below it expire. `None` when
/// there is no retention or no row. Computed from the earlier of the table's
/// newest timestamp and the wall clock, saturating at the `i64` ends.
pub fn retention_cutoff_ms(retention: Option<Duration>, newest_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    let keep = i64::try_from(retention?.as_millis()).unwrap_or(i64::MAX);
    Some(newest_ms?.min(now_ms).saturating_sub(keep))
}
