//! The engine's side of a rewrite (pack, retention compaction, salvage,
//! backup): the snapshot of the index that `maintenance::rewrite` reads, and
//! the switch to the file it wrote.

use std::sync::Arc;

use super::State;
use crate::error::Result;
use crate::maintenance::{RewriteInput, Rewritten, TableAction, TableInput};
use crate::table::Table;

impl State {
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
        // The new file has this library's format, whose header layout may
        // differ from the old file's: slots are written where it says.
        self.header = new.header;
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
        // Offsets in the new file name other segments.
        self.storage = Default::default();
        Ok(())
    }
}
