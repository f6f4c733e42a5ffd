//! `Db`: an open database, with one method per `nts_*` call of the C ABI.
//!
//! Names and paths are `[]const u8` copied into stack buffers (no heap);
//! functions that need memory proportional to their input take an
//! allocator. Slices go in as they are: `appendRows` hands the library
//! pointers to the caller's columns, never a per-row copy.
const std = @import("std");
const Allocator = std.mem.Allocator;
const c = @import("nanots_c");
const errors = @import("errors.zig");
const Error = errors.Error;
const check = errors.check;
const cstr = @import("cstr.zig");
const Options = @import("options.zig").Options;
const QueryResult = @import("result.zig").QueryResult;
const Strings = @import("strings.zig").Strings;
const arrow = @import("arrow.zig");
const stats = @import("stats.zig");

/// How `Db.backup` writes the copy.
pub const BackupMode = enum(u32) {
    /// The segments as they are: the cheaper mode.
    copy = c.NTS_BACKUP_COPY,
    /// Every table merged and re-encoded with the strongest codecs.
    pack = c.NTS_BACKUP_PACK,
};

/// Receives every error of the background maintenance, on its thread;
/// `message` is valid only during the call. Must not close the `Db`.
pub const MaintenanceHook = *const fn (user: ?*anyopaque, code: c.nts_status, message: [*c]const u8) callconv(.c) void;

/// Columns at most this many go through a pointer array on the stack in
/// `appendRows`; more take the allocator.
const stack_columns = 32;

/// An open database. Use it from as many threads as you like (the library
/// serializes writes; queries run concurrently). Release it with `close`
/// (for `defer`) or `closeChecked` (to learn whether the final flush worked).
///
/// Every method on a closed `Db` returns `error.Closed`; so does a copy of a
/// `Db` closed through another copy (the library never reuses a handle on
/// 64-bit targets).
pub const Db = struct {
    /// The library's handle; null once closed through this `Db`.
    handle: ?*c.nts_db,

    /// Opens (creating if missing, recovering after a crash) the database
    /// file at `path`. `.{}` gives the library's defaults.
    pub fn open(path: []const u8, options: Options) Error!Db {
        var buf: cstr.PathBuf = undefined;
        const p = try cstr.z(&buf, path, "path");
        const o = options.toC();
        var h: ?*c.nts_db = null;
        try check(c.nts_open(p, &o, &h));
        return .{ .handle = h };
    }

    /// Closes the database: flushes buffered rows, checkpoints, frees the
    /// handle. For `defer db.close();`: a failure (the final flush's
    /// `error.Io`; rows then stay in the WAL for the next open) is left in
    /// `lastError()`. Closing twice is a no-op.
    pub fn close(db: *Db) void {
        if (db.handle == null) return;
        db.closeChecked() catch {};
    }

    /// Like `close`, returning the failure. The `Db` is closed afterwards
    /// either way; a second call returns `error.Closed`.
    pub fn closeChecked(db: *Db) Error!void {
        const h = try db.live("close");
        db.handle = null;
        try check(c.nts_close(h));
    }

    fn live(db: Db, comptime what: []const u8) Error!*c.nts_db {
        return db.handle orelse errors.reject(.closed, "nanots (zig): Db." ++ what ++ ": the database is closed", .{});
    }

    /// Writes all buffered rows into segments (fsyncing per the sync mode)
    /// and empties the WAL.
    pub fn flush(db: Db) Error!void {
        try check(c.nts_flush(try db.live("flush")));
    }

    /// Bytes of buffered (unflushed) row data over all tables.
    pub fn pendingBytes(db: Db) Error!u64 {
        var n: u64 = 0;
        try check(c.nts_pending_bytes(try db.live("pendingBytes"), &n));
        return n;
    }

    /// Creates table `table` with value columns `columns` (plus the
    /// implicit `ts_ms`). Idempotent for the same columns;
    /// `error.AlreadyExists` for other columns. `gpa` holds the C copies of
    /// the names during the call.
    pub fn createTable(db: Db, gpa: Allocator, table: []const u8, columns: []const []const u8) (Error || Allocator.Error)!void {
        const h = try db.live("createTable");
        var tbuf: cstr.NameBuf = undefined;
        const t = try cstr.z(&tbuf, table, "table name");
        var total: usize = 0;
        for (columns) |col| total += col.len + 1;
        const bytes = try gpa.alloc(u8, total);
        defer gpa.free(bytes);
        const ptrs = try gpa.alloc([*c]const u8, columns.len);
        defer gpa.free(ptrs);
        var at: usize = 0;
        for (columns, ptrs) |col, *ptr| {
            ptr.* = try cstr.z(bytes[at..][0 .. col.len + 1], col, "column name");
            at += col.len + 1;
        }
        try check(c.nts_create_table(h, t, ptrs.ptr, ptrs.len));
    }

    /// The names of all tables, sorted.
    pub fn listTables(db: Db) Error!Strings {
        var out: ?*c.nts_strings = null;
        try check(c.nts_list_tables(try db.live("listTables"), &out));
        return .{ .raw = out };
    }

    /// The value column names of `table`, in order (without `ts_ms`).
    pub fn tableColumns(db: Db, table: []const u8) Error!Strings {
        const h = try db.live("tableColumns");
        var tbuf: cstr.NameBuf = undefined;
        var out: ?*c.nts_strings = null;
        try check(c.nts_table_columns(h, try cstr.z(&tbuf, table, "table name"), &out));
        return .{ .raw = out };
    }

    /// Drops `table` and its rows; the name can be used again at once.
    pub fn dropTable(db: Db, table: []const u8) Error!void {
        const h = try db.live("dropTable");
        var tbuf: cstr.NameBuf = undefined;
        try check(c.nts_drop_table(h, try cstr.z(&tbuf, table, "table name")));
    }

    /// Appends `value` at `ts_ms` to the one-column series `series` (column
    /// `value`), created on first use.
    pub fn append(db: Db, series: []const u8, ts_ms: i64, value: f64) Error!void {
        const h = try db.live("append");
        var sbuf: cstr.NameBuf = undefined;
        try check(c.nts_append(h, try cstr.z(&sbuf, series, "series name"), ts_ms, value));
    }

    /// Appends one row: `values` (one per value column) at `ts_ms`.
    pub fn appendRow(db: Db, table: []const u8, ts_ms: i64, values: []const f64) Error!void {
        const h = try db.live("appendRow");
        var tbuf: cstr.NameBuf = undefined;
        try check(c.nts_append_row(h, try cstr.z(&tbuf, table, "table name"), ts_ms, values.ptr, values.len));
    }

    /// Appends `ts_ms.len` rows column by column: row `i` is `ts_ms[i]`
    /// with `columns[col][i]`. Every column must have `ts_ms.len` values
    /// (else `error.InvalidArgument`). The library reads the slices in
    /// place; `gpa` is used only for more than 32 columns (for the array of
    /// column pointers).
    pub fn appendRows(db: Db, gpa: Allocator, table: []const u8, ts_ms: []const i64, columns: []const []const f64) (Error || Allocator.Error)!void {
        const h = try db.live("appendRows");
        var tbuf: cstr.NameBuf = undefined;
        const t = try cstr.z(&tbuf, table, "table name");
        for (columns, 0..) |col, i| {
            if (col.len != ts_ms.len) {
                return errors.reject(.invalid_argument, "nanots (zig): appendRows: column {d} has {d} values for {d} timestamps", .{ i, col.len, ts_ms.len });
            }
        }
        var stack: [stack_columns][*c]const f64 = undefined;
        const ptrs = if (columns.len <= stack_columns) stack[0..columns.len] else try gpa.alloc([*c]const f64, columns.len);
        defer if (columns.len > stack_columns) gpa.free(ptrs);
        for (columns, ptrs) |col, *ptr| ptr.* = col.ptr;
        try check(c.nts_append_rows(h, t, ts_ms.ptr, ts_ms.len, ptrs.ptr, ptrs.len));
    }

    /// The rows of `table` with `from_ms <= ts_ms <= to_ms`, sorted by
    /// timestamp, unflushed rows included. Call `deinit` on the result.
    pub fn queryRange(db: Db, table: []const u8, from_ms: i64, to_ms: i64) Error!QueryResult {
        const h = try db.live("queryRange");
        var tbuf: cstr.NameBuf = undefined;
        var out: ?*c.nts_result = null;
        try check(c.nts_query_range(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms, &out));
        return .{ .raw = out.? };
    }

    /// The same rows as `queryRange`, exported through the Arrow C Data
    /// Interface as one batch (its raw structs are `frame.batch.array` and
    /// `frame.schema`). Stays valid after `close`.
    pub fn queryRangeArrow(db: Db, table: []const u8, from_ms: i64, to_ms: i64) Error!arrow.ArrowFrame {
        const h = try db.live("queryRangeArrow");
        var tbuf: cstr.NameBuf = undefined;
        var a: arrow.ArrowArray = undefined;
        var s: arrow.ArrowSchema = undefined;
        try check(c.nts_query_range_arrow(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms, &a, &s));
        return arrow.ArrowFrame.init(a, s);
    }

    /// The rows of `table` in `[from_ms, to_ms]` as a raw Arrow C Stream,
    /// for a consumer with its own Arrow library: the caller owns it and
    /// calls `stream.release.?(&stream)` once. Memory stays bounded by one
    /// group of segments; it reads a snapshot taken now and stays valid
    /// after `close`.
    pub fn queryRangeStreamRaw(db: Db, table: []const u8, from_ms: i64, to_ms: i64) Error!arrow.ArrowArrayStream {
        const h = try db.live("queryRangeStreamRaw");
        var tbuf: cstr.NameBuf = undefined;
        var s: arrow.ArrowArrayStream = undefined;
        try check(c.nts_query_range_stream(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms, &s));
        return s;
    }

    /// The rows of `table` in `[from_ms, to_ms]` as an iterator over record
    /// batches (at most 65536 rows each) read as slices.
    pub fn queryRangeStream(db: Db, table: []const u8, from_ms: i64, to_ms: i64) arrow.BatchStream.NextError!arrow.BatchStream {
        return arrow.BatchStream.init(try db.queryRangeStreamRaw(table, from_ms, to_ms));
    }

    /// Aggregates `table` over `[from_ms, to_ms]` in buckets of `bucket_ms`
    /// aligned to multiples of `bucket_ms` from the epoch: for each value
    /// column, each of `aggs`. NaN values are counted by `.count` and
    /// skipped by the others.
    pub fn aggregate(db: Db, table: []const u8, from_ms: i64, to_ms: i64, bucket_ms: i64, aggs: []const arrow.Agg) Error!arrow.Aggregation {
        const h = try db.live("aggregate");
        var tbuf: cstr.NameBuf = undefined;
        var a: arrow.ArrowArray = undefined;
        var s: arrow.ArrowSchema = undefined;
        try check(c.nts_query_aggregate_arrow(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms, bucket_ms, @ptrCast(aggs.ptr), aggs.len, &a, &s));
        return .{ .frame = try arrow.ArrowFrame.init(a, s), .naggs = aggs.len };
    }

    /// `aggregate` as a raw Arrow C Stream (the caller releases it), for
    /// long ranges: each batch holds the buckets finished by the next group
    /// of segments.
    pub fn aggregateStreamRaw(db: Db, table: []const u8, from_ms: i64, to_ms: i64, bucket_ms: i64, aggs: []const arrow.Agg) Error!arrow.ArrowArrayStream {
        const h = try db.live("aggregateStreamRaw");
        var tbuf: cstr.NameBuf = undefined;
        var s: arrow.ArrowArrayStream = undefined;
        try check(c.nts_query_aggregate_stream(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms, bucket_ms, @ptrCast(aggs.ptr), aggs.len, &s));
        return s;
    }

    /// `aggregateStreamRaw` as an iterator over record batches: column 0 is
    /// `bucket_start`, then `1 + col * aggs.len + agg_index`.
    pub fn aggregateStream(db: Db, table: []const u8, from_ms: i64, to_ms: i64, bucket_ms: i64, aggs: []const arrow.Agg) arrow.BatchStream.NextError!arrow.BatchStream {
        return arrow.BatchStream.init(try db.aggregateStreamRaw(table, from_ms, to_ms, bucket_ms, aggs));
    }

    /// The last `n` rows of `table` by timestamp, oldest first.
    pub fn latest(db: Db, table: []const u8, n: u64) Error!arrow.ArrowFrame {
        const h = try db.live("latest");
        var tbuf: cstr.NameBuf = undefined;
        var a: arrow.ArrowArray = undefined;
        var s: arrow.ArrowSchema = undefined;
        try check(c.nts_latest_arrow(h, try cstr.z(&tbuf, table, "table name"), n, &a, &s));
        return arrow.ArrowFrame.init(a, s);
    }

    /// Storage statistics of `table`.
    pub fn tableStats(db: Db, table: []const u8) Error!stats.Stats {
        const h = try db.live("tableStats");
        var tbuf: cstr.NameBuf = undefined;
        var out = stats.sized(stats.Stats);
        try check(c.nts_table_stats(h, try cstr.z(&tbuf, table, "table name"), &out));
        return out;
    }

    /// Storage statistics of column `column` of `table` (`"ts_ms"` for the
    /// timestamps).
    pub fn columnStats(db: Db, table: []const u8, column: []const u8) Error!stats.ColumnStats {
        const h = try db.live("columnStats");
        var tbuf: cstr.NameBuf = undefined;
        var cbuf: cstr.NameBuf = undefined;
        var out = stats.sized(c.nts_column_stats);
        try check(c.nts_table_column_stats(h, try cstr.z(&tbuf, table, "table name"), try cstr.z(&cbuf, column, "column name"), &out));
        return .{ .raw = out };
    }

    /// Checks the whole database (every record, checksum and segment).
    /// Finding problems is not a failure: `report.problems` counts them.
    pub fn verify(db: Db) Error!stats.WithProblems(stats.VerifyReport) {
        var out = stats.sized(stats.VerifyReport);
        var problems: ?*c.nts_strings = null;
        try check(c.nts_verify(try db.live("verify"), &out, &problems));
        return .{ .report = out, .problems = .{ .raw = problems } };
    }

    /// What opening this handle recovered (all zero after a clean close).
    pub fn recoveryReport(db: Db) Error!stats.WithProblems(stats.RecoveryInfo) {
        var out = stats.sized(stats.RecoveryInfo);
        var problems: ?*c.nts_strings = null;
        try check(c.nts_recovery_report(try db.live("recoveryReport"), &out, &problems));
        return .{ .report = out, .problems = .{ .raw = problems } };
    }

    /// Transactions, checkpoints and `fdatasync` calls since `open`.
    pub fn commitStats(db: Db) Error!stats.CommitInfo {
        var out = stats.sized(stats.CommitInfo);
        try check(c.nts_commit_stats(try db.live("commitStats"), &out));
        return out;
    }

    /// Merges all segments of `table` into sorted segments of about
    /// `target_segment_rows` rows with the strongest codecs, applying
    /// deletes; the file is rewritten and atomically replaced.
    pub fn pack(db: Db, table: []const u8, target_segment_rows: u64) Error!void {
        const h = try db.live("pack");
        var tbuf: cstr.NameBuf = undefined;
        try check(c.nts_pack_table(h, try cstr.z(&tbuf, table, "table name"), target_segment_rows));
    }

    /// Merges each table's trailing run of at least `min_segments` small
    /// segments into segments of up to `target_rows` rows (the step
    /// background maintenance runs). Returns the number of tables merged.
    pub fn mergeSmallSegments(db: Db, target_rows: u64, min_segments: u64) Error!u64 {
        var merged: u64 = 0;
        try check(c.nts_merge_small_segments(try db.live("mergeSmallSegments"), target_rows, min_segments, &merged));
        return merged;
    }

    /// Removes rows older than `Options.retention_ms`, applies deletes and
    /// drops, and gives the space back (the file shrinks).
    pub fn compactRetentionNow(db: Db) Error!void {
        try check(c.nts_compact_retention_now(try db.live("compactRetentionNow")));
    }

    /// Deletes the rows of `table` with `from_ms <= ts_ms <= to_ms` that
    /// exist now.
    pub fn deleteRange(db: Db, table: []const u8, from_ms: i64, to_ms: i64) Error!void {
        const h = try db.live("deleteRange");
        var tbuf: cstr.NameBuf = undefined;
        try check(c.nts_delete_range(h, try cstr.z(&tbuf, table, "table name"), from_ms, to_ms));
    }

    /// Runs `;`-separated `CREATE TABLE` and `INSERT INTO` statements; each
    /// is atomic, those before a failing one stay executed. Syntax errors
    /// are `error.InvalidArgument` with line and column in `lastError()`.
    pub fn execSql(db: Db, sql: [:0]const u8) Error!void {
        const h = try db.live("execSql");
        try check(c.nts_exec_sql(h, try cstr.whole(sql, "SQL text")));
    }

    /// The state of this handle's background maintenance.
    pub fn maintenanceStatus(db: Db) Error!stats.MaintenanceStatus {
        var out = stats.sized(c.nts_maintenance_info);
        try check(c.nts_maintenance_status(try db.live("maintenanceStatus"), &out));
        return .{ .raw = out };
    }

    /// Sets (or with null clears) the callback receiving every error of the
    /// background maintenance; `user` is passed back. Both must stay valid
    /// until replaced or the `Db` is closed.
    pub fn setMaintenanceHook(db: Db, hook: ?MaintenanceHook, user: ?*anyopaque) Error!void {
        try check(c.nts_set_maintenance_hook(try db.live("setMaintenanceHook"), hook, user));
    }

    /// On a read-only handle, catches up with what the writer committed;
    /// returns whether the view changed (always false on a writer).
    pub fn refresh(db: Db) Error!bool {
        var changed: u32 = 0;
        try check(c.nts_refresh(try db.live("refresh"), &changed));
        return changed != 0;
    }

    /// Whether the handle was opened with `.read_only = true`.
    pub fn isReadOnly(db: Db) Error!bool {
        var ro: u32 = 0;
        try check(c.nts_is_read_only(try db.live("isReadOnly"), &ro));
        return ro != 0;
    }

    /// Writes a consistent copy of the database to the new file
    /// `dest_path` (which must not exist and must be UTF-8).
    pub fn backup(db: Db, dest_path: []const u8, mode: BackupMode) Error!void {
        const h = try db.live("backup");
        var buf: cstr.PathBuf = undefined;
        try check(c.nts_backup(h, try cstr.z(&buf, dest_path, "backup path"), @backingInt(mode)));
    }
};
