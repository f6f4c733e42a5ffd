//! A separate project that depends on the `nanots` package the way a user's
//! project does (build.zig.zon `.path` here; a `.url` + `.hash` once
//! published) and builds the README's example from it.
//!
//!   zig build run -Dnanots-prefix=/opt/nanots -- /tmp/example.ntt
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const prefix = b.option([]const u8, "nanots-prefix", "Where NanoTS is installed (else pkg-config finds it)");
    const static = b.option(bool, "nanots-static", "Link libnanots.a") orelse false;

    const nanots = if (prefix) |p|
        b.dependency("nanots", .{ .target = target, .optimize = optimize, .prefix = p, .static = static })
    else
        b.dependency("nanots", .{ .target = target, .optimize = optimize });

    const exe = b.addExecutable(.{
        .name = "consumer",
        .root_module = b.createModule(.{
            .root_source_file = nanots.path("examples/quickstart.zig"),
            .target = target,
            .optimize = optimize,
            .imports = &.{.{ .name = "nanots", .module = nanots.module("nanots") }},
        }),
    });
    b.installArtifact(exe);
    const run = b.addRunArtifact(exe);
    run.addPassthruArgs();
    b.step("run", "Run the example").dependOn(&run.step);
}
