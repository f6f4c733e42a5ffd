//! Zig slices to the NUL-terminated strings the C ABI takes, without heap
//! allocation: names and paths are copied into a caller-provided (stack)
//! buffer. Only what C cannot represent is refused here (an embedded NUL, a
//! string longer than the buffer); everything else, invalid UTF-8 included,
//! is passed on for the library to judge.
const std = @import("std");
const errors = @import("errors.zig");

/// Buffer for a table, series or column name. The library's limit is 255
/// bytes today; the buffer is larger so that the library, not the wrapper,
/// gives the error (and its message) for names between the two.
pub const NameBuf = [1024]u8;

/// Buffer for a file path.
pub const PathBuf = [std.fs.max_path_bytes]u8;

/// `s` copied into `buf` with a NUL after it. `what` names the argument in
/// the error message (e.g. "table name").
pub fn z(buf: []u8, s: []const u8, comptime what: []const u8) errors.Error![*:0]const u8 {
    if (std.mem.indexOfScalar(u8, s, 0)) |i| {
        return errors.reject(.invalid_argument, "nanots (zig): " ++ what ++ " has a NUL byte at offset {d}", .{i});
    }
    if (s.len >= buf.len) {
        return errors.reject(.invalid_argument, "nanots (zig): " ++ what ++ " is {d} bytes long; at most {d} fit", .{ s.len, buf.len - 1 });
    }
    @memcpy(buf[0..s.len], s);
    buf[s.len] = 0;
    return @ptrCast(buf.ptr);
}

/// Checks that a sentinel-terminated string has no NUL before its end, so
/// C sees all of it.
pub fn whole(s: [:0]const u8, comptime what: []const u8) errors.Error![*:0]const u8 {
    if (std.mem.indexOfScalar(u8, s, 0)) |i| {
        return errors.reject(.invalid_argument, "nanots (zig): " ++ what ++ " has a NUL byte at offset {d}", .{i});
    }
    return s.ptr;
}
