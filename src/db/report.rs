//! What opening found and did ([`RecoveryReport`]) and what an integrity
//! check found ([`VerifyReport`]).

/// One problem found in the database file or its WAL, with its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Whether `offset` is in the `-wal` file rather than the `.ntt` file.
    pub in_wal: bool,
    /// Byte offset in that file.
    pub offset: u64,
    /// What is wrong, and what was done about it.
    pub message: String,
}

impl Problem {
    pub(crate) fn file(offset: u64, message: impl Into<String>) -> Problem {
        Problem { in_wal: false, offset, message: message.into() }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = if self.in_wal { "WAL" } else { "file" };
        write!(f, "{file} offset {}: {}", self.offset, self.message)
    }
}

/// What [`crate::NanoTsDb::open`] recovered. After a clean close everything
/// is zero and `problems` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Bytes of an uncommitted (torn) tail cut off the `.ntt` file.
    pub file_bytes_cut: u64,
    /// WAL frames whose rows were replayed (and flushed).
    pub wal_frames_replayed: u64,
    /// Rows those frames held.
    pub wal_rows_replayed: u64,
    /// Valid WAL frames that were *not* replayed because they follow a
    /// damaged one: possible only where the WAL was not synced (the sync
    /// mode's power-loss bound) or in salvage mode.
    pub wal_frames_dropped: u64,
    /// Everything else worth knowing: damage skipped by salvage, frames cut.
    pub problems: Vec<Problem>,
}

/// The result of [`crate::NanoTsDb::verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records walked in the `.ntt` file.
    pub records: u64,
    /// Live segments decoded.
    pub segments: u64,
    /// Rows in those segments.
    pub rows: u64,
    /// Every problem found; empty means the file is sound.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether no problem was found.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}
