//! The engine's mutable state behind one open database. Everything here
//! runs under the handle's write lock (or reads under its read lock).
//!
//! The fields are private: the write paths that change them live in this
//! module's files, one job each, and the rest of `db/` reads them through
//! the accessors below.
//! - `txn.rs`: the write transaction (records, commit, commit slot, rollback);
//! - `flush.rs`: buffered rows into segments, and close;
//! - `tables.rs`: creating, appending to, deleting from, dropping and
//!   merging tables;
//! - `rewrite.rs`: what a rewrite (pack, compaction, backup) reads, and the
//!   switch to the file it wrote;
//! - `startup.rs`: the writes that finish opening a writer;
//! - `follow.rs`: opening a read-only handle and following the writer's
//!   commits (it writes nothing, but changes the index as they arrive).

mod flush;
pub(crate) mod follow;
mod rewrite;
mod startup;
mod tables;
mod txn;

pub(crate) use tables::check_fits_record_cap;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
#[cfg(feature = "maintenance")]
use std::time::Instant;

use super::index::Index;
use super::report::RecoveryReport;
use crate::error::{Error, ErrorKind, Result};
use crate::format::header::FileHeader;
use crate::io::{DbFile, FileView};
use crate::options::NanoTsOptions;
use crate::query::stats::StorageIndex;
use crate::segment::SegmentLimits;
use crate::table::Table;
use crate::table::records::CommitInfo;
use crate::wal::WalWriter;
use follow::Follow;

/// The engine behind one open database.
pub struct State {
    file: DbFile,
    header: FileHeader,
    /// Mapping of the file up to `end`; replaced after every commit.
    map: Arc<FileView>,
    /// Offset just past the last committed record (the file's length).
    end: u64,
    tables: BTreeMap<u32, Table>,
    by_name: HashMap<String, u32>,
    /// The table of the last append: (name, id, column count).
    last_table: Option<(String, u32, usize)>,
    next_table_id: u32,
    /// The WAL of the current epoch: created by the first append after
    /// opening or after a flush reset it ([`Self::wal_for_append`]), so a
    /// handle that never appends never creates one; `None` before that,
    /// while opening, and after close.
    wal: Option<WalWriter>,
    /// Where this handle's WAL lives; `None` while opening, on a read-only
    /// handle and after close (appends then fail as closed).
    wal_path: Option<PathBuf>,
    commit: CommitInfo,
    slot_seq: u64,
    checkpoint_offset: u64,
    /// Records written since the newest checkpoint (drives checkpointing).
    records_since_checkpoint: u64,
    /// Bytes of unflushed rows over all tables.
    mem_bytes: usize,
    opts: NanoTsOptions,
    max_record_size: u32,
    /// Set by the first failed write: the handle then refuses writes until
    /// reopened, so a half-written state never passes for a good one.
    poisoned: Option<String>,
    closed: bool,
    /// Whether dropped tables left dead bytes that a compaction would
    /// give back.
    garbage: bool,
    /// When buffered rows were last flushed (or the handle opened): read
    /// by the background thread's `flush_after`.
    #[cfg(feature = "maintenance")]
    last_flush: Instant,
    /// Transactions, checkpoints and fsyncs of this handle.
    commit_stats: CommitStats,
    /// What opening found and did.
    recovery: RecoveryReport,
    /// Set on a read-only handle: how it follows the writer's commits.
    follow: Option<Follow>,
    /// Codec and bytes of each segment's chunks, for `stats`: filled by the
    /// statistics calls themselves (they may run under the read lock, hence
    /// the mutex), replaced by a new one when a rewrite switches files.
    storage: Arc<Mutex<StorageIndex>>,
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

impl State {
    /// A handle's state over `file` (mapped as `map`, committed up to `end`)
    /// with an empty index. `head` holds the file's first 256 bytes; `cap` is
    /// the record size cap in bytes.
    pub fn new(
        file: DbFile,
        header: FileHeader,
        map: Arc<FileView>,
        head: &[u8],
        end: u64,
        opts: NanoTsOptions,
        cap: u32,
    ) -> State {
        State {
            file,
            header,
            map,
            end,
            tables: BTreeMap::new(),
            by_name: HashMap::new(),
            last_table: None,
            next_table_id: 1,
            wal: None,
            wal_path: None,
            commit: CommitInfo::default(),
            // Continue above every slot that decodes, even one not used (a stale
            // slot naming a cut tail): a lower sequence would let it win again
            // once the file grows past its end.
            slot_seq: header.layout().slots(head).iter().map(|s| s.seq).max().unwrap_or(0),
            checkpoint_offset: 0,
            records_since_checkpoint: 0,
            mem_bytes: 0,
            opts,
            max_record_size: cap,
            poisoned: None,
            closed: false,
            garbage: false,
            #[cfg(feature = "maintenance")]
            last_flush: Instant::now(),
            commit_stats: Default::default(),
            recovery: RecoveryReport::default(),
            follow: None,
            storage: Arc::default(),
        }
    }

    /// Replaces the index (tables, their segments and tombstones, commit
    /// fields) with `index`. Buffered rows of the old tables are dropped:
    /// this is for opening and for a reader following the writer.
    pub fn install_index(&mut self, index: Index) {
        self.tables.clear();
        self.by_name.clear();
        self.last_table = None;
        self.next_table_id = index.next_table_id.max(1);
        self.commit = index.commit;
        self.checkpoint_offset = index.checkpoint_offset;
        self.records_since_checkpoint = index.records_since_checkpoint;
        self.garbage = index.garbage;
        for t in index.tables {
            let id = t.def.id;
            self.by_name.insert(t.def.name.clone(), id);
            self.tables.insert(id, t);
        }
    }

    /// Makes this a read-only handle that follows the writer with `follow`.
    pub fn start_following(&mut self, follow: Follow) {
        self.follow = Some(follow);
    }

    /// The file's header (its format version and layout).
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// A reader's file and follow state, borrowed together (reading the
    /// tail needs both); `None` on a writer.
    pub fn follow_parts(&mut self) -> Option<(&DbFile, &mut Follow)> {
        let follow = self.follow.as_mut()?;
        Some((&self.file, follow))
    }

    /// A reader's view after it applied the transactions up to `end`:
    /// installs `index` and maps the file up to `end`.
    pub fn advance_followed(&mut self, index: Index, end: u64) -> Result<()> {
        self.install_index(index);
        self.end = end;
        self.map = self.file.map_len(Some(end))?;
        Ok(())
    }

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

    /// Makes the handle refuse writes until reopened; the first reason
    /// given is kept.
    pub fn poison(&mut self, why: &str) {
        self.poisoned.get_or_insert_with(|| why.to_owned());
    }

    /// The id of the table named `name`, or `NotFound`.
    pub fn table_id(&self, name: &str) -> Result<u32> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("table {name:?} does not exist")))
    }

    /// The table named `name`, or `NotFound`.
    pub fn table(&self, name: &str) -> Result<&Table> {
        Ok(&self.tables[&self.table_id(name)?])
    }

    /// The table named `name`, if it exists.
    pub fn find_table(&self, name: &str) -> Option<&Table> {
        self.by_name.get(name).map(|id| &self.tables[id])
    }

    /// Every live table, by id.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// Names of every live table, in no particular order.
    pub fn table_names(&self) -> impl Iterator<Item = &String> {
        self.by_name.keys()
    }

    /// Segment cutting rules of this database for segments of `max_rows`.
    fn segment_limits(&self, max_rows: usize) -> SegmentLimits {
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

    /// Bytes of unflushed rows over all tables.
    pub fn pending_bytes(&self) -> usize {
        self.mem_bytes
    }

    /// When buffered rows were last flushed (or the handle opened).
    #[cfg(feature = "maintenance")]
    pub fn last_flush(&self) -> Instant {
        self.last_flush
    }

    /// Whether dropped tables or merges left dead bytes that a compaction
    /// would give back.
    pub fn has_garbage(&self) -> bool {
        self.garbage
    }

    /// The options this handle was opened with.
    pub fn opts(&self) -> &NanoTsOptions {
        &self.opts
    }

    /// What `stats` keeps of this file's segments (shared with running
    /// statistics calls).
    pub fn storage_index(&self) -> &Arc<Mutex<StorageIndex>> {
        &self.storage
    }

    /// The current mapping of the file (shared with running queries).
    pub fn map(&self) -> &Arc<FileView> {
        &self.map
    }

    /// File offset just past the last committed record.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// File offset of the newest checkpoint record (0 = none).
    pub fn checkpoint_offset(&self) -> u64 {
        self.checkpoint_offset
    }

    /// Whether `close` has run: every later call returns `Closed`.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Transactions, checkpoints and fsyncs since this handle opened.
    pub fn commit_stats(&self) -> CommitStats {
        self.commit_stats
    }

    /// Keeps counting across a reader's reopen of a renamed file.
    pub fn restore_commit_stats(&mut self, stats: CommitStats) {
        self.commit_stats = stats;
    }

    /// What opening found and did.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.recovery
    }
}

pub(crate) fn read_only_error() -> Error {
    Error::new(ErrorKind::ReadOnly, "the database handle is read-only: it writes nothing")
}

pub fn closed_error() -> Error {
    Error::new(ErrorKind::Closed, "the database handle is closed")
}
