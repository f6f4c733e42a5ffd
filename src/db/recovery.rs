//! Recovery: rebuilding the index from the `.ntt` file's records, reading
//! only (SPEC.md, "Opening and recovery", steps 4 to 6, and "Salvage").
//!
//! The newest commit slot says how far the file was committed and made
//! durable; records before that end must verify, records after it are kept
//! transaction by transaction as long as the sync mode says a torn one can
//! only be a crash, never damage. Salvage instead scans every record and
//! keeps whatever verifies. The [`Loader`] applies the kept transactions to
//! an index, which opening and a reader following a writer both install.
//!
//! Cost: O(live segments) to read the newest checkpoint, plus the records
//! written after it (bounded by the checkpoint policy). No segment payload
//! is decoded; only the records past the last published commit slot (at
//! most the last transactions, which may be torn) are checksummed in full.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::index::Index;
use super::report::Problem;
use crate::error::{Error, ErrorKind, Result};
use crate::format::bytes::ByteReader;
use crate::format::header::{FileHeader, Slot};
use crate::format::record::{RecordRef, RecordType, parse_header, verified_payload};
use crate::segment::{SegmentMeta, SegmentView};
use crate::table::records::{Checkpoint, CommitInfo, decode_drop_table, decode_supersede, decode_tombstone};
use crate::table::{Table, TableDef, Tombstone};

/// A record's meaning, as far as the index cares.
pub(super) enum Parsed {
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
    parse_payload(payload, rec)
}

/// The meaning of a record's payload (already checked as the caller needs).
pub(super) fn parse_payload(payload: &[u8], rec: &RecordRef) -> Result<Parsed> {
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
        RecordType::DropTable => Parsed::DropTable(decode_drop_table(&mut r)?),
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
#[derive(Default, Clone)]
pub(super) struct Loader {
    tables: BTreeMap<u32, TableDef>,
    segments: BTreeMap<u32, Vec<SegmentMeta>>,
    tombstones: BTreeMap<u32, Vec<Tombstone>>,
    next_table_id: u32,
    commit: CommitInfo,
    checkpoint_offset: u64,
    records_since_checkpoint: u64,
    /// Dead bytes a compaction would give back (superseded segments).
    garbage: bool,
    /// Full scans (format 1 files, salvage) rebuild the index from every
    /// record and take from a checkpoint only its commit fields: format 1
    /// wrote checkpoints that could describe the state *before* their own
    /// transaction.
    checkpoints_as_commits: bool,
    /// Salvage: a record that does not apply is reported and skipped.
    lenient: bool,
    problems: Vec<Problem>,
}

impl Loader {
    fn apply_checkpoint(&mut self, cp: Checkpoint, offset: u64) -> Result<()> {
        if self.checkpoints_as_commits {
            self.commit = cp.commit;
            self.next_table_id = self.next_table_id.max(cp.next_table_id);
            return Ok(());
        }
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

    /// The index rebuilt so far, as a handle's state installs it.
    pub(super) fn into_index(mut self) -> Index {
        let tables = self
            .tables
            .into_iter()
            .map(|(id, def)| {
                let mut t = Table::new(def);
                if let Some(segs) = self.segments.remove(&id) {
                    t.segments = Arc::new(segs);
                }
                if let Some(tombs) = self.tombstones.remove(&id) {
                    t.tombstones = Arc::new(tombs);
                }
                t
            })
            .collect();
        Index {
            tables,
            next_table_id: self.next_table_id,
            commit: self.commit,
            checkpoint_offset: self.checkpoint_offset,
            records_since_checkpoint: self.records_since_checkpoint,
            garbage: self.garbage,
        }
    }

    /// The problems the load reported (only a salvage load reports any),
    /// taken out.
    pub(super) fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    /// Salvage: decodes every live segment and drops (reporting it in
    /// `problems`) each one that fails its CRC.
    pub(super) fn drop_damaged_segments(&mut self, map: &[u8], problems: &mut Vec<Problem>) {
        for segs in self.segments.values_mut() {
            segs.retain(|s| match crate::query::open_segment(map, s, true) {
                Ok(_) => true,
                Err(e) => {
                    problems.push(Problem::file(s.offset, format!("segment dropped: {}", e.message())));
                    false
                }
            });
        }
    }

    /// Applies one committed transaction's records in order.
    pub(super) fn apply_txn(&mut self, records: Vec<(u64, Parsed)>) -> Result<()> {
        for (offset, p) in records {
            self.records_since_checkpoint += 1;
            if let Err(e) = self.apply(offset, p) {
                if !self.lenient {
                    return Err(e);
                }
                self.problems.push(Problem::file(offset, format!("record dropped: {}", e.message())));
            }
        }
        Ok(())
    }

    fn apply(&mut self, offset: u64, p: Parsed) -> Result<()> {
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
                if !offsets.iter().all(|o| segs.iter().any(|s| s.offset == *o)) {
                    return Err(Error::corrupt(format!(
                        "supersede record at file offset {offset} names segments that are not live"
                    )));
                }
                segs.retain(|s| !offsets.contains(&s.offset));
                self.garbage = true;
            }
        }
        Ok(())
    }
}

fn frame_problem(offset: u64, p: impl std::fmt::Debug) -> Error {
    Error::corrupt(format!("record at file offset {offset} is unreadable: {p:?}"))
}

/// How the records after the trusted (slot-published) end were written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// Each transaction was fsynced before the next began: only the last
    /// one can be torn; damage before it is corruption.
    Synced,
    /// Written without fsyncs (`SyncMode::Never`): pages may have reached
    /// the disk in any order, so everything from the first transaction that
    /// does not verify on is cut.
    Unsynced,
}

/// Reads records from `from`. Those before `trusted_end` were committed and
/// made durable (a slot says so): any damage there is `Corrupt`. After it,
/// a torn tail is dropped as `tail` allows. Returns the end of the last
/// committed transaction.
fn scan(map: &[u8], from: u64, trusted_end: u64, tail: Tail, loader: &mut Loader) -> Result<u64> {
    let file_len = map.len() as u64;
    let mut pos = from;
    let mut pending = Vec::new();
    while pos < trusted_end {
        let rec = parse_header(map, pos).map_err(|p| frame_problem(pos, p))?;
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
        let Ok(rec) = parse_header(map, pos) else {
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
            if tail == Tail::Unsynced || (i + 1 == n && !anything_after(txn.end)) {
                // Torn by a crash before its fsync finished (or, unsynced,
                // by pages written back out of order): never acknowledged
                // as durable; dropped with everything after it.
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

/// Salvage: rebuilds the index from every record that verifies, skipping
/// (and reporting) damaged records and unreadable stretches. Returns the
/// end of the last transaction kept.
fn salvage_scan(map: &[u8], data_start: u64, loader: &mut Loader) -> u64 {
    let file_len = map.len() as u64;
    let mut pos = data_start;
    let mut pending: Vec<(u64, Parsed)> = Vec::new();
    let mut committed_end = data_start;
    while pos < file_len {
        let rec = match parse_header(map, pos) {
            Ok(rec) => rec,
            Err(p) => match next_verified_record(map, pos + 1) {
                Some(next) => {
                    loader
                        .problems
                        .push(Problem::file(pos, format!("{} unreadable bytes skipped ({p:?})", next - pos)));
                    pos = next;
                    continue;
                }
                None => break,
            },
        };
        match parse_record(map, &rec, true) {
            Ok(p) => {
                pending.push((rec.offset, p));
                if rec.kind.is_commit() {
                    // Cannot fail: the loader is lenient.
                    let _ = loader.apply_txn(std::mem::take(&mut pending));
                    committed_end = rec.end();
                }
            }
            Err(e) => {
                let what = if rec.kind == RecordType::Segment { "segment" } else { "record" };
                loader.problems.push(Problem::file(rec.offset, format!("{what} dropped: {}", e.message())));
            }
        }
        pos = rec.end();
    }
    if !pending.is_empty() {
        loader.problems.push(Problem::file(
            committed_end,
            format!("{} records of an uncommitted transaction dropped", pending.len()),
        ));
    }
    committed_end
}

/// The first offset at or after `from` holding a record whose CRC matches.
fn next_verified_record(map: &[u8], from: u64) -> Option<u64> {
    (from..map.len() as u64)
        .find(|&at| parse_header(map, at).is_ok_and(|rec| crate::format::record::crc_matches(map, &rec)))
}

/// The index loaded from the file, and where its committed part ends.
pub(super) struct Loaded {
    pub(super) loader: Loader,
    pub(super) committed_end: u64,
    pub(super) slot: Option<Slot>,
}

/// Loads the index without modifying anything. Strict: damage in committed
/// data, or a file shorter than a commit slot says it is, is `Corrupt`.
/// `head` holds the file's header (read once, so that a writer
/// updating a slot meanwhile cannot make the two disagree).
pub(super) fn load(map: &[u8], head: &[u8], header: &FileHeader, salvage: bool) -> Result<Loaded> {
    let len = map.len() as u64;
    let layout = header.layout();
    let data_start = layout.data_start;
    let slots: Vec<Slot> = {
        let mut v = layout.slots(head);
        v.sort_by_key(|s| std::cmp::Reverse(s.seq));
        v
    };
    let newest = slots.first().copied();
    if let Some(s) = newest {
        // A slot is written only after what it names was made durable.
        let problem = if s.committed_end > len {
            Some(format!(
                "the file is {len} bytes long but its commit slot (sequence {}) says transactions were committed up to file offset {}: it was truncated",
                s.seq, s.committed_end
            ))
        } else if s.committed_end < data_start || s.checkpoint_offset >= s.committed_end.max(1) {
            let [a, b] = layout.slot_offsets;
            Some(format!("commit slot (sequence {}) at file offset {a} or {b} is inconsistent", s.seq))
        } else {
            None
        };
        if let Some(p) = problem {
            if !salvage {
                return Err(Error::corrupt(p));
            }
            return Ok(salvage_load(map, data_start, p));
        }
    }
    let tail = match newest {
        Some(s) if s.unsynced_tail => Tail::Unsynced,
        _ => Tail::Synced,
    };
    let strict = (|| {
        let mut loader = Loader::default();
        let mut from = data_start;
        let trusted_end = newest.map_or(data_start, |s| s.committed_end);
        if header.version < 2 {
            // Format 1 checkpoints may predate their own transaction.
            loader.checkpoints_as_commits = true;
        } else if let Some(s) = newest
            && s.checkpoint_offset != 0
        {
            let rec =
                parse_header(map, s.checkpoint_offset).map_err(|p| frame_problem(s.checkpoint_offset, p))?;
            if rec.kind != RecordType::Checkpoint || rec.end() > trusted_end {
                return Err(frame_problem(s.checkpoint_offset, "the commit slot points at no checkpoint"));
            }
            let Parsed::Checkpoint(cp) = parse_record(map, &rec, true)? else { unreachable!("kind checked") };
            loader.apply_checkpoint(cp, rec.offset)?;
            from = rec.end();
        }
        let committed_end = scan(map, from, trusted_end, tail, &mut loader)?;
        Ok(Loaded { loader, committed_end, slot: newest })
    })();
    match strict {
        Err(e) if salvage && e.kind() == ErrorKind::Corrupt => {
            Ok(salvage_load(map, data_start, e.message().to_owned()))
        }
        r => r,
    }
}

fn salvage_load(map: &[u8], data_start: u64, why: String) -> Loaded {
    let mut loader = Loader { checkpoints_as_commits: true, lenient: true, ..Default::default() };
    loader.problems.push(Problem::file(0, format!("salvage: {why}; every record was scanned")));
    let committed_end = salvage_scan(map, data_start, &mut loader);
    Loaded { loader, committed_end, slot: None }
}

#[cfg(test)]
mod tests;
