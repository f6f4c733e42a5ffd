//! Entry points that report on durability: the integrity check
//! (`nts_verify`), what opening recovered (`nts_recovery_report`) and what
//! this handle has made durable (`nts_commit_stats`).
//!
//! Each fills a versioned out-struct (see [`super::versioned`]); the two
//! that report problems can also hand back their texts as an
//! `nts_strings` list.

use std::ptr;

use super::args::optional_out;
use super::boundary::call;
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use super::strings::nts_strings;
use super::versioned::versioned_out;
use crate::Problem;

/// What `nts_verify` found. A versioned struct: set
/// `struct_size = sizeof(nts_verify_report)` before the call; the library
/// fills the fields that fit and sets `struct_size` to the bytes it wrote.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_verify_report {
    /// In: `sizeof(nts_verify_report)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Reserved (written as 0).
    pub reserved: u32,
    /// Records walked in the database file (every record up to the last
    /// commit: table definitions, segments, commits, checkpoints, ...).
    pub records: u64,
    /// Live segments decoded in full.
    pub segments: u64,
    /// Rows in those segments.
    pub rows: u64,
    /// Problems found; 0 means the file is sound.
    pub problems: u64,
}

/// What opening the database recovered, filled by `nts_recovery_report`.
/// All zero after a clean close. Versioned like `nts_verify_report`: set
/// `struct_size = sizeof(nts_recovery_info)`.
///
/// (Named `_info` rather than `_report` because a C typedef cannot share
/// the name of the function `nts_recovery_report`.)
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_recovery_info {
    /// In: `sizeof(nts_recovery_info)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Reserved (written as 0).
    pub reserved: u32,
    /// Bytes of an uncommitted (torn) tail cut off the database file.
    pub file_bytes_cut: u64,
    /// WAL frames whose rows were replayed (and flushed).
    pub wal_frames_replayed: u64,
    /// Rows those frames held.
    pub wal_rows_replayed: u64,
    /// Valid WAL frames not replayed because they follow a damaged one:
    /// possible only where the WAL was not synced (`NTS_SYNC_NEVER`) or
    /// with `NTS_RECOVERY_SALVAGE`.
    pub wal_frames_dropped: u64,
    /// Problems found and worked around: damage skipped by salvage, WAL
    /// frames cut.
    pub problems: u64,
}

/// What this handle has made durable since it was opened (recovery at
/// open included), filled by `nts_commit_stats`. Versioned like
/// `nts_verify_report`: set `struct_size = sizeof(nts_commit_info)`.
///
/// (Named `_info` because a C typedef cannot share the name of the
/// function `nts_commit_stats`.)
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_commit_info {
    /// In: `sizeof(nts_commit_info)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Reserved (written as 0).
    pub reserved: u32,
    /// Transactions committed (table creations, flushes, deletes, merges,
    /// ...), each ended by a commit or checkpoint record.
    pub commits: u64,
    /// Of those, the ones ended by a checkpoint record.
    pub checkpoints: u64,
    /// `fdatasync` calls on the database file.
    pub syncs: u64,
}

/// Size of the first version of `nts_verify_report` (never changes).
pub(crate) const VERIFY_REPORT_MIN_SIZE: usize = 40;
/// Size of the first version of `nts_recovery_info` (never changes).
pub(crate) const RECOVERY_INFO_MIN_SIZE: usize = 48;
/// Size of the first version of `nts_commit_info` (never changes).
pub(crate) const COMMIT_INFO_MIN_SIZE: usize = 32;

/// Hands the problems' texts (`"file offset N: ..."` / `"WAL offset N:
/// ..."`) to the caller, if it asked for them.
///
/// # Safety
/// `out` was checked by [`optional_out`] and is still writable.
unsafe fn problems_to(out: Option<*mut *mut nts_strings>, problems: &[Problem]) {
    if let Some(out) = out {
        let texts: Vec<String> = problems.iter().map(Problem::to_string).collect();
        // SAFETY: checked writable out-param.
        unsafe { ptr::write(out, nts_strings::into_raw(&texts)) };
    }
}

/// Checks the whole database (like SQLite's `integrity_check`): walks every
/// record of the file and its checksum, decodes every column of every live
/// segment, and checks the index and the segment statistics against the
/// data. Reads only; writers on other threads wait meanwhile. Cost: one
/// pass over the file, decoding everything.
///
/// Fills `*out` (set `out->struct_size = sizeof(nts_verify_report)` first).
/// If `problems_out` is not NULL, `*problems_out` receives the list of the
/// problems' texts, each naming its offset (`"file offset 4096: Segment
/// record fails its CRC32 check"`), one per counted problem, possibly empty;
/// it is NULL when the call fails.
///
/// Finding problems is not a failure: the call returns `NTS_OK` and
/// `out->problems` says how many there are. Check it.
///
/// Ownership: the caller frees `*problems_out` with `nts_strings_free`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db` or `out`, bad
/// `struct_size`, misaligned pointers); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or a writable `nts_verify_report` whose `struct_size` is
/// set; `problems_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_verify(
    db: *mut nts_db,
    out: *mut nts_verify_report,
    problems_out: *mut *mut nts_strings,
) -> nts_status {
    call("nts_verify", || {
        // First, so that it is NULL whenever the call fails.
        // SAFETY: NULL or writable per the contract.
        let problems_out = unsafe { optional_out(problems_out, "problems_out", ptr::null_mut()) }?;
        // SAFETY: NULL or a versioned struct per the contract.
        let out = unsafe { versioned_out(out, VERIFY_REPORT_MIN_SIZE, "out") }?;
        let r = lookup(db)?.verify()?;
        let v = nts_verify_report {
            struct_size: 0,
            reserved: 0,
            records: r.records,
            segments: r.segments,
            rows: r.rows,
            problems: r.problems.len() as u64,
        };
        out.write(v);
        // SAFETY: checked by optional_out above.
        unsafe { problems_to(problems_out, &r.problems) };
        Ok(())
    })
}

/// Reports what opening this handle recovered: a torn tail cut off the
/// file, WAL rows replayed, and (with `NTS_RECOVERY_SALVAGE`, or where the
/// WAL was not synced) what was dropped. All zero after a clean close.
///
/// Fills `*out` (set `out->struct_size = sizeof(nts_recovery_info)`
/// first). If `problems_out` is not NULL, `*problems_out` receives the
/// problems' texts, each naming its offset in the file or the WAL
/// (`"file offset 0: salvage: ..."`, `"WAL offset 48: ..."`), one per
/// counted problem, possibly empty; it is NULL when the call fails.
///
/// Problems worked around at open are not a failure: the call returns
/// `NTS_OK` and `out->problems` says how many there were.
///
/// Ownership: the caller frees `*problems_out` with `nts_strings_free`.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db` or `out`, bad
/// `struct_size`, misaligned pointers); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or a writable `nts_recovery_info` whose `struct_size` is
/// set; `problems_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_recovery_report(
    db: *mut nts_db,
    out: *mut nts_recovery_info,
    problems_out: *mut *mut nts_strings,
) -> nts_status {
    call("nts_recovery_report", || {
        // First, so that it is NULL whenever the call fails.
        // SAFETY: NULL or writable per the contract.
        let problems_out = unsafe { optional_out(problems_out, "problems_out", ptr::null_mut()) }?;
        // SAFETY: NULL or a versioned struct per the contract.
        let out = unsafe { versioned_out(out, RECOVERY_INFO_MIN_SIZE, "out") }?;
        let r = lookup(db)?.recovery_report();
        let v = nts_recovery_info {
            struct_size: 0,
            reserved: 0,
            file_bytes_cut: r.file_bytes_cut,
            wal_frames_replayed: r.wal_frames_replayed,
            wal_rows_replayed: r.wal_rows_replayed,
            wal_frames_dropped: r.wal_frames_dropped,
            problems: r.problems.len() as u64,
        };
        out.write(v);
        // SAFETY: checked by optional_out above.
        unsafe { problems_to(problems_out, &r.problems) };
        Ok(())
    })
}

/// Fills `*out` with the transactions, checkpoints and `fdatasync` calls
/// this handle has made since `nts_open` (the recovery done by the open
/// included; a fresh handle on a cleanly closed file starts at zero). Set
/// `out->struct_size = sizeof(nts_commit_info)` first.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL `db` or `out`, bad
/// `struct_size`); `NTS_ERR_CLOSED`.
///
/// # Safety
/// `out` is NULL or a writable `nts_commit_info` whose `struct_size` is
/// set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_commit_stats(db: *mut nts_db, out: *mut nts_commit_info) -> nts_status {
    call("nts_commit_stats", || {
        // SAFETY: NULL or a versioned struct per the contract.
        let out = unsafe { versioned_out(out, COMMIT_INFO_MIN_SIZE, "out") }?;
        let s = lookup(db)?.commit_stats();
        let v = nts_commit_info {
            struct_size: 0,
            reserved: 0,
            commits: s.commits,
            checkpoints: s.checkpoints,
            syncs: s.syncs,
        };
        out.write(v);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_versions_of_the_structs_keep_their_sizes() {
        // ABI: the *_MIN_SIZE constants equal the sizes of the first
        // versions; appending fields grows size_of, never these.
        assert_eq!(size_of::<nts_verify_report>(), VERIFY_REPORT_MIN_SIZE);
        assert_eq!(size_of::<nts_recovery_info>(), RECOVERY_INFO_MIN_SIZE);
        assert_eq!(size_of::<nts_commit_info>(), COMMIT_INFO_MIN_SIZE);
    }

    #[test]
    fn a_short_struct_is_refused_and_a_newer_longer_one_keeps_its_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = std::ffi::CString::new(dir.path().join("d.ntt").to_str().unwrap()).unwrap();
        let mut db = ptr::null_mut();
        // SAFETY: valid path and out-param; NULL options mean the defaults.
        assert_eq!(unsafe { super::super::db::nts_open(path.as_ptr(), ptr::null(), &mut db) }, 0);

        let mut short = nts_commit_info { struct_size: 8, ..Default::default() };
        // SAFETY: a live handle and a writable struct.
        let st = unsafe { nts_commit_stats(db, &mut short) };
        assert_eq!(st, super::super::status::NTS_ERR_INVALID_ARGUMENT);

        // A newer caller's struct, larger than ours: its extra field stays.
        #[repr(C)]
        struct Newer {
            v: nts_verify_report,
            future: u64,
        }
        let mut newer = Newer {
            v: nts_verify_report { struct_size: size_of::<Newer>() as u32, ..Default::default() },
            future: 7,
        };
        let mut problems = ptr::null_mut();
        // SAFETY: a live handle, a writable struct of `struct_size` bytes,
        // a writable out-param.
        assert_eq!(unsafe { nts_verify(db, &mut newer.v, &mut problems) }, 0);
        assert_eq!(newer.v.struct_size as usize, VERIFY_REPORT_MIN_SIZE);
        assert_eq!(newer.future, 7);
        assert_eq!((newer.v.records, newer.v.problems), (0, 0));
        // SAFETY: the list just returned.
        assert_eq!(unsafe { super::super::strings::nts_strings_len(problems) }, 0);
        // SAFETY: the list just returned, freed once.
        unsafe { super::super::strings::nts_strings_free(problems) };
        // SAFETY: the live handle, closed once.
        assert_eq!(unsafe { super::super::db::nts_close(db) }, 0);
    }
}
