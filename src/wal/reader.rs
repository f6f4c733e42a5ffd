//! Reading a WAL back at open (crash recovery).

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use super::*;
use crate::error::{Error, ErrorKind, Result};
use crate::format::bytes::{le_u32, le_u64};

/// Rows of one frame, decoded lazily from the frame's bytes.
pub struct WalBatch<'a> {
    pub table_id: u32,
    pub nrows: usize,
    pub ncols: usize,
    /// Frames of the same `append_rows` batch that follow this one.
    more_frames: u32,
    ts: &'a [u8],
    values: &'a [u8],
    /// Row-major (one row frame) or column-major (batch frame).
    row_major: bool,
}

impl WalBatch<'_> {
    pub fn ts(&self, row: usize) -> i64 {
        le_u64(self.ts, row * 8) as i64
    }

    pub fn value(&self, row: usize, col: usize) -> f64 {
        let i = if self.row_major { row * self.ncols + col } else { col * self.nrows + row };
        f64::from_bits(le_u64(self.values, i * 8))
    }
}

/// What replaying a WAL did.
#[derive(Debug, Default)]
pub struct WalReplay {
    /// Frames whose rows were applied.
    pub frames: u64,
    /// Rows of those frames.
    pub rows: u64,
    /// Valid frames not applied because they follow a damaged one (or, in
    /// salvage, were rejected).
    pub frames_dropped: u64,
    /// (WAL offset, what was dropped and why).
    pub problems: Vec<(u64, String)>,
}

/// Reads the WAL at `path`, if any, and hands each valid frame to `apply`
/// in order, if the WAL's epoch follows `flushed_epoch` (an epoch at or
/// below it is already in the file). Nothing is written.
///
/// Strict (`salvage` false): damage that cannot be a torn write is
/// `Corrupt` naming the offset; `apply` may reject a frame (unknown table,
/// wrong column count), which is reported the same way. Salvage: such
/// frames, and everything after a damaged frame, are dropped and reported.
pub fn replay(
    path: &Path,
    db_id: u64,
    flushed_epoch: u64,
    salvage: bool,
    mut apply: impl FnMut(&WalBatch<'_>) -> Result<()>,
) -> Result<WalReplay> {
    let mut out = WalReplay::default();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(e, "cannot open WAL", path)),
    };
    let len = file.metadata().map_err(|e| Error::io(e, "cannot stat WAL", path))?.len();
    if len == 0 {
        return Ok(out);
    }
    // SAFETY: read-only mapping of a file only this lock holder writes;
    // nothing writes it while recovery runs.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(e, "cannot mmap WAL", path))?;
    let data: &[u8] = &map;
    let corrupt = |msg: String| Error::corrupt(format!("WAL {}: {msg}", path.display()));
    // Damage in strict mode is an error; in salvage the rest is dropped.
    let give_up = |out: &mut WalReplay, offset: u64, msg: String| -> Result<()> {
        if !salvage {
            return Err(corrupt(msg));
        }
        out.problems.push((offset, format!("{msg}: the rest of the WAL was dropped")));
        Ok(())
    };

    let salt = if data.len() >= 16 { le_u32(data, 12) } else { 0 };
    let header_ok = data.len() >= WAL_HEADER_LEN
        && data[..8] == WAL_MAGIC
        && crc32fast::hash(&data[..WAL_HEADER_CRC_OFFSET]) == le_u32(data, WAL_HEADER_CRC_OFFSET);
    if !header_ok {
        // The header is written before any frame can be (at creation, and
        // when an epoch starts, salt first): a WAL without a valid one
        // guards no rows, unless a frame validates under its salt, which
        // means the header was damaged while rows depended on it.
        if let Some(at) = next_valid_frame(data, WAL_HEADER_LEN, salt) {
            out.frames_dropped = count_valid_frames(data, at, salt);
            give_up(
                &mut out,
                0,
                format!("header is damaged (offset 0) but a valid frame follows at offset {at}"),
            )?;
        }
        return Ok(out);
    }
    let version = le_u32(data, 8);
    if version > WAL_VERSION {
        return Err(Error::new(
            ErrorKind::UnsupportedVersion,
            format!(
                "WAL {} has version {version}, newer than this library reads ({WAL_VERSION})",
                path.display()
            ),
        ));
    }
    if le_u64(data, 16) != db_id {
        give_up(
            &mut out,
            16,
            "belongs to another database (its database id at offset 16 differs); move it away if the .ntt file was replaced on purpose".into(),
        )?;
        return Ok(out);
    }
    let epoch = le_u64(data, 24);
    let mode = if version >= 2 { data[WAL_SYNC_MODE_OFFSET] } else { WAL_SYNC_ON_FLUSH };
    let synced = mode == WAL_SYNC_EVERY_APPEND;
    let never = mode == WAL_SYNC_NEVER;
    if epoch <= flushed_epoch {
        return Ok(out); // already in the file
    }
    if epoch != flushed_epoch + 1 {
        let msg = format!(
            "epoch {epoch} (offset 24) is ahead of the file, which has flushed epoch {flushed_epoch}"
        );
        out.frames_dropped = count_valid_frames(data, WAL_HEADER_LEN, salt);
        if never {
            // Written without fsyncs: the file's last commits were lost to
            // a power cut while this later header reached the disk. Its rows
            // follow the lost ones; replaying them would leave a gap.
            let n = out.frames_dropped;
            out.problems.push((
                24,
                format!("{msg}: SyncMode::Never lost the flushes in between; {n} frames dropped"),
            ));
            return Ok(out);
        }
        give_up(&mut out, 24, msg)?;
        return Ok(out);
    }

    let mut pos = WAL_HEADER_LEN;
    // The frames of a batch, held until its last one is read: a batch
    // whose last frame is missing was never acknowledged and is dropped
    // whole, like a torn frame.
    let mut batch_frames: Vec<(usize, WalBatch<'_>)> = Vec::new();
    while let Some((batch, len)) = parse_frame(data, pos, salt) {
        if let Some((_, prev)) = batch_frames.last()
            && (batch.more_frames + 1 != prev.more_frames || batch.table_id != prev.table_id)
        {
            out.frames_dropped = count_valid_frames(data, pos, salt);
            give_up(
                &mut out,
                pos as u64,
                format!("frame at offset {pos} does not continue the batch before it"),
            )?;
            return Ok(out);
        }
        let last_of_batch = batch.more_frames == 0;
        batch_frames.push((pos, batch));
        pos += len;
        if !last_of_batch {
            continue;
        }
        for (at, batch) in batch_frames.drain(..) {
            match apply(&batch) {
                Ok(()) => {
                    out.frames += 1;
                    out.rows += batch.nrows as u64;
                }
                Err(e) => {
                    out.frames_dropped = count_valid_frames(data, at, salt);
                    give_up(&mut out, at as u64, format!("frame at offset {at}: {}", e.message()))?;
                    return Ok(out);
                }
            }
        }
    }
    if let Some(next) = next_valid_frame(data, pos + FRAME_ALIGN, salt) {
        let dropped = count_valid_frames(data, next, salt);
        let msg = format!("frame at offset {pos} is damaged but a valid frame follows at offset {next}");
        if synced && !salvage {
            return Err(corrupt(format!(
                "{msg}; to open the database without the rows of this WAL, open in salvage mode or move the WAL file away (its rows since the last flush are then lost)"
            )));
        }
        // Unsynced: a power cut kept a later page without an earlier one.
        out.frames_dropped = dropped;
        out.problems
            .push((pos as u64, format!("{msg}: the WAL was cut there ({dropped} valid frames dropped)")));
    }
    Ok(out)
}

/// Valid frames from `at` on, each found by scanning (for the report).
fn count_valid_frames(data: &[u8], mut at: usize, salt: u32) -> u64 {
    let mut n = 0;
    while let Some(next) = next_valid_frame(data, at, salt) {
        n += 1;
        at = next + FRAME_ALIGN;
    }
    n
}

/// The frame at `pos` and its padded length, if it is complete and valid.
fn parse_frame(data: &[u8], pos: usize, salt: u32) -> Option<(WalBatch<'_>, usize)> {
    let header = data.get(pos..pos.checked_add(FRAME_HEADER_LEN)?)?;
    let payload_len = le_u32(header, 4) as usize;
    let kind = header[8];
    if header[9..12] != [0, 0, 0] || payload_len < 8 {
        return None;
    }
    // Checked in two steps: on a 32-bit target a damaged length near
    // u32::MAX overflows `FRAME_HEADER_LEN + payload_len` itself.
    let body_end = pos.checked_add(FRAME_HEADER_LEN)?.checked_add(payload_len)?;
    let payload = data.get(pos + FRAME_HEADER_LEN..body_end)?;
    if frame_crc(salt, &data[pos + 4..body_end]) != le_u32(header, 0) {
        return None;
    }
    let table_id = le_u32(header, 12);
    let batch = match kind {
        KIND_ROW => {
            if !payload_len.is_multiple_of(8) || payload_len < 16 {
                return None;
            }
            WalBatch {
                table_id,
                nrows: 1,
                ncols: payload_len / 8 - 1,
                ts: &payload[..8],
                values: &payload[8..],
                row_major: true,
                more_frames: 0,
            }
        }
        KIND_ROWS => {
            let nrows = le_u32(payload, 0) as usize;
            let body = payload_len - 8;
            // `8 * nrows` overflows a 32-bit usize for a large count.
            let row_bytes = nrows.checked_mul(8)?;
            if nrows == 0 || !body.is_multiple_of(row_bytes) || body / row_bytes < 2 {
                return None;
            }
            let ncols = body / row_bytes - 1;
            WalBatch {
                table_id,
                nrows,
                ncols,
                more_frames: le_u32(payload, 4),
                ts: &payload[8..8 + row_bytes],
                values: &payload[8 + row_bytes..],
                row_major: false,
            }
        }
        _ => return None,
    };
    Some((batch, frame_len(payload_len)))
}

/// Offset of the first valid frame at or after `from` (8-byte steps).
fn next_valid_frame(data: &[u8], from: usize, salt: u32) -> Option<usize> {
    let mut at = from.next_multiple_of(FRAME_ALIGN);
    while at + FRAME_HEADER_LEN <= data.len() {
        if parse_frame(data, at, salt).is_some() {
            return Some(at);
        }
        at += FRAME_ALIGN;
    }
    None
}
