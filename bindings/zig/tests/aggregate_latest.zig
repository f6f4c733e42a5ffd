//! Aggregates in buckets (every aggregate code, NaN handling, buckets
//! answered from segment statistics and from decoded rows), the same through
//! the aggregate stream, and `latest`.
const std = @import("std");
const testing = std.testing;
const nanots = @import("nanots");
const Scratch = @import("support.zig").Scratch;

// 60 rows, ts = 0, 10, ..., 590; a = ts / 10; b = NaN where ts % 30 == 0,
// else -a. Buckets of 200 ms: [0, 190], [200, 390], [400, 590].
const nrows = 60;
const bucket_ms = 200;
const aggs = [_]nanots.Agg{ .count, .sum, .min, .max, .mean, .first, .last };

fn a(i: usize) f64 {
    return @floatFromInt(i);
}

fn b(i: usize) f64 {
    return if ((i * 10) % 30 == 0) std.math.nan(f64) else -a(i);
}

/// The expected value of aggregate `agg` of column `col` in `bucket`,
/// computed row by row here.
fn expected(col: usize, bucket: usize, agg: nanots.Agg) f64 {
    var count: f64 = 0;
    var sum: f64 = 0;
    var n: f64 = 0;
    var min = std.math.inf(f64);
    var max = -std.math.inf(f64);
    var first: ?f64 = null;
    var last: f64 = 0;
    for (0..nrows) |i| {
        if (i * 10 / bucket_ms != bucket) continue;
        const v = if (col == 0) a(i) else b(i);
        count += 1;
        if (first == null) first = v;
        last = v;
        if (std.math.isNan(v)) continue;
        sum += v;
        n += 1;
        min = @min(min, v);
        max = @max(max, v);
    }
    return switch (agg) {
        .count => count,
        .sum => sum,
        .min => min,
        .max => max,
        .mean => sum / n,
        .first => first.?,
        .last => last,
    };
}

fn expectAggregation(got: nanots.Aggregation) !void {
    try testing.expectEqual(@as(usize, 3), got.len());
    try testing.expectEqualSlices(i64, &.{ 0, 200, 400 }, got.bucketStarts());
    for (0..2) |col| {
        for (aggs, 0..) |agg, k| {
            const column = got.get(col, k);
            for (0..3) |bucket| {
                const want = expected(col, bucket, agg);
                switch (column) {
                    .uint64 => |counts| {
                        try testing.expectEqual(nanots.Agg.count, agg);
                        try testing.expectEqual(@as(u64, @intFromFloat(want)), counts[bucket]);
                    },
                    .float64 => |vals| {
                        try testing.expect(agg != .count);
                        if (std.math.isNan(want)) {
                            try testing.expect(std.math.isNan(vals[bucket]));
                        } else if (agg == .mean) {
                            try testing.expectApproxEqRel(want, vals[bucket], 1e-12);
                        } else {
                            try testing.expectEqual(want, vals[bucket]);
                        }
                    },
                    .timestamp_ms => return error.TestUnexpectedColumnType,
                }
            }
        }
    }
    try testing.expectEqualStrings("a_count", got.name(0, 0));
    try testing.expectEqualStrings("b_mean", got.name(1, 4));
}

test "aggregates in buckets, from segment statistics and from rows, as a frame and as a stream" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("agg.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try db.createTable(testing.allocator, "t", &.{ "a", "b" });
    for (0..nrows) |i| {
        try db.appendRow("t", @intCast(i * 10), &.{ a(i), b(i) });
        // The first 20 rows become one segment inside bucket 0 (answered
        // from its statistics); the rest straddle buckets or stay buffered.
        if (i == 19 or i == 44) try db.flush();
    }

    var frame = try db.aggregate("t", 0, 10_000, bucket_ms, &aggs);
    defer frame.deinit();
    try expectAggregation(frame);

    // The stream returns the same buckets, possibly over several batches.
    var stream = try db.aggregateStream("t", 0, 10_000, bucket_ms, &aggs);
    defer stream.deinit();
    try testing.expectEqual(@as(usize, 1 + 2 * aggs.len), stream.columnCount());
    try testing.expectEqualStrings("bucket_start", stream.columnName(0));
    var buckets: usize = 0;
    while (try stream.next()) |batch_const| {
        var batch = batch_const;
        defer batch.deinit();
        for (0..batch.len()) |row| {
            const bucket = buckets + row;
            try testing.expectEqual(frame.bucketStarts()[bucket], batch.timestamps()[row]);
            for (1..batch.columnCount()) |field| {
                switch (batch.column(field)) {
                    .uint64 => |v| try testing.expectEqual(frame.frame.batch.uint64(field).?[bucket], v[row]),
                    .float64 => |v| {
                        const want: u64 = @bitCast(frame.frame.batch.float64(field).?[bucket]);
                        try testing.expectEqual(want, @as(u64, @bitCast(v[row])));
                    },
                    .timestamp_ms => return error.TestUnexpectedColumnType,
                }
            }
        }
        buckets += batch.len();
    }
    try testing.expectEqual(@as(usize, 3), buckets);

    // A narrower range cuts rows, not buckets' alignment.
    var part = try db.aggregate("t", 150, 250, bucket_ms, &.{ .count, .first });
    defer part.deinit();
    try testing.expectEqualSlices(i64, &.{ 0, 200 }, part.bucketStarts());
    try testing.expectEqualSlices(u64, &.{ 5, 6 }, part.get(0, 0).uint64);
    try testing.expectEqualSlices(f64, &.{ 15.0, 20.0 }, part.get(0, 1).float64);
}

test "latest returns the last rows by timestamp, oldest first" {
    var scratch = try Scratch.init();
    defer scratch.deinit();
    const path = try scratch.path("latest.ntt");
    defer testing.allocator.free(path);
    var db = try nanots.Db.open(path, .{});
    defer db.close();
    try db.createTable(testing.allocator, "t", &.{"v"});
    const ts = [_]i64{ 50, 10, 40, 20, 30 };
    const v = [_]f64{ 5, 1, 4, 2, 3 };
    try db.appendRows(testing.allocator, "t", ts[0..3], &.{v[0..3]});
    try db.flush();
    try db.appendRows(testing.allocator, "t", ts[3..], &.{v[3..]});

    var three = try db.latest("t", 3);
    defer three.deinit();
    try testing.expectEqual(@as(usize, 3), three.batch.len());
    try testing.expectEqualStrings("ts_ms", three.batch.columnName(0));
    try testing.expectEqualStrings("v", three.batch.columnName(1));
    try testing.expectEqualSlices(i64, &.{ 30, 40, 50 }, three.batch.timestamps());
    try testing.expectEqualSlices(f64, &.{ 3, 4, 5 }, three.batch.float64(1).?);
    try testing.expectEqual(@as(?[]const u64, null), three.batch.uint64(1));

    var one = try db.latest("t", 1);
    defer one.deinit();
    try testing.expectEqualSlices(i64, &.{50}, one.batch.timestamps());

    var all = try db.latest("t", 100);
    defer all.deinit();
    try testing.expectEqualSlices(i64, &.{ 10, 20, 30, 40, 50 }, all.batch.timestamps());
}
