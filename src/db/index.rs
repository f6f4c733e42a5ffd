//! The index a load of the file rebuilds (tables, segments, tombstones and
//! commit fields), as recovery hands it to the state. Its own module so that
//! recovery, which builds it, and the state, which installs it, do not use
//! each other.

use crate::table::Table;
use crate::table::records::CommitInfo;

/// The index that loading the file rebuilt, handed over whole to
/// [`State::install_index`].
pub struct Index {
    /// Every live table with its segments and tombstones; empty buffers.
    pub tables: Vec<Table>,
    pub next_table_id: u32,
    pub commit: CommitInfo,
    /// File offset of the newest checkpoint record applied (0 = none).
    pub checkpoint_offset: u64,
    pub records_since_checkpoint: u64,
    /// Whether dead bytes (dropped tables, superseded segments) are present.
    pub garbage: bool,
}
