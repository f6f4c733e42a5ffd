//! Maintenance that gives space back: pack, retention, and applying deletes.
//!
//! All three are one operation, a *rewrite*: a new file is built beside the
//! database (`<path>.compact`), holding every live table, the segments that
//! are still wanted (copied byte for byte when untouched, re-encoded when
//! filtered or packed) and a checkpoint; it is fsynced, locked, and renamed
//! over the database, and the directory is fsynced. A crash before the
//! rename leaves the old file (and a stale `.compact` that the next open
//! removes); after it, the new one. Either is complete, so every row is
//! present exactly once or, where it was meant to go, absent.
//!
//! The rewrite reads a snapshot (an `Arc` of the old mapping), so queries
//! keep running on the old file while it works and switch to the new one at
//! the swap.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::codec::Level;
use crate::error::Result;
use crate::format::header::{FileHeader, Slot};
use crate::format::record::{RecordType, frame};
use crate::format::tail_earns_checkpoint;
use crate::io::{DbFile, FileView};
use crate::query::{Columns, RangeReader, SegmentReads, Snapshot};
use crate::segment::{SegmentLimits, SegmentMeta, write_segment_records};
use crate::table::records::{Checkpoint, CommitInfo};
use crate::table::{TableDef, Tombstone};

/// What to do with one table's segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableAction {
    /// Keep segments as they are, dropping rows older than the cutoff and
    /// rows hidden by tombstones.
    Keep { cutoff_ms: Option<i64> },
    /// Merge everything into sorted, non-overlapping segments of about
    /// `target_rows` rows, re-encoded with the cold-tier codecs.
    Pack { target_rows: usize, cutoff_ms: Option<i64> },
}

/// One live table as the rewrite sees it.
pub struct TableInput {
    pub def: Arc<TableDef>,
    pub segments: Arc<Vec<SegmentMeta>>,
    pub tombstones: Arc<Vec<Tombstone>>,
    pub action: TableAction,
}

/// Everything the rewrite reads, taken under the engine's lock.
pub struct RewriteInput {
    pub header: FileHeader,
    pub map: Arc<FileView>,
    pub commit: CommitInfo,
    pub next_table_id: u32,
    pub tables: Vec<TableInput>,
    pub max_record_size: u32,
    pub segment_max_rows: usize,
    pub segment_partition_ms: Option<i64>,
}

/// The new file, renamed over the database and locked.
pub struct Rewritten {
    pub file: DbFile,
    /// The new file's header (always this library's format version).
    pub header: FileHeader,
    pub end: u64,
    pub checkpoint_offset: u64,
    pub commit: CommitInfo,
    pub segments: BTreeMap<u32, Vec<SegmentMeta>>,
}

/// Path of the file a rewrite builds before renaming it over `db_path`.
pub fn temp_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".compact");
    PathBuf::from(s)
}

/// Appends records to the file under construction.
struct Out {
    file: DbFile,
    end: u64,
    buf: Vec<u8>,
}

impl Out {
    /// Offset of the next record: the end of what is written, buffered
    /// bytes included.
    fn pos(&self) -> u64 {
        self.end + self.buf.len() as u64
    }

    /// Buffered append; returns the record's offset.
    fn write(&mut self, rec: &[u8]) -> Result<u64> {
        let at = self.pos();
        self.buf.extend_from_slice(rec);
        if self.buf.len() >= 1 << 20 {
            self.drain()?;
        }
        Ok(at)
    }

    fn drain(&mut self) -> Result<()> {
        self.file.write_at(&self.buf, self.end)?;
        self.end += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

/// Builds the new file and renames it over `db_path`. Once the rename has
/// happened the new file is returned even if fsyncing the directory then
/// fails (second element): the caller must switch to it either way.
pub fn rewrite(db_path: &Path, input: &RewriteInput) -> Result<(Rewritten, Result<()>)> {
    let tmp = temp_path(db_path);
    let mut new = build_synced(&tmp, input)?;
    // The rename is the switch: before it the old file is the database,
    // after it the new one, complete and fsynced.
    new.file.rename_to(db_path)?;
    let dir_synced = crate::io::sync_parent_dir(db_path);
    Ok((new, dir_synced))
}

/// A backup: the database of `input` written whole to `dest`, which must
/// not exist (a new database: `input.header` should carry a new id). Built
/// beside it under a temporary name, fsynced, then linked into place (never
/// replacing a file that appeared meanwhile) and the directory fsynced.
pub fn write_copy(dest: &Path, input: &RewriteInput) -> Result<()> {
    let mut s = dest.as_os_str().to_owned();
    s.push(format!(".tmp-{}-{:08x}", std::process::id(), crate::io::random_u64() as u32));
    let tmp = PathBuf::from(s);
    drop(build_synced(&tmp, input)?);
    let linked = std::fs::hard_link(&tmp, dest);
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            crate::error::Error::new(
                crate::error::ErrorKind::AlreadyExists,
                format!("{} exists: a backup never replaces a file", dest.display()),
            )
        } else {
            crate::error::Error::io(e, "cannot link the backup to", dest)
        }
    })?;
    crate::io::sync_parent_dir(dest)
}

/// Builds the file of `input` at `tmp` and fsyncs it (in every sync mode:
/// a rename of a file whose data is not yet on disk can leave an empty
/// database after a power cut). On error `tmp` is removed.
fn build_synced(tmp: &Path, input: &RewriteInput) -> Result<Rewritten> {
    let header = FileHeader { version: crate::format::FORMAT_VERSION, ..input.header };
    let mut out = Out { file: DbFile::create_locked(tmp)?, end: header.layout().data_start, buf: Vec::new() };
    let result = build(&mut out, &header, input);
    let result = result.and_then(|r| out.file.sync_data().map(|()| r));
    let (checkpoint_offset, commit, segments) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            return Err(e);
        }
    };
    Ok(Rewritten { file: out.file, header, end: out.end, checkpoint_offset, commit, segments })
}

type Built = (u64, CommitInfo, BTreeMap<u32, Vec<SegmentMeta>>);

fn build(out: &mut Out, header: &FileHeader, input: &RewriteInput) -> Result<Built> {
    let cap = input.max_record_size;
    let layout = header.layout();
    let mut head = vec![0u8; layout.data_start as usize];
    head[..header.encode().len()].copy_from_slice(&header.encode());
    out.file.write_at(&head, 0)?;

    let mut all_segments = BTreeMap::new();
    for t in &input.tables {
        let mut payload = Vec::new();
        t.def.encode(&mut payload);
        let mut rec = Vec::new();
        frame(&mut rec, RecordType::Table, &payload, cap)?;
        out.write(&rec)?;
        let segs = match t.action {
            TableAction::Keep { cutoff_ms } => keep_segments(out, input, t, cutoff_ms)?,
            TableAction::Pack { target_rows, cutoff_ms } => {
                pack_segments(out, input, t, target_rows, cutoff_ms)?
            }
        };
        all_segments.insert(t.def.id, segs);
    }

    let commit = CommitInfo { seq: input.commit.seq + 1, flushed_wal_epoch: input.commit.flushed_wal_epoch };
    let mut rec = Vec::new();
    // A small file ends with a plain commit, as at close.
    let checkpoint = tail_earns_checkpoint(out.pos() - layout.data_start) && {
        let cp = Checkpoint {
            commit,
            next_table_id: input.next_table_id,
            tables: input.tables.iter().map(|t| (*t.def).clone()).collect(),
            segments: all_segments.values().flatten().copied().collect(),
            tombstones: Vec::new(),
        };
        let mut payload = Vec::new();
        cp.encode(&mut payload);
        frame(&mut rec, RecordType::Checkpoint, &payload, cap).is_ok()
    };
    let checkpoint_offset = if checkpoint {
        out.write(&rec)?
    } else {
        // A small file, or too many segments for one record: a plain
        // commit (opening then scans), still a complete transaction.
        rec.clear();
        let mut p = Vec::new();
        commit.encode(&mut p);
        frame(&mut rec, RecordType::Commit, &p, cap)?;
        out.write(&rec)?;
        0
    };
    out.drain()?;
    let slot = Slot { seq: 1, committed_end: out.end, checkpoint_offset, unsynced_tail: false };
    out.file.write_at(&slot.encode(layout), layout.slot_offsets[1])?;
    Ok((checkpoint_offset, commit, all_segments))
}

fn snapshot_of(input: &RewriteInput, t: &TableInput, segments: Vec<SegmentMeta>) -> Snapshot {
    Snapshot {
        table: t.def.name.clone(),
        columns: t.def.columns.clone(),
        map: input.map.clone(),
        segments: Arc::new(segments),
        tombstones: t.tombstones.clone(),
        mem: Columns::with_columns(t.def.columns.len(), 0),
    }
}

fn write_rows(
    out: &mut Out,
    input: &RewriteInput,
    id: u32,
    rows: &Columns,
    max_rows: usize,
    level: Level,
) -> Result<Vec<SegmentMeta>> {
    let cols: Vec<&[f64]> = rows.columns.iter().map(Vec::as_slice).collect();
    let limits = SegmentLimits {
        max_rows,
        partition_ms: input.segment_partition_ms,
        max_record_size: input.max_record_size,
    };
    write_segment_records(id, &rows.ts, &cols, limits, level, |rec| out.write(rec))
}

/// Copies untouched segments byte for byte; filters the ones a cutoff or a
/// tombstone reaches into; drops the ones wholly gone.
fn keep_segments(
    out: &mut Out,
    input: &RewriteInput,
    t: &TableInput,
    cutoff_ms: Option<i64>,
) -> Result<Vec<SegmentMeta>> {
    let cutoff = cutoff_ms.unwrap_or(i64::MIN);
    let mut metas = Vec::new();
    let mut reads = SegmentReads::default();
    for seg in t.segments.iter() {
        if seg.max_ts < cutoff || t.tombstones.iter().any(|tb| tb.covers(seg)) {
            continue;
        }
        if seg.min_ts >= cutoff && !t.tombstones.iter().any(|tb| tb.hits(seg)) {
            // Verify before copying: a rewrite must not launder damage.
            let offset = out.write(reads.record(&input.map, seg)?)?;
            metas.push(SegmentMeta { offset, ..*seg });
            continue;
        }
        let rows = RangeReader::new(snapshot_of(input, t, vec![*seg]), cutoff, i64::MAX).read_all()?;
        metas.extend(write_rows(out, input, t.def.id, &rows, input.segment_max_rows, Level::Hot)?);
    }
    Ok(metas)
}

/// Streams the table in time order, group by group, cutting segments of
/// `target_rows` rows: memory stays bounded by one group plus one segment.
fn pack_segments(
    out: &mut Out,
    input: &RewriteInput,
    t: &TableInput,
    target_rows: usize,
    cutoff_ms: Option<i64>,
) -> Result<Vec<SegmentMeta>> {
    let cutoff = cutoff_ms.unwrap_or(i64::MIN);
    let mut reader = RangeReader::new(snapshot_of(input, t, t.segments.to_vec()), cutoff, i64::MAX);
    let ncols = t.def.columns.len();
    let mut buf = Columns::with_columns(ncols, target_rows);
    let mut metas = Vec::new();
    loop {
        let more = reader.read_group_into(&mut buf)?;
        let full = buf.len() / target_rows * target_rows;
        let emit = if more { full } else { buf.len() };
        if emit > 0 {
            let head = Columns {
                ts: buf.ts[..emit].to_vec(),
                columns: buf.columns.iter().map(|c| c[..emit].to_vec()).collect(),
            };
            metas.extend(write_rows(out, input, t.def.id, &head, target_rows, Level::Cold)?);
            buf.ts.drain(..emit);
            for c in &mut buf.columns {
                c.drain(..emit);
            }
        }
        if !more {
            return Ok(metas);
        }
    }
}
