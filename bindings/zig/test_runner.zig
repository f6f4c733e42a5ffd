//! Test runner for `zig build test`: runs every test, prints one line per
//! test and a closing `N passed, N failed` line, and exits non-zero if any
//! failed. A test that skips itself (`error.SkipZigTest`) or leaks memory
//! from `std.testing.allocator` counts as failed: nothing is skipped
//! silently.
const std = @import("std");
const builtin = @import("builtin");
const testing = std.testing;

pub fn main(init: std.process.Init.Minimal) void {
    var passed: usize = 0;
    var failed: usize = 0;
    const tests = builtin.test_functions;
    for (tests, 1..) |t, i| {
        testing.allocator_instance = .init(std.heap.page_allocator, .{
            .canary = 0x7a16_0001,
            .check_write_after_free = true,
        });
        testing.io_instance = .init(testing.allocator, .{
            .argv0 = .init(init.args),
            .environ = init.environ,
        });
        testing.environ = init.environ;
        testing.log_level = .warn;

        std.debug.print("{d}/{d} {s}... ", .{ i, tests.len, t.name });
        const outcome = t.func();
        testing.io_instance.deinit();
        const leaked = testing.allocator_instance.deinit() != 0;
        if (outcome) |_| {
            if (leaked) {
                std.debug.print("FAIL (leaked memory)\n", .{});
                failed += 1;
            } else {
                std.debug.print("OK\n", .{});
                passed += 1;
            }
        } else |err| {
            if (err == error.SkipZigTest) {
                std.debug.print("FAIL (skipped: this suite allows no skips)\n", .{});
            } else {
                std.debug.print("FAIL ({t})\n", .{err});
                if (@errorReturnTrace()) |trace| std.debug.dumpErrorReturnTrace(trace);
            }
            failed += 1;
        }
    }
    std.debug.print("{d} passed, {d} failed\n", .{ passed, failed });
    if (failed != 0 or passed == 0) std.process.exit(1);
}
