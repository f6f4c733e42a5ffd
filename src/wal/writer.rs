//! Appending frames to the WAL through a shared mapping.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use memmap2::{MmapMut, MmapOptions};

use super::*;
use crate::error::{Error, ErrorKind, Result};
use crate::format::bytes::ByteWriter;
use crate::format::crc::Crc32State;
use crate::io::fault::{self, FaultOp};
use crate::io::{preallocate, random_u64, sync_parent_dir};
use crate::options::SyncMode;

/// Bytes reserved when a WAL is created, and the growth quantum.
const WAL_GROW_QUANTUM: usize = 1 << 20;

/// The open WAL of a database, positioned after its last frame.
pub struct WalWriter {
    file: File,
    path: PathBuf,
    map: MmapMut,
    /// Offset of the next frame.
    pos: usize,
    salt: u32,
    epoch: u64,
    db_id: u64,
    sync: SyncMode,
    max_record_size: u32,
    /// The CRC state after the first 12 checksummed bytes (length, kind,
    /// table id) of the last row frame written, for its table id and
    /// payload length under the current salt: a stream of rows to one
    /// table checksums only each row's own bytes. Cleared with the salt.
    row_crc: Option<RowCrc>,
}

/// [`WalWriter::row_crc`]: which frames the saved CRC state fits.
#[derive(Clone, Copy)]
struct RowCrc {
    table_id: u32,
    payload_len: usize,
    state: Crc32State,
}

impl WalWriter {
    /// Creates (or overwrites) the WAL at `path`, empty, at `epoch`.
    pub fn create(
        path: &Path,
        db_id: u64,
        epoch: u64,
        sync: SyncMode,
        max_record_size: u32,
    ) -> Result<WalWriter> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(e, "cannot open WAL", path))?;
        // The header goes to disk first, through write(2), and is fsynced
        // (synced modes) before the file is grown and mapped: whatever a
        // crash leaves, the WAL's header is whole or guards no rows.
        let salt = new_salt(0);
        let header = encode_header(salt, db_id, epoch, sync);
        let mut first = header.to_vec();
        first.resize(WAL_HEADER_LEN + FRAME_HEADER_LEN, 0);
        fault::hit(FaultOp::Write)
            .and_then(|()| file.write_all_at(&first, 0))
            .map_err(|e| Error::io(e, "cannot write WAL header", path))?;
        if sync != SyncMode::Never {
            fault::hit(FaultOp::Sync)
                .and_then(|()| file.sync_data())
                .map_err(|e| Error::io(e, "cannot fsync WAL", path))?;
            sync_parent_dir(path)?;
        }
        let len = file.metadata().map_err(|e| Error::io(e, "cannot stat WAL", path))?.len();
        let len = (len as usize).max(WAL_GROW_QUANTUM);
        preallocate(&file, len as u64, path)?;
        let map = map_mut(&file, len, path)?;
        Ok(WalWriter {
            file,
            path: path.to_path_buf(),
            map,
            pos: WAL_HEADER_LEN,
            salt,
            epoch,
            db_id,
            sync,
            max_record_size,
            row_crc: None,
        })
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Starts a new, empty epoch: a fresh salt makes every older frame
    /// invalid, so nothing needs erasing.
    pub fn reset(&mut self, epoch: u64) -> Result<()> {
        self.salt = new_salt(self.salt);
        self.row_crc = None;
        self.epoch = epoch;
        let h = encode_header(self.salt, self.db_id, epoch, self.sync);
        // The salt goes first, in one aligned 4-byte store: a crash in the
        // middle of this header then leaves either the old header whole
        // (its epoch was flushed: nothing is replayed) or a header whose
        // CRC fails with the new salt, under which no old frame validates
        // (recovery sees a torn header that guards no rows). Written the
        // other way round, a torn header could keep the old salt and make
        // the flushed frames look like damaged live ones.
        self.map[12..16].copy_from_slice(&self.salt.to_le_bytes());
        self.map[..WAL_HEADER_LEN].copy_from_slice(&h);
        // Zero the first frame slot so a reader of this epoch stops at once
        // even before the first append (stale frames would fail their CRC
        // anyway; this only makes the end explicit).
        let end = (WAL_HEADER_LEN + FRAME_HEADER_LEN).min(self.map.len());
        self.map[WAL_HEADER_LEN..end].fill(0);
        self.pos = WAL_HEADER_LEN;
        if self.sync == SyncMode::EveryAppend {
            self.msync(0, WAL_HEADER_LEN + FRAME_HEADER_LEN)?;
        }
        Ok(())
    }

    /// Logs one row.
    ///
    /// The hot path of `append_row`: the frame is written in place with its
    /// checksum continued from the saved state of its 12 header bytes
    /// ([`RowCrc`]), which equals the CRC-32 `frame_crc` computes.
    pub fn append_row(&mut self, table_id: u32, ts_ms: i64, values: &[f64]) -> Result<()> {
        let payload_len = 8 + 8 * values.len();
        if payload_len > self.max_record_size as usize {
            return Err(frame_too_large(payload_len, self.max_record_size));
        }
        // A row's payload is whole 8-byte words, so the frame needs no
        // padding.
        let len = FRAME_HEADER_LEN + payload_len;
        self.ensure_room(len + FRAME_HEADER_LEN)?;
        let prefix = self.row_crc_prefix(table_id, payload_len);
        let at = self.pos;
        let frame = &mut self.map[at..at + len + FRAME_HEADER_LEN];
        let (header, rest) = frame.split_at_mut(FRAME_HEADER_LEN);
        let (payload, next) = rest.split_at_mut(payload_len);
        header[4..8].copy_from_slice(&(payload_len as u32).to_le_bytes());
        header[8] = KIND_ROW;
        header[9..12].fill(0);
        header[12..16].copy_from_slice(&table_id.to_le_bytes());
        payload[..8].copy_from_slice(&ts_ms.to_le_bytes());
        for (dst, v) in payload[8..].chunks_exact_mut(8).zip(values) {
            dst.copy_from_slice(&v.to_bits().to_le_bytes());
        }
        // The zeroed header after the frame keeps the end of the log
        // explicit.
        next.fill(0);
        let crc = prefix.finish_words(payload);
        header[..4].copy_from_slice(&crc.to_le_bytes());
        if self.sync == SyncMode::EveryAppend {
            self.msync(at, len)?;
        }
        self.pos += len;
        Ok(())
    }

    /// The CRC state after the checksummed header bytes (4..16) of a row
    /// frame of `table_id` with `payload_len` bytes, under the current salt.
    fn row_crc_prefix(&mut self, table_id: u32, payload_len: usize) -> Crc32State {
        if let Some(c) = self.row_crc
            && c.table_id == table_id
            && c.payload_len == payload_len
        {
            return c.state;
        }
        let mut head = [0u8; FRAME_HEADER_LEN - 4];
        head[..4].copy_from_slice(&(payload_len as u32).to_le_bytes());
        head[4] = KIND_ROW;
        head[8..12].copy_from_slice(&table_id.to_le_bytes());
        let state = Crc32State::over(self.salt, &head);
        self.row_crc = Some(RowCrc { table_id, payload_len, state });
        state
    }

    /// Logs a columnar batch, split into frames that respect the record cap.
    /// `columns` all have `ts.len()` values (checked by the caller).
    pub fn append_rows(&mut self, table_id: u32, ts: &[i64], columns: &[&[f64]]) -> Result<()> {
        let row_bytes = 8 * (1 + columns.len());
        let per_frame = ((self.max_record_size as usize).saturating_sub(8) / row_bytes).max(1);
        // Each frame says how many frames of the same batch follow it, so
        // replay applies a batch only when all of its frames are there: a
        // crash between two frames never leaves half a batch.
        let mut more = ts.len().div_ceil(per_frame) as u32;
        let mut start = 0;
        while start < ts.len() {
            let end = (start + per_frame).min(ts.len());
            let n = end - start;
            let payload_len = 8 + n * row_bytes;
            more -= 1;
            self.write_frame(KIND_ROWS, table_id, payload_len, |p| {
                p[..4].copy_from_slice(&(n as u32).to_le_bytes());
                p[4..8].copy_from_slice(&more.to_le_bytes());
                let mut at = 8;
                for t in &ts[start..end] {
                    p[at..at + 8].copy_from_slice(&t.to_le_bytes());
                    at += 8;
                }
                for col in columns {
                    for v in &col[start..end] {
                        p[at..at + 8].copy_from_slice(&v.to_bits().to_le_bytes());
                        at += 8;
                    }
                }
            })?;
            start = end;
        }
        Ok(())
    }

    fn write_frame(
        &mut self,
        kind: u8,
        table_id: u32,
        payload_len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<()> {
        if payload_len > self.max_record_size as usize {
            return Err(frame_too_large(payload_len, self.max_record_size));
        }
        let len = frame_len(payload_len);
        // Room for this frame plus a zeroed header after it, so the end of
        // the log is always explicit.
        self.ensure_room(len + FRAME_HEADER_LEN)?;
        let at = self.pos;
        let frame = &mut self.map[at..at + len + FRAME_HEADER_LEN];
        frame[4..8].copy_from_slice(&(payload_len as u32).to_le_bytes());
        frame[8] = kind;
        frame[9..12].fill(0);
        frame[12..16].copy_from_slice(&table_id.to_le_bytes());
        fill(&mut frame[FRAME_HEADER_LEN..FRAME_HEADER_LEN + payload_len]);
        frame[FRAME_HEADER_LEN + payload_len..].fill(0);
        let crc = frame_crc(self.salt, &frame[4..FRAME_HEADER_LEN + payload_len]);
        frame[..4].copy_from_slice(&crc.to_le_bytes());
        if self.sync == SyncMode::EveryAppend {
            self.msync(at, len)?;
        }
        self.pos += len;
        Ok(())
    }

    fn ensure_room(&mut self, need: usize) -> Result<()> {
        if self.pos + need <= self.map.len() {
            return Ok(());
        }
        let new_len = (self.pos + need).max(self.map.len() * 2).next_multiple_of(WAL_GROW_QUANTUM);
        preallocate(&self.file, new_len as u64, &self.path)?;
        self.map = map_mut(&self.file, new_len, &self.path)?;
        Ok(())
    }

    fn msync(&self, offset: usize, len: usize) -> Result<()> {
        fault::hit(FaultOp::Sync)
            .and_then(|()| self.map.flush_range(offset, len))
            .map_err(|e| Error::io(e, "cannot msync WAL", &self.path))
    }

    /// Deletes the WAL file (after a clean close, when the `.ntt` holds
    /// everything).
    pub fn remove(self) -> Result<()> {
        let path = self.path.clone();
        drop(self);
        std::fs::remove_file(&path).map_err(|e| Error::io(e, "cannot remove WAL", &path))
    }
}

fn frame_too_large(payload_len: usize, cap: u32) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("WAL frame of {payload_len} bytes exceeds the record size cap of {cap} bytes"),
    )
}

fn map_mut(file: &File, len: usize, path: &Path) -> Result<MmapMut> {
    // SAFETY: the WAL file is private to the holder of the database lock,
    // and `len` bytes were reserved with posix_fallocate, so no page of the
    // mapping can fault on ENOSPC. Nobody truncates the file while mapped.
    fault::hit(FaultOp::Map).map_err(|e| Error::io(e, "cannot mmap WAL", path))?;
    // SAFETY: as above.
    unsafe { MmapOptions::new().len(len).map_mut(file) }.map_err(|e| Error::io(e, "cannot mmap WAL", path))
}

/// A random salt different from `old`.
fn new_salt(old: u32) -> u32 {
    let salt = random_u64() as u32;
    if salt == old { salt.wrapping_add(1) } else { salt }
}

/// The 64-byte header of an epoch.
fn encode_header(salt: u32, db_id: u64, epoch: u64, sync: SyncMode) -> [u8; WAL_HEADER_LEN] {
    let mut h = Vec::with_capacity(WAL_HEADER_LEN);
    let mut w = ByteWriter::new(&mut h);
    w.bytes(&WAL_MAGIC);
    w.u32(WAL_VERSION);
    w.u32(salt);
    w.u64(db_id);
    w.u64(epoch);
    w.u8(match sync {
        SyncMode::OnFlush => WAL_SYNC_ON_FLUSH,
        SyncMode::EveryAppend => WAL_SYNC_EVERY_APPEND,
        SyncMode::Never => WAL_SYNC_NEVER,
    });
    w.zeros(WAL_HEADER_CRC_OFFSET - WAL_SYNC_MODE_OFFSET - 1);
    let crc = crc32fast::hash(&h);
    ByteWriter::new(&mut h).u32(crc);
    h.try_into().expect("WAL header is WAL_HEADER_LEN bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row frames (checksummed from a saved header state) read back exactly
    /// through `replay`, which checks every frame with `frame_crc`: across
    /// tables of other column counts, a batch frame between them, and a new
    /// epoch (new salt).
    #[test]
    fn row_frames_replay_across_tables_and_epochs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.ntt-wal");
        let mut w = WalWriter::create(&path, 7, 1, SyncMode::Never, 1 << 20).unwrap();
        let mut want = Vec::new();
        let log = |w: &mut WalWriter, want: &mut Vec<_>, table: u32, ts: i64, values: &[f64]| {
            w.append_row(table, ts, values).unwrap();
            want.push((table, ts, values.to_vec()));
        };
        log(&mut w, &mut want, 1, 10, &[1.5, -0.0]);
        log(&mut w, &mut want, 1, 11, &[f64::NAN, f64::INFINITY]);
        log(&mut w, &mut want, 2, 12, &[1.0, 2.0, 3.0]);
        log(&mut w, &mut want, 1, 13, &[4.0, 5.0]);
        // Rows of the epoch that `reset` leaves behind must not replay.
        w.reset(2).unwrap();
        want.clear();
        log(&mut w, &mut want, 1, 20, &[6.0, 7.0]);
        w.append_rows(2, &[21, 22], &[&[8.0, 9.0], &[10.0, 11.0], &[12.0, 13.0]]).unwrap();
        want.push((2, 21, vec![8.0, 10.0, 12.0]));
        want.push((2, 22, vec![9.0, 11.0, 13.0]));
        log(&mut w, &mut want, 2, 23, &[14.0, 15.0, 16.0]);
        log(&mut w, &mut want, 1, i64::MIN, &[17.0, 18.0]);
        drop(w);
        let mut got = Vec::new();
        let replay = super::super::replay(&path, 7, 1, false, |b| {
            for r in 0..b.nrows {
                let values = (0..b.ncols).map(|c| b.value(r, c)).collect::<Vec<f64>>();
                got.push((b.table_id, b.ts(r), values));
            }
            Ok(())
        })
        .unwrap();
        assert_eq!((replay.frames, replay.rows), (4, 5));
        assert!(replay.problems.is_empty(), "{:?}", replay.problems);
        let bits = |v: &[(u32, i64, Vec<f64>)]| {
            v.iter().map(|(t, ts, x)| (*t, *ts, x.iter().map(|f| f.to_bits()).collect())).collect::<Vec<(
                u32,
                i64,
                Vec<u64>,
            )>>()
        };
        assert_eq!(bits(&got), bits(&want));
    }
}
