//! Read-only handles: opening a database another process may be writing,
//! and following what it commits (SPEC.md, "Readers").
//!
//! A reader takes no lock and writes nothing, ever: not the file, not a
//! WAL. It loads the committed state the newest commit slot names, then
//! follows the records appended after it, applying each transaction that is
//! complete and whose records all verify, and stopping, without error, at
//! the first that is not (the writer may be writing it right now). Those
//! tail records are read with `pread`, never through the mapping: the
//! mapping covers only the prefix already applied, which a cooperating
//! writer never truncates (it only cuts uncommitted tails), so a reader can
//! never fault on a cut page. Rows still in the writer's WAL are not
//! visible: a reader sees what was flushed.

use std::path::Path;

use super::State;
use crate::db::recovery::{Loaded, Loader, Parsed, load, parse_payload};
use crate::error::{Error, ErrorKind, Result};
use crate::format::header::{FileHeader, MAX_HEADER_LEN, decode_head};
use crate::format::record::{RECORD_HEADER_LEN, crc_matches, parse_header};
use crate::io::DbFile;
use crate::options::{NanoTsOptions, RecoveryMode};

/// Largest record a reader reads into memory while following a tail; a
/// larger one (far above any record cap in use) stops the reader there.
const MAX_FOLLOWED_RECORD: u64 = 256 << 20;

/// What a read-only handle keeps to follow the file.
pub struct Follow {
    /// The index as of `applied_end`.
    loader: Loader,
    /// End of the last transaction applied.
    applied_end: u64,
    /// The file's (device, inode): a rewrite renames a new file over the path.
    identity: (u64, u64),
    /// File length and slot bytes at the last look, to skip a look that
    /// would find nothing new.
    seen: (u64, Vec<u8>),
}

/// Opens `path` read-only: no lock, no write, no WAL.
pub fn open_read_only(path: &Path, opts: NanoTsOptions) -> Result<State> {
    let cap = opts.validate()?;
    if opts.recovery == RecoveryMode::Salvage {
        return Err(Error::invalid(
            "salvage writes the recovered database: it needs a writer, not a read-only open",
        ));
    }
    #[cfg(feature = "maintenance")]
    if opts.auto_maintenance.is_some() {
        return Err(Error::invalid("a read-only handle runs no maintenance"));
    }
    let file = DbFile::open_read_only(path)?;
    // The header first, then the length: a writer grows the file before it
    // publishes a slot naming the new end, so the length read second is at
    // least every committed end the header names (read the other way round,
    // a commit in between would look like a truncated file).
    let head = read_head(&file)?;
    let len = file.len()?;
    if len == 0 {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("{} is empty: no database was created in it yet", path.display()),
        ));
    }
    let header = decode_head(&head, len, path)?;
    // The committed prefix the newest slot names, mapped; then the tail.
    let (committed, _) = newest_committed_end(&header, &head, len)?;
    let map = file.map_len(Some(committed))?;
    let Loaded { loader, committed_end, .. } = load(&map, &head, &header, false)?;
    let identity = file.identity()?;
    let mut st = State::new(file, header, map, &head, committed_end, opts, cap);
    st.install_index(loader.clone().into_index());
    st.start_following(Follow { loader, applied_end: committed_end, identity, seen: (0, Vec::new()) });
    refresh(&mut st, path)?;
    Ok(st)
}

/// The file's first bytes, up to [`MAX_HEADER_LEN`] (fewer if the file is
/// shorter).
fn read_head(file: &DbFile) -> Result<Vec<u8>> {
    let mut head = vec![0u8; MAX_HEADER_LEN as usize];
    let mut got = 0;
    while got < head.len() {
        match file.read_some_at(&mut head[got..], got as u64)? {
            0 => break,
            n => got += n,
        }
    }
    head.truncate(got);
    Ok(head)
}

/// The committed end the newest decodable slot names (the start of the
/// records without one), and whether the file is shorter than it
/// (`Corrupt`).
fn newest_committed_end(header: &FileHeader, head: &[u8], len: u64) -> Result<(u64, u64)> {
    let layout = header.layout();
    let newest = layout.slots(head).into_iter().max_by_key(|s| s.seq);
    let data_start = layout.data_start;
    let end = newest.map_or(data_start, |s| s.committed_end);
    if end > len {
        return Err(Error::corrupt(format!(
            "the file is {len} bytes long but its commit slot says transactions were committed up to file offset {end}: it was truncated"
        )));
    }
    Ok((end.max(data_start), newest.map_or(0, |s| s.seq)))
}

/// Brings a read-only handle up to what the writer has committed: a new
/// file renamed over the path (a pack or compaction) is opened afresh;
/// transactions appended since the last look are applied. Returns whether
/// anything changed.
pub fn refresh(st: &mut State, path: &Path) -> Result<bool> {
    let Some((_, follow)) = st.follow_parts() else {
        return Ok(false);
    };
    let replaced = match std::fs::metadata(path) {
        Ok(m) => {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino()) != follow.identity
        }
        // Mid-rename or removed: keep the view of the file we hold.
        Err(_) => false,
    };
    if replaced {
        let opts = st.opts().clone();
        let stats = st.commit_stats();
        *st = open_read_only(path, opts)?;
        st.restore_commit_stats(stats);
        return Ok(true);
    }
    let layout = st.header().layout();
    let (file, follow) = st.follow_parts().expect("checked above");
    let len = file.len()?;
    let mut slots = vec![0u8; 2 * layout.slot_len];
    file.read_at(&mut slots, layout.slot_offsets[0])?;
    if follow.seen.0 == len && follow.seen.1 == slots {
        return Ok(false);
    }
    follow.seen = (len, slots);
    if len < follow.applied_end {
        return Err(Error::corrupt(format!(
            "{} shrank to {len} bytes below its committed end {}: it was truncated behind the writer's back",
            path.display(),
            follow.applied_end
        )));
    }
    let end = follow_tail(file, follow.applied_end, len, &mut follow.loader)?;
    if end == follow.applied_end {
        return Ok(false);
    }
    follow.applied_end = end;
    let index = follow.loader.clone().into_index();
    st.advance_followed(index, end)?;
    Ok(true)
}

/// Applies the complete, verified transactions from `from` on; returns the
/// end of the last one applied. Stops quietly at anything else.
fn follow_tail(file: &DbFile, from: u64, len: u64, loader: &mut Loader) -> Result<u64> {
    let mut pos = from;
    let mut end = from;
    let mut pending: Vec<(u64, Parsed)> = Vec::new();
    let mut buf = Vec::new();
    // A short read means the writer cut an uncommitted tail (a recovery at
    // its open, or a rolled-back transaction) while we read: the end.
    let read = |buf: &mut [u8], at: u64| match file.read_at(buf, at) {
        Ok(()) => Ok(true),
        Err(_) if file.len().is_ok_and(|l| l < at + buf.len() as u64) => Ok(false),
        Err(e) => Err(e),
    };
    while pos + RECORD_HEADER_LEN as u64 <= len {
        let mut head = [0u8; RECORD_HEADER_LEN];
        if !read(&mut head, pos)? {
            break;
        }
        let payload_len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as u64;
        let rec_len = RECORD_HEADER_LEN as u64 + payload_len;
        if pos + rec_len > len || payload_len > MAX_FOLLOWED_RECORD {
            break;
        }
        buf.clear();
        buf.resize(rec_len as usize, 0);
        if !read(&mut buf, pos)? {
            break;
        }
        let Ok(rec0) = parse_header(&buf, 0) else { break };
        if !crc_matches(&buf, &rec0) {
            break;
        }
        let rec = crate::format::record::RecordRef { offset: pos, ..rec0 };
        let Ok(parsed) = parse_payload(&buf[RECORD_HEADER_LEN..], &rec) else { break };
        pending.push((pos, parsed));
        pos += rec_len;
        if rec.kind.is_commit() {
            // A complete transaction that verified: committed by the writer.
            loader.apply_txn(std::mem::take(&mut pending))?;
            end = pos;
        }
    }
    Ok(end)
}
