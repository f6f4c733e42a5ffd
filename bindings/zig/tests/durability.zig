//! What the library reports about durability: WAL replay after a crash
//! (a copy of the files taken while the writer is open), verify, commit
//! counters, backups, and a read-only handle next to the writer.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

fn copyFile(from: []const u8, to: []const u8) !void {
    const cwd = std.Io.Dir.cwd();
    try cwd.copyFile(from, cwd, to, testing.io, .{});
}

test "rows only in the WAL are replayed when a crash copy is opened" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("live.ntt");
    defer testing.allocator.free(path);
    const crash = try scratch.path("crash.ntt");
    defer testing.allocator.free(crash);

    var db = try nanots.Db.open(path, .{ .sync = .every_append, .auto_flush_bytes = 0 });
    defer db.close();
    try db.createTable(testing.allocator, "t", &.{"v"});
    const nan_bits: u64 = 0x7ff0_0000_0000_0bad;
    try db.appendRow("t", 1, &.{1.5});
    try db.appendRow("t", 2, &.{@bitCast(nan_bits)});
    try db.appendRow("t", 3, &.{-0.0});
    try testing.expect(try db.pendingBytes() > 0);

    // The files as a crash would leave them: the database and its WAL.
    try copyFile(path, crash);
    const wal = try std.fmt.allocPrint(testing.allocator, "{s}-wal", .{path});
    defer testing.allocator.free(wal);
    const crash_wal = try std.fmt.allocPrint(testing.allocator, "{s}-wal", .{crash});
    defer testing.allocator.free(crash_wal);
    try copyFile(wal, crash_wal);

    var recovered = try nanots.Db.open(crash, .{});
    defer recovered.close();
    var report = try recovered.recoveryReport();
    defer report.deinit();
    try testing.expectEqual(@as(u64, 3), report.report.wal_rows_replayed);
    try testing.expect(report.report.wal_frames_replayed >= 1);
    try testing.expectEqual(@as(u64, 0), report.report.problems);
    try testing.expectEqual(@as(usize, 0), report.problems.len());
    var r = try recovered.queryRange("t", 0, 10);
    defer r.deinit();
    try testing.expectEqualSlices(i64, &.{ 1, 2, 3 }, r.timestamps());
    try testing.expectEqual(nan_bits, @as(u64, @bitCast(r.column(0)[1])));
    try testing.expectEqual(@as(u64, 0x8000_0000_0000_0000), @as(u64, @bitCast(r.column(0)[2])));

    // The live handle, reopened after a clean close, recovered nothing.
    try db.closeChecked();
    var clean = try nanots.Db.open(path, .{});
    defer clean.close();
    var clean_report = try clean.recoveryReport();
    defer clean_report.deinit();
    try testing.expectEqual(@as(u64, 0), clean_report.report.wal_rows_replayed);
    try testing.expectEqual(@as(u64, 0), clean_report.report.file_bytes_cut);
}

test "verify, commit counters and backups of a sound database" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("sound.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try testing.expectEqual(@as(u64, 0), (try db.commitStats()).commits);
    try db.createTable(testing.allocator, "t", &.{ "a", "b" });
    for (0..100) |i| try db.appendRow("t", @intCast(i), &.{ @floatFromInt(i), 1.0 });
    try db.flush();
    try db.appendRow("t", 100, &.{ 100.0, 1.0 });

    const commits = try db.commitStats();
    try testing.expect(commits.commits >= 2); // the table, the flush
    try testing.expect(commits.syncs >= 1); // sync on flush, the default

    var v = try db.verify();
    defer v.deinit();
    try testing.expectEqual(@as(u64, 0), v.report.problems);
    try testing.expectEqual(@as(usize, 0), v.problems.len());
    try testing.expectEqual(@as(u64, 1), v.report.segments);
    try testing.expectEqual(@as(u64, 100), v.report.rows);
    try testing.expect(v.report.records >= 3);

    for ([_]nanots.BackupMode{ .copy, .pack }) |mode| {
        const dest = try scratch.path(@tagName(mode));
        defer testing.allocator.free(dest);
        try db.backup(dest, mode);
        try testing.expectError(error.AlreadyExists, db.backup(dest, mode));
        var copy = try nanots.Db.open(dest, .{});
        defer copy.close();
        var r = try copy.queryRange("t", 0, 1000);
        defer r.deinit();
        // Buffered rows are flushed into the copy too.
        try testing.expectEqual(@as(usize, 101), r.len());
        try testing.expectEqual(@as(f64, 100), r.column(0)[100]);
    }
    try testing.expectError(error.InvalidArgument, db.backup(path, .copy));
}

test "a read-only handle beside the writer sees what the writer flushed" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("shared.ntt");
    defer testing.allocator.free(path);
    var writer = try nanots.Db.open(path, .{});
    defer writer.close();
    try writer.createTable(testing.allocator, "t", &.{"v"});
    try writer.appendRow("t", 1, &.{1});
    try writer.flush();

    var reader = try nanots.Db.open(path, .{ .read_only = true });
    defer reader.close();
    try testing.expect(try reader.isReadOnly());
    try testing.expect(!try writer.isReadOnly());
    try testing.expectError(error.ReadOnly, reader.appendRow("t", 2, &.{2}));
    try testing.expectEqual(nanots.Status.read_only, nanots.lastError().status);
    try testing.expectError(error.ReadOnly, reader.flush());
    var first = try reader.queryRange("t", 0, 10);
    defer first.deinit();
    try testing.expectEqualSlices(i64, &.{1}, first.timestamps());

    try writer.appendRow("t", 2, &.{2});
    try testing.expect(!try reader.refresh()); // not flushed yet
    try writer.flush();
    try testing.expect(try reader.refresh());
    try testing.expect(!try reader.refresh());
    try testing.expect(!try writer.refresh());
    var second = try reader.queryRange("t", 0, 10);
    defer second.deinit();
    try testing.expectEqualSlices(i64, &.{ 1, 2 }, second.timestamps());

    const missing = try scratch.path("missing.ntt");
    defer testing.allocator.free(missing);
    try testing.expectError(error.NotFound, nanots.Db.open(missing, .{ .read_only = true }));
}
