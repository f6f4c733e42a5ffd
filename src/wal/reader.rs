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

/// Reads the WAL at `path`, if any, handing each valid frame to `apply` in
/// order with the WAL's epoch. Returns the number of frames applied.
///
/// `apply` may reject a frame (unknown table, wrong column count): that is
/// reported as corruption of the WAL at the frame's offset.
pub fn replay(
    path: &Path,
    db_id: u64,
    max_record_size: u32,
    mut apply: impl FnMut(u64, &WalBatch<'_>) -> Result<()>,
) -> Result<usize> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(e, "cannot open WAL", path)),
    };
    let len = file.metadata().map_err(|e| Error::io(e, "cannot stat WAL", path))?.len();
    if len == 0 {
        return Ok(0);
    }
    // SAFETY: read-only mapping of a file only this lock holder writes;
    // nothing writes it while recovery runs.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(e, "cannot mmap WAL", path))?;
    let data: &[u8] = &map;
    let corrupt = |msg: String| Error::corrupt(format!("WAL {}: {msg}", path.display()));

    if data.len() < WAL_HEADER_LEN || data[..8] != WAL_MAGIC {
        return Err(corrupt("not a NanoTS WAL (bad magic at offset 0)".into()));
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
    let salt = le_u32(data, 12);
    let header_ok = crc32fast::hash(&data[..WAL_HEADER_CRC_OFFSET]) == le_u32(data, WAL_HEADER_CRC_OFFSET);
    if !header_ok {
        // A header is rewritten only when an epoch starts (right after a
        // committed flush, or at creation): a torn one guards no rows. If a
        // frame validates under its salt, though, the header was damaged
        // while rows depended on it.
        if next_valid_frame(data, WAL_HEADER_LEN, salt, max_record_size).is_some() {
            return Err(corrupt("header fails its CRC32 check at offset 0 but frames follow".into()));
        }
        return Ok(0);
    }
    if le_u64(data, 16) != db_id {
        return Err(corrupt(
            "belongs to another database (its database id differs); move it away if the .ntt file was replaced on purpose".into(),
        ));
    }
    let epoch = le_u64(data, 24);

    let mut pos = WAL_HEADER_LEN;
    let mut frames = 0;
    while let Some((batch, len)) = parse_frame(data, pos, salt, max_record_size) {
        apply(epoch, &batch).map_err(|e| corrupt(format!("frame at offset {pos}: {}", e.message())))?;
        frames += 1;
        pos += len;
    }
    if let Some(next) = next_valid_frame(data, pos + FRAME_ALIGN, salt, max_record_size) {
        return Err(corrupt(format!(
            "frame at offset {pos} is damaged but a valid frame follows at offset {next}; to open the database without the rows of this WAL, move the WAL file away (its rows since the last flush are then lost)"
        )));
    }
    Ok(frames)
}

/// The frame at `pos` and its padded length, if it is complete and valid.
fn parse_frame(data: &[u8], pos: usize, salt: u32, max_record_size: u32) -> Option<(WalBatch<'_>, usize)> {
    let header = data.get(pos..pos.checked_add(FRAME_HEADER_LEN)?)?;
    let payload_len = le_u32(header, 4) as usize;
    let kind = header[8];
    if payload_len > max_record_size as usize || header[9..12] != [0, 0, 0] || payload_len < 8 {
        return None;
    }
    let body_end = pos.checked_add(FRAME_HEADER_LEN + payload_len)?;
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
            }
        }
        KIND_ROWS => {
            let nrows = le_u32(payload, 0) as usize;
            let body = payload_len - 8;
            if nrows == 0 || !body.is_multiple_of(8 * nrows) || body / (8 * nrows) < 2 {
                return None;
            }
            let ncols = body / (8 * nrows) - 1;
            WalBatch {
                table_id,
                nrows,
                ncols,
                ts: &payload[8..8 + 8 * nrows],
                values: &payload[8 + 8 * nrows..],
                row_major: false,
            }
        }
        _ => return None,
    };
    Some((batch, frame_len(payload_len)))
}

/// Offset of the first valid frame at or after `from` (8-byte steps).
fn next_valid_frame(data: &[u8], from: usize, salt: u32, max_record_size: u32) -> Option<usize> {
    let mut at = from.next_multiple_of(FRAME_ALIGN);
    while at + FRAME_HEADER_LEN <= data.len() {
        if parse_frame(data, at, salt, max_record_size).is_some() {
            return Some(at);
        }
        at += FRAME_ALIGN;
    }
    None
}
