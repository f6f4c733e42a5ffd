//! Test support: injected I/O faults and a log of the writes and syncs the
//! engine makes, from which the crash and power-loss suites build the
//! files a failure at any point could leave.
//!
//! Everything here is per thread (the engine does its I/O on the calling
//! thread, except background maintenance), so tests running in parallel do
//! not see each other's faults. With no plan and no log the cost is one
//! thread-local read per I/O call.

use std::cell::RefCell;
use std::path::PathBuf;

/// The kinds of I/O call a fault can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultOp {
    /// A positioned write to the database file or the WAL (header).
    Write,
    /// `fdatasync` of a file, `fsync` of a directory, `msync` of the WAL.
    Sync,
    /// Truncating or extending a file.
    SetLen,
    /// `rename` or `link` of a file into place.
    Rename,
    /// `posix_fallocate` of the WAL.
    Allocate,
    /// `mmap` of the database file or the WAL.
    Map,
}

/// Every [`FaultOp`], for suites that try them all.
pub const FAULT_OPS: [FaultOp; 6] =
    [FaultOp::Write, FaultOp::Sync, FaultOp::SetLen, FaultOp::Rename, FaultOp::Allocate, FaultOp::Map];

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The call fails with `EIO`.
    Eio,
    /// The call fails with `ENOSPC`.
    Enospc,
    /// A write stores its first half, then fails with `ENOSPC` (other
    /// calls fail with `ENOSPC`).
    ShortWrite,
}

/// Fail the `nth` (0-based) call of kind `op` made on this thread from now
/// on, and every later one too if `persistent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The kind of call that fails.
    pub op: FaultOp,
    /// Which call of that kind fails, counting from 0 at installation.
    pub nth: u64,
    /// How it fails.
    pub kind: FaultKind,
    /// Whether every later call of that kind fails too.
    pub persistent: bool,
}

/// One entry of the I/O log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoEvent {
    /// Bytes written at an offset of a file (through `write`, not a mapping).
    Write {
        /// The file written.
        path: PathBuf,
        /// Where, in bytes from the file's start.
        offset: u64,
        /// The bytes written.
        data: Vec<u8>,
    },
    /// The file's length was set.
    SetLen {
        /// The file.
        path: PathBuf,
        /// Its new length in bytes.
        len: u64,
    },
    /// The file's data (or, for a directory, its entries) reached the disk.
    Sync {
        /// The file or directory synced.
        path: PathBuf,
    },
    /// `from` was renamed to `to`.
    Rename {
        /// The old path.
        from: PathBuf,
        /// The new path (replaced if it existed).
        to: PathBuf,
    },
}

#[derive(Default)]
struct Local {
    fault: Option<Fault>,
    counts: [u64; 6],
    log: Option<Vec<IoEvent>>,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

fn index(op: FaultOp) -> usize {
    FAULT_OPS.iter().position(|o| *o == op).expect("listed")
}

/// Sets (or clears) the fault plan of this thread and resets its counts.
pub fn set_fault(fault: Option<Fault>) {
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        l.fault = fault;
        l.counts = [0; 6];
    });
}

/// Calls of kind `op` made on this thread since the last [`set_fault`].
pub fn op_count(op: FaultOp) -> u64 {
    LOCAL.with(|l| l.borrow().counts[index(op)])
}

/// Starts (or, with `false`, stops and discards) the I/O log of this thread.
pub fn record_io(on: bool) {
    LOCAL.with(|l| l.borrow_mut().log = on.then(Vec::new));
}

/// Takes the I/O log recorded so far (it keeps recording).
pub fn take_io_log() -> Vec<IoEvent> {
    LOCAL.with(|l| l.borrow_mut().log.as_mut().map(std::mem::take).unwrap_or_default())
}

pub(crate) fn log(event: impl FnOnce() -> IoEvent) {
    LOCAL.with(|l| {
        if let Some(log) = l.borrow_mut().log.as_mut() {
            log.push(event());
        }
    });
}

/// Counts a call of kind `op` and returns the fault to inject into it, if
/// the plan says so.
pub(crate) fn check(op: FaultOp) -> Option<FaultKind> {
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        let i = index(op);
        let n = l.counts[i];
        l.counts[i] += 1;
        let f = l.fault?;
        let hit = f.op == op && (n == f.nth || (f.persistent && n > f.nth));
        if hit && std::env::var_os("NANOTS_FAULT_DEBUG").is_some() {
            eprintln!("FAULT {op:?} #{n}: {}", std::backtrace::Backtrace::force_capture());
        }
        hit.then_some(f.kind)
    })
}

/// The error an injected fault returns.
pub(crate) fn error(kind: FaultKind) -> std::io::Error {
    let code = if kind == FaultKind::Eio { libc::EIO } else { libc::ENOSPC };
    std::io::Error::from_raw_os_error(code)
}

/// `Err` if a fault is due for a call of kind `op` (other than a write).
pub(crate) fn hit(op: FaultOp) -> std::io::Result<()> {
    match check(op) {
        Some(kind) => Err(error(kind)),
        None => Ok(()),
    }
}
