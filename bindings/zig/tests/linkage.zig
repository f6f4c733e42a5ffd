//! The test binary is linked the way the build was asked to: against the
//! shared library (it is mapped into the process) or the static archive (no
//! libnanots.so anywhere in the process). Linux: read from /proc/self/maps.
const std = @import("std");
const builtin = @import("builtin");
const testing = std.testing;
const build_options = @import("build_options");
const nanots = @import("nanots");

test "linked against the shared library or the static archive, as built" {
    if (builtin.os.tag != .linux) @compileError("this test reads /proc/self/maps (Linux)");
    // Make sure the library is in use before looking.
    try testing.expect(nanots.version().len > 0);
    // /proc files have no size: read as a stream, not by the stat'd length.
    const file = try std.Io.Dir.cwd().openFile(testing.io, "/proc/self/maps", .{});
    defer file.close(testing.io);
    var buf: [4096]u8 = undefined;
    var reader = file.readerStreaming(testing.io, &buf);
    const maps = try reader.interface.allocRemaining(testing.allocator, .limited(16 << 20));
    defer testing.allocator.free(maps);
    // The read worked: the C library is always mapped.
    try testing.expect(std.mem.indexOf(u8, maps, "/libc.so") != null);
    const shared_mapped = std.mem.indexOf(u8, maps, "/libnanots.so") != null;
    if (build_options.static) {
        try testing.expect(!shared_mapped);
    } else {
        try testing.expect(shared_mapped);
    }
}
