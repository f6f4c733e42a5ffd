//! The write transaction: records appended at the end of the file, ended by
//! a `Commit` or `Checkpoint` record, fsynced, and published in a commit
//! slot (SPEC.md, "Transactions, durability and sync modes"); on failure
//! the index is put back and the records cut off.

use std::sync::Arc;

use super::State;
use crate::error::{ErrorKind, Result};
use crate::format::header::Slot;
use crate::format::record::{RecordType, frame};
use crate::options::SyncMode;
use crate::segment::SegmentMeta;
use crate::table::records::{Checkpoint, CommitInfo};
use crate::table::{Table, TableDef, Tombstone};

/// A table's schema, segment list and deletes, as shared `Arc`s.
type TableUndo = (Arc<TableDef>, Arc<Vec<SegmentMeta>>, Arc<Vec<Tombstone>>);

/// The part of the index a failed transaction puts back: cheap to take
/// (the segment and tombstone lists are shared `Arc`s).
struct Undo {
    end: u64,
    next_table_id: u32,
    commit: CommitInfo,
    records_since_checkpoint: u64,
    checkpoint_offset: u64,
    garbage: bool,
    tables: Vec<TableUndo>,
}

impl State {
    /// Runs one transaction: `f` appends its records and applies its change
    /// to the in-memory index, then the transaction is committed, so the
    /// checkpoint a commit may write describes the state *after* it.
    ///
    /// On any error the index is put back as it was and the records written
    /// are cut off the file; after an I/O error (the disk's state is then
    /// unknown, and a failed fsync cannot be retried safely) or a failed cut,
    /// the handle also refuses writes until reopened. Reopening recovers
    /// exactly the committed state either way.
    pub(super) fn transact<T>(
        &mut self,
        checkpoint: bool,
        f: impl FnOnce(&mut State) -> Result<T>,
    ) -> Result<T> {
        self.check_writable()?;
        let undo = self.undo();
        let r = f(self).and_then(|v| self.commit(checkpoint).map(|()| v));
        let Err(e) = r else { return r };
        let written = self.end > undo.end;
        let end = undo.end;
        self.rollback(undo);
        if e.kind() == ErrorKind::Io {
            self.poison(e.message());
        } else if written && let Err(cut) = self.file.truncate(end) {
            self.poison(cut.message());
        }
        Err(e)
    }

    fn undo(&self) -> Undo {
        Undo {
            end: self.end,
            next_table_id: self.next_table_id,
            commit: self.commit,
            records_since_checkpoint: self.records_since_checkpoint,
            checkpoint_offset: self.checkpoint_offset,
            garbage: self.garbage,
            tables: self
                .tables
                .values()
                .map(|t| (t.def.clone(), t.segments.clone(), t.tombstones.clone()))
                .collect(),
        }
    }

    fn rollback(&mut self, undo: Undo) {
        self.end = undo.end;
        self.next_table_id = undo.next_table_id;
        self.commit = undo.commit;
        self.records_since_checkpoint = undo.records_since_checkpoint;
        self.checkpoint_offset = undo.checkpoint_offset;
        self.garbage = undo.garbage;
        let mut old = std::mem::take(&mut self.tables);
        for (def, segments, tombstones) in undo.tables {
            // A table the transaction dropped comes back with empty buffers:
            // drops flush first, in a transaction of their own.
            let mut t = old.remove(&def.id).unwrap_or_else(|| Table::new((*def).clone()));
            t.segments = segments;
            t.tombstones = tombstones;
            self.tables.insert(def.id, t);
        }
        self.by_name = self.tables.iter().map(|(id, t)| (t.def.name.clone(), *id)).collect();
        self.last_table = None;
    }

    fn sync(&mut self) -> Result<()> {
        if self.opts.sync == SyncMode::Never {
            return Ok(());
        }
        self.commit_stats.syncs += 1;
        self.file.sync_data()
    }

    /// Appends already-framed records at the end of the file (uncommitted
    /// until `commit`).
    pub(super) fn write_records(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.end;
        self.file.write_at(bytes, at)?;
        self.end += bytes.len() as u64;
        self.records_since_checkpoint += 1;
        Ok(at)
    }

    /// Ends the transaction: a `Commit` (or a `Checkpoint` when due or
    /// `force_checkpoint`), fsync, slot update, remap.
    fn commit(&mut self, force_checkpoint: bool) -> Result<()> {
        self.commit.seq += 1;
        let live: usize = self.tables.values().map(|t| t.segments.len()).sum();
        let due = self.records_since_checkpoint > 64 + live as u64 / 2;
        let mut rec = Vec::new();
        let mut is_checkpoint = false;
        if force_checkpoint || due {
            let mut payload = Vec::new();
            self.checkpoint_now().encode(&mut payload);
            // A checkpoint too large for the record cap is skipped: opening
            // then scans the records instead, which is slower but correct.
            is_checkpoint = frame(&mut rec, RecordType::Checkpoint, &payload, self.max_record_size).is_ok();
        }
        if !is_checkpoint {
            let mut payload = Vec::new();
            self.commit.encode(&mut payload);
            frame(&mut rec, RecordType::Commit, &payload, self.max_record_size)?;
        }
        let at = self.write_records(&rec)?;
        self.sync()?;
        if is_checkpoint {
            self.checkpoint_offset = at;
            self.records_since_checkpoint = 0;
            self.commit_stats.checkpoints += 1;
        }
        self.commit_stats.commits += 1;
        // Unsynced, a slot could reach the disk before the records it names:
        // slots then only move at points that were fsynced (open, close).
        if self.opts.sync != SyncMode::Never {
            self.write_slot()?;
        }
        self.map = self.file.map()?;
        Ok(())
    }

    /// Publishes `end` and the newest checkpoint in the older header slot.
    /// Not fsynced here: it becomes durable with the next fsync, and until
    /// then the other slot (or a scan) is just as correct, only slower.
    pub(super) fn write_slot(&mut self) -> Result<()> {
        self.slot_seq += 1;
        let slot = Slot {
            seq: self.slot_seq,
            committed_end: self.end,
            checkpoint_offset: self.checkpoint_offset,
            unsynced_tail: self.opts.sync == SyncMode::Never,
        };
        let layout = self.header.layout();
        self.file.write_at(&slot.encode(layout), layout.slot_offset(self.slot_seq))
    }

    fn checkpoint_now(&self) -> Checkpoint {
        Checkpoint {
            commit: self.commit,
            next_table_id: self.next_table_id,
            tables: self.tables.values().map(|t| (*t.def).clone()).collect(),
            segments: self.tables.values().flat_map(|t| t.segments.iter().copied()).collect(),
            tombstones: self.tables.values().flat_map(|t| t.tombstones.iter().copied()).collect(),
        }
    }
}
