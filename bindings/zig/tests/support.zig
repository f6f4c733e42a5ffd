//! Shared by the tests: a fresh scratch directory per test, under $TMPDIR
//! (scripts/zig-tests.sh points it into target/) or /tmp, removed at the end.
const std = @import("std");
const testing = std.testing;

pub const Scratch = struct {
    dir: []u8,

    /// A new, empty directory `$TMPDIR/nanots-zig-<random>`.
    pub fn init() !Scratch {
        const base = if (std.c.getenv("TMPDIR")) |t| std.mem.span(t) else "/tmp";
        var random: [8]u8 = undefined;
        testing.io.random(&random);
        const dir = try std.fmt.allocPrint(testing.allocator, "{s}/nanots-zig-{x}", .{ base, random });
        errdefer testing.allocator.free(dir);
        try std.Io.Dir.cwd().createDirPath(testing.io, dir);
        return .{ .dir = dir };
    }

    /// `<dir>/<name>`; free it with `testing.allocator`.
    pub fn path(s: Scratch, name: []const u8) ![]u8 {
        return std.fmt.allocPrint(testing.allocator, "{s}/{s}", .{ s.dir, name });
    }

    /// Removes the directory and everything in it.
    pub fn deinit(s: *Scratch) void {
        std.Io.Dir.cwd().deleteTree(testing.io, s.dir) catch |err| std.debug.print("cannot remove {s}: {t}\n", .{ s.dir, err });
        testing.allocator.free(s.dir);
    }
};
