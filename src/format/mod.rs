//! The `.ntt` file format: magic, versions, the file header with its two
//! commit slots, and record framing. SPEC.md describes the same bytes; every
//! offset used in code is a named constant here.

pub mod bytes;
pub mod crc;
pub mod header;
pub mod record;

/// First 8 bytes of every `.ntt` file. The high byte and the CR LF / ^Z / LF
/// tail catch text-mode transfers and truncation to 7 bits (as PNG does).
pub const MAGIC: [u8; 8] = *b"\x89NTT\r\n\x1a\n";

/// The format version this library writes. It reads every version up to it.
pub const FORMAT_VERSION: u32 = 4;

/// Records after the newest checkpoint (or, without one, all records) up
/// to this many bytes do not earn a checkpoint at close or at the end of a
/// rewrite: opening scans and verifies them instead, which costs well
/// under a millisecond even on a small board, while the checkpoint would
/// cost a small database over 100 bytes (issue 17: small tables should
/// not pay hundreds of bytes of fixed overhead). SPEC.md §3.4.
pub const SMALL_TAIL_BYTES: u64 = 64 << 10;

/// Whether `tail_bytes` of records past the newest checkpoint earn one at
/// close or at the end of a rewrite ([`SMALL_TAIL_BYTES`]).
pub fn tail_earns_checkpoint(tail_bytes: u64) -> bool {
    tail_bytes > SMALL_TAIL_BYTES
}

/// Default cap on any record's payload, in bytes (64 MiB). Overridden by the
/// `NANOTS_MAX_RECORD_SIZE` environment variable or `NanoTsOptions`.
pub const DEFAULT_MAX_RECORD_SIZE: u32 = 64 << 20;

/// Longest table or column name, in UTF-8 bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Most value columns a table may have.
pub const MAX_COLUMNS: usize = 4096;

/// Most rows one segment holds (the codecs' decode bound).
pub const MAX_SEGMENT_ROWS: usize = 1 << 22;
