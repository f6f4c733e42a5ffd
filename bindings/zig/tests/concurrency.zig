//! Several threads append (row by row and in columnar batches) and flush
//! while others query the same table through one `Db`. Every query a reader
//! makes must see a sorted, consistent prefix of what was written (each
//! row's values are a function of its timestamp), never fewer rows than
//! its previous query; afterwards every row is there exactly once. Errors,
//! including their messages, are read on the thread that got them.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

const writers = 4;
const readers = 3;
const rows_per_writer = 3000;
const batch = 50;

fn x(ts: i64) f64 {
    return @as(f64, @floatFromInt(ts)) * 0.5;
}

fn y(ts: i64) f64 {
    return -@as(f64, @floatFromInt(ts));
}

const Shared = struct {
    db: nanots.Db,
    writers_done: std.atomic.Value(usize) = .init(0),
    failures: std.atomic.Value(usize) = .init(0),
    queries: std.atomic.Value(usize) = .init(0),

    fn fail(s: *Shared, who: []const u8, index: usize, err: anyerror) void {
        _ = s.failures.fetchAdd(1, .seq_cst);
        const info = nanots.lastError();
        std.debug.print("{s} {d} failed: {t} (last NanoTS error on this thread: {t}, \"{s}\")\n", .{ who, index, err, info.status, info.message() });
    }
};

/// Writer `w` owns timestamps `w, w + writers, w + 2 * writers, ...`.
fn write(s: *Shared, w: usize) !void {
    var i: usize = 0;
    while (i < rows_per_writer) {
        if ((i / batch) % 2 == 0) {
            // One batch row by row.
            for (0..batch) |k| {
                const ts: i64 = @intCast((i + k) * writers + w);
                try s.db.appendRow("t", ts, &.{ x(ts), y(ts) });
            }
        } else {
            // The next as one columnar append.
            var ts: [batch]i64 = undefined;
            var xs: [batch]f64 = undefined;
            var ys: [batch]f64 = undefined;
            for (&ts, &xs, &ys, 0..) |*t, *xv, *yv, k| {
                t.* = @intCast((i + k) * writers + w);
                xv.* = x(t.*);
                yv.* = y(t.*);
            }
            try s.db.appendRows(std.heap.page_allocator, "t", &ts, &.{ &xs, &ys });
        }
        i += batch;
        if (i % 1000 == 0) try s.db.flush();
    }
    // An error path on this thread: its message is this thread's.
    if (s.db.appendRow("no-such-table", 0, &.{1.0})) |_| return error.TestExpectedError else |err| {
        if (err != error.NotFound) return err;
        if (std.mem.indexOf(u8, nanots.lastError().message(), "no-such-table") == null) return error.TestWrongMessage;
    }
}

fn writer(s: *Shared, w: usize) void {
    write(s, w) catch |err| s.fail("writer", w, err);
    _ = s.writers_done.fetchAdd(1, .seq_cst);
}

fn checkSnapshot(r: nanots.QueryResult) !void {
    const ts = r.timestamps();
    const xs = r.column(0);
    const ys = r.column(1);
    for (ts, xs, ys, 0..) |t, xv, yv, i| {
        if (i > 0 and ts[i - 1] > t) return error.TestUnsorted;
        if (xv != x(t) or yv != y(t)) return error.TestTornRow;
    }
}

fn read(s: *Shared, index: usize) !void {
    var previous: usize = 0;
    // At least one query, then until every writer is done.
    while (true) {
        const done = s.writers_done.load(.seq_cst) == writers;
        var r = try s.db.queryRange("t", 0, std.math.maxInt(i64));
        defer r.deinit();
        try checkSnapshot(r);
        if (r.len() < previous) return error.TestRowsVanished;
        previous = r.len();
        _ = s.queries.fetchAdd(1, .seq_cst);
        if (index == 0) {
            // One reader also aggregates: one bucket, counting at least the
            // rows the query before it saw and at most all rows. No bucket
            // only while the table is still empty (this reader can start
            // before any writer has appended).
            var agg = try s.db.aggregate("t", 0, std.math.maxInt(i64), 1 << 40, &.{.count});
            defer agg.deinit();
            if (agg.len() == 0 and previous == 0) continue;
            if (agg.len() != 1) return error.TestWrongBuckets;
            const count = agg.get(0, 0).uint64[0];
            if (count < previous or count > writers * rows_per_writer) return error.TestWrongCount;
        }
        if (done) break;
    }
    if (previous != writers * rows_per_writer) return error.TestMissingRows;
}

fn reader(s: *Shared, index: usize) void {
    read(s, index) catch |err| s.fail("reader", index, err);
}

test "appends, flushes and queries from several threads through one Db" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("threads.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{ .sync = .never });
    defer db.close();
    try db.createTable(testing.allocator, "t", &.{ "x", "y" });

    var shared: Shared = .{ .db = db };
    var threads: [writers + readers]std.Thread = undefined;
    for (threads[0..writers], 0..) |*t, w| t.* = try std.Thread.spawn(.{}, writer, .{ &shared, w });
    for (threads[writers..], 0..) |*t, r| t.* = try std.Thread.spawn(.{}, reader, .{ &shared, r });
    for (threads) |t| t.join();

    try testing.expectEqual(@as(usize, 0), shared.failures.load(.seq_cst));
    try testing.expect(shared.queries.load(.seq_cst) >= readers);

    var r = try db.queryRange("t", 0, std.math.maxInt(i64));
    defer r.deinit();
    try testing.expectEqual(@as(usize, writers * rows_per_writer), r.len());
    // Every timestamp 0 .. writers * rows_per_writer - 1 exactly once.
    for (r.timestamps(), 0..) |t, i| try testing.expectEqual(@as(i64, @intCast(i)), t);
    try checkSnapshot(r);
}
