//! Options for opening a database.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::format::DEFAULT_MAX_RECORD_SIZE;

/// When NanoTS forces data to stable storage.
///
/// In every mode an append is copied into the WAL's shared mapping before it
/// returns, so a *process* crash never loses a returned append. The modes
/// differ in what survives *power loss or an OS crash*:
///
/// | mode | cost | survives power loss |
/// | --- | --- | --- |
/// | `EveryAppend` | one `msync` per append call | every returned append |
/// | `OnFlush` (default) | one `fdatasync` per flush | everything flushed; appends since the last flush (at most `auto_flush_bytes` of rows) may be lost |
/// | `Never` | none | the last fsynced point (open, close, a rewrite) and the later transactions that reached the disk whole; the file always opens |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// `msync` the WAL frame before each append returns.
    EveryAppend,
    /// `fdatasync` the `.ntt` file at every flush and table creation.
    #[default]
    OnFlush,
    /// Never fsync; leave write-back to the OS.
    Never,
}

/// What opening does with a damaged file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecoveryMode {
    /// Open only a file whose committed data is intact (a torn, never
    /// acknowledged tail is cut; in unsynced modes a WAL is cut at its first
    /// bad frame). Anything else is `Corrupt` naming the offset, and the
    /// file is left untouched.
    #[default]
    Strict,
    /// Open what can be opened, like SQLite's `.recover`: records and
    /// segments that fail their checks, unreadable stretches and WAL frames
    /// after a damaged one are dropped, each reported in
    /// [`crate::NanoTsDb::recovery_report`]. If anything in the `.ntt` file
    /// was dropped, the damaged file is kept as `<path>.damaged` and the
    /// database is rewritten from what was recovered.
    Salvage,
}

/// Options for [`crate::NanoTsDb::open`]. Construct with struct update
/// syntax over `Default::default()` so new fields keep your code compiling.
#[derive(Debug, Clone, PartialEq)]
pub struct NanoTsOptions {
    /// Rows older than this (relative to the table's newest row, or wall
    /// clock if earlier) may be removed by retention compaction. `None`
    /// keeps everything.
    pub retention: Option<Duration>,
    /// When data is forced to disk; see [`SyncMode`].
    pub sync: SyncMode,
    /// Buffered row bytes (8 per timestamp and per value, all tables) that
    /// trigger an automatic flush before the next append. Bounds writer
    /// memory: the buffers hold at most this much plus one append (twice
    /// this much while a pack or compaction runs), and their capacity at
    /// most twice that; the WAL's mapped pages follow it (SPEC.md 8.4).
    /// Default 4 MiB. `0` disables auto-flush.
    pub auto_flush_bytes: usize,
    /// Most rows per segment written by a flush. Default 131,072 (larger
    /// segments compress better; a query decodes whole segments); at most
    /// 4,194,304 (2^22).
    pub segment_max_rows: usize,
    /// When set, flushes and packs cut segments at multiples of this many
    /// milliseconds, so that no segment spans two time partitions. Time
    /// bucket aggregations whose buckets are multiples of it (e.g. hourly
    /// buckets with `Some(3_600_000)`) then answer every whole partition
    /// from segment statistics without decoding, at some cost in
    /// compression for sparse series. Default `None`.
    pub segment_partition_ms: Option<i64>,
    /// Cap on any record's payload in bytes. `None` reads the
    /// `NANOTS_MAX_RECORD_SIZE` environment variable, else 64 MiB.
    pub max_record_size: Option<u32>,
    /// Background maintenance (a thread that flushes, applies retention and
    /// merges small segments). Only [`crate::NanoTsDbShared::open`] starts
    /// it; [`crate::NanoTsDb::open`] refuses options that ask for it, since
    /// NanoTS never starts a thread the host did not ask for. Cargo feature
    /// `maintenance` (default).
    #[cfg(feature = "maintenance")]
    pub auto_maintenance: Option<AutoMaintenanceOptions>,
    /// What opening does with a damaged file. Default `Strict`.
    pub recovery: RecoveryMode,
    /// Open read-only, next to a writer in this or another process: no
    /// lock, no write, no WAL; every write call returns `ReadOnly`. See
    /// [`crate::NanoTsDb::open_read_only`]. Default `false`.
    pub read_only: bool,
}

/// Schedule of background maintenance. Every `interval` the thread wakes
/// and, in this order:
/// - flushes buffered rows if the last flush (by anyone) was `flush_after`
///   ago or more, bounding the rows at risk on power loss in time as well as
///   in bytes;
/// - runs retention compaction (`compact_retention_now`) every
///   `retention_every`, if `NanoTsOptions::retention` is set;
/// - merges a table's trailing run of small segments (fewer than
///   `pack_target_rows / 2` rows) once there are `merge_min_segments` of
///   them, into segments of up to `pack_target_rows` rows, appended at the
///   end of the file (cost: the merged rows only; the old segments' space
///   comes back at the next retention compaction).
#[cfg(feature = "maintenance")]
#[derive(Debug, Clone, PartialEq)]
pub struct AutoMaintenanceOptions {
    /// How often the thread wakes. Default 1 s.
    pub interval: Duration,
    /// Flush buffered rows older than this. Default 5 s.
    pub flush_after: Duration,
    /// How often retention compaction runs. Default 60 s.
    pub retention_every: Duration,
    /// Small trailing segments that trigger a merge. Default 8.
    pub merge_min_segments: usize,
    /// Rows per merged segment. Default 131,072.
    pub pack_target_rows: usize,
}

#[cfg(feature = "maintenance")]
impl Default for AutoMaintenanceOptions {
    fn default() -> Self {
        AutoMaintenanceOptions {
            interval: Duration::from_secs(1),
            flush_after: Duration::from_secs(5),
            retention_every: Duration::from_secs(60),
            merge_min_segments: 8,
            pack_target_rows: 131_072,
        }
    }
}

impl Default for NanoTsOptions {
    fn default() -> Self {
        NanoTsOptions {
            retention: None,
            sync: SyncMode::default(),
            auto_flush_bytes: 4 << 20,
            segment_max_rows: 131_072,
            segment_partition_ms: None,
            max_record_size: None,
            #[cfg(feature = "maintenance")]
            auto_maintenance: None,
            recovery: RecoveryMode::Strict,
            read_only: false,
        }
    }
}

/// Smallest record cap accepted: one table record and one single-row
/// segment of a small table must always fit.
pub const MIN_MAX_RECORD_SIZE: u32 = 4096;

impl NanoTsOptions {
    /// Checks the options and resolves the record cap (environment included).
    pub(crate) fn validate(&self) -> Result<u32> {
        if self.segment_max_rows == 0 || self.segment_max_rows > crate::format::MAX_SEGMENT_ROWS {
            return Err(Error::invalid(format!(
                "segment_max_rows must be 1..={}, got {}",
                crate::format::MAX_SEGMENT_ROWS,
                self.segment_max_rows
            )));
        }
        #[cfg(feature = "maintenance")]
        if let Some(m) = &self.auto_maintenance
            && (m.interval.is_zero()
                || m.merge_min_segments < 2
                || m.pack_target_rows < 2
                || m.pack_target_rows > crate::format::MAX_SEGMENT_ROWS)
        {
            return Err(Error::invalid(format!(
                "auto_maintenance needs interval > 0, merge_min_segments >= 2 and pack_target_rows 2..={}: {m:?}",
                crate::format::MAX_SEGMENT_ROWS
            )));
        }
        if let Some(p) = self.segment_partition_ms
            && p <= 0
        {
            return Err(Error::invalid(format!("segment_partition_ms must be positive, got {p}")));
        }
        let cap = match self.max_record_size {
            Some(v) => v,
            None => max_record_size_from_env(std::env::var("NANOTS_MAX_RECORD_SIZE").ok().as_deref())?,
        };
        if cap < MIN_MAX_RECORD_SIZE {
            return Err(Error::invalid(format!(
                "max record size {cap} is below the minimum of {MIN_MAX_RECORD_SIZE} bytes"
            )));
        }
        Ok(cap)
    }
}

/// Parses `NANOTS_MAX_RECORD_SIZE`: unset means the default; anything but a
/// positive integer that fits u32 is an error, never silently ignored.
pub(crate) fn max_record_size_from_env(value: Option<&str>) -> Result<u32> {
    let Some(raw) = value else {
        return Ok(DEFAULT_MAX_RECORD_SIZE);
    };
    match raw.trim().parse::<u32>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::invalid(format!(
            "NANOTS_MAX_RECORD_SIZE must be a positive integer number of bytes below 4 GiB, got {raw:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_value_parsing() {
        assert_eq!(max_record_size_from_env(None).unwrap(), DEFAULT_MAX_RECORD_SIZE);
        assert_eq!(max_record_size_from_env(Some("65536")).unwrap(), 65536);
        for bad in ["", "0", "-5", "12MB", "99999999999"] {
            let err = max_record_size_from_env(Some(bad)).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
        }
    }
}
