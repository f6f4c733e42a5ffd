//! Status codes of the C ABI as a Zig error set, and the library's message
//! for the last failure, captured on the failing thread.
//!
//! The C library keeps its message (`nts_last_error`) per OS thread and only
//! until that thread's next NanoTS call. Every wrapper function copies it
//! into a thread-local buffer here right after the failing call, before any
//! other NanoTS call, so `lastError()` still holds it after the wrapper has
//! cleaned up. Zig threads are OS threads: nothing moves a call sequence to
//! another thread behind the caller's back.
const std = @import("std");
const c = @import("nanots_c");

/// A status code of the C ABI (`nts_status`). Numbers are ABI: never
/// renumbered; the enum is open so codes added by a newer library survive.
pub const Status = enum(i32) {
    ok = 0,
    invalid_argument = 1,
    not_found = 2,
    already_exists = 3,
    schema_mismatch = 4,
    io = 5,
    corrupt = 6,
    locked = 7,
    too_large = 8,
    unsupported_version = 9,
    closed = 10,
    panic = 11,
    unknown = 12,
    read_only = 13,
    _,

    /// The library's static name of this status (`nts_status_str`).
    pub fn name(status: Status) [:0]const u8 {
        return std.mem.span(c.nts_status_str(@backingInt(status)));
    }
};

/// Every failure of a NanoTS call, one error per `NTS_ERR_*` code.
/// `lastError()` has the status number and the library's message.
pub const Error = error{
    /// `NTS_ERR_INVALID_ARGUMENT`: a malformed argument (invalid UTF-8, an
    /// empty or too long name, `start_ms > end_ms`, a bad option, ...).
    InvalidArgument,
    /// `NTS_ERR_NOT_FOUND`: the table (or column) does not exist.
    NotFound,
    /// `NTS_ERR_ALREADY_EXISTS`: the table exists with other columns.
    AlreadyExists,
    /// `NTS_ERR_SCHEMA_MISMATCH`: the wrong number of values for the table.
    SchemaMismatch,
    /// `NTS_ERR_IO`: the operating system reported an I/O error.
    Io,
    /// `NTS_ERR_CORRUPT`: the file or its WAL holds damaged data.
    Corrupt,
    /// `NTS_ERR_LOCKED`: another handle has the database open for writing.
    Locked,
    /// `NTS_ERR_TOO_LARGE`: a record or a count exceeds a limit.
    TooLarge,
    /// `NTS_ERR_UNSUPPORTED_VERSION`: written by a newer format version.
    UnsupportedVersion,
    /// `NTS_ERR_CLOSED`: the handle was closed.
    Closed,
    /// `NTS_ERR_PANIC`: a bug in the library, caught at its boundary.
    Panic,
    /// `NTS_ERR_UNKNOWN`, or a status this binding does not know yet.
    Unknown,
    /// `NTS_ERR_READ_ONLY`: a write on a handle opened read-only.
    ReadOnly,
};

/// What an Arrow C Stream callback (`get_schema`, `get_next`) can report:
/// its non-zero errno, with the stream's `get_last_error` text in
/// `lastError()` (`errno` set, `status` = `.unknown`).
pub const StreamError = error{ArrowStream};

/// Longest message kept by `lastError()`, in bytes; longer ones are cut.
pub const max_message_bytes = 1024;

/// The last failure of a NanoTS call on this thread.
pub const ErrorInfo = struct {
    /// The C status of the failed call (`.ok` if none failed yet).
    status: Status = .ok,
    /// For an Arrow stream callback failure, its errno; else 0.
    errno: i32 = 0,
    len: usize = 0,
    buf: [max_message_bytes]u8 = undefined,

    /// The library's message, e.g. `nts_append_row: not found: table "cpu"
    /// does not exist`; "" if nothing failed yet. Borrowed: valid until the
    /// next failure on this thread.
    pub fn message(info: *const ErrorInfo) []const u8 {
        return info.buf[0..info.len];
    }
};

threadlocal var last: ErrorInfo = .{};

/// The last failure of a NanoTS call made through this module on the
/// calling thread. Successful calls leave it alone.
pub fn lastError() *const ErrorInfo {
    return &last;
}

fn remember(status: Status, errno: i32, msg: []const u8) void {
    const n = @min(msg.len, max_message_bytes);
    last.status = status;
    last.errno = errno;
    last.len = n;
    @memcpy(last.buf[0..n], msg[0..n]);
}

/// Turns a C status into an error, capturing `nts_last_error()` first.
/// Call it directly on the result of the C call, with no NanoTS call between.
pub fn check(status: c.nts_status) Error!void {
    if (status == c.NTS_OK) return;
    remember(@fromBackingInt(@intCast(status)), 0, std.mem.span(c.nts_last_error()));
    return errorOf(@fromBackingInt(@intCast(status)));
}

/// A failure found by the wrapper before calling the library (a slice that
/// C cannot take as is): recorded like a library failure of `status`.
pub fn reject(status: Status, comptime fmt: []const u8, args: anytype) Error {
    var buf: [max_message_bytes]u8 = undefined;
    const msg = std.fmt.bufPrint(&buf, fmt, args) catch buf[0..];
    remember(status, 0, msg);
    return errorOf(status);
}

/// A failed Arrow stream callback: `errno` and the stream's own message.
pub fn streamFailed(errno: c_int, msg: ?[*:0]const u8) StreamError {
    remember(.unknown, errno, if (msg) |m| std.mem.span(m) else "Arrow stream callback failed without a message");
    return error.ArrowStream;
}

/// The error for a (non-OK) status.
pub fn errorOf(status: Status) Error {
    return switch (status) {
        .ok => unreachable,
        .invalid_argument => error.InvalidArgument,
        .not_found => error.NotFound,
        .already_exists => error.AlreadyExists,
        .schema_mismatch => error.SchemaMismatch,
        .io => error.Io,
        .corrupt => error.Corrupt,
        .locked => error.Locked,
        .too_large => error.TooLarge,
        .unsupported_version => error.UnsupportedVersion,
        .closed => error.Closed,
        .panic => error.Panic,
        .unknown, _ => error.Unknown,
        .read_only => error.ReadOnly,
    };
}

/// The status an error stands for (the inverse of `errorOf`).
pub fn statusOf(err: Error) Status {
    return switch (err) {
        error.InvalidArgument => .invalid_argument,
        error.NotFound => .not_found,
        error.AlreadyExists => .already_exists,
        error.SchemaMismatch => .schema_mismatch,
        error.Io => .io,
        error.Corrupt => .corrupt,
        error.Locked => .locked,
        error.TooLarge => .too_large,
        error.UnsupportedVersion => .unsupported_version,
        error.Closed => .closed,
        error.Panic => .panic,
        error.Unknown => .unknown,
        error.ReadOnly => .read_only,
    };
}

// The enum must match the header's numbers exactly.
comptime {
    const pairs = .{
        .{ Status.ok, c.NTS_OK },
        .{ Status.invalid_argument, c.NTS_ERR_INVALID_ARGUMENT },
        .{ Status.not_found, c.NTS_ERR_NOT_FOUND },
        .{ Status.already_exists, c.NTS_ERR_ALREADY_EXISTS },
        .{ Status.schema_mismatch, c.NTS_ERR_SCHEMA_MISMATCH },
        .{ Status.io, c.NTS_ERR_IO },
        .{ Status.corrupt, c.NTS_ERR_CORRUPT },
        .{ Status.locked, c.NTS_ERR_LOCKED },
        .{ Status.too_large, c.NTS_ERR_TOO_LARGE },
        .{ Status.unsupported_version, c.NTS_ERR_UNSUPPORTED_VERSION },
        .{ Status.closed, c.NTS_ERR_CLOSED },
        .{ Status.panic, c.NTS_ERR_PANIC },
        .{ Status.unknown, c.NTS_ERR_UNKNOWN },
        .{ Status.read_only, c.NTS_ERR_READ_ONLY },
    };
    for (pairs) |p| {
        if (@backingInt(p[0]) != p[1]) @compileError("Status." ++ @tagName(p[0]) ++ " does not match nanots.h");
    }
}
