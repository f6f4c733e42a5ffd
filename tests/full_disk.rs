//! A real full disk: a database on a small tmpfs is written until the
//! filesystem refuses (ENOSPC, from the `.ntt` file, the WAL's
//! `posix_fallocate` or a pack's `.compact` file), in every sync mode.
//! Every error reaches the caller as `Io`; reopening while the disk is
//! still full either works or fails with `Io` and damages nothing; and once
//! space is freed the database opens in strict mode, verifies clean, and
//! holds every acknowledged row exactly once, bit-exact.
//!
//! Needs root (to mount the tmpfs). Otherwise it prints
//! `SKIPPED full_disk: <reason>` and passes, unless
//! `NANOTS_REQUIRE_FULL_DISK=1` (set by CI) makes that a failure.

mod common;
use common::Rng;
use nanots::{ErrorKind, NanoTsDb, NanoTsOptions, RecoveryMode, SyncMode};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Size of the tmpfs: the database gets what the filler leaves.
const TMPFS_BYTES: u64 = 6 << 20;
/// A file written before the database, deleted to free space at the end.
/// More than the WAL's 1 MiB reservation plus one auto-flush of rows, so
/// that reopening after freeing it never runs short.
const FILLER_BYTES: usize = 2 << 20;
/// Small, so that the file grows in many steps.
const AUTO_FLUSH_BYTES: usize = 64 << 10;
const COLUMNS: [&str; 4] = ["a", "b", "c", "d"];
/// Rows per `append_rows` call, then single `append_row` calls per round.
const BATCH_ROWS: usize = 200;
const SINGLE_ROWS_PER_ROUND: usize = 10;
const FLUSH_EVERY_ROUNDS: usize = 5;
/// The one `pack_table` attempt happens once free space drops below this
/// (a pack needs about the file's size again: it is expected to fail).
const PACK_BELOW_FREE_BYTES: u64 = 1 << 20;
/// Operations tried after the first error (besides a failed pack).
const OPS_AFTER_FIRST_ERROR: usize = 8;
/// ~3.5 MiB of incompressible rows fill the disk in a few hundred rounds.
const MAX_ROUNDS: usize = 5_000;
const TABLE: &str = "t";

/// What the workload was told succeeded, and every error it saw.
#[derive(Default)]
struct Ledger {
    /// ts_ms -> (value bits per column, acknowledged?). Unacknowledged rows
    /// may or may not be present afterwards; acknowledged ones must be.
    rows: BTreeMap<i64, (Vec<u64>, bool)>,
    /// "op (round r, n bytes free): error", in order.
    errors: Vec<String>,
    /// Whether some error's OS cause was ENOSPC.
    enospc_seen: bool,
    /// The error that ended the workload (the first one outside a pack).
    first_write_error: Option<String>,
    /// Free bytes on the tmpfs right after it.
    free_at_first_write_error: u64,
    /// Rows acknowledged after that error.
    acked_after_first_error: usize,
    /// How the one pack attempt went.
    pack: Option<String>,
}

impl Ledger {
    fn acked(&self) -> usize {
        self.rows.values().filter(|(_, ack)| *ack).count()
    }
}

#[test]
fn full_disk_every_append() {
    full_disk(SyncMode::EveryAppend, 0x1234_5678_9abc_def1);
}

#[test]
fn full_disk_on_flush() {
    full_disk(SyncMode::OnFlush, 0x0fed_cba9_8765_4321);
}

#[test]
fn full_disk_never() {
    full_disk(SyncMode::Never, 0x5555_aaaa_3333_cccc);
}

fn full_disk(sync: SyncMode, seed: u64) {
    let mount = match Tmpfs::mount(TMPFS_BYTES, &format!("{sync:?}")) {
        Ok(m) => m,
        Err(reason) => return skip(&format!("{reason} ({sync:?})")),
    };
    let dir = mount.path().to_path_buf();
    let filler = dir.join("filler");
    std::fs::write(&filler, vec![0xa5u8; FILLER_BYTES]).expect("write the filler file");
    let path = dir.join("full.ntt");

    let l = fill_until_full(&path, &dir, sync, seed);
    let what = format!("{sync:?}");
    assert!(
        l.first_write_error.is_some(),
        "{what}: the disk never filled: {} rows acknowledged in {MAX_ROUNDS} rounds; errors: {:#?}",
        l.acked(),
        l.errors
    );
    assert!(l.enospc_seen, "{what}: no error was caused by ENOSPC; errors: {:#?}", l.errors);
    assert!(
        l.free_at_first_write_error < PACK_BELOW_FREE_BYTES,
        "{what}: writes failed with {} bytes still free: {:#?}",
        l.free_at_first_write_error,
        l.errors
    );

    // (1) Reopen while the disk is still full. Dropping the handle may
    // have freed space (the WAL is removed by a successful close), so take
    // what is left first.
    let freed_by_drop = free_bytes(&dir);
    let topup = dir.join("topup");
    fill_remaining_space(&topup);
    let while_full = match NanoTsDb::open(&path, strict(sync)) {
        Ok(db) => {
            let report = db.verify().unwrap_or_else(|e| panic!("{what}: verify while full: {e}"));
            assert!(report.is_ok(), "{what}: verify while full found problems: {:#?}", report.problems);
            let n = check_rows(&db, &l, &format!("{what}, reopened while full"));
            drop(db);
            format!("opened, {n} rows")
        }
        Err(e) => {
            assert_eq!(
                e.kind(),
                ErrorKind::Io,
                "{what}: reopen while full failed with {e}, not an I/O error"
            );
            format!("refused: {e}")
        }
    };

    // (2) Free space; everything acknowledged must be there.
    std::fs::remove_file(&filler).expect("remove the filler file");
    std::fs::remove_file(&topup).expect("remove the top-up file");
    let db = NanoTsDb::open(&path, strict(sync)).unwrap_or_else(|e| {
        panic!("{what}: strict reopen after freeing space failed: {e}; errors while writing: {:#?}", l.errors)
    });
    let recovery = db.recovery_report();
    let report = db.verify().unwrap_or_else(|e| panic!("{what}: verify after freeing space: {e}"));
    assert!(report.is_ok(), "{what}: verify after freeing space found problems: {:#?}", report.problems);
    let rows = check_rows(&db, &l, &format!("{what}, reopened after freeing space"));
    assert_eq!(report.rows, rows as u64, "{what}: verify counted other rows than the query returned");
    for suffix in [".compact", ".damaged"] {
        let p = with_suffix(&path, suffix);
        assert!(!p.exists(), "{what}: {} was left", p.display());
    }
    db.close().unwrap_or_else(|e| panic!("{what}: close after freeing space: {e}"));
    assert!(!with_suffix(&path, "-wal").exists(), "{what}: the WAL outlived a successful close");

    println!(
        "full_disk {what}: {} rows acknowledged ({} after the first write error), {} attempted but not; \
         {} errors; pack: {}; first write error: {}; last error: {}; drop freed {freed_by_drop} bytes; \
         reopen while full: {while_full}; after freeing: {rows} rows, {} WAL rows replayed, verify ok",
        l.acked(),
        l.acked_after_first_error,
        l.rows.len() - l.acked(),
        l.errors.len(),
        l.pack.as_deref().unwrap_or("not attempted"),
        l.first_write_error.as_deref().unwrap_or("none"),
        l.errors[l.errors.len() - 1],
        recovery.wal_rows_replayed,
    );
}

/// Appends incompressible rows (batches and single rows, with flushes and
/// one pack attempt) until the disk is full, then a few more operations.
fn fill_until_full(path: &Path, dir: &Path, sync: SyncMode, seed: u64) -> Ledger {
    let opts = NanoTsOptions { sync, auto_flush_bytes: AUTO_FLUSH_BYTES, ..Default::default() };
    let db = NanoTsDb::open(path, opts).unwrap_or_else(|e| panic!("{sync:?}: open on an empty tmpfs: {e}"));
    db.create_table(TABLE, &COLUMNS).unwrap_or_else(|e| panic!("{sync:?}: create_table: {e}"));
    let mut w = Workload { db, dir, l: Ledger::default(), rng: Rng(seed), next_ts: 0, ops_left: None };
    for round in 0..MAX_ROUNDS {
        w.append_batch(round);
        for _ in 0..SINGLE_ROWS_PER_ROUND {
            w.append_single(round);
        }
        if round % FLUSH_EVERY_ROUNDS == FLUSH_EVERY_ROUNDS - 1 {
            w.flush(round);
        }
        if w.l.pack.is_none() && free_bytes(dir) < PACK_BELOW_FREE_BYTES {
            w.pack(round);
        }
        if w.ops_left == Some(0) {
            break;
        }
    }
    w.l
}

struct Workload<'a> {
    db: NanoTsDb,
    dir: &'a Path,
    l: Ledger,
    rng: Rng,
    next_ts: i64,
    /// Operations still to try, once an error was seen.
    ops_left: Option<usize>,
}

impl Workload<'_> {
    /// Fresh rows: random f64 bit patterns (incompressible; NaN payloads,
    /// infinities and -0.0 included), recorded as not yet acknowledged.
    fn new_rows(&mut self, n: usize) -> (Vec<i64>, Vec<Vec<f64>>) {
        let ts: Vec<i64> = (0..n as i64).map(|i| self.next_ts + i * 1000).collect();
        self.next_ts += n as i64 * 1000;
        let mut cols = vec![Vec::with_capacity(n); COLUMNS.len()];
        for &t in &ts {
            let bits: Vec<u64> = COLUMNS.iter().map(|_| self.rng.next()).collect();
            for (col, &b) in cols.iter_mut().zip(&bits) {
                col.push(f64::from_bits(b));
            }
            self.l.rows.insert(t, (bits, false));
        }
        (ts, cols)
    }

    fn append_batch(&mut self, round: usize) {
        if self.ops_left == Some(0) {
            return;
        }
        let (ts, cols) = self.new_rows(BATCH_ROWS);
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let r = self.db.append_rows(TABLE, &ts, &refs);
        self.outcome("append_rows", round, r, &ts, true);
    }

    fn append_single(&mut self, round: usize) {
        if self.ops_left == Some(0) {
            return;
        }
        let (ts, cols) = self.new_rows(1);
        let row: Vec<f64> = cols.iter().map(|c| c[0]).collect();
        let r = self.db.append_row(TABLE, ts[0], &row);
        self.outcome("append_row", round, r, &ts, true);
    }

    fn flush(&mut self, round: usize) {
        if self.ops_left == Some(0) {
            return;
        }
        let r = self.db.flush();
        self.outcome("flush", round, r, &[], true);
    }

    /// A pack that fails building its `.compact` file leaves the handle
    /// usable, so its error does not end the workload by itself.
    fn pack(&mut self, round: usize) {
        let free = free_bytes(self.dir);
        let r = self.db.pack_table(TABLE, 4096);
        self.l.pack = Some(match &r {
            Ok(()) => format!("succeeded in round {round} with {free} bytes free"),
            Err(e) => format!("failed in round {round} with {free} bytes free: {e}"),
        });
        self.outcome("pack_table", round, r, &[], false);
        let compact = with_suffix(self.db.path(), ".compact");
        assert!(!compact.exists(), "pack_table returned and left {}", compact.display());
    }

    fn outcome(&mut self, op: &str, round: usize, r: nanots::Result<()>, ts: &[i64], counts: bool) {
        let after_error = self.ops_left.is_some();
        if counts && let Some(n) = &mut self.ops_left {
            *n -= 1;
        }
        match r {
            Ok(()) => {
                for t in ts {
                    self.l.rows.get_mut(t).expect("row in the ledger").1 = true;
                }
                if after_error {
                    self.l.acked_after_first_error += ts.len();
                }
            }
            Err(e) => {
                let free = free_bytes(self.dir);
                let at = format!("{op} (round {round}, {free} bytes free): {e}");
                assert_eq!(e.kind(), ErrorKind::Io, "an error other than Io on a full disk: {at}");
                let os = std::error::Error::source(&e)
                    .and_then(|s| s.downcast_ref::<std::io::Error>())
                    .and_then(|s| s.raw_os_error());
                self.l.enospc_seen |= os == Some(libc::ENOSPC);
                self.l.errors.push(at);
                if counts && self.ops_left.is_none() {
                    self.ops_left = Some(OPS_AFTER_FIRST_ERROR);
                    self.l.first_write_error = self.l.errors.last().cloned();
                    self.l.free_at_first_write_error = free;
                }
            }
        }
    }
}

/// Checks the table against the ledger: strictly increasing timestamps (so
/// no row twice), every row one that was appended with its exact bits,
/// every acknowledged row present. Returns the number of rows.
fn check_rows(db: &NanoTsDb, l: &Ledger, what: &str) -> usize {
    let (ts, cols) = db
        .query_table_range_columns(TABLE, i64::MIN, i64::MAX)
        .unwrap_or_else(|e| panic!("{what}: query failed: {e}"));
    assert_eq!(cols.len(), COLUMNS.len(), "{what}: column count");
    for w in ts.windows(2) {
        assert!(w[0] < w[1], "{what}: row {} appears twice or out of order (then {})", w[0], w[1]);
    }
    for (i, t) in ts.iter().enumerate() {
        let (bits, _) = l.rows.get(t).unwrap_or_else(|| panic!("{what}: row {t} was never appended"));
        for (c, col) in cols.iter().enumerate() {
            assert_eq!(col[i].to_bits(), bits[c], "{what}: row {t} column {} has the wrong bits", COLUMNS[c]);
        }
    }
    let lost: Vec<i64> =
        l.rows.iter().filter(|(t, (_, ack))| *ack && ts.binary_search(t).is_err()).map(|(t, _)| *t).collect();
    assert!(
        lost.is_empty(),
        "{what}: {} of {} acknowledged rows lost (first {:?}, last {:?}); errors while writing: {:#?}",
        lost.len(),
        l.acked(),
        lost.first(),
        lost.last(),
        l.errors
    );
    ts.len()
}

fn strict(sync: SyncMode) -> NanoTsOptions {
    NanoTsOptions { sync, recovery: RecoveryMode::Strict, ..Default::default() }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes `path` until the filesystem reports ENOSPC.
fn fill_remaining_space(path: &Path) {
    let mut f = std::fs::File::create(path).expect("create the top-up file");
    let chunk = vec![0x5au8; 4096];
    loop {
        if let Err(e) = f.write_all(&chunk).and_then(|()| f.sync_data()) {
            assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "topping up the disk: {e}");
            return;
        }
    }
}

/// Bytes available to us on the filesystem holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let c = CString::new(dir.as_os_str().as_bytes()).expect("path without NUL");
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `st` points to writable
    // memory of the size statvfs fills; it is read only if the call succeeds.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    assert_eq!(rc, 0, "statvfs {}: {}", dir.display(), std::io::Error::last_os_error());
    // SAFETY: statvfs returned 0, so it initialized `st`.
    let st = unsafe { st.assume_init() };
    // fsblkcnt_t and c_ulong are narrower than u64 on some targets.
    #[allow(clippy::unnecessary_cast)]
    let bytes = st.f_bavail as u64 * st.f_frsize as u64;
    bytes
}

fn skip(reason: &str) {
    if std::env::var("NANOTS_REQUIRE_FULL_DISK").as_deref() == Ok("1")
        || std::env::var_os("NANOTS_NO_SKIP").is_some()
    {
        panic!("full_disk cannot run and NANOTS_REQUIRE_FULL_DISK=1: {reason}");
    }
    // Straight to the process's stderr: the test harness captures
    // `eprintln!` of passing tests, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED full_disk: {reason}");
}

/// A tmpfs mounted on a fresh directory under the system temp dir,
/// unmounted on drop (panics included). If a panic is unwinding, the files
/// on it are first copied to `<temp>/nanots-full-disk-evidence-<pid>-<label>`.
struct Tmpfs {
    dir: tempfile::TempDir,
    label: String,
}

impl Tmpfs {
    fn mount(bytes: u64, label: &str) -> Result<Tmpfs, String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        if euid != 0 {
            return Err(format!("mounting a tmpfs needs root, running as uid {euid}"));
        }
        let dir = tempfile::Builder::new()
            .prefix("nanots-full-disk-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs on {} failed ({}): {}",
                dir.path().display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let m = Tmpfs { dir, label: label.to_string() };
        let total = free_bytes(m.path());
        assert_eq!(total, bytes, "the tmpfs on {} is not {bytes} bytes", m.path().display());
        Ok(m)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn keep_evidence(&self) {
        let dst = std::env::temp_dir().join(format!(
            "nanots-full-disk-evidence-{}-{}",
            std::process::id(),
            self.label
        ));
        let _ = std::fs::create_dir_all(&dst);
        if let Ok(entries) = std::fs::read_dir(self.path()) {
            for e in entries.flatten() {
                let name = e.file_name();
                if name != "filler" && name != "topup" {
                    let _ = std::fs::copy(e.path(), dst.join(&name));
                }
            }
        }
        eprintln!("full_disk: the database files are kept in {}", dst.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.keep_evidence();
        }
        let ok = Command::new("umount").arg(self.path()).status().is_ok_and(|s| s.success());
        if !ok {
            // Still busy (a mapping not yet gone): detach it; it goes away
            // with its last user.
            let lazy = Command::new("umount").arg("-l").arg(self.path()).status();
            eprintln!("full_disk: umount {} failed; lazy unmount: {lazy:?}", self.path().display());
        }
    }
}
