//! The Arrow C Stream: as the raw `ArrowArrayStream` a consumer with its own
//! Arrow library takes, and as the iterator of batches read as slices. A
//! range larger than one batch comes back in order, split at 65536 rows
//! (batches after the first start at an offset), and the stream outlives
//! the database handle.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

const total = 150_000;

fn fill(db: nanots.Db) !void {
    try db.createTable(testing.allocator, "big", &.{ "x", "y" });
    const ts = try testing.allocator.alloc(i64, total);
    defer testing.allocator.free(ts);
    const x = try testing.allocator.alloc(f64, total);
    defer testing.allocator.free(x);
    const y = try testing.allocator.alloc(f64, total);
    defer testing.allocator.free(y);
    for (ts, x, y, 0..) |*t, *xv, *yv, i| {
        t.* = @intCast(i * 2);
        xv.* = @floatFromInt(i);
        yv.* = @as(f64, @floatFromInt(i)) * -0.5;
    }
    try db.appendRows(testing.allocator, "big", ts, &.{ x, y });
    try db.flush();
}

test "the batch iterator returns every row in order, at most 65536 rows a batch, after close" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("stream.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try fill(db);

    var stream = try db.queryRangeStream("big", 0, std.math.maxInt(i64));
    defer stream.deinit();
    // Rows appended after the stream was made are not in its snapshot.
    try db.appendRow("big", total * 2, &.{ -1, -1 });
    try db.closeChecked();

    try testing.expectEqual(@as(usize, 3), stream.columnCount());
    try testing.expectEqualStrings("ts_ms", stream.columnName(0));
    try testing.expectEqualStrings("y", stream.columnName(2));
    var seen: usize = 0;
    var batches: usize = 0;
    while (try stream.next()) |batch_const| {
        var batch = batch_const;
        defer batch.deinit();
        batches += 1;
        try testing.expect(batch.len() > 0 and batch.len() <= 65536);
        const ts = batch.timestamps();
        const x = batch.float64(1).?;
        const y = batch.column(2).float64;
        for (ts, x, y, seen..) |t, xv, yv, i| {
            if (t != @as(i64, @intCast(i * 2)) or xv != @as(f64, @floatFromInt(i)) or yv != @as(f64, @floatFromInt(i)) * -0.5) {
                std.debug.print("row {d}: ts {d}, x {d}, y {d}\n", .{ i, t, xv, yv });
                return error.TestUnexpectedRow;
            }
        }
        seen += batch.len();
    }
    try testing.expectEqual(@as(usize, total), seen);
    try testing.expect(batches >= 3);
    // The end is sticky.
    try testing.expectEqual(@as(?nanots.RecordBatch, null), try stream.next());
}

test "the raw ArrowArrayStream follows the Arrow C Stream protocol" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("raw.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try fill(db);

    var raw = try db.queryRangeStreamRaw("big", 1000, 1999);
    defer raw.release.?(&raw);
    var schema: nanots.ArrowSchema = undefined;
    try testing.expectEqual(@as(c_int, 0), raw.get_schema.?(&raw, &schema));
    defer schema.release.?(&schema);
    try testing.expectEqualStrings("+s", std.mem.span(schema.format));
    try testing.expectEqual(@as(i64, 3), schema.n_children);
    try testing.expectEqualStrings("tsm:", std.mem.span(schema.children[0].*.format));
    try testing.expectEqualStrings("g", std.mem.span(schema.children[1].*.format));

    var rows: i64 = 0;
    while (true) {
        var array: nanots.ArrowArray = undefined;
        try testing.expectEqual(@as(c_int, 0), raw.get_next.?(&raw, &array));
        if (array.release == null) break;
        defer array.release.?(&array);
        try testing.expectEqual(@as(i64, 3), array.n_children);
        rows += array.length;
    }
    // ts 1000..1999 step 2: rows 500..999.
    try testing.expectEqual(@as(i64, 500), rows);

    // A whole-range export as one frame; its raw structs can be moved out.
    var frame = try db.queryRangeArrow("big", 1000, 1999);
    defer frame.deinit();
    try testing.expectEqual(@as(usize, 500), frame.batch.len());
    try testing.expectEqual(@as(i64, 1000), frame.batch.timestamps()[0]);
    try testing.expectEqual(@as(f64, 999), frame.batch.float64(1).?[499]);
    var moved = frame.batch.array;
    frame.batch.array.release = null; // now owned by `moved`
    try testing.expectEqual(@as(i64, 500), moved.length);
    moved.release.?(&moved);
}
