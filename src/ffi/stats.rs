//! Storage statistics: `nts_table_stats`, `nts_table_column_stats` (the
//! C view of [`crate::TableStats`]) and `nts_codec_name`.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use super::args::{out_arg, str_arg};
use super::boundary::{FfiError, call, call_value};
use super::cstr::c_string;
use super::handle::{lookup, nts_db};
use super::status::nts_status;
use super::versioned::write_versioned;
use crate::ColumnStorage;

/// Storage statistics of a table, filled by `nts_table_stats`. Versioned:
/// set `struct_size = sizeof(nts_stats)` before the call; the library fills
/// the fields that fit and sets `struct_size` to the bytes it wrote.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_stats {
    /// In: `sizeof(nts_stats)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Reserved (written as 0).
    pub reserved: u32,
    /// All rows: flushed + buffered.
    pub rows: u64,
    /// Rows in segments in the file.
    pub flushed_rows: u64,
    /// Rows buffered in memory (and in the WAL).
    pub buffered_rows: u64,
    /// Segments in the file.
    pub segments: u64,
    /// Bytes of the table's segments on disk (headers included).
    pub bytes_on_disk: u64,
    /// Uncompressed size of the flushed rows: 8 bytes per timestamp and value.
    pub raw_bytes: u64,
    /// `raw_bytes / bytes_on_disk` (0 when nothing is flushed).
    pub compression_ratio: f64,
    /// Number of value columns (without `ts_ms`).
    pub ncols: u64,
    /// Encoded bytes of the timestamp column.
    pub ts_bytes_on_disk: u64,
    /// Raw bytes of the timestamp column.
    pub ts_raw_bytes: u64,
}

/// Most codecs reported per column by `nts_table_column_stats`.
pub const NTS_STATS_MAX_CODECS: usize = 8;

/// Storage statistics of one column, filled by `nts_table_column_stats`.
/// Versioned like `nts_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct nts_column_stats {
    /// In: `sizeof(nts_column_stats)`; out: bytes written by the library.
    pub struct_size: u32,
    /// Distinct codecs used by this column's segments (entries beyond
    /// `NTS_STATS_MAX_CODECS` are not listed).
    pub ncodecs: u32,
    /// Encoded bytes of this column over all segments.
    pub bytes_on_disk: u64,
    /// Raw bytes (8 per flushed row).
    pub raw_bytes: u64,
    /// The codec ids (see `nts_codec_name`), most used first.
    pub codec_ids: [u8; NTS_STATS_MAX_CODECS],
    /// Segments encoded with `codec_ids[i]`.
    pub codec_segments: [u64; NTS_STATS_MAX_CODECS],
}

/// Size of the first version of `nts_stats` (never changes).
const STATS_MIN_SIZE: usize = 88;
/// Size of the first version of `nts_column_stats` (never changes).
const COLUMN_STATS_MIN_SIZE: usize = 96;

/// Fills `*out` with the storage statistics of `table`. Set
/// `out->struct_size = sizeof(nts_stats)` first.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT` (NULL arguments, bad
/// `struct_size`); `NTS_ERR_NOT_FOUND`; `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` is NULL or NUL-terminated; `out` is NULL or a writable
/// `nts_stats` whose `struct_size` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_stats(
    db: *mut nts_db,
    table: *const c_char,
    out: *mut nts_stats,
) -> nts_status {
    call("nts_table_stats", || {
        out_arg(out, "out")?;
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        let s = db.stats(table)?;
        let v = nts_stats {
            struct_size: 0,
            reserved: 0,
            rows: s.rows,
            flushed_rows: s.flushed_rows,
            buffered_rows: s.buffered_rows,
            segments: s.segments,
            bytes_on_disk: s.bytes_on_disk,
            raw_bytes: s.raw_bytes,
            compression_ratio: s.compression_ratio(),
            ncols: s.columns.len() as u64,
            ts_bytes_on_disk: s.timestamps.bytes_on_disk,
            ts_raw_bytes: s.timestamps.raw_bytes,
        };
        // SAFETY: writable versioned struct per the contract.
        unsafe { write_versioned(out, v, STATS_MIN_SIZE, "out") }
    })
}

/// The C view of one column's storage: its codecs (already most used
/// first) cut to `NTS_STATS_MAX_CODECS`.
fn column_stats(c: &ColumnStorage) -> nts_column_stats {
    let mut v =
        nts_column_stats { bytes_on_disk: c.bytes_on_disk, raw_bytes: c.raw_bytes, ..Default::default() };
    for (i, u) in c.codecs.iter().take(NTS_STATS_MAX_CODECS).enumerate() {
        v.codec_ids[i] = u.codec_id;
        v.codec_segments[i] = u.segments;
    }
    v.ncodecs = c.codecs.len().min(NTS_STATS_MAX_CODECS) as u32;
    v
}

/// Fills `*out` with the storage statistics of column `column` of `table`;
/// `column` may be `"ts_ms"` for the timestamps. Set
/// `out->struct_size = sizeof(nts_column_stats)` first.
///
/// Returns `NTS_OK`; `NTS_ERR_INVALID_ARGUMENT`; `NTS_ERR_NOT_FOUND`
/// (unknown table or column); `NTS_ERR_CLOSED`; `NTS_ERR_CORRUPT`.
///
/// # Safety
/// `table` and `column` are NULL or NUL-terminated; `out` is NULL or a
/// writable `nts_column_stats` whose `struct_size` is set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nts_table_column_stats(
    db: *mut nts_db,
    table: *const c_char,
    column: *const c_char,
    out: *mut nts_column_stats,
) -> nts_status {
    call("nts_table_column_stats", || {
        out_arg(out, "out")?;
        let db = lookup(db)?;
        // SAFETY: NUL-terminated per the contract.
        let table = unsafe { str_arg(table, "table") }?;
        // SAFETY: NUL-terminated per the contract.
        let column = unsafe { str_arg(column, "column") }?;
        let s = db.stats(table)?;
        let c = s.column(column).ok_or_else(|| {
            FfiError::new(
                super::status::NTS_ERR_NOT_FOUND,
                format!("table {table:?} has no column {column:?}"),
            )
        })?;
        // SAFETY: writable versioned struct per the contract.
        unsafe { write_versioned(out, column_stats(c), COLUMN_STATS_MIN_SIZE, "out") }
    })
}

/// The static name of codec `codec_id` as reported in `nts_table_column_stats`
/// (e.g. `"plain"`). Never NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nts_codec_name(codec_id: u8) -> *const c_char {
    // One lock for all 256 names, made at the first call: an array of 256
    // OnceLocks would be 6 KiB of initialized data in the library.
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    call_value("nts_codec_name", c"".as_ptr(), || {
        let names =
            NAMES.get_or_init(|| (0..=u8::MAX).map(|id| c_string(crate::codec::codec_name(id))).collect());
        names[usize::from(codec_id)].as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_versions_of_the_structs_keep_their_sizes() {
        // The *_MIN_SIZE constants are ABI: they must equal the sizes of the
        // first versions. Appending fields grows size_of, never these.
        assert_eq!(size_of::<nts_stats>(), STATS_MIN_SIZE);
        assert_eq!(size_of::<nts_column_stats>(), COLUMN_STATS_MIN_SIZE);
    }
}
