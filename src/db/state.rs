//! The engine's mutable state and its write paths: transactions, flush,
//! table creation, appends. Everything here runs under the write lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use memmap2::Mmap;

use super::report::RecoveryReport;
use crate::codec::Level;
use crate::error::{Error, ErrorKind, Result};
use crate::format::header::{FileHeader, SLOT_OFFSETS, Slot};
use crate::format::record::{RecordType, frame};
use crate::io::DbFile;
use crate::maintenance::{RewriteInput, Rewritten, TableAction, TableInput};
use crate::options::{NanoTsOptions, SyncMode};
use crate::segment::{SegmentLimits, SegmentMeta, write_segment_records};
use crate::table::records::{Checkpoint, CommitInfo, encode_drop_table, encode_supersede, encode_tombstone};
use crate::table::{Table, TableDef, Tombstone, validate_schema};
use crate::wal::WalWriter;

/// The engine behind one open database.
pub struct State {
    pub file: DbFile,
    pub header: FileHeader,
    /// Mapping of the file up to `end`; replaced after every commit.
    pub map: Arc<Mmap>,
    /// Offset just past the last committed record (the file's length).
    pub end: u64,
    pub tables: BTreeMap<u32, Table>,
    pub by_name: HashMap<String, u32>,
    /// The table of the last append: (name, id).
    pub last_table: Option<(String, u32)>,
    pub next_table_id: u32,
    /// `None` only while opening (before recovery finishes) and after close.
    pub wal: Option<WalWriter>,
    pub commit: CommitInfo,
    pub slot_seq: u64,
    pub checkpoint_offset: u64,
    /// Records written since the newest checkpoint (drives checkpointing).
    pub records_since_checkpoint: u64,
    /// Bytes of unflushed rows over all tables.
    pub mem_bytes: usize,
    pub opts: NanoTsOptions,
    pub max_record_size: u32,
    /// Set by the first failed write: the handle then refuses writes until
    /// reopened, so a half-written state never passes for a good one.
    pub poisoned: Option<String>,
    pub closed: bool,
    /// Whether dropped tables left dead bytes that a compaction would
    /// give back.
    pub garbage: bool,
    /// When buffered rows were last flushed (or the handle opened).
    pub last_flush: std::time::Instant,
    /// Transactions, checkpoints and fsyncs of this handle.
    pub commit_stats: CommitStats,
    /// What opening found and did.
    pub recovery: RecoveryReport,
    /// Set on a read-only handle: how it follows the writer's commits.
    pub follow: Option<super::follow::Follow>,
}

/// What this handle has made durable since it was opened: lets tests and
/// operators see that a path (a checkpoint, say) was really taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Transactions committed (each ends with a Commit or Checkpoint record).
    pub commits: u64,
    /// Of those, the ones ended by a Checkpoint record.
    pub checkpoints: u64,
    /// `fdatasync` calls on the database file.
    pub syncs: u64,
}

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
    /// Fails if the handle may not write (closed, or after an I/O error).
    pub fn check_writable(&self) -> Result<()> {
        if self.closed {
            return Err(closed_error());
        }
        if self.follow.is_some() {
            return Err(read_only_error());
        }
        if let Some(why) = &self.poisoned {
            return Err(Error::new(
                ErrorKind::Io,
                format!("an earlier write failed ({why}); reopen the database to recover"),
            ));
        }
        Ok(())
    }

    /// Runs a write path; an I/O failure poisons the handle.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        self.check_writable()?;
        let r = f(self);
        if let Err(e) = &r
            && e.kind() == ErrorKind::Io
        {
            self.poison(e.message());
        }
        r
    }

    fn poison(&mut self, why: &str) {
        self.poisoned.get_or_insert_with(|| why.to_owned());
    }

    /// Runs one transaction: `f` appends its records and applies its change
    /// to the in-memory index, then the transaction is committed, so the
    /// checkpoint a commit may write describes the state *after* it.
    ///
    /// On any error the index is put back as it was and the records written
    /// are cut off the file; after an I/O error (the disk's state is then
    /// unknown, and a failed fsync cannot be retried safely) or a failed cut,
    /// the handle also refuses writes until reopened. Reopening recovers
    /// exactly the committed state either way.
    fn transact<T>(&mut self, checkpoint: bool, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
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

    /// `table_id` for the append path, remembering the last table so a
    /// stream of appends to one table skips hashing its name.
    fn append_table_id(&mut self, name: &str) -> Result<u32> {
        if let Some((last, id)) = &self.last_table
            && last == name
        {
            return Ok(*id);
        }
        let id = self.table_id(name)?;
        self.last_table = Some((name.to_owned(), id));
        Ok(id)
    }

    pub fn table_id(&self, name: &str) -> Result<u32> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("table {name:?} does not exist")))
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
    fn write_records(&mut self, bytes: &[u8]) -> Result<u64> {
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
    pub fn write_slot(&mut self) -> Result<()> {
        self.slot_seq += 1;
        let slot = Slot {
            seq: self.slot_seq,
            committed_end: self.end,
            checkpoint_offset: self.checkpoint_offset,
            unsynced_tail: self.opts.sync == SyncMode::Never,
        };
        self.file.write_at(&slot.encode(), SLOT_OFFSETS[(self.slot_seq % 2) as usize])
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

    /// Creates a table, or does nothing if one with the same columns exists.
    pub fn create_table(&mut self, name: &str, columns: &[&str]) -> Result<()> {
        validate_schema(name, columns)?;
        if let Some(&id) = self.by_name.get(name) {
            let def = &self.tables[&id].def;
            if def.columns.iter().map(String::as_str).eq(columns.iter().copied()) {
                return Ok(());
            }
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("table {name:?} already exists with columns {:?}", def.columns),
            ));
        }
        check_fits_record_cap(name, columns.len(), self.max_record_size)?;
        self.transact(false, |st| {
            let def = TableDef {
                id: st.next_table_id,
                name: name.to_owned(),
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            };
            let mut payload = Vec::new();
            def.encode(&mut payload);
            let mut rec = Vec::new();
            frame(&mut rec, RecordType::Table, &payload, st.max_record_size)?;
            st.write_records(&rec)?;
            st.next_table_id += 1;
            st.by_name.insert(def.name.clone(), def.id);
            st.tables.insert(def.id, Table::new(def));
            Ok(())
        })
    }

    /// Segment cutting rules of this database for segments of `max_rows`.
    pub fn segment_limits(&self, max_rows: usize) -> SegmentLimits {
        SegmentLimits {
            max_rows,
            partition_ms: self.opts.segment_partition_ms,
            max_record_size: self.max_record_size,
        }
    }

    /// Whether buffered rows reached the auto-flush threshold.
    pub fn needs_flush(&self) -> bool {
        let limit = self.opts.auto_flush_bytes;
        limit > 0 && self.mem_bytes >= limit
    }

    pub fn append_row(&mut self, table: &str, ts_ms: i64, values: &[f64]) -> Result<()> {
        let id = self.append_table_id(table)?;
        check_ncols(&self.tables[&id].def, values.len())?;
        self.write(|st| {
            st.wal.as_mut().ok_or_else(closed_error)?.append_row(id, ts_ms, values)?;
            let t = st.tables.get_mut(&id).expect("id from by_name");
            t.mem.push_row(ts_ms, values);
            st.mem_bytes += 8 * (1 + values.len());
            Ok(())
        })
    }

    pub fn append_rows(&mut self, table: &str, ts_ms: &[i64], columns: &[&[f64]]) -> Result<()> {
        let id = self.append_table_id(table)?;
        check_ncols(&self.tables[&id].def, columns.len())?;
        if let Some((i, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != ts_ms.len()) {
            return Err(Error::new(
                ErrorKind::SchemaMismatch,
                format!(
                    "table {table:?}: column {:?} has {} values for {} timestamps",
                    self.tables[&id].def.columns[i],
                    c.len(),
                    ts_ms.len()
                ),
            ));
        }
        if ts_ms.is_empty() {
            return Ok(());
        }
        self.write(|st| {
            st.wal.as_mut().ok_or_else(closed_error)?.append_rows(id, ts_ms, columns)?;
            let t = st.tables.get_mut(&id).expect("id from by_name");
            t.mem.push_rows(ts_ms, columns);
            st.mem_bytes += 8 * ts_ms.len() * (1 + columns.len());
            Ok(())
        })
    }

    /// Turns every table's buffered rows into segments, commits, and starts
    /// a new WAL epoch. `checkpoint` forces a checkpoint record.
    pub fn flush(&mut self, checkpoint: bool) -> Result<()> {
        self.write(|st| st.flush_inner(checkpoint))
    }

    fn flush_inner(&mut self, checkpoint: bool) -> Result<()> {
        let ids: Vec<u32> =
            self.tables.iter().filter(|(_, t)| !t.mem.is_empty()).map(|(id, _)| *id).collect();
        if ids.is_empty() {
            if checkpoint && self.records_since_checkpoint > 0 {
                self.transact(true, |_| Ok(()))?;
            }
            return Ok(());
        }
        let wal_epoch = self.wal.as_ref().map_or(self.commit.flushed_wal_epoch + 1, WalWriter::epoch);
        let mut taken = Vec::new();
        let result = self.transact(checkpoint, |st| {
            for id in ids {
                let (ts, cols) = st.tables.get_mut(&id).expect("listed id").mem.take_sorted();
                let metas = st.write_segments(id, &ts, &cols);
                taken.push((id, ts, cols));
                let t = st.tables.get_mut(&id).expect("listed id");
                Arc::make_mut(&mut t.segments).extend(metas?);
            }
            st.commit.flushed_wal_epoch = wal_epoch;
            Ok(())
        });
        if let Err(e) = result {
            // The transaction was rolled back: give the rows back to the
            // buffers (they are still in the WAL too).
            for (id, ts, cols) in taken {
                let t = self.tables.get_mut(&id).expect("listed id");
                let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
                t.mem.push_rows(&ts, &refs);
            }
            return Err(e);
        }
        self.mem_bytes = 0;
        self.last_flush = std::time::Instant::now();
        if let Some(wal) = self.wal.as_mut() {
            wal.reset(wal_epoch + 1)?;
        }
        Ok(())
    }

    /// Writes sorted rows of table `id` as segments, each within the row
    /// limit and the record cap.
    fn write_segments(&mut self, id: u32, ts: &[i64], cols: &[Vec<f64>]) -> Result<Vec<SegmentMeta>> {
        let cols: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let limits = self.segment_limits(self.opts.segment_max_rows);
        write_segment_records(id, ts, &cols, limits, Level::Hot, |rec| self.write_records(rec))
    }

    /// Hides the rows of `table` in `[start_ms, end_ms]` (inclusive) that
    /// exist now; rows appended later are not affected. Buffered rows are
    /// flushed first so the tombstone follows every row it hides.
    pub fn delete_range(&mut self, table: &str, start_ms: i64, end_ms: i64) -> Result<()> {
        if start_ms > end_ms {
            return Err(Error::invalid(format!("delete range start {start_ms} is after its end {end_ms}")));
        }
        let id = self.table_id(table)?;
        self.write(|st| {
            st.flush_inner(false)?;
            st.transact(false, |st| {
                let mut t = Tombstone { offset: st.end, table_id: id, start_ms, end_ms };
                let mut payload = Vec::new();
                encode_tombstone(&t, &mut payload);
                let mut rec = Vec::new();
                frame(&mut rec, RecordType::Tombstone, &payload, st.max_record_size)?;
                t.offset = st.write_records(&rec)?;
                let table = st.tables.get_mut(&id).expect("id from by_name");
                Arc::make_mut(&mut table.tombstones).push(t);
                Ok(())
            })
        })
    }

    /// Drops `table`: its rows disappear at once, its space comes back at the
    /// next compaction, and its name is free again.
    pub fn drop_table(&mut self, table: &str) -> Result<()> {
        let id = self.table_id(table)?;
        self.write(|st| {
            st.flush_inner(false)?;
            st.transact(false, |st| {
                let mut payload = Vec::new();
                encode_drop_table(id, &mut payload);
                let mut rec = Vec::new();
                frame(&mut rec, RecordType::DropTable, &payload, st.max_record_size)?;
                st.write_records(&rec)?;
                let t = st.tables.remove(&id).expect("id from by_name");
                st.by_name.remove(&t.def.name);
                st.last_table = None;
                st.garbage = true;
                Ok(())
            })
        })
    }

    /// Merges the trailing run of small segments of `table` (fewer than
    /// `small_rows` rows each, at least `min_segments` of them) into
    /// segments of up to `target_rows` rows appended at the end of the file,
    /// and retires the old ones with a `Supersede` record in the same
    /// transaction. Only a *trailing* run is merged, so the merged rows keep
    /// their place in append order. Returns whether it merged anything.
    /// Cost: the merged rows only; the space of the old segments comes back
    /// at the next compaction.
    pub fn merge_tail(
        &mut self,
        table: &str,
        small_rows: usize,
        target_rows: usize,
        min_segments: usize,
    ) -> Result<bool> {
        let id = self.table_id(table)?;
        // No flush first: buffered rows come after every segment in append
        // order, before and after the merge alike.
        let t = &self.tables[&id];
        let k = t.segments.iter().rev().take_while(|s| (s.rows as usize) < small_rows).count();
        if k < min_segments.max(2) {
            return Ok(false);
        }
        self.transact(false, |st| {
            let t = &st.tables[&id];
            let tail = t.segments[t.segments.len() - k..].to_vec();
            let snap = crate::query::Snapshot {
                table: t.def.name.clone(),
                columns: t.def.columns.clone(),
                map: st.map.clone(),
                segments: Arc::new(tail.clone()),
                tombstones: t.tombstones.clone(),
                mem: crate::query::Columns::with_columns(t.def.columns.len(), 0),
            };
            let rows = crate::query::RangeReader::new(snap, i64::MIN, i64::MAX).read_all()?;
            let cols: Vec<&[f64]> = rows.columns.iter().map(Vec::as_slice).collect();
            let cap = st.max_record_size;
            let limits = st.segment_limits(target_rows);
            let metas =
                write_segment_records(id, &rows.ts, &cols, limits, Level::Cold, |r| st.write_records(r))?;
            let offsets: Vec<u64> = tail.iter().map(|s| s.offset).collect();
            let mut payload = Vec::new();
            encode_supersede(id, &offsets, &mut payload);
            let mut rec = Vec::new();
            frame(&mut rec, RecordType::Supersede, &payload, cap)?;
            st.write_records(&rec)?;
            let segs = Arc::make_mut(&mut st.tables.get_mut(&id).expect("id from by_name").segments);
            segs.truncate(segs.len() - k);
            segs.extend(metas);
            st.garbage = true;
            Ok(true)
        })
    }

    /// The input of a rewrite: every live table with the action chosen by
    /// `action` (which sees the table and its newest flushed timestamp).
    pub fn rewrite_input(&self, mut action: impl FnMut(&Table, Option<i64>) -> TableAction) -> RewriteInput {
        RewriteInput {
            header: self.header,
            map: self.map.clone(),
            commit: self.commit,
            next_table_id: self.next_table_id,
            tables: self
                .tables
                .values()
                .map(|t| TableInput {
                    def: t.def.clone(),
                    segments: t.segments.clone(),
                    tombstones: t.tombstones.clone(),
                    action: action(t, t.segments.iter().map(|s| s.max_ts).max()),
                })
                .collect(),
            max_record_size: self.max_record_size,
            segment_max_rows: self.opts.segment_max_rows,
            segment_partition_ms: self.opts.segment_partition_ms,
        }
    }

    /// Switches to the file a rewrite produced. The caller held the
    /// maintenance lock since `rewrite_input`, so no segment, table or
    /// tombstone changed meanwhile (only buffered rows, which stay).
    pub fn install_rewrite(&mut self, new: Rewritten) -> Result<()> {
        self.file = new.file;
        self.end = new.end;
        self.commit = new.commit;
        self.checkpoint_offset = new.checkpoint_offset;
        self.records_since_checkpoint = 0;
        self.slot_seq = 1;
        self.garbage = false;
        for (id, segs) in new.segments {
            if let Some(t) = self.tables.get_mut(&id) {
                t.segments = Arc::new(segs);
                t.tombstones = Arc::new(Vec::new());
            }
        }
        self.map = self.file.map()?;
        Ok(())
    }

    /// Flushes, writes a checkpoint, fsyncs, removes the WAL. After this the
    /// `.ntt` file alone is the database.
    pub fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        if self.follow.is_some() {
            // A reader has nothing to flush and holds no lock.
            self.closed = true;
            return Ok(());
        }
        self.write(|st| {
            st.flush_inner(false)?;
            st.flush_inner(true)?;
            st.file.sync_data()?;
            if st.opts.sync == SyncMode::Never {
                st.write_slot()?;
                st.file.sync_data()?;
            }
            if let Some(wal) = st.wal.take() {
                wal.remove()?;
            }
            Ok(())
        })?;
        self.closed = true;
        self.file.unlock();
        Ok(())
    }
}

pub(crate) fn read_only_error() -> Error {
    Error::new(ErrorKind::ReadOnly, "the database handle is read-only: it writes nothing")
}

pub fn closed_error() -> Error {
    Error::new(ErrorKind::Closed, "the database handle is closed")
}

fn check_ncols(def: &TableDef, got: usize) -> Result<()> {
    if got != def.columns.len() {
        return Err(Error::new(
            ErrorKind::SchemaMismatch,
            format!(
                "table {:?} has {} columns {:?}, got {got} values",
                def.name,
                def.columns.len(),
                def.columns
            ),
        ));
    }
    Ok(())
}

/// Refuses a table one of whose rows could not be written under the record
/// cap (as a WAL frame or as a one-row segment), so a flush can never be
/// stuck on it.
pub(crate) fn check_fits_record_cap(name: &str, ncols: usize, cap: u32) -> Result<()> {
    // One row, plain-coded: the segment header, 8 bytes of timestamp and 8
    // per value (every value codec is at most plain for one row).
    let one_row = crate::segment::header_len(ncols) + 8 + 8 * ncols;
    if one_row > cap as usize {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "table {name:?}: a row of {ncols} columns needs a {one_row} byte segment, above the record size cap of {cap} bytes"
            ),
        ));
    }
    Ok(())
}
