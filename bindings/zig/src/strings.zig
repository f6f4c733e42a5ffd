//! A list of strings owned by the library (`nts_strings`): table and column
//! names, and the problems `verify` / `recoveryReport` found.
const std = @import("std");
const c = @import("nanots_c");

/// Strings owned by the library, read in place. Call `deinit` once.
pub const Strings = struct {
    raw: ?*c.nts_strings,

    /// Number of strings.
    pub fn len(s: Strings) usize {
        return c.nts_strings_len(s.raw);
    }

    /// String `i` (below `len()`). Borrowed: valid until `deinit`.
    pub fn get(s: Strings, i: usize) [:0]const u8 {
        std.debug.assert(i < s.len());
        return std.mem.span(c.nts_strings_get(s.raw, i));
    }

    /// Iterates over the strings in order.
    pub fn iterator(s: Strings) Iterator {
        return .{ .strings = s };
    }

    pub const Iterator = struct {
        strings: Strings,
        index: usize = 0,

        pub fn next(it: *Iterator) ?[:0]const u8 {
            if (it.index >= it.strings.len()) return null;
            defer it.index += 1;
            return it.strings.get(it.index);
        }
    };

    /// Frees the list; its strings are invalid afterwards.
    pub fn deinit(s: *Strings) void {
        c.nts_strings_free(s.raw);
        s.* = undefined;
    }
};
