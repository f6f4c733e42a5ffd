//! Write, flush, close, reopen, query: the rows come back exactly, in
//! timestamp order, from the buffer and from segments alike.
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
        try db.appendRow("cpu", 3000, &.{ 3.0, 30.0 });
        try db.appendRow("cpu", 1000, &.{ 1.0, 10.0 });
        try db.flush();
        try db.appendRow("cpu", 2000, &.{ 2.0, 20.0 });
        try db.closeChecked();
    }
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    var rows = try db.queryRange("cpu", 0, 5000);
    defer rows.deinit();
    try testing.expectEqual(@as(usize, 3), rows.len());
    try testing.expectEqualSlices(i64, &.{ 1000, 2000, 3000 }, rows.timestamps());
    try testing.expectEqualSlices(f64, &.{ 1.0, 2.0, 3.0 }, rows.column(0));
    try testing.expectEqualSlices(f64, &.{ 10.0, 20.0, 30.0 }, rows.column(1));
    try testing.expectEqualStrings("system", rows.columnName(1));
}
