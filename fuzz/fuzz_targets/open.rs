//! Opening and recovering damaged files: a small valid database (built once
//! per process with the public API) is mutated by the input, written to a
//! scratch directory and opened with the default options.
//!
//! Run with `bash scripts/fuzz.sh 60 open` from the repository root.
//!
//! Properties: `open` and every read after it return `Ok` or `Err`, never
//! panic, hang or allocate without bound. A file that opened and closed
//! cleanly opens again, with the same tables and, for every table that
//! read back without error the first time, the same rows (recovery and
//! close are idempotent).
//!
//! Input layout:
//! - byte 0, flags: bits 0-1 pick the base database (`BASES`, taken
//!   modulo 3); bit 2 truncates the `.ntt` file and bit 3 the WAL to the
//!   length in bytes 1-2 / 3-4 (u16 LE, modulo the length + 1); bit 4
//!   removes the WAL; bits 5 and 6 recompute the checksums of the `.ntt`
//!   file / of the WAL after the edits, so that edits reach the parsers
//!   behind the CRCs.
//! - bytes 5.., edits of 4 bytes: byte 0 bit 0 picks the file (0 = `.ntt`,
//!   1 = WAL), bytes 1-2 the offset (u16 LE, modulo the file's length),
//!   byte 3 the byte to XOR there.

#![no_main]

mod common;

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nanots::{Agg, NanoTsDb, NanoTsOptions};

/// One starting point: the `.ntt` bytes and the WAL bytes, if any.
struct Base {
    ntt: Vec<u8>,
    wal: Option<Vec<u8>>,
}

/// The base databases, built once per process:
/// 0. a crash copy taken while rows of two tables sat in the WAL, after
///    flushes, a delete and a dropped table (no checkpoint: opening scans
///    every record);
/// 1. the same database after a clean close (a checkpoint, no WAL);
/// 2. that one reopened, packed (a rewritten file) and crash-copied with
///    rows in the WAL again.
static BASES: OnceLock<[Base; 3]> = OnceLock::new();

fn build_bases(dir: &Path) -> [Base; 3] {
    let path = dir.join("base.ntt");
    let crash = dir.join("base-crash.ntt");
    let read = |p: &Path| -> Base {
        let wal = std::fs::read(common::wal_of(p)).ok().map(trim_wal);
        Base { ntt: std::fs::read(p).expect("read base"), wal }
    };
    // Small segments, so the file has several of each kind of record.
    let opts = NanoTsOptions { segment_max_rows: 4, ..NanoTsOptions::default() };

    let db = NanoTsDb::open(&path, opts.clone()).expect("open base");
    db.create_table("cpu", &["user", "sys"]).unwrap();
    db.create_table("temp", &["c"]).unwrap();
    db.create_table("gone", &["x"]).unwrap();
    for i in 0..10i64 {
        // Decimal-like, constant and integer columns pick different codecs.
        db.append_row("cpu", 1000 + 10 * i, &[0.5 + i as f64 * 0.1, 3.0]).unwrap();
        db.append_row("temp", 1000 + 7 * i, &[(i * i) as f64]).unwrap();
    }
    db.append_row("gone", 5, &[1.0]).unwrap();
    db.flush().unwrap();
    db.delete_range("cpu", 1020, 1045).unwrap();
    db.drop_table("gone").unwrap();
    let ts: Vec<i64> = (0..6).map(|i| 990 + 3 * i).collect();
    let vals = [f64::NAN, -0.0, 1e300, f64::INFINITY, 2.5, 2.5];
    db.append_rows("temp", &ts, &[&vals]).unwrap();
    db.flush().unwrap();
    db.append_row("cpu", 2000, &[9.0, 9.5]).unwrap();
    db.append_rows("temp", &[3000, 2999], &[&[1.0, 2.0]]).unwrap();
    common::snapshot_files(&path, &crash);
    let crashed = read(&crash);
    db.close().unwrap();
    drop(db);
    let closed = read(&path);

    let db = NanoTsDb::open(&path, opts).expect("reopen base");
    db.pack_table("temp", 5).unwrap();
    db.append_row("cpu", 2001, &[1.0, 2.0]).unwrap();
    db.append_row("temp", 5000, &[4.0]).unwrap();
    common::snapshot_files(&path, &crash);
    let packed = read(&crash);
    drop(db);
    common::clear_files(dir);
    [crashed, closed, packed]
}

/// The WAL is pre-allocated (1 MiB); past its frames it is zeros, which
/// read like the end of the file. Dropping them keeps iterations fast.
fn trim_wal(mut wal: Vec<u8>) -> Vec<u8> {
    let used = wal.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    wal.truncate(used.next_multiple_of(8));
    wal
}

fn u16_at(data: &[u8], at: usize) -> usize {
    u16::from_le_bytes([data[at], data[at + 1]]) as usize
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put_crc(b: &mut [u8], at: usize, crc: u32) {
    b[at..at + 4].copy_from_slice(&crc.to_le_bytes());
}

/// Recomputes, as the writer would, every checksum of a `.ntt` file that
/// its framing still lets us find (SPEC.md sections 2, 3, 3.2).
fn fix_ntt_crcs(b: &mut [u8]) {
    if b.len() >= 40 {
        put_crc(b, 36, crc32fast::hash(&b[..36]));
    }
    for slot in [64, 128] {
        if b.len() >= slot + 64 {
            put_crc(b, slot + 60, crc32fast::hash(&b[slot..slot + 60]));
        }
    }
    let mut at = 256;
    while at + 12 <= b.len() {
        let len = le_u32(b, at) as usize;
        let payload = at + 12;
        let Some(end) = payload.checked_add(len).filter(|&e| e <= b.len()) else {
            break;
        };
        // A segment's header has a CRC of its own, inside the payload.
        if b[at + 4] == 2 && len >= 32 {
            let hlen = le_u32(b, payload + 28) as usize;
            if (4..=len).contains(&hlen) {
                let crc = crc32fast::hash(&b[payload..payload + hlen - 4]);
                put_crc(b, payload + hlen - 4, crc);
            }
        }
        let mut h = crc32fast::Hasher::new();
        h.update(&b[at..at + 8]);
        h.update(&b[payload..end]);
        put_crc(b, at + 8, h.finalize());
        at = end;
    }
}

/// Recomputes the WAL header CRC and the salted CRC of every frame whose
/// length field still fits the file (SPEC.md section 5).
fn fix_wal_crcs(b: &mut [u8]) {
    if b.len() < 64 {
        return;
    }
    put_crc(b, 60, crc32fast::hash(&b[..60]));
    let salt = le_u32(b, 12);
    let mut at = 64;
    while at + 16 <= b.len() {
        let len = le_u32(b, at + 4) as usize;
        let Some(end) = (at + 16).checked_add(len).filter(|&e| e <= b.len()) else {
            break;
        };
        let mut h = crc32fast::Hasher::new_with_initial(salt);
        h.update(&b[at + 4..end]);
        put_crc(b, at, h.finalize());
        at = end.next_multiple_of(8);
    }
}

/// Everything a reader can get out of one table; rows as (ts, value bits)
/// per column so NaNs compare exactly.
type TableRead = nanots::Result<(Vec<i64>, Vec<Vec<u64>>)>;

/// Reads every table in full (and through the other read paths, whose
/// results are only required not to panic). `None` if listing fails.
fn read_all(db: &NanoTsDb) -> Option<Vec<(String, TableRead)>> {
    let names = db.list_tables().ok()?;
    let mut out = Vec::new();
    for name in names {
        let rows = db.query_table_range_columns(&name, i64::MIN, i64::MAX).map(|(ts, cols)| {
            let bits = cols.iter().map(|c| c.iter().map(|v| v.to_bits()).collect()).collect();
            (ts, bits)
        });
        let _ = db.table_columns(&name);
        let _ = db.latest(&name);
        let _ = db.latest_n(&name, 3);
        let _ = db.stats(&name);
        let aggs = [Agg::Count, Agg::Sum, Agg::Min, Agg::Max, Agg::Mean, Agg::First, Agg::Last];
        let _ = db.aggregate(&name, i64::MIN, i64::MAX, 1000, &aggs);
        out.push((name, rows));
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let dir = common::scratch_dir("open");
    let bases = BASES.get_or_init(|| build_bases(dir));
    let flags = data[0];
    let base = &bases[(flags & 3) as usize % bases.len()];
    let mut ntt = base.ntt.clone();
    let mut wal = if flags & 0x10 != 0 { None } else { base.wal.clone() };

    if flags & 0x04 != 0 {
        ntt.truncate(u16_at(data, 1) % (ntt.len() + 1));
    }
    if flags & 0x08 != 0
        && let Some(w) = wal.as_mut()
    {
        w.truncate(u16_at(data, 3) % (w.len() + 1));
    }
    for edit in data[5..].chunks_exact(4) {
        let file = if edit[0] & 1 == 0 { Some(&mut ntt) } else { wal.as_mut() };
        if let Some(f) = file
            && !f.is_empty()
        {
            let at = u16_at(edit, 1) % f.len();
            f[at] ^= edit[3];
        }
    }
    if flags & 0x20 != 0 {
        fix_ntt_crcs(&mut ntt);
    }
    if flags & 0x40 != 0
        && let Some(w) = wal.as_mut()
    {
        fix_wal_crcs(w);
    }

    common::clear_files(dir);
    let path = dir.join("db.ntt");
    std::fs::write(&path, &ntt).expect("write the .ntt file");
    if let Some(w) = &wal {
        std::fs::write(common::wal_of(&path), w).expect("write the WAL");
    }

    let Ok(db) = NanoTsDb::open(&path, NanoTsOptions::default()) else {
        return;
    };
    let first = read_all(&db);
    let closed = db.close();
    drop(db);
    let (Some(first), Ok(())) = (first, closed) else {
        return;
    };

    // Recovery wrote a clean file: it must open again and read the same.
    let db = match NanoTsDb::open(&path, NanoTsOptions::default()) {
        Ok(db) => db,
        Err(e) => panic!("a database that opened and closed cleanly does not reopen: {e}"),
    };
    let second = read_all(&db).expect("list tables after reopening");
    let names = |r: &[(String, TableRead)]| r.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&first), names(&second), "tables differ after close and reopen");
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        if let Ok(a) = a {
            match b {
                Ok(b) => assert_eq!(a, b, "table {name:?} reads differently after close and reopen"),
                Err(e) => panic!("table {name:?} read fine, fails after close and reopen: {e}"),
            }
        }
    }
    let _ = db.close();
});
