//! The crate's one error type.
//!
//! Each kind maps 1:1 onto a C status code (`nts_status`), so the set of
//! kinds is part of the ABI: add kinds, never renumber them. Messages name
//! the table, column, file and offset concerned.

use std::fmt;
use std::io;
use std::path::Path;

/// The kind of an [`Error`]. Stable: the C ABI maps each to a fixed status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A caller-supplied argument is malformed (empty name, `start > end`, ...).
    InvalidArgument,
    /// The named table (or column) does not exist.
    NotFound,
    /// A table with that name already exists with another schema.
    AlreadyExists,
    /// The values do not fit the table's schema (wrong count of columns).
    SchemaMismatch,
    /// The operating system reported an I/O error, or an earlier one left the
    /// handle refusing writes.
    Io,
    /// The file (or its WAL) holds bytes that fail their checksum or make no sense.
    Corrupt,
    /// Another writer holds the database's lock.
    Locked,
    /// A record would exceed `NANOTS_MAX_RECORD_SIZE`, or a count exceeds a limit.
    TooLarge,
    /// The file was written by a newer format version than this library reads.
    UnsupportedVersion,
    /// The handle was closed.
    Closed,
    /// A write call on a handle opened read-only.
    ReadOnly,
}

impl ErrorKind {
    /// A short lowercase name, used in messages and by the C ABI.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::NotFound => "not found",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::SchemaMismatch => "schema mismatch",
            ErrorKind::Io => "I/O error",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Locked => "locked",
            ErrorKind::TooLarge => "too large",
            ErrorKind::UnsupportedVersion => "unsupported version",
            ErrorKind::Closed => "closed",
            ErrorKind::ReadOnly => "read only",
        }
    }
}

/// The error of every fallible NanoTS call.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<io::Error>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), source: None }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Corrupt, message)
    }

    /// An I/O error with what was being done and on which file.
    pub(crate) fn io(err: io::Error, doing: impl fmt::Display, path: &Path) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("{doing} {}: {err}", path.display()),
            source: Some(err),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the kind prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        let kind = match err.kind {
            ErrorKind::InvalidArgument | ErrorKind::SchemaMismatch => io::ErrorKind::InvalidInput,
            ErrorKind::NotFound => io::ErrorKind::NotFound,
            ErrorKind::AlreadyExists => io::ErrorKind::AlreadyExists,
            ErrorKind::Io => err.source.as_ref().map_or(io::ErrorKind::Other, |e| e.kind()),
            ErrorKind::Corrupt => io::ErrorKind::InvalidData,
            ErrorKind::Locked => io::ErrorKind::WouldBlock,
            ErrorKind::TooLarge => io::ErrorKind::FileTooLarge,
            ErrorKind::UnsupportedVersion => io::ErrorKind::Unsupported,
            ErrorKind::Closed => io::ErrorKind::BrokenPipe,
            ErrorKind::ReadOnly => io::ErrorKind::ReadOnlyFilesystem,
        };
        io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_into_io_error_keeping_kind_and_message() {
        let e = Error::new(ErrorKind::NotFound, "table \"cpu\" does not exist");
        let io: io::Error = e.into();
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        assert_eq!(io.to_string(), "not found: table \"cpu\" does not exist");
    }
}
