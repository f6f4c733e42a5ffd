//! The reports the library fills in: storage statistics, verification,
//! recovery, commits and background maintenance. The C structs are used as
//! they are (their `struct_size` is set by the wrapper); those holding
//! arrays or text get a Zig view with slices.
const std = @import("std");
const c = @import("nanots_c");
const errors = @import("errors.zig");
const Strings = @import("strings.zig").Strings;

/// Storage statistics of a table: `rows`, `flushed_rows`, `buffered_rows`,
/// `segments`, `bytes_on_disk`, `raw_bytes`, `compression_ratio`, `ncols`,
/// `ts_bytes_on_disk`, `ts_raw_bytes` (see `nts_stats` in nanots.h).
pub const Stats = c.nts_stats;

/// What `Db.commitStats` reports: `commits`, `checkpoints`, `syncs`.
pub const CommitInfo = c.nts_commit_info;

/// The counters of `Db.verify`: `records`, `segments`, `rows`, `problems`.
pub const VerifyReport = c.nts_verify_report;

/// The counters of `Db.recoveryReport`: `file_bytes_cut`,
/// `wal_frames_replayed`, `wal_rows_replayed`, `wal_frames_dropped`,
/// `problems`.
pub const RecoveryInfo = c.nts_recovery_info;

/// A zeroed versioned struct with `struct_size` set, ready for the library.
pub fn sized(comptime T: type) T {
    var v = std.mem.zeroes(T);
    v.struct_size = @sizeOf(T);
    return v;
}

/// Storage statistics of one column.
pub const ColumnStats = struct {
    raw: c.nts_column_stats,

    /// Encoded bytes of this column over all segments.
    pub fn bytesOnDisk(s: ColumnStats) u64 {
        return s.raw.bytes_on_disk;
    }

    /// Raw bytes: 8 per flushed row.
    pub fn rawBytes(s: ColumnStats) u64 {
        return s.raw.raw_bytes;
    }

    /// The codecs used by the column's segments, most used first.
    pub fn codecs(s: *const ColumnStats) []const u8 {
        return s.raw.codec_ids[0..@min(s.raw.ncodecs, c.NTS_STATS_MAX_CODECS)];
    }

    /// Segments encoded with `codecs()[i]`.
    pub fn codecSegments(s: *const ColumnStats) []const u64 {
        return s.raw.codec_segments[0..@min(s.raw.ncodecs, c.NTS_STATS_MAX_CODECS)];
    }
};

/// The static name of a codec id (e.g. `"plain"`).
pub fn codecName(id: u8) [:0]const u8 {
    return std.mem.span(c.nts_codec_name(id));
}

/// What background maintenance has done (`nts_maintenance_status`).
pub const MaintenanceStatus = struct {
    raw: c.nts_maintenance_info,

    /// Whether the maintenance thread runs.
    pub fn running(s: MaintenanceStatus) bool {
        return s.raw.running != 0;
    }

    /// Status of its last failure (`.ok` if none).
    pub fn lastErrorStatus(s: MaintenanceStatus) errors.Status {
        return @fromBackingInt(@intCast(s.raw.last_error_status));
    }

    /// Message of its last failure; "" if none.
    pub fn lastErrorMessage(s: *const MaintenanceStatus) []const u8 {
        const bytes: []const u8 = @ptrCast(&s.raw.last_error_message);
        return std.mem.sliceTo(bytes, 0);
    }
};

/// A report with the list of problems found (`Db.verify`,
/// `Db.recoveryReport`): `report.problems` counts them, `problems` has one
/// text each. Call `deinit` once.
pub fn WithProblems(comptime Report: type) type {
    return struct {
        report: Report,
        problems: Strings,

        pub fn deinit(self: *@This()) void {
            self.problems.deinit();
        }
    };
}
