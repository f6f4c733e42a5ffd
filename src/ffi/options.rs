//! `nts_options`: the C view of [`crate::NanoTsOptions`], its defaults
//! (`nts_options_init`) and its conversion for `nts_open`.

use std::ptr;
use std::time::Duration;

use super::args::{out_arg, usize_of};
use super::boundary::{FfiError, FfiResult, call_value};
use super::versioned::read_versioned;
#[cfg(feature = "maintenance")]
use crate::AutoMaintenanceOptions;
use crate::{NanoTsOptions, RecoveryMode, SyncMode};

/// `nts_options.sync`: `msync` the WAL before every append returns.
pub const NTS_SYNC_EVERY_APPEND: u32 = 0;
/// `nts_options.sync`: `fdatasync` the file at every flush (the default).
pub const NTS_SYNC_ON_FLUSH: u32 = 1;
/// `nts_options.sync`: never force data to disk (leave it to the OS).
pub const NTS_SYNC_NEVER: u32 = 2;

/// Options for `nts_open`. A versioned struct: always initialize it with
/// `nts_options_init`, which sets `struct_size` and every default, then
/// change the fields you need. Fields are only ever appended; the library
/// reads only the fields that fit in `struct_size`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nts_options {
    /// `sizeof(nts_options)` as compiled by the caller (set by
    /// `nts_options_init`).
    pub struct_size: u32,
    /// `NTS_SYNC_EVERY_APPEND`, `NTS_SYNC_ON_FLUSH` (default) or
    /// `NTS_SYNC_NEVER`.
    pub sync: u32,
    /// Buffered row bytes that trigger an automatic flush; 0 disables
    /// auto-flush. Default 4 MiB.
    pub auto_flush_bytes: u64,
    /// Most rows per segment written by a flush: 1..=4194304. Default 131072.
    pub segment_max_rows: u64,
    /// Cap on any record's payload in bytes; 0 = the
    /// `NANOTS_MAX_RECORD_SIZE` environment variable, else 64 MiB.
    pub max_record_size: u32,
    /// Reserved, must be 0.
    pub reserved: u32,
    /// Rows older than this many milliseconds may be dropped by retention;
    /// 0 keeps everything. Must not be negative.
    pub retention_ms: i64,
    /// 1 = run background maintenance on a thread of its own for this handle
    /// (flush, retention, merging small segments; see the fields below);
    /// 0 (default) = no thread. A library built without the cargo feature
    /// `maintenance` (`NTS_NO_MAINTENANCE`) refuses 1 with
    /// `NTS_ERR_INVALID_ARGUMENT`.
    pub auto_maintenance: u32,
    /// Reserved, must be 0.
    pub reserved2: u32,
    /// How often the maintenance thread wakes, in ms; 0 = 1000.
    pub maintenance_interval_ms: u64,
    /// The thread flushes buffered rows older than this, in ms; 0 = 5000.
    pub flush_after_ms: u64,
    /// The thread runs retention compaction this often, in ms (when
    /// `retention_ms` is set); 0 = 60000.
    pub retention_every_ms: u64,
    /// Cut segments at multiples of this many ms (e.g. 3600000: hourly
    /// aggregations are then answered from segment statistics); 0 = off.
    /// Must not be negative.
    pub segment_partition_ms: i64,
    /// `NTS_RECOVERY_STRICT` (default): a damaged file is refused with
    /// `NTS_ERR_CORRUPT` and left untouched; `NTS_RECOVERY_SALVAGE`: open
    /// what can be opened and report what was dropped
    /// (`nts_recovery_report`). Added in the second version of the struct.
    pub recovery: u32,
    /// 1 = open read-only, next to a writer in this or another process: no
    /// lock, no write, no WAL; every write call returns `NTS_ERR_READ_ONLY`;
    /// queries see what the writer has flushed, refreshed at each query
    /// (`nts_refresh`). 0 (default) = the writer. Added with `recovery`.
    pub read_only: u32,
}

/// `nts_options.recovery`: refuse damaged files (default).
pub const NTS_RECOVERY_STRICT: u32 = 0;
/// `nts_options.recovery`: open what can be opened, report what was dropped.
pub const NTS_RECOVERY_SALVAGE: u32 = 1;

/// Size of the first version of `nts_options`: the smallest `struct_size`
/// accepted, forever. Fields appended later default when a caller's struct
/// is shorter.
const OPTIONS_MIN_SIZE: usize = 80;

fn default_options() -> nts_options {
    let d = NanoTsOptions::default();
    nts_options {
        struct_size: size_of::<nts_options>() as u32,
        sync: NTS_SYNC_ON_FLUSH,
        auto_flush_bytes: d.auto_flush_bytes as u64,
        segment_max_rows: d.segment_max_rows as u64,
        max_record_size: 0,
        reserved: 0,
        retention_ms: 0,
        auto_maintenance: 0,
        reserved2: 0,
        maintenance_interval_ms: 0,
        flush_after_ms: 0,
        retention_every_ms: 0,
        segment_partition_ms: 0,
        recovery: NTS_RECOVERY_STRICT,
        read_only: 0,
    }
}

/// Reads and converts a caller's options struct.
///
/// # Safety
/// `opts` is NULL or points to at least `opts->struct_size` readable bytes.
pub(super) unsafe fn options_from_c(opts: *const nts_options) -> FfiResult<NanoTsOptions> {
    if opts.is_null() {
        return Ok(NanoTsOptions::default());
    }
    // Fields the caller's (older) struct lacks keep their defaults; fields
    // of a newer, larger struct are ignored.
    // SAFETY: `opts->struct_size` readable bytes per the contract; every
    // field of nts_options is a plain integer, valid for any bit pattern.
    let o = unsafe {
        read_versioned(
            opts,
            default_options(),
            OPTIONS_MIN_SIZE,
            "opts",
            ": initialize it with nts_options_init",
        )
    }?;
    let sync = match o.sync {
        NTS_SYNC_EVERY_APPEND => SyncMode::EveryAppend,
        NTS_SYNC_ON_FLUSH => SyncMode::OnFlush,
        NTS_SYNC_NEVER => SyncMode::Never,
        other => {
            return Err(FfiError::invalid(format!("opts->sync {other} is not an NTS_SYNC_* value")));
        }
    };
    if o.reserved != 0 || o.reserved2 != 0 {
        return Err(FfiError::invalid("opts->reserved and opts->reserved2 must be 0"));
    }
    let read_only = match o.read_only {
        0 => false,
        1 => true,
        other => return Err(FfiError::invalid(format!("opts->read_only {other} is not 0 or 1"))),
    };
    let recovery = match o.recovery {
        NTS_RECOVERY_STRICT => RecoveryMode::Strict,
        NTS_RECOVERY_SALVAGE => RecoveryMode::Salvage,
        other => {
            return Err(FfiError::invalid(format!("opts->recovery {other} is not an NTS_RECOVERY_* value")));
        }
    };
    #[cfg(feature = "maintenance")]
    let auto_maintenance = match o.auto_maintenance {
        0 => None,
        1 => {
            let d = AutoMaintenanceOptions::default();
            let ms = |v: u64, default: Duration| if v == 0 { default } else { Duration::from_millis(v) };
            Some(AutoMaintenanceOptions {
                interval: ms(o.maintenance_interval_ms, d.interval),
                flush_after: ms(o.flush_after_ms, d.flush_after),
                retention_every: ms(o.retention_every_ms, d.retention_every),
                ..d
            })
        }
        other => return Err(FfiError::invalid(format!("opts->auto_maintenance {other} is not 0 or 1"))),
    };
    #[cfg(not(feature = "maintenance"))]
    match o.auto_maintenance {
        0 => {}
        1 => {
            return Err(FfiError::invalid(
                "opts->auto_maintenance is 1, but this library was built without background maintenance \
                 (cargo feature maintenance)",
            ));
        }
        other => return Err(FfiError::invalid(format!("opts->auto_maintenance {other} is not 0 or 1"))),
    }
    let retention = match o.retention_ms {
        0 => None,
        ms if ms < 0 => {
            return Err(FfiError::invalid(format!("opts->retention_ms {ms} is negative")));
        }
        ms => Some(Duration::from_millis(ms as u64)),
    };
    Ok(NanoTsOptions {
        retention,
        sync,
        auto_flush_bytes: usize_of(o.auto_flush_bytes, "opts->auto_flush_bytes")?,
        segment_max_rows: usize_of(o.segment_max_rows, "opts->segment_max_rows")?,
        max_record_size: (o.max_record_size != 0).then_some(o.max_record_size),
        #[cfg(feature = "maintenance")]
        auto_maintenance,
        segment_partition_ms: match o.segment_partition_ms {
            0 => None,
            p if p < 0 => {
                return Err(FfiError::invalid(format!("opts->segment_partition_ms {p} is negative")));
            }
            p => Some(p),
        },
        recovery,
        read_only,
    })
}

/// Fills `*opts` with the defaults and sets `opts->struct_size`. Call it
/// before changing any field. NULL is a no-op.
///
/// # Safety
/// `opts` is NULL or points to a writable `nts_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_options_init(opts: *mut nts_options) {
    call_value("nts_options_init", (), || {
        if let Ok(p) = out_arg(opts, "opts") {
            // SAFETY: non-NULL, aligned, writable per the contract.
            unsafe { ptr::write(p, default_options()) };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_version_of_nts_options_keeps_its_size() {
        // OPTIONS_MIN_SIZE is ABI: it must equal the size of the first
        // version. Appending fields grows size_of, never this.
        // The first version of nts_options ends with segment_partition_ms:
        // fields added later (recovery, read_only, ...) come after it.
        assert_eq!(
            std::mem::offset_of!(nts_options, segment_partition_ms) + size_of::<i64>(),
            OPTIONS_MIN_SIZE
        );
    }
}
