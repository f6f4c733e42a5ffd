//! The Arrow C Data / C Stream exports of the library, read as Zig slices.
//!
//! Users with their own Arrow library take the raw structs (`ArrowArray`,
//! `ArrowSchema`, `ArrowArrayStream`, exactly as the Arrow specification
//! lays them out) and move them into it. Everyone else reads record batches
//! here: each column is a borrowed slice of the library's buffers, with the
//! batch's offsets applied, never copied.
//!
//! What the library exports (include/nanots.h): a struct array whose first
//! field is a `timestamp[ms]` (`ts_ms`, or `bucket_start` for aggregates)
//! followed by non-nullable `float64` fields (`uint64` for `count`
//! aggregates). Anything else is refused with `error.Unknown`, so a slice
//! handed out always has the type it claims.
const std = @import("std");
const c = @import("nanots_c");
const errors = @import("errors.zig");

pub const ArrowSchema = c.struct_ArrowSchema;
pub const ArrowArray = c.struct_ArrowArray;
pub const ArrowArrayStream = c.struct_ArrowArrayStream;

/// The types of the columns the library exports.
pub const ColumnType = enum { timestamp_ms, float64, uint64 };

/// One column of a batch, as a slice of its type.
pub const Column = union(ColumnType) {
    timestamp_ms: []const i64,
    float64: []const f64,
    uint64: []const u64,
};

/// The type an Arrow format string stands for, among those exported.
fn columnType(format: [*c]const u8) ?ColumnType {
    if (format == null) return null;
    const f = std.mem.span(@as([*:0]const u8, @ptrCast(format)));
    if (std.mem.eql(u8, f, "g")) return .float64;
    if (std.mem.eql(u8, f, "L")) return .uint64;
    // "tsm:" then an optional time zone.
    if (std.mem.startsWith(u8, f, "tsm:")) return .timestamp_ms;
    return null;
}

/// The field descriptions of a struct schema, checked to be what the
/// library exports. Borrowed from the schema's own (heap) memory, so they
/// stay put when the `ArrowSchema` struct itself is moved.
fn schemaFields(schema: *const ArrowSchema) errors.Error![]const [*c]ArrowSchema {
    if (schema.release == null) return errors.reject(.unknown, "nanots (zig): Arrow schema is released", .{});
    const format = if (schema.format == null) "" else std.mem.span(@as([*:0]const u8, @ptrCast(schema.format)));
    if (!std.mem.eql(u8, format, "+s") or schema.n_children < 1) {
        return errors.reject(.unknown, "nanots (zig): expected an Arrow struct with a timestamp field, got format \"{s}\" with {d} fields", .{ format, schema.n_children });
    }
    const fields = schema.children[0..@intCast(schema.n_children)];
    for (fields, 0..) |field, i| {
        const t = columnType(field.*.format) orelse
            return errors.reject(.unknown, "nanots (zig): Arrow field {d} has a type this binding does not read", .{i});
        if ((i == 0) != (t == .timestamp_ms)) {
            return errors.reject(.unknown, "nanots (zig): Arrow field {d} is a {t}; only field 0 is the timestamp", .{ i, t });
        }
    }
    return fields;
}

/// One record batch: a struct array whose columns are read as slices.
/// Owns its `ArrowArray` (call `deinit` once); borrows the field
/// descriptions of the schema it came with, so deinit a batch before the
/// stream or frame it came from.
pub const RecordBatch = struct {
    /// The raw struct array. Move it into an Arrow library by copying it
    /// and setting `array.release = null` here.
    array: ArrowArray,
    fields: []const [*c]ArrowSchema,

    /// Takes ownership of `array` (released here if it is refused).
    fn init(array: ArrowArray, fields: []const [*c]ArrowSchema) errors.Error!RecordBatch {
        var b: RecordBatch = .{ .array = array, .fields = fields };
        b.check() catch |err| {
            b.deinit();
            return err;
        };
        return b;
    }

    fn check(b: *const RecordBatch) errors.Error!void {
        const a = &b.array;
        if (a.n_children != @as(i64, @intCast(b.fields.len))) {
            return errors.reject(.unknown, "nanots (zig): Arrow array has {d} children, its schema {d} fields", .{ a.n_children, b.fields.len });
        }
        if (a.null_count != 0 or a.offset < 0 or a.length < 0) {
            return errors.reject(.unknown, "nanots (zig): Arrow struct array has nulls or a negative offset/length", .{});
        }
        for (a.children[0..@intCast(a.n_children)], 0..) |child, i| {
            // Non-nullable, two buffers (validity, values), long enough for
            // the parent's offset + length.
            if (child.*.null_count != 0 or child.*.n_buffers != 2 or child.*.offset < 0 or
                child.*.length < a.offset + a.length or (a.length > 0 and child.*.buffers[1] == null))
            {
                return errors.reject(.unknown, "nanots (zig): Arrow column {d} is not a plain non-null primitive array covering the batch", .{i});
            }
        }
    }

    /// Number of rows.
    pub fn len(b: RecordBatch) usize {
        return @intCast(b.array.length);
    }

    /// Number of columns, the timestamp column included.
    pub fn columnCount(b: RecordBatch) usize {
        return b.fields.len;
    }

    /// The name of column `i` (`ts_ms` or `bucket_start` at 0).
    pub fn columnName(b: RecordBatch, i: usize) [:0]const u8 {
        return std.mem.span(@as([*:0]const u8, @ptrCast(b.fields[i].*.name)));
    }

    /// Column `i` (0 is the timestamp column) as a slice of its type.
    /// Borrowed: valid until `deinit`.
    pub fn column(b: RecordBatch, i: usize) Column {
        // `fields` is a slice (bounds-checked); `children` a C pointer.
        const t = columnType(b.fields[i].*.format).?;
        const child = b.array.children[i];
        const n = b.len();
        // Arrow: a struct's offset applies to its children, on top of theirs.
        const start: usize = @intCast(b.array.offset + child.*.offset);
        return switch (t) {
            .timestamp_ms => .{ .timestamp_ms = values(i64, child.*.buffers[1], start, n) },
            .float64 => .{ .float64 = values(f64, child.*.buffers[1], start, n) },
            .uint64 => .{ .uint64 = values(u64, child.*.buffers[1], start, n) },
        };
    }

    fn values(comptime T: type, buffer: ?*const anyopaque, start: usize, n: usize) []const T {
        if (n == 0) return &.{};
        const p: [*]const T = @ptrCast(@alignCast(buffer.?));
        return p[start..][0..n];
    }

    /// The timestamps (ms) of column 0.
    pub fn timestamps(b: RecordBatch) []const i64 {
        return b.column(0).timestamp_ms;
    }

    /// Column `i` if it is a `float64` column, else null.
    pub fn float64(b: RecordBatch, i: usize) ?[]const f64 {
        return switch (b.column(i)) {
            .float64 => |v| v,
            else => null,
        };
    }

    /// Column `i` if it is a `uint64` column (a `count` aggregate), else null.
    pub fn uint64(b: RecordBatch, i: usize) ?[]const u64 {
        return switch (b.column(i)) {
            .uint64 => |v| v,
            else => null,
        };
    }

    /// Releases the array (no-op if it was moved out).
    pub fn deinit(b: *RecordBatch) void {
        if (b.array.release) |release| release(&b.array);
        b.array.release = null;
    }
};

/// A whole result exported at once (`nts_query_range_arrow`,
/// `nts_latest_arrow`, `nts_query_aggregate_arrow`): one batch and its
/// schema. Call `deinit` once.
pub const ArrowFrame = struct {
    /// The raw schema (a struct). Take it by copying and setting
    /// `schema.release = null` here.
    schema: ArrowSchema,
    batch: RecordBatch,

    /// Takes ownership of both (released here if refused).
    pub fn init(array: ArrowArray, schema: ArrowSchema) errors.Error!ArrowFrame {
        var s = schema;
        var a = array;
        const fields = schemaFields(&s) catch |err| {
            if (a.release) |release| release(&a);
            if (s.release) |release| release(&s);
            return err;
        };
        const batch = RecordBatch.init(a, fields) catch |err| {
            if (s.release) |release| release(&s);
            return err;
        };
        return .{ .schema = s, .batch = batch };
    }

    pub fn deinit(f: *ArrowFrame) void {
        f.batch.deinit();
        if (f.schema.release) |release| release(&f.schema);
        f.schema.release = null;
    }
};

/// The aggregate codes of `Db.aggregate` (`NTS_AGG_*`).
pub const Agg = enum(u32) {
    /// Rows, NaN included (`uint64`).
    count = c.NTS_AGG_COUNT,
    /// Sum of the non-NaN values.
    sum = c.NTS_AGG_SUM,
    /// Smallest non-NaN value.
    min = c.NTS_AGG_MIN,
    /// Largest non-NaN value.
    max = c.NTS_AGG_MAX,
    /// Mean of the non-NaN values.
    mean = c.NTS_AGG_MEAN,
    /// Value of the earliest row (ties: first appended).
    first = c.NTS_AGG_FIRST,
    /// Value of the latest row (ties: last appended).
    last = c.NTS_AGG_LAST,
};

/// Buckets of `Db.aggregate`: one row per non-empty bucket; for each value
/// column and each requested aggregate, in that order, one column.
pub const Aggregation = struct {
    frame: ArrowFrame,
    /// How many aggregates were asked for per value column.
    naggs: usize,

    /// Number of (non-empty) buckets.
    pub fn len(a: Aggregation) usize {
        return a.frame.batch.len();
    }

    /// The start of each bucket (ms), ascending.
    pub fn bucketStarts(a: Aggregation) []const i64 {
        return a.frame.batch.timestamps();
    }

    /// Aggregate number `agg_index` (its position in the list passed to
    /// `aggregate`) of value column `col`: `.uint64` for count, else
    /// `.float64`. Borrowed: valid until `deinit`.
    pub fn get(a: Aggregation, col: usize, agg_index: usize) Column {
        std.debug.assert(agg_index < a.naggs);
        return a.frame.batch.column(1 + col * a.naggs + agg_index);
    }

    /// The column's name, `<column>_<agg>` (e.g. `temp_mean`).
    pub fn name(a: Aggregation, col: usize, agg_index: usize) [:0]const u8 {
        return a.frame.batch.columnName(1 + col * a.naggs + agg_index);
    }

    pub fn deinit(a: *Aggregation) void {
        a.frame.deinit();
    }
};

/// An iterator over the record batches of an Arrow C Stream. Owns the
/// stream (call `deinit` once). One thread at a time (Arrow's rule).
pub const BatchStream = struct {
    /// The raw stream. A consumer with its own Arrow library should take the
    /// raw stream from `Db.queryRangeStreamRaw` instead.
    raw: ArrowArrayStream,
    schema: ArrowSchema,
    fields: []const [*c]ArrowSchema,

    pub const NextError = errors.Error || errors.StreamError;

    /// Takes ownership of `raw` (released here on failure) and reads its
    /// schema.
    pub fn init(raw: ArrowArrayStream) NextError!BatchStream {
        var s: BatchStream = .{ .raw = raw, .schema = std.mem.zeroes(ArrowSchema), .fields = &.{} };
        const rc = s.raw.get_schema.?(&s.raw, &s.schema);
        if (rc != 0) {
            const err = errors.streamFailed(rc, s.raw.get_last_error.?(&s.raw));
            s.raw.release.?(&s.raw);
            return err;
        }
        s.fields = schemaFields(&s.schema) catch |err| {
            s.deinit();
            return err;
        };
        return s;
    }

    /// The next batch, or null at the end. Each batch owns its array; deinit
    /// it before the stream.
    pub fn next(s: *BatchStream) NextError!?RecordBatch {
        var array = std.mem.zeroes(ArrowArray);
        const rc = s.raw.get_next.?(&s.raw, &array);
        if (rc != 0) return errors.streamFailed(rc, s.raw.get_last_error.?(&s.raw));
        // A released array marks the end of the stream.
        if (array.release == null) return null;
        return try RecordBatch.init(array, s.fields);
    }

    /// The names of the columns, the timestamp column first.
    pub fn columnName(s: BatchStream, i: usize) [:0]const u8 {
        return std.mem.span(@as([*:0]const u8, @ptrCast(s.fields[i].*.name)));
    }

    pub fn columnCount(s: BatchStream) usize {
        return s.fields.len;
    }

    /// Releases the schema and the stream.
    pub fn deinit(s: *BatchStream) void {
        if (s.schema.release) |release| release(&s.schema);
        s.schema.release = null;
        if (s.raw.release) |release| release(&s.raw);
        s.raw.release = null;
    }
};
