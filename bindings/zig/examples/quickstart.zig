const std = @import("std");
const nanots = @import("nanots");

pub fn main(init: std.process.Init) !void {
    const gpa = init.gpa;
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    const path = if (args.len > 1) args[1] else "quickstart.ntt";

    var db = try nanots.Db.open(path, .{ .sync = .on_flush, .segment_partition_ms = 3_600_000 });
    defer db.close();

    try db.createTable(gpa, "cpu", &.{ "user", "system" });

    // One row at a time...
    const t0: i64 = 1_700_000_000_000;
    try db.appendRow("cpu", t0, &.{ 0.25, 0.5 });

    // ...or column by column, straight from slices (no per-row copy).
    var ts: [600]i64 = undefined;
    var user: [600]f64 = undefined;
    var system: [600]f64 = undefined;
    for (&ts, &user, &system, 1..) |*t, *u, *s, i| {
        t.* = t0 + @as(i64, @intCast(i)) * 1000;
        u.* = @as(f64, @floatFromInt(i % 100)) / 100.0;
        s.* = 1.0 - u.*;
    }
    try db.appendRows(gpa, "cpu", &ts, &.{ &user, &system });
    try db.flush();

    // A range query, inclusive at both ends; the slices borrow the result.
    var rows = try db.queryRange("cpu", t0, t0 + 10_000);
    defer rows.deinit();
    for (rows.timestamps(), rows.column(0), rows.column(1)) |t, u, s| {
        std.debug.print("{d}: user={d:.2} system={d:.2}\n", .{ t, u, s });
    }

    // Per-minute mean and max of every column.
    var minutes = try db.aggregate("cpu", t0, t0 + 600_000, 60_000, &.{ .mean, .max });
    defer minutes.deinit();
    for (minutes.bucketStarts(), minutes.get(0, 0).float64, minutes.get(0, 1).float64) |start, mean, max| {
        std.debug.print("minute {d}: user mean={d:.3} max={d:.2}\n", .{ start, mean, max });
    }

    // Streaming: batches of at most 65536 rows, memory bounded by one batch.
    var stream = try db.queryRangeStream("cpu", std.math.minInt(i64), std.math.maxInt(i64));
    defer stream.deinit();
    var total: usize = 0;
    while (try stream.next()) |batch_in| {
        var batch = batch_in;
        defer batch.deinit();
        total += batch.len();
    }
    std.debug.print("streamed {d} rows\n", .{total});

    // Errors are Zig errors; the library's message is on this thread.
    db.appendRow("cpu", t0, &.{1.0}) catch |err| {
        std.debug.print("{t}: {s}\n", .{ err, nanots.lastError().message() });
    };
}
