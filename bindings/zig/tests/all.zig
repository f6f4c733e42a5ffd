//! The test suite: one scenario per file.
comptime {
    _ = @import("write_reopen_query.zig");
    _ = @import("error_paths.zig");
    _ = @import("special_floats.zig");
    _ = @import("aggregate_latest.zig");
    _ = @import("arrow_stream.zig");
    _ = @import("arrow_offsets.zig");
    _ = @import("concurrency.zig");
    _ = @import("maintenance.zig");
    _ = @import("durability.zig");
    _ = @import("linkage.zig");
}
