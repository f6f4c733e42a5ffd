//! Opening a database: header checks, loading the index (checkpoint plus
//! the records after it), cutting a torn tail, and replaying the WAL.
//!
//! Cost: O(live segments) to read the newest checkpoint, plus the records
//! written after it (bounded by the checkpoint policy). No segment payload
//! is decoded; only the records past the last published commit slot (at
//! most the last transactions, which may be torn) are checksummed in full.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::meta::{Checkpoint, CommitInfo, decode_supersede, decode_tombstone};
use super::state::State;
use crate::error::{Error, Result};
use crate::format::bytes::ByteReader;
use crate::format::header::{FileHeader, SLOT_LEN, SLOT_OFFSETS, Slot};
use crate::format::record::{RecordRef, RecordType, parse_header, verified_payload};
use crate::format::{DATA_START, FORMAT_VERSION};
use crate::io::{DbFile, now_unix_ms, random_u64, sync_parent_dir};
use crate::options::{NanoTsOptions, SyncMode};
use crate::segment::{SegmentMeta, SegmentView};
use crate::table::{Table, TableDef, Tombstone};
use crate::wal::{self, WalWriter};

/// A record's meaning, as far as the index cares.
enum Parsed {
    Table(TableDef),
    Segment(SegmentMeta, usize),
    Commit(CommitInfo),
    Checkpoint(Checkpoint),
    DropTable(u32),
    Tombstone(Tombstone),
    Supersede(u32, Vec<u64>),
}

fn parse_record(map: &[u8], rec: &RecordRef, verify_segment: bool) -> Result<Parsed> {
    let payload = if rec.kind == RecordType::Segment && !verify_segment {
        &map[rec.payload_offset() as usize..rec.end() as usize]
    } else {
        verified_payload(map, rec)?
    };
    let what = match rec.kind {
        RecordType::Table => "table record",
        RecordType::Segment => "segment record",
        RecordType::Commit => "commit record",
        RecordType::Checkpoint => "checkpoint record",
        RecordType::DropTable => "drop-table record",
        RecordType::Tombstone => "tombstone record",
        RecordType::Supersede => "supersede record",
    };
    let mut r = ByteReader::new(payload, rec.payload_offset(), what);
    let parsed = match rec.kind {
        RecordType::Table => Parsed::Table(TableDef::decode(&mut r)?),
        RecordType::Segment => {
            let v = SegmentView::parse(payload, rec.offset)?;
            let meta = SegmentMeta {
                offset: rec.offset,
                payload_len: rec.payload_len,
                table_id: v.table_id,
                rows: v.rows,
                min_ts: v.min_ts,
                max_ts: v.max_ts,
            };
            return Ok(Parsed::Segment(meta, v.ncols()));
        }
        RecordType::Commit => Parsed::Commit(CommitInfo::decode(&mut r)?),
        RecordType::Checkpoint => Parsed::Checkpoint(Checkpoint::decode(&mut r)?),
        RecordType::DropTable => Parsed::DropTable(r.u32()?),
        RecordType::Tombstone => Parsed::Tombstone(decode_tombstone(&mut r, rec.offset)?),
        RecordType::Supersede => {
            let (id, offsets) = decode_supersede(&mut r)?;
            Parsed::Supersede(id, offsets)
        }
    };
    r.finish()?;
    Ok(parsed)
}

/// The index as it is rebuilt from records.
#[derive(Default)]
struct Loader {
    tables: BTreeMap<u32, TableDef>,
    segments: BTreeMap<u32, Vec<SegmentMeta>>,
    tombstones: BTreeMap<u32, Vec<Tombstone>>,
    next_table_id: u32,
    commit: CommitInfo,
    checkpoint_offset: u64,
    records_since_checkpoint: u64,
    /// Dead bytes a compaction would give back (superseded segments).
    garbage: bool,
}

impl Loader {
    fn apply_checkpoint(&mut self, cp: Checkpoint, offset: u64) -> Result<()> {
        self.tables = cp.tables.into_iter().map(|t| (t.id, t)).collect();
        self.segments = BTreeMap::new();
        self.tombstones = BTreeMap::new();
        self.next_table_id = cp.next_table_id;
        self.commit = cp.commit;
        self.checkpoint_offset = offset;
        self.records_since_checkpoint = 0;
        for s in cp.segments {
            if !self.tables.contains_key(&s.table_id) {
                return Err(Error::corrupt(format!(
                    "checkpoint at file offset {offset} lists a segment of unknown table id {}",
                    s.table_id
                )));
            }
            self.segments.entry(s.table_id).or_default().push(s);
        }
        for t in cp.tombstones {
            self.require_table(t.table_id, offset, "checkpoint")?;
            self.tombstones.entry(t.table_id).or_default().push(t);
        }
        Ok(())
    }

    fn require_table(&self, id: u32, offset: u64, what: &str) -> Result<&TableDef> {
        self.tables.get(&id).ok_or_else(|| {
            Error::corrupt(format!("{what} at file offset {offset} refers to unknown table id {id}"))
        })
    }

    /// Applies one committed transaction's records in order.
    fn apply_txn(&mut self, records: Vec<(u64, Parsed)>) -> Result<()> {
        for (offset, p) in records {
            self.records_since_checkpoint += 1;
            match p {
                Parsed::Table(def) => {
                    if def.id < self.next_table_id || self.tables.values().any(|t| t.name == def.name) {
                        return Err(Error::corrupt(format!(
                            "table record at file offset {offset} redefines table {:?}",
                            def.name
                        )));
                    }
                    self.next_table_id = self.next_table_id.max(def.id + 1);
                    self.tables.insert(def.id, def);
                }
                Parsed::Segment(meta, ncols) => {
                    let Some(def) = self.tables.get(&meta.table_id) else {
                        return Err(Error::corrupt(format!(
                            "segment at file offset {offset} belongs to unknown table id {}",
                            meta.table_id
                        )));
                    };
                    if def.columns.len() != ncols {
                        return Err(Error::corrupt(format!(
                            "segment at file offset {offset} has {ncols} columns, table {:?} has {}",
                            def.name,
                            def.columns.len()
                        )));
                    }
                    self.segments.entry(meta.table_id).or_default().push(meta);
                }
                Parsed::Commit(c) => self.commit = c,
                Parsed::Checkpoint(cp) => self.apply_checkpoint(cp, offset)?,
                Parsed::DropTable(id) => {
                    self.require_table(id, offset, "drop-table record")?;
                    self.tables.remove(&id);
                    self.segments.remove(&id);
                    self.tombstones.remove(&id);
                    self.garbage = true;
                }
                Parsed::Tombstone(t) => {
                    self.require_table(t.table_id, offset, "tombstone record")?;
                    self.tombstones.entry(t.table_id).or_default().push(t);
                }
                Parsed::Supersede(id, offsets) => {
                    self.require_table(id, offset, "supersede record")?;
                    let segs = self.segments.entry(id).or_default();
                    let before = segs.len();
                    segs.retain(|s| !offsets.contains(&s.offset));
                    if before - segs.len() != offsets.len() {
                        return Err(Error::corrupt(format!(
                            "supersede record at file offset {offset} names segments that are not live"
                        )));
                    }
                    self.garbage = true;
                }
            }
        }
        Ok(())
    }
}

fn frame_problem(offset: u64, p: impl std::fmt::Debug) -> Error {
    Error::corrupt(format!("record at file offset {offset} is unreadable: {p:?}"))
}

/// Reads records from `from`. Those before `trusted_end` were committed and
/// fsynced (a slot says so): any damage there is `Corrupt`. After it, only
/// the last transaction may be torn; it is dropped. Returns the end of the
/// last committed transaction.
fn scan(map: &[u8], from: u64, trusted_end: u64, cap: u32, loader: &mut Loader) -> Result<u64> {
    let file_len = map.len() as u64;
    let mut pos = from;
    let mut pending = Vec::new();
    while pos < trusted_end {
        let rec = parse_header(map, pos, cap).map_err(|p| frame_problem(pos, p))?;
        if rec.end() > trusted_end {
            return Err(frame_problem(pos, "crosses the committed end"));
        }
        let parsed = parse_record(map, &rec, false)?;
        let is_commit = rec.kind.is_commit();
        pending.push((rec.offset, parsed));
        if is_commit {
            loader.apply_txn(std::mem::take(&mut pending))?;
        }
        pos = rec.end();
    }
    if !pending.is_empty() {
        return Err(Error::corrupt(format!(
            "committed region ends inside a transaction at file offset {pos}"
        )));
    }
    let mut committed_end = pos;

    struct Txn {
        records: Vec<(u64, Parsed)>,
        first_bad: Option<Error>,
        end: u64,
    }
    let new_txn = || Txn { records: Vec::new(), first_bad: None, end: 0 };
    let mut closed = Vec::new();
    let mut cur = new_txn();
    while pos < file_len {
        let Ok(rec) = parse_header(map, pos, cap) else {
            break;
        };
        match parse_record(map, &rec, true) {
            Ok(p) => {
                cur.records.push((rec.offset, p));
                if rec.kind.is_commit() {
                    cur.end = rec.end();
                    closed.push(std::mem::replace(&mut cur, new_txn()));
                }
            }
            Err(e) => {
                cur.first_bad.get_or_insert(e);
            }
        }
        pos = rec.end();
    }
    let anything_after = |end: u64| end < file_len;
    let n = closed.len();
    for (i, txn) in closed.into_iter().enumerate() {
        if let Some(e) = txn.first_bad {
            if i + 1 == n && !anything_after(txn.end) {
                // The last transaction was torn by a crash before its fsync
                // finished: its commit made it to disk, some of its data did
                // not. It was never acknowledged; drop it.
                break;
            }
            return Err(Error::corrupt(format!(
                "{} (a later transaction was committed after it, so this is damage, not a torn write)",
                e.message()
            )));
        }
        loader.apply_txn(txn.records)?;
        committed_end = txn.end;
    }
    Ok(committed_end)
}

/// Opens or creates the database at `path` and recovers it.
pub fn open(path: &Path, opts: NanoTsOptions) -> Result<State> {
    let cap = opts.validate()?;
    let file = DbFile::open_locked(path)?;
    // A rewrite that crashed before its rename leaves its file behind.
    let stale = crate::maintenance::temp_path(path);
    match std::fs::remove_file(&stale) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io(e, "cannot remove the stale compaction file", &stale));
        }
        _ => {}
    }
    let mut len = file.len()?;
    if len == 0 {
        initialize(&file, opts.sync)?;
        len = DATA_START;
    }
    if len < DATA_START {
        return Err(Error::corrupt(format!(
            "{} is {len} bytes long, too short for a NanoTS file header",
            path.display()
        )));
    }
    let mut head = vec![0u8; DATA_START as usize];
    file.read_at(&mut head, 0)?;
    let header = FileHeader::decode(&head)?;

    let slot = SLOT_OFFSETS
        .iter()
        .filter_map(|&o| Slot::decode(&head[o as usize..o as usize + SLOT_LEN]))
        .filter(|s| {
            s.committed_end >= DATA_START && s.committed_end <= len && s.checkpoint_offset < s.committed_end
        })
        .max_by_key(|s| s.seq);

    let map = file.map()?;
    let mut loader = Loader::default();
    let mut from = DATA_START;
    let mut trusted_end = DATA_START;
    if let Some(s) = slot {
        trusted_end = s.committed_end;
        if s.checkpoint_offset != 0 {
            let rec = parse_header(&map, s.checkpoint_offset, cap)
                .map_err(|p| frame_problem(s.checkpoint_offset, p))?;
            if rec.kind != RecordType::Checkpoint || rec.end() > trusted_end {
                return Err(frame_problem(s.checkpoint_offset, "the commit slot points at no checkpoint"));
            }
            let Parsed::Checkpoint(cp) = parse_record(&map, &rec, true)? else {
                unreachable!("kind checked")
            };
            loader.apply_checkpoint(cp, rec.offset)?;
            from = rec.end();
        }
    }
    let committed_end = scan(&map, from, trusted_end, cap, &mut loader)?;

    let mut st = State {
        file,
        header,
        map,
        end: committed_end,
        tables: BTreeMap::new(),
        by_name: HashMap::new(),
        last_table: None,
        next_table_id: loader.next_table_id.max(1),
        wal: None,
        commit: loader.commit,
        slot_seq: slot.map_or(0, |s| s.seq),
        checkpoint_offset: loader.checkpoint_offset,
        records_since_checkpoint: loader.records_since_checkpoint,
        mem_bytes: 0,
        opts,
        max_record_size: cap,
        poisoned: None,
        closed: false,
        garbage: loader.garbage,
        last_flush: std::time::Instant::now(),
    };
    for (id, def) in loader.tables {
        let mut t = Table::new(def);
        if let Some(segs) = loader.segments.remove(&id) {
            t.segments = Arc::new(segs);
        }
        if let Some(tombs) = loader.tombstones.remove(&id) {
            t.tombstones = Arc::new(tombs);
        }
        st.by_name.insert(t.def.name.clone(), id);
        st.tables.insert(id, t);
    }
    if committed_end < len {
        // Cut the torn tail so new records follow the last commit.
        st.file.truncate(committed_end)?;
        st.file.sync_data()?;
        st.map = st.file.map()?;
        st.write_slot()?;
    }
    recover_wal(&mut st, path)?;
    Ok(st)
}

/// Writes the header of a new, empty database.
fn initialize(file: &DbFile, sync: SyncMode) -> Result<()> {
    let header = FileHeader { version: FORMAT_VERSION, db_id: random_u64(), created_ms: now_unix_ms() };
    let mut head = vec![0u8; DATA_START as usize];
    head[..header.encode().len()].copy_from_slice(&header.encode());
    file.write_at(&head, 0)?;
    if sync != SyncMode::Never {
        file.sync_data()?;
        sync_parent_dir(file.path())?;
    }
    Ok(())
}

/// Replays unflushed rows from the WAL, flushes them into the file, and
/// starts a fresh WAL epoch.
fn recover_wal(st: &mut State, path: &Path) -> Result<()> {
    let wal_path = wal::wal_path(path);
    let flushed = st.commit.flushed_wal_epoch;
    let mut mem_bytes = 0usize;
    let tables = &mut st.tables;
    wal::replay(&wal_path, st.header.db_id, st.max_record_size, |epoch, batch| {
        if epoch <= flushed {
            return Ok(()); // already in the file
        }
        if epoch != flushed + 1 {
            return Err(Error::corrupt(format!(
                "WAL epoch {epoch} is ahead of the file, which has flushed epoch {flushed}"
            )));
        }
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
    st.mem_bytes = mem_bytes;
    // Flush before the WAL is reset: until this commit is durable the WAL
    // is the only copy of these rows.
    st.flush(false)?;
    st.wal = Some(WalWriter::create(
        &wal_path,
        st.header.db_id,
        st.commit.flushed_wal_epoch + 1,
        st.opts.sync,
        st.max_record_size,
    )?);
    Ok(())
}
