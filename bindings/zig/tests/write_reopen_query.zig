//! Write, flush, close, reopen, query: the rows come back exactly, in
//! timestamp order, from the buffer and from segments alike, through every
//! append call (append, appendRow, appendRows) and the table listings.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

test "rows written, flushed and reopened come back exactly" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("db.ntt");
    defer testing.allocator.free(path);

    {
        var db = try nanots.Db.open(path, .{});
        defer db.close();
        try db.createTable(testing.allocator, "cpu", &.{ "user", "system" });
        // Idempotent with the same columns.
        try db.createTable(testing.allocator, "cpu", &.{ "user", "system" });
        try db.appendRow("cpu", 3000, &.{ 3.0, 30.0 });
        try db.appendRow("cpu", 1000, &.{ 1.0, 10.0 });
        try testing.expect(try db.pendingBytes() > 0);
        try db.flush();
        try testing.expectEqual(@as(u64, 0), try db.pendingBytes());
        // Columnar, straight from slices; out of order and a duplicate ts.
        const ts = [_]i64{ 2000, 5000, 4000, 3000 };
        const user = [_]f64{ 2.0, 5.0, 4.0, 3.5 };
        const system = [_]f64{ 20.0, 50.0, 40.0, 35.0 };
        try db.appendRows(testing.allocator, "cpu", &ts, &.{ &user, &system });
        try db.append("temp", 7, -1.5);
        try db.append("temp", 8, 2.25);
        // Before the close: buffered and flushed rows are merged.
        var before = try db.queryRange("cpu", 0, 10_000);
        defer before.deinit();
        try testing.expectEqual(@as(usize, 6), before.len());
        try db.closeChecked();
    }

    var db = try nanots.Db.open(path, .{});
    defer db.close();

    var rows = try db.queryRange("cpu", 0, 10_000);
    defer rows.deinit();
    try testing.expectEqual(@as(usize, 6), rows.len());
    try testing.expectEqual(@as(usize, 2), rows.columnCount());
    try testing.expectEqualSlices(i64, &.{ 1000, 2000, 3000, 3000, 4000, 5000 }, rows.timestamps());
    // Equal timestamps keep append order: 3.0 (first call) before 3.5.
    try testing.expectEqualSlices(f64, &.{ 1.0, 2.0, 3.0, 3.5, 4.0, 5.0 }, rows.column(0));
    try testing.expectEqualSlices(f64, &.{ 10.0, 20.0, 30.0, 35.0, 40.0, 50.0 }, rows.column(1));
    try testing.expectEqualStrings("user", rows.columnName(0));
    try testing.expectEqualStrings("system", rows.columnName(1));

    // Inclusive at both ends.
    var mid = try db.queryRange("cpu", 2000, 4000);
    defer mid.deinit();
    try testing.expectEqualSlices(i64, &.{ 2000, 3000, 3000, 4000 }, mid.timestamps());

    var none = try db.queryRange("cpu", 6000, 9000);
    defer none.deinit();
    try testing.expectEqual(@as(usize, 0), none.len());
    try testing.expectEqual(@as(usize, 0), none.timestamps().len);
    try testing.expectEqual(@as(usize, 0), none.column(1).len);

    var temp = try db.queryRange("temp", std.math.minInt(i64), std.math.maxInt(i64));
    defer temp.deinit();
    try testing.expectEqualSlices(i64, &.{ 7, 8 }, temp.timestamps());
    try testing.expectEqualSlices(f64, &.{ -1.5, 2.25 }, temp.column(0));
    try testing.expectEqualStrings("value", temp.columnName(0));

    var tables = try db.listTables();
    defer tables.deinit();
    try testing.expectEqual(@as(usize, 2), tables.len());
    try testing.expectEqualStrings("cpu", tables.get(0));
    try testing.expectEqualStrings("temp", tables.get(1));

    var cols = try db.tableColumns("cpu");
    defer cols.deinit();
    var it = cols.iterator();
    try testing.expectEqualStrings("user", it.next().?);
    try testing.expectEqualStrings("system", it.next().?);
    try testing.expectEqual(@as(?[:0]const u8, null), it.next());
}

test "appendRows with more columns than fit on the stack uses the allocator" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("wide.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();

    const ncols = 40;
    var names: [ncols][]const u8 = undefined;
    var name_bufs: [ncols][8]u8 = undefined;
    for (&names, &name_bufs, 0..) |*n, *buf, i| n.* = try std.fmt.bufPrint(buf, "c{d}", .{i});
    try db.createTable(testing.allocator, "wide", &names);

    const ts = [_]i64{ 10, 20, 30 };
    var data: [ncols][3]f64 = undefined;
    var cols: [ncols][]const f64 = undefined;
    for (&data, &cols, 0..) |*d, *col, i| {
        const f: f64 = @floatFromInt(i);
        d.* = .{ f, f + 0.25, f + 0.5 };
        col.* = d;
    }
    try db.appendRows(testing.allocator, "wide", &ts, &cols);

    var rows = try db.queryRange("wide", 0, 100);
    defer rows.deinit();
    try testing.expectEqual(@as(usize, ncols), rows.columnCount());
    try testing.expectEqualSlices(i64, &ts, rows.timestamps());
    for (0..ncols) |i| {
        try testing.expectEqualSlices(f64, &data[i], rows.column(i));
        try testing.expectEqualStrings(names[i], rows.columnName(i));
    }
}

test "the library's version matches the header the module was translated from" {
    var buf: [32]u8 = undefined;
    const expected = try std.fmt.bufPrint(&buf, "{d}.{d}.{d}", .{ nanots.header_version.major, nanots.header_version.minor, nanots.header_version.patch });
    try testing.expectEqualStrings(expected, nanots.version());
}
