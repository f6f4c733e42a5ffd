//! Maintenance and schema calls: delete, pack, drop, retention compaction,
//! merging small segments, partitions, statistics, SQL, and the background
//! maintenance thread with its status and hook.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

fn rowCount(db: nanots.Db, table: []const u8) !usize {
    var r = try db.queryRange(table, std.math.minInt(i64), std.math.maxInt(i64));
    defer r.deinit();
    return r.len();
}

fn fileSize(path: []const u8) !u64 {
    const st = try std.Io.Dir.cwd().statFile(testing.io, path, .{});
    return st.size;
}

test "delete, pack, drop and compaction; statistics follow" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("maint.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try db.createTable(testing.allocator, "s", &.{"v"});
    for (0..5000) |i| {
        const ts: i64 = @intCast(4999 - i);
        try db.appendRow("s", ts, &.{@as(f64, @floatFromInt(i % 1000)) / 8.0});
        if (i % 1000 == 999) try db.flush();
    }
    var st = try db.tableStats("s");
    try testing.expectEqual(@as(u64, 5000), st.rows);
    try testing.expectEqual(@as(u64, 5000), st.flushed_rows);
    try testing.expectEqual(@as(u64, 0), st.buffered_rows);
    try testing.expectEqual(@as(u64, 5), st.segments);
    try testing.expectEqual(@as(u64, 1), st.ncols);
    try testing.expectEqual(@as(u64, 5000 * 16), st.raw_bytes);

    try db.deleteRange("s", 100, 199);
    try testing.expectEqual(@as(usize, 4900), try rowCount(db, "s"));
    var gap = try db.queryRange("s", 100, 199);
    defer gap.deinit();
    try testing.expectEqual(@as(usize, 0), gap.len());

    const before_pack = try fileSize(path);
    try db.pack("s", 8192);
    st = try db.tableStats("s");
    try testing.expectEqual(@as(u64, 1), st.segments);
    try testing.expectEqual(@as(u64, 4900), st.rows);
    try testing.expect(try fileSize(path) < before_pack);
    try testing.expectEqual(@as(usize, 4900), try rowCount(db, "s"));

    var cs = try db.columnStats("s", "v");
    try testing.expectEqual(@as(u64, 4900 * 8), cs.rawBytes());
    try testing.expect(cs.bytesOnDisk() > 0);
    try testing.expectEqual(@as(usize, 1), cs.codecs().len);
    try testing.expectEqual(@as(u64, 1), cs.codecSegments()[0]);
    try testing.expect(nanots.codecName(cs.codecs()[0]).len > 0);
    const ts_stats = try db.columnStats("s", "ts_ms");
    try testing.expectEqual(@as(u64, 4900 * 8), ts_stats.rawBytes());

    try db.dropTable("s");
    try testing.expectError(error.NotFound, db.queryRange("s", 0, 1));
    const before_compaction = try fileSize(path);
    try db.compactRetentionNow();
    try testing.expect(try fileSize(path) < before_compaction);
    // The name is free again.
    try db.createTable(testing.allocator, "s", &.{ "a", "b" });
    try testing.expectEqual(@as(usize, 0), try rowCount(db, "s"));
}

test "retention drops rows older than retention_ms before the newest" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("retention.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{ .retention_ms = 1000 });
    defer db.close();
    try db.execSql("CREATE TABLE r (v); INSERT INTO r VALUES (1000, 1), (5000, 2), (9000, 3), (10000, 4);");
    try db.compactRetentionNow();
    // Cutoff = min(newest 10000, now) - 1000 = 9000.
    var r = try db.queryRange("r", std.math.minInt(i64), std.math.maxInt(i64));
    defer r.deinit();
    try testing.expectEqualSlices(i64, &.{ 9000, 10000 }, r.timestamps());
    try testing.expectEqualSlices(f64, &.{ 3, 4 }, r.column(0));
}

test "SQL creates and inserts; statements before a failing one stay" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("sql.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try db.execSql("CREATE TABLE t (a DOUBLE, b REAL); INSERT INTO t VALUES (1, 1.5, 2), (2, -0.0, NaN); INSERT INTO t (b, ts_ms, a) VALUES (9, 3, 4);");
    try testing.expectError(error.NotFound, db.execSql("INSERT INTO t VALUES (4, 4, 4); INSERT INTO nope VALUES (5, 5)"));
    var r = try db.queryRange("t", 0, 10);
    defer r.deinit();
    try testing.expectEqualSlices(i64, &.{ 1, 2, 3, 4 }, r.timestamps());
    try testing.expectEqualSlices(f64, &.{ 1.5, -0.0, 4, 4 }, r.column(0));
    try testing.expectEqual(@as(u64, 0x8000_0000_0000_0000), @as(u64, @bitCast(r.column(0)[1])));
    try testing.expect(std.math.isNan(r.column(1)[1]));
    try testing.expectEqual(@as(f64, 9), r.column(1)[2]);
}

test "segments are cut at partition boundaries" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("partitions.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{ .segment_partition_ms = 1000 });
    defer db.close();
    try db.createTable(testing.allocator, "p", &.{"v"});
    for (0..30) |i| try db.appendRow("p", @intCast(i * 100), &.{@floatFromInt(i)});
    try db.flush();
    try testing.expectEqual(@as(u64, 3), (try db.tableStats("p")).segments);
    var agg = try db.aggregate("p", 0, 2999, 1000, &.{ .count, .sum });
    defer agg.deinit();
    try testing.expectEqualSlices(i64, &.{ 0, 1000, 2000 }, agg.bucketStarts());
    try testing.expectEqualSlices(u64, &.{ 10, 10, 10 }, agg.get(0, 0).uint64);
    try testing.expectEqualSlices(f64, &.{ 45, 145, 245 }, agg.get(0, 1).float64);
}

test "a trailing run of small segments merges into one" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("merge.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try db.createTable(testing.allocator, "m", &.{"v"});
    for (0..6) |i| {
        try db.appendRow("m", @intCast(10_000 + i), &.{@floatFromInt(i)});
        try db.flush();
    }
    try testing.expectEqual(@as(u64, 6), (try db.tableStats("m")).segments);
    try testing.expectEqual(@as(u64, 1), try db.mergeSmallSegments(1024, 2));
    try testing.expectEqual(@as(u64, 1), (try db.tableStats("m")).segments);
    try testing.expectEqual(@as(u64, 0), try db.mergeSmallSegments(1024, 2));
    var r = try db.queryRange("m", 0, 20_000);
    defer r.deinit();
    try testing.expectEqualSlices(f64, &.{ 0, 1, 2, 3, 4, 5 }, r.column(0));
}

var hook_calls = std.atomic.Value(usize).init(0);

fn onMaintenanceError(user: ?*anyopaque, code: nanots.c.nts_status, message: [*c]const u8) callconv(.c) void {
    _ = message;
    if (user == @as(?*anyopaque, @ptrCast(&hook_calls)) and code != 0) _ = hook_calls.fetchAdd(1, .seq_cst);
}

test "background maintenance flushes on its own and reports its state" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("background.ntt");
    defer testing.allocator.free(path);
    {
        var db = try nanots.Db.open(path, .{ .auto_maintenance = true, .maintenance_interval_ms = 5, .flush_after_ms = 10 });
        defer db.close();
        try db.setMaintenanceHook(onMaintenanceError, @ptrCast(&hook_calls));
        try db.execSql("CREATE TABLE b (v); INSERT INTO b VALUES (1, 1), (2, 2);");
        // Wait (bounded: 4000 polls of 5 ms) until the thread has flushed.
        var status = try db.maintenanceStatus();
        var pending = try db.pendingBytes();
        var polls: usize = 0;
        while ((pending != 0 or status.raw.flushes == 0) and polls < 4000) : (polls += 1) {
            try testing.io.sleep(.fromMilliseconds(5), .awake);
            pending = try db.pendingBytes();
            status = try db.maintenanceStatus();
        }
        try testing.expectEqual(@as(u64, 0), pending);
        try testing.expect(status.running());
        try testing.expect(status.raw.flushes >= 1 and status.raw.runs >= 1);
        try testing.expectEqual(@as(u64, 0), status.raw.errors);
        try testing.expectEqual(nanots.Status.ok, status.lastErrorStatus());
        try testing.expectEqualStrings("", status.lastErrorMessage());
        try testing.expectEqual(@as(usize, 0), hook_calls.load(.seq_cst));
        try db.setMaintenanceHook(null, null);
    }
    // Without auto_maintenance: no thread, all zero.
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    const status = try db.maintenanceStatus();
    try testing.expect(!status.running());
    try testing.expectEqual(@as(u64, 0), status.raw.runs);
    try testing.expectEqual(@as(usize, 2), try rowCount(db, "b"));
    // Read-only with auto-maintenance is refused.
    try testing.expectError(error.InvalidArgument, nanots.Db.open(path, .{ .read_only = true, .auto_maintenance = true }));
}

test "auto_flush_bytes flushes without a flush call; 0 never does" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    for ([_]u64{ 1024, 0 }) |threshold| {
        const name = if (threshold == 0) "never.ntt" else "auto.ntt";
        const path = try scratch.path(name);
        defer testing.allocator.free(path);
        var db = try nanots.Db.open(path, .{ .auto_flush_bytes = threshold });
        defer db.close();
        try db.createTable(testing.allocator, "t", &.{"v"});
        // 16 bytes a row (timestamp and value): 1000 rows pass 1024 bytes.
        for (0..1000) |i| try db.appendRow("t", @intCast(i), &.{@floatFromInt(i)});
        const st = try db.tableStats("t");
        try testing.expectEqual(@as(u64, 1000), st.rows);
        if (threshold == 0) {
            try testing.expectEqual(@as(u64, 0), st.flushed_rows);
            try testing.expectEqual(@as(u64, 1000), st.buffered_rows);
        } else {
            try testing.expect(st.flushed_rows > 0);
            try testing.expect(try db.pendingBytes() < threshold);
        }
    }
}
