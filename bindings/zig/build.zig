//! Builds the `nanots` Zig module over the installed NanoTS C library.
//!
//! The header is translated with `b.addTranslateC` (module `nanots_c`, also
//! reachable as `nanots.c`) and the library is linked one of two ways:
//!
//!   zig build test -Dprefix=/opt/nanots                 shared: lib/libnanots.so, with an rpath
//!   zig build test -Dprefix=/opt/nanots -Dstatic=true   static: lib/libnanots.a
//!   PKG_CONFIG_PATH=/opt/nanots/lib/pkgconfig zig build test
//!                                                       shared, through nanots.pc
//!
//! Steps: `test` (the test suite, ending with an `N passed, N failed` line)
//! and `example` (runs examples/quickstart.zig, the README's example).
const std = @import("std");

/// How the NanoTS C library is found and linked; see the file comment.
const Linkage = union(enum) {
    /// `linkSystemLibrary("nanots")` through `pkg-config nanots`.
    pkg_config,
    /// The shared library in `<prefix>/lib`, with an rpath to it.
    shared_prefix: []const u8,
    /// `<prefix>/lib/libnanots.a`.
    static_prefix: []const u8,
};

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const prefix = b.option(
        []const u8,
        "prefix",
        "NanoTS install prefix (include/nanots.h, lib/libnanots.*); without it, pkg-config finds nanots",
    );
    const static = b.option(bool, "static", "Link lib/libnanots.a from -Dprefix instead of the shared library") orelse false;
    const linkage: Linkage = if (prefix) |p|
        (if (static) .{ .static_prefix = p } else .{ .shared_prefix = p })
    else if (static)
        std.debug.panic("-Dstatic=true needs -Dprefix=PREFIX (pkg-config's nanots.pc describes the shared library)", .{})
    else
        .pkg_config;

    // The C API, translated from the installed header.
    const translate = b.addTranslateC(.{
        .root_source_file = b.path("src/nanots_c.h"),
        .target = target,
        .optimize = optimize,
    });
    switch (linkage) {
        .pkg_config => translate.linkSystemLibrary("nanots", .{ .use_pkg_config = .force }),
        .shared_prefix, .static_prefix => |p| translate.addIncludePath(b.graph.cwdRelativePath(b.pathJoin(&.{ p, "include" }))),
    }
    const c_mod = translate.addModule("nanots_c");

    // The idiomatic wrapper; whatever imports it links the library.
    const mod = b.addModule("nanots", .{
        .root_source_file = b.path("src/nanots.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "nanots_c", .module = c_mod }},
    });
    linkNanots(b, mod, linkage);

    const build_options = b.addOptions();
    build_options.addOption(bool, "static", linkage == .static_prefix);

    // Tests: one scenario per file under tests/, run by a runner that prints
    // `N passed, N failed` and counts a skipped test as a failure.
    const tests = b.addTest(.{
        .root_module = b.createModule(.{
            .root_source_file = b.path("tests/all.zig"),
            .target = target,
            .optimize = optimize,
            .link_libc = true,
            .imports = &.{
                .{ .name = "nanots", .module = mod },
                .{ .name = "build_options", .module = build_options.createModule() },
            },
        }),
        .test_runner = .{ .path = b.path("test_runner.zig"), .mode = .simple },
    });
    const run_tests = b.addRunArtifact(tests);
    b.step("test", "Run the binding's tests against the installed library").dependOn(&run_tests.step);

    // The README's example, built and run as a user would.
    const example = b.addExecutable(.{
        .name = "quickstart",
        .root_module = b.createModule(.{
            .root_source_file = b.path("examples/quickstart.zig"),
            .target = target,
            .optimize = optimize,
            .imports = &.{.{ .name = "nanots", .module = mod }},
        }),
    });
    const run_example = b.addRunArtifact(example);
    run_example.addPassthruArgs();
    b.step("example", "Run examples/quickstart.zig (pass the database path after --)").dependOn(&run_example.step);
}

fn linkNanots(b: *std.Build, mod: *std.Build.Module, linkage: Linkage) void {
    switch (linkage) {
        .pkg_config => mod.linkSystemLibrary("nanots", .{ .use_pkg_config = .force }),
        .shared_prefix => |p| {
            const lib_dir = b.graph.cwdRelativePath(b.pathJoin(&.{ p, "lib" }));
            mod.addLibraryPath(lib_dir);
            mod.addRPath(lib_dir);
            mod.linkSystemLibrary("nanots", .{
                .use_pkg_config = .no,
                .preferred_link_mode = .dynamic,
                .search_strategy = .no_fallback,
            });
        },
        .static_prefix => |p| {
            mod.addObjectFile(b.graph.cwdRelativePath(b.pathJoin(&.{ p, "lib", "libnanots.a" })));
            // nanots.pc's Libs.private, plus an unwinder: the Rust code in
            // the archive calls _Unwind_* (panics are caught at the C
            // boundary). Zig answers -lgcc_s with its own libunwind, linked
            // statically, so the binary needs no libgcc_s.so.
            for ([_][]const u8{ "pthread", "dl", "m", "gcc_s" }) |name| {
                mod.linkSystemLibrary(name, .{ .use_pkg_config = .no });
            }
        },
    }
}
