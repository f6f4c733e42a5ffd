//! Error paths: each returns the exact error of its status code, and
//! `lastError()` holds that status and the library's message, read on the
//! failing thread.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

fn expectLast(status: nanots.Status, needle: []const u8) !void {
    const info = nanots.lastError();
    errdefer std.debug.print("lastError: status {t}, message \"{s}\"\n", .{ info.status, info.message() });
    try testing.expectEqual(status, info.status);
    try testing.expect(std.mem.indexOf(u8, info.message(), needle) != null);
}

const Fixture = struct {
    scratch: Scratch,
    path: []u8,
    db: nanots.Db,

    fn init() !Fixture {
        var scratch = try Scratch.init();
        errdefer scratch.deinit();
        const path = try scratch.path("errors.ntt");
        errdefer testing.allocator.free(path);
        var db = try nanots.Db.open(path, .{});
        errdefer db.close();
        try db.createTable(testing.allocator, "cpu", &.{ "user", "system" });
        return .{ .scratch = scratch, .path = path, .db = db };
    }

    fn deinit(f: *Fixture) void {
        f.db.close();
        testing.allocator.free(f.path);
        f.scratch.deinit();
    }
};

test "unknown table: NotFound with the table's name in the message" {
    var f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.NotFound, f.db.queryRange("nope", 0, 10));
    try expectLast(.not_found, "nope");
    try testing.expect(std.mem.startsWith(u8, nanots.lastError().message(), "nts_query_range"));
    try testing.expectError(error.NotFound, f.db.appendRow("nope", 1, &.{1.0}));
    try expectLast(.not_found, "nts_append_row");
    try testing.expectError(error.NotFound, f.db.dropTable("nope"));
    try testing.expectError(error.NotFound, f.db.tableStats("nope"));
    try testing.expectError(error.NotFound, f.db.columnStats("cpu", "nope"));
    try testing.expectError(error.NotFound, f.db.aggregate("nope", 0, 10, 5, &.{.count}));
    try testing.expectError(error.NotFound, f.db.queryRangeStream("nope", 0, 10));
    try expectLast(.not_found, "nope");
}

test "wrong column count: SchemaMismatch, nothing appended" {
    var f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.SchemaMismatch, f.db.appendRow("cpu", 1, &.{1.0}));
    try expectLast(.schema_mismatch, "nts_append_row");
    try testing.expectError(error.SchemaMismatch, f.db.appendRow("cpu", 1, &.{ 1.0, 2.0, 3.0 }));
    const ts = [_]i64{ 1, 2 };
    const one = [_]f64{ 1.0, 2.0 };
    try testing.expectError(error.SchemaMismatch, f.db.appendRows(testing.allocator, "cpu", &ts, &.{&one}));
    try expectLast(.schema_mismatch, "nts_append_rows");
    // A one-column series appended to a two-column table.
    try testing.expectError(error.SchemaMismatch, f.db.append("cpu", 1, 1.0));
    try expectLast(.schema_mismatch, "nts_append");
    var rows = try f.db.queryRange("cpu", std.math.minInt(i64), std.math.maxInt(i64));
    defer rows.deinit();
    try testing.expectEqual(@as(usize, 0), rows.len());
}

test "columns of different lengths are refused before reaching C" {
    var f = try Fixture.init();
    defer f.deinit();
    const ts = [_]i64{ 1, 2, 3 };
    const short = [_]f64{ 1.0, 2.0 };
    const full = [_]f64{ 1.0, 2.0, 3.0 };
    try testing.expectError(error.InvalidArgument, f.db.appendRows(testing.allocator, "cpu", &ts, &.{ &full, &short }));
    try expectLast(.invalid_argument, "column 1 has 2 values for 3 timestamps");
}

test "a second writer on the same file: Locked" {
    var f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.Locked, nanots.Db.open(f.path, .{}));
    try expectLast(.locked, "nts_open");
    // The first handle is unaffected; once it is closed the file opens.
    try f.db.appendRow("cpu", 1, &.{ 1.0, 2.0 });
    try f.db.closeChecked();
    var again = try nanots.Db.open(f.path, .{});
    defer again.close();
    var rows = try again.queryRange("cpu", 0, 10);
    defer rows.deinit();
    try testing.expectEqualSlices(i64, &.{1}, rows.timestamps());
}

test "use after close: Closed, from this Db and from a copy of it" {
    var f = try Fixture.init();
    defer f.deinit();
    const copy = f.db;
    try f.db.closeChecked();
    // Through the closed Db: refused by the wrapper.
    try testing.expectError(error.Closed, f.db.appendRow("cpu", 1, &.{ 1.0, 2.0 }));
    try expectLast(.closed, "Db.appendRow");
    try testing.expectError(error.Closed, f.db.queryRange("cpu", 0, 1));
    try testing.expectError(error.Closed, f.db.flush());
    try testing.expectError(error.Closed, f.db.closeChecked());
    f.db.close(); // a no-op
    // Through a stale copy: the library knows the handle is gone.
    try testing.expectError(error.Closed, copy.appendRow("cpu", 1, &.{ 1.0, 2.0 }));
    try expectLast(.closed, "nts_append_row");
    try testing.expectError(error.Closed, copy.queryRange("cpu", 0, 1));
    try expectLast(.closed, "nts_query_range");
    try testing.expectError(error.Closed, copy.listTables());
    try testing.expectError(error.Closed, copy.maintenanceStatus());
    var copy2 = copy;
    try testing.expectError(error.Closed, copy2.closeChecked());
    try expectLast(.closed, "nts_close");
}

test "invalid UTF-8 and embedded NUL in names: InvalidArgument" {
    var f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.InvalidArgument, f.db.createTable(testing.allocator, "bad\xff\xfe", &.{"v"}));
    try expectLast(.invalid_argument, "nts_create_table");
    try testing.expectError(error.InvalidArgument, f.db.createTable(testing.allocator, "ok", &.{"\xc3"}));
    try testing.expectError(error.InvalidArgument, f.db.appendRow("\xc3\x28", 1, &.{ 1.0, 2.0 }));
    try expectLast(.invalid_argument, "nts_append_row");
    try testing.expectError(error.InvalidArgument, f.db.queryRange("\xff", 0, 1));
    // C cannot see past a NUL: the wrapper refuses it.
    try testing.expectError(error.InvalidArgument, f.db.appendRow("cpu\x00x", 1, &.{ 1.0, 2.0 }));
    try expectLast(.invalid_argument, "NUL byte at offset 3");
    try testing.expectError(error.InvalidArgument, f.db.execSql("CREATE TABLE a (v);\x00CREATE TABLE b (v)"));
    try expectLast(.invalid_argument, "NUL byte");
    var tables = try f.db.listTables();
    defer tables.deinit();
    try testing.expectEqual(@as(usize, 1), tables.len());
}

test "other refusals: AlreadyExists, bad ranges, bad options, SQL syntax" {
    var f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.AlreadyExists, f.db.createTable(testing.allocator, "cpu", &.{"other"}));
    try expectLast(.already_exists, "cpu");
    try testing.expectError(error.InvalidArgument, f.db.createTable(testing.allocator, "empty", &.{}));
    try testing.expectError(error.InvalidArgument, f.db.queryRange("cpu", 10, 9));
    try expectLast(.invalid_argument, "nts_query_range");
    try testing.expectError(error.InvalidArgument, f.db.aggregate("cpu", 0, 10, 0, &.{.sum}));
    try testing.expectError(error.InvalidArgument, f.db.aggregate("cpu", 0, 10, 5, &.{}));
    try testing.expectError(error.InvalidArgument, f.db.pack("cpu", 0));
    try testing.expectError(error.InvalidArgument, f.db.mergeSmallSegments(1, 2));
    try expectLast(.invalid_argument, "target_rows");
    try testing.expectError(error.InvalidArgument, f.db.execSql("INSERT INTO cpu VALUES (1, 2"));
    try expectLast(.invalid_argument, "line 1, column");
    try testing.expectError(error.InvalidArgument, f.db.execSql("SELECT * FROM cpu"));
    try testing.expectError(error.InvalidArgument, nanots.Db.open(f.path, .{ .retention_ms = -1 }));
    try testing.expectError(error.InvalidArgument, nanots.Db.open(f.path, .{ .segment_max_rows = 0 }));
    var long: [256]u8 = undefined;
    @memset(&long, 'n');
    try testing.expectError(error.InvalidArgument, f.db.createTable(testing.allocator, &long, &.{"v"}));
    try expectLast(.invalid_argument, "255");
}

test "every status maps to its own error and back" {
    const statuses = [_]nanots.Status{
        .invalid_argument, .not_found,           .already_exists, .schema_mismatch, .io,      .corrupt,   .locked,
        .too_large,        .unsupported_version, .closed,         .panic,           .unknown, .read_only,
    };
    for (statuses, 0..) |s, i| {
        const err = nanots.errorOf(s);
        try testing.expectEqual(s, nanots.statusOf(err));
        for (statuses[0..i]) |earlier| try testing.expect(nanots.errorOf(earlier) != err);
    }
    // A status from a newer library is Unknown, not a crash.
    try testing.expectEqual(error.Unknown, nanots.errorOf(@fromBackingInt(@intCast(99))));
    try testing.expectEqualStrings("not found", nanots.Status.not_found.name());
}
