//! Status codes of the C ABI and the mapping from [`crate::ErrorKind`].

use crate::ErrorKind;

/// The result of every fallible C call: `NTS_OK` (0) or one of the
/// `NTS_ERR_*` codes. On failure, `nts_last_error()` has the message.
///
/// The numbers are ABI: a code is never renumbered or reused; new codes are
/// only ever added at the end.
pub type nts_status = i32;

// ABI: never renumber or reuse these values; append new codes at the end.
/// Success.
pub const NTS_OK: nts_status = 0;
/// A caller-supplied argument is malformed: a NULL pointer, invalid UTF-8,
/// an empty name, `start_ms > end_ms`, a bad option, a misaligned array...
pub const NTS_ERR_INVALID_ARGUMENT: nts_status = 1;
/// The named table (or column) does not exist.
pub const NTS_ERR_NOT_FOUND: nts_status = 2;
/// A table with that name already exists with another schema.
pub const NTS_ERR_ALREADY_EXISTS: nts_status = 3;
/// The values do not fit the table's schema (wrong count of columns).
pub const NTS_ERR_SCHEMA_MISMATCH: nts_status = 4;
/// The operating system reported an I/O error (or an earlier one left the
/// handle refusing writes).
pub const NTS_ERR_IO: nts_status = 5;
/// The file or its WAL holds damaged data.
pub const NTS_ERR_CORRUPT: nts_status = 6;
/// Another handle (in this or another process) has the database open.
pub const NTS_ERR_LOCKED: nts_status = 7;
/// A record or a count exceeds a limit.
pub const NTS_ERR_TOO_LARGE: nts_status = 8;
/// The file was written by a newer format version than this library reads.
pub const NTS_ERR_UNSUPPORTED_VERSION: nts_status = 9;
/// The handle was closed (or never was a handle returned by `nts_open`).
pub const NTS_ERR_CLOSED: nts_status = 10;
/// A bug: the library panicked. The call had no effect that can be relied
/// on; the handle may refuse further writes.
pub const NTS_ERR_PANIC: nts_status = 11;
/// An error of a kind this version of the C ABI does not know yet.
pub const NTS_ERR_UNKNOWN: nts_status = 12;
/// A write call on a handle opened read-only (`nts_options.read_only`);
/// nothing was written.
pub const NTS_ERR_READ_ONLY: nts_status = 13;

/// The status for an engine error kind (1:1; unknown future kinds map to
/// `NTS_ERR_UNKNOWN`).
pub(crate) fn status_of(kind: ErrorKind) -> nts_status {
    #[allow(unreachable_patterns)] // ErrorKind is #[non_exhaustive]
    match kind {
        ErrorKind::InvalidArgument => NTS_ERR_INVALID_ARGUMENT,
        ErrorKind::NotFound => NTS_ERR_NOT_FOUND,
        ErrorKind::AlreadyExists => NTS_ERR_ALREADY_EXISTS,
        ErrorKind::SchemaMismatch => NTS_ERR_SCHEMA_MISMATCH,
        ErrorKind::Io => NTS_ERR_IO,
        ErrorKind::Corrupt => NTS_ERR_CORRUPT,
        ErrorKind::Locked => NTS_ERR_LOCKED,
        ErrorKind::TooLarge => NTS_ERR_TOO_LARGE,
        ErrorKind::UnsupportedVersion => NTS_ERR_UNSUPPORTED_VERSION,
        ErrorKind::Closed => NTS_ERR_CLOSED,
        ErrorKind::ReadOnly => NTS_ERR_READ_ONLY,
        _ => NTS_ERR_UNKNOWN,
    }
}

/// The static, NUL-terminated name of a status.
pub(crate) fn status_name(status: nts_status) -> &'static std::ffi::CStr {
    match status {
        NTS_OK => c"ok",
        NTS_ERR_INVALID_ARGUMENT => c"invalid argument",
        NTS_ERR_NOT_FOUND => c"not found",
        NTS_ERR_ALREADY_EXISTS => c"already exists",
        NTS_ERR_SCHEMA_MISMATCH => c"schema mismatch",
        NTS_ERR_IO => c"I/O error",
        NTS_ERR_CORRUPT => c"corrupt",
        NTS_ERR_LOCKED => c"locked",
        NTS_ERR_TOO_LARGE => c"too large",
        NTS_ERR_UNSUPPORTED_VERSION => c"unsupported version",
        NTS_ERR_CLOSED => c"closed",
        NTS_ERR_PANIC => c"panic",
        NTS_ERR_UNKNOWN => c"unknown error",
        NTS_ERR_READ_ONLY => c"read only",
        _ => c"unrecognized status code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_code() {
        let kinds = [
            (ErrorKind::InvalidArgument, 1),
            (ErrorKind::NotFound, 2),
            (ErrorKind::AlreadyExists, 3),
            (ErrorKind::SchemaMismatch, 4),
            (ErrorKind::Io, 5),
            (ErrorKind::Corrupt, 6),
            (ErrorKind::Locked, 7),
            (ErrorKind::TooLarge, 8),
            (ErrorKind::UnsupportedVersion, 9),
            (ErrorKind::Closed, 10),
            (ErrorKind::ReadOnly, 13),
        ];
        for (kind, code) in kinds {
            assert_eq!(status_of(kind), code, "{kind:?}");
            // The C name matches the engine's name of the kind.
            assert_eq!(status_name(code).to_str().unwrap(), kind.as_str());
        }
    }
}
