//! Flush: every table's buffered rows become segments in one transaction,
//! and the WAL starts a new epoch; and close, which flushes, checkpoints
//! and removes the WAL.

use std::sync::Arc;

use super::State;
use crate::codec::Level;
use crate::error::Result;
use crate::format::tail_earns_checkpoint;
use crate::options::SyncMode;
use crate::segment::{SegmentMeta, write_segment_records};
use crate::wal::WalWriter;

impl State {
    /// Turns every table's buffered rows into segments, commits, and starts
    /// Turns every table's buffered rows into segments, commits, and starts
    /// a new WAL epoch. `checkpoint` forces a checkpoint record.
    pub fn flush(&mut self, checkpoint: bool) -> Result<()> {
        self.write(|st| st.flush_inner(checkpoint))
    }

    /// [`Self::flush`] for callers already inside a write path.
    pub(super) fn flush_inner(&mut self, checkpoint: bool) -> Result<()> {
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
        // One table flushed (the usual ingest): its vectors go back to it,
        // emptied, so the next rows fill memory already mapped. Kept only
        // within the capacity the buffers may reach anyway (2F, SPEC.md 8.4).
        if let [(id, ts, cols)] = taken.as_mut_slice()
            && 8 * (ts.capacity() + cols.iter().map(Vec::capacity).sum::<usize>())
                <= self.opts.auto_flush_bytes.saturating_mul(2)
        {
            let t = self.tables.get_mut(id).expect("listed id");
            t.mem.recycle(std::mem::take(ts), std::mem::take(cols));
        }
        #[cfg(feature = "maintenance")]
        {
            self.last_flush = std::time::Instant::now();
        }
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

    /// Flushes, writes a checkpoint (unless the records after the newest
    /// one are few: [`tail_earns_checkpoint`]), fsyncs, removes the WAL.
    /// After this the `.ntt` file alone is the database.
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
            if tail_earns_checkpoint(st.end - st.checkpoint_offset.max(st.header.layout().data_start)) {
                st.flush_inner(true)?;
            }
            st.file.sync_data()?;
            if st.opts.sync == SyncMode::Never {
                st.write_slot()?;
                st.file.sync_data()?;
            }
            st.wal_path = None;
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
