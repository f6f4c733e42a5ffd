//! Shared building blocks of the codecs, one job per file: a bounds-checked
//! byte cursor, LEB128 varints and zigzag, an LSB-first bit writer/reader,
//! the frame-of-reference (FOR) block with exceptions ("patching"), its
//! interleaved packing, the integer stream built from FOR blocks, and a
//! per-thread pool of scratch vectors.

mod bit_io;
mod cursor;
pub mod entropy;
mod for_block;
mod interleaved;
pub mod pool;
pub mod stream;
mod varint;

pub use bit_io::{BitReader, BitWriter};
pub use cursor::Cursor;
pub use for_block::block_cost;
pub use varint::{put_varint, unzigzag, zigzag};

/// Values per FOR block (the last block of a column may hold fewer).
pub const BLOCK: usize = 1024;
