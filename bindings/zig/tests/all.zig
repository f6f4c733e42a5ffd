//! The test suite: one scenario per file.
test {
    _ = @import("write_reopen_query.zig");
}
