//! A second writer on the same file gets `Locked`, from this process or
//! another, and the file is untouched.

mod common;
use common::*;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions};
use std::path::Path;

/// A writer on a new database at `path` whose table `t` holds row 1 (in
/// the WAL, not flushed).
fn open_with_one_row(path: &Path) -> NanoTsDb {
    let db = open(path);
    db.create_table("t", &["v"]).unwrap();
    db.append_row("t", 1, &[1.0]).unwrap();
    db
}

#[test]
fn second_open_in_this_process_is_locked() {
    let (_dir, path) = temp_db();
    let db = open_with_one_row(&path);
    let before = std::fs::read(&path).unwrap();
    let err = NanoTsDb::open(&path, NanoTsOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    assert!(err.to_string().contains("test.ntt"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    db.close().unwrap();
    let again = open(&path);
    assert_eq!(again.query_table_range_columns("t", 0, 9).unwrap().0, vec![1]);
}

#[test]
#[ignore = "run as a child process by second_open_in_another_process_is_locked"]
fn locking_child() {
    let Ok(path) = std::env::var("NANOTS_LOCK_DB") else {
        return;
    };
    match NanoTsDb::open(&path, NanoTsOptions::default()) {
        Err(e) if e.kind() == ErrorKind::Locked => println!("LOCKED"),
        Err(e) => println!("ERROR {e}"),
        Ok(_) => println!("OPENED"),
    }
}

#[test]
fn second_open_in_another_process_is_locked() {
    let (_dir, path) = temp_db();
    let db = open(&path);
    db.create_table("t", &["v"]).unwrap();
    let run = || {
        let out =
            child_command("locking_child", &[("NANOTS_LOCK_DB", path.to_str().unwrap())]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run().contains("LOCKED"));
    db.close().unwrap();
    assert!(run().contains("OPENED"));
}

/// A handle dropped after its close failed (every write fails, as on a full
/// disk) frees the path at once, even while a child the host forked still
/// shares the file's open descriptions: the lock must not wait for the last
/// copy of the descriptor to close.
#[test]
fn failed_handle_unlocks_on_drop_while_a_forked_child_holds_its_descriptor() {
    use nanots::testing::{Fault, FaultKind, FaultOp, set_fault};
    let (_dir, path) = temp_db();
    let db = open_with_one_row(&path);
    let child = ForkedChild::start();
    set_fault(Some(Fault { op: FaultOp::Write, nth: 0, kind: FaultKind::Eio, persistent: true }));
    assert_eq!(db.flush().unwrap_err().kind(), ErrorKind::Io);
    assert!(db.close().is_err(), "close succeeded although every write fails");
    drop(db);
    set_fault(None);
    let again = NanoTsDb::open(&path, NanoTsOptions::default());
    assert!(child.is_alive(), "the child must still hold the descriptor while the path is reopened");
    drop(child);
    let again = again.unwrap_or_else(|e| panic!("reopen after dropping a failed handle: {e}"));
    assert_eq!(again.query_table_range_columns("t", 0, 9).unwrap().0, vec![1]);
}

/// A forked child that holds copies of every descriptor of this process
/// (it never execs, so `O_CLOEXEC` does not close them) until dropped.
struct ForkedChild {
    pid: libc::pid_t,
    release: libc::c_int,
}

impl ForkedChild {
    fn start() -> ForkedChild {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
        // SAFETY: the child only calls async-signal-safe functions (read,
        // _exit), as required after fork in a multi-threaded process.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let mut b = 0u8;
            // The child's copy of the write end goes, so that the parent
            // closing its own ends the read below.
            // SAFETY: closes a descriptor this process owns.
            unsafe { libc::close(fds[1]) };
            // SAFETY: reads at most one byte into `b`.
            unsafe { libc::read(fds[0], (&mut b as *mut u8).cast(), 1) };
            // SAFETY: exits the child without unwinding; never returns.
            unsafe { libc::_exit(0) };
        }
        // SAFETY: closes the read end this process does not use.
        unsafe { libc::close(fds[0]) };
        ForkedChild { pid, release: fds[1] }
    }

    fn is_alive(&self) -> bool {
        let mut status = 0;
        // SAFETY: polls our own child without blocking.
        unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) == 0 }
    }
}

impl Drop for ForkedChild {
    fn drop(&mut self) {
        let mut status = 0;
        // SAFETY: closing the write end ends the child's read.
        unsafe { libc::close(self.release) };
        // SAFETY: reaps our own child.
        unsafe { libc::waitpid(self.pid, &mut status, 0) };
    }
}
