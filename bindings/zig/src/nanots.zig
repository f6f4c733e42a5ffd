//! NanoTS for Zig: a thin wrapper over the C ABI of libnanots
//! (include/nanots.h), an embedded append-only time-series store.
//!
//!     var db = try nanots.Db.open("metrics.ntt", .{});
//!     defer db.close();
//!     try db.createTable(gpa, "cpu", &.{ "user", "system" });
//!     try db.appendRow("cpu", 1_700_000_000_000, &.{ 0.25, 0.5 });
//!     var rows = try db.queryRange("cpu", 0, std.math.maxInt(i64));
//!     defer rows.deinit();
//!     for (rows.timestamps(), rows.column(0)) |ts, user| ...
//!
//! Errors are `nanots.Error` (one per status code); `nanots.lastError()`
//! has the status and the library's message of the last failure on the
//! calling thread. Timestamps are `i64` milliseconds; ranges are inclusive
//! at both ends. The raw translated header is `nanots.c`.
const std = @import("std");

/// The C API as translated by `b.addTranslateC` from nanots.h.
pub const c = @import("nanots_c");

const errors = @import("errors.zig");
pub const Status = errors.Status;
pub const Error = errors.Error;
pub const StreamError = errors.StreamError;
pub const ErrorInfo = errors.ErrorInfo;
pub const lastError = errors.lastError;
pub const errorOf = errors.errorOf;
pub const statusOf = errors.statusOf;

const options = @import("options.zig");
pub const Options = options.Options;
pub const SyncMode = options.SyncMode;
pub const Recovery = options.Recovery;

const db = @import("db.zig");
pub const Db = db.Db;
pub const BackupMode = db.BackupMode;
pub const MaintenanceHook = db.MaintenanceHook;

pub const QueryResult = @import("result.zig").QueryResult;
pub const Strings = @import("strings.zig").Strings;

const arrow = @import("arrow.zig");
pub const ArrowArray = arrow.ArrowArray;
pub const ArrowSchema = arrow.ArrowSchema;
pub const ArrowArrayStream = arrow.ArrowArrayStream;
pub const ArrowFrame = arrow.ArrowFrame;
pub const RecordBatch = arrow.RecordBatch;
pub const BatchStream = arrow.BatchStream;
pub const Column = arrow.Column;
pub const ColumnType = arrow.ColumnType;
pub const Agg = arrow.Agg;
pub const Aggregation = arrow.Aggregation;

const stats = @import("stats.zig");
pub const Stats = stats.Stats;
pub const ColumnStats = stats.ColumnStats;
pub const CommitInfo = stats.CommitInfo;
pub const VerifyReport = stats.VerifyReport;
pub const RecoveryInfo = stats.RecoveryInfo;
pub const MaintenanceStatus = stats.MaintenanceStatus;
pub const WithProblems = stats.WithProblems;
pub const codecName = stats.codecName;

/// The library's version, e.g. "0.1.0" (static storage).
pub fn version() [:0]const u8 {
    return std.mem.span(c.nts_version());
}

/// The version of the header this module was translated from.
pub const header_version: std.SemanticVersion = .{
    .major = c.NTS_VERSION_MAJOR,
    .minor = c.NTS_VERSION_MINOR,
    .patch = c.NTS_VERSION_PATCH,
};
