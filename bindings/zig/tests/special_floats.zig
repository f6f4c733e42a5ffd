//! Every f64 bit pattern round-trips exactly: NaN payloads (quiet,
//! signalling, negative), -0.0, infinities, subnormals; through the buffer,
//! a flush, a reopen, and the Arrow exports. Compared as bits, never as
//! floats (NaN != NaN, -0.0 == 0.0).
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

const patterns = [_]u64{
    0x7ff8_0000_0000_0000, // the quiet NaN
    0xfff8_0000_0000_0000, // negative quiet NaN
    0x7ff8_0000_0000_0001, // quiet NaN, payload 1
    0x7ff0_0000_0000_0001, // signalling NaN
    0xfff8_dead_beef_cafe, // negative NaN with a payload
    0x7fff_ffff_ffff_ffff, // NaN, every payload bit set
    0x8000_0000_0000_0000, // -0.0
    0x0000_0000_0000_0000, // +0.0
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x0000_0000_0000_0001, // smallest subnormal
    0x800f_ffff_ffff_ffff, // largest negative subnormal
    0x7fef_ffff_ffff_ffff, // f64 max
    0x3fd5_5555_5555_5555, // 1/3
};

fn values(comptime negate_sign: bool) [patterns.len]f64 {
    var out: [patterns.len]f64 = undefined;
    for (patterns, &out) |p, *v| v.* = @bitCast(if (negate_sign) p ^ 0x8000_0000_0000_0000 else p);
    return out;
}

fn expectBits(expected: []const f64, actual: []const f64) !void {
    try testing.expectEqual(expected.len, actual.len);
    for (expected, actual, 0..) |e, a, i| {
        const eb: u64 = @bitCast(e);
        const ab: u64 = @bitCast(a);
        if (eb != ab) {
            std.debug.print("row {d}: expected 0x{x:0>16}, got 0x{x:0>16}\n", .{ i, eb, ab });
            return error.TestExpectedEqual;
        }
    }
}

fn timestamps() [patterns.len]i64 {
    var ts: [patterns.len]i64 = undefined;
    for (&ts, 0..) |*t, i| t.* = @intCast(i);
    return ts;
}

fn expectAll(db: nanots.Db) !void {
    const v = values(false);
    const w = values(true);
    for ([_][]const u8{ "rows", "cols" }) |table| {
        var r = try db.queryRange(table, 0, 100);
        defer r.deinit();
        try testing.expectEqualSlices(i64, &timestamps(), r.timestamps());
        try expectBits(&v, r.column(0));
        try expectBits(&w, r.column(1));
    }
    var frame = try db.queryRangeArrow("cols", 0, 100);
    defer frame.deinit();
    try expectBits(&v, frame.batch.float64(1).?);
    try expectBits(&w, frame.batch.float64(2).?);

    var stream = try db.queryRangeStream("rows", 0, 100);
    defer stream.deinit();
    var seen: usize = 0;
    while (try stream.next()) |batch_const| {
        var batch = batch_const;
        defer batch.deinit();
        try expectBits(v[seen..][0..batch.len()], batch.float64(1).?);
        try expectBits(w[seen..][0..batch.len()], batch.float64(2).?);
        seen += batch.len();
    }
    try testing.expectEqual(patterns.len, seen);

    var last = try db.latest("cols", 2);
    defer last.deinit();
    try expectBits(v[patterns.len - 2 ..], last.batch.float64(1).?);
}

test "special floats survive the buffer, a flush, a reopen and the Arrow exports bit for bit" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("floats.ntt");
    defer testing.allocator.free(path);

    const v = values(false);
    const w = values(true);
    const ts = timestamps();
    {
        var db = try nanots.Db.open(path, .{});
        defer db.close();
        try db.createTable(testing.allocator, "rows", &.{ "v", "w" });
        try db.createTable(testing.allocator, "cols", &.{ "v", "w" });
        for (ts, v, w) |t, a, b| try db.appendRow("rows", t, &.{ a, b });
        try db.appendRows(testing.allocator, "cols", &ts, &.{ &v, &w });
        try expectAll(db); // buffered
        try db.flush();
        try expectAll(db); // in segments
        try db.closeChecked();
    }
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try expectAll(db); // reopened
    try db.pack("cols", 1024);
    try expectAll(db); // re-encoded with the strongest codecs
}
