//! Per-thread pools of scratch vectors, so that repeated encodes do not
//! pay for fresh (page-faulting) allocations. Nested users simply get a
//! new vector. Per thread at most 3 i64 vectors of at most 2^20 elements
//! and 3 byte vectors of at most 2^23 bytes are kept (<= 48 MiB), one
//! [`BlockScratch`] (16 KiB), one [`ChunkScratch`] (8 KiB) and 3 zeroed
//! counter vectors of at most 2^16 counters (256 KiB each), until
//! [`release`].

use super::BLOCK;
use std::cell::Cell;

const KEEP: usize = 3;
const MAX_CAP: usize = 1 << 20;

/// Frees this thread's pooled vectors.
pub fn release() {
    I64.with(|c| drop(c.take()));
    U8.with(|c| drop(c.take()));
    BLOCK_SCRATCH.with(|c| drop(c.take()));
    CHUNK_SCRATCH.with(|c| drop(c.take()));
    ZEROED_U32.with(|c| drop(c.take()));
}

thread_local! {
    static I64: Cell<Vec<Vec<i64>>> = const { Cell::new(Vec::new()) };
    static U8: Cell<Vec<Vec<u8>>> = const { Cell::new(Vec::new()) };
    static BLOCK_SCRATCH: Cell<Option<Box<BlockScratch>>> = const { Cell::new(None) };
    static CHUNK_SCRATCH: Cell<Option<Box<ChunkScratch>>> = const { Cell::new(None) };
    static ZEROED_U32: Cell<Vec<Vec<u32>>> = const { Cell::new(Vec::new()) };
}

/// What an integer stream's decoder works in: one FOR block's unpacked
/// offsets and its decoded values. Its contents between uses mean nothing.
pub struct BlockScratch {
    pub offsets: [u64; BLOCK],
    pub values: [i64; BLOCK],
}

/// This thread's block scratch (a fresh one if it is in use, by a decode
/// nested in another's sink). Kept, not cleared, between decodes: clearing
/// 16 KiB for a block of a few hundred values was a tenth of a minutely
/// aggregation's instructions.
pub fn take_block_scratch() -> Box<BlockScratch> {
    BLOCK_SCRATCH
        .with(Cell::take)
        .unwrap_or_else(|| Box::new(BlockScratch { offsets: [0; BLOCK], values: [0; BLOCK] }))
}

pub fn give_block_scratch(s: Box<BlockScratch>) {
    BLOCK_SCRATCH.with(|c| c.set(Some(s)));
}

/// A block's worth of values: the chunk an entropy decoder hands to its
/// sink, the offsets of a FOR block being encoded. Its contents between
/// uses mean nothing.
pub type ChunkScratch = [u64; BLOCK];

/// This thread's chunk scratch (a fresh one if it is in use). Kept, not
/// cleared, between uses: clearing 8 KiB for each entropy stream was 4.6%
/// of the instructions of a 100k-row range query.
pub fn take_chunk_scratch() -> Box<ChunkScratch> {
    CHUNK_SCRATCH.with(Cell::take).unwrap_or_else(|| Box::new([0; BLOCK]))
}

pub fn give_chunk_scratch(s: Box<ChunkScratch>) {
    CHUNK_SCRATCH.with(|c| c.set(Some(s)));
}

type Pool<T> = std::thread::LocalKey<Cell<Vec<Vec<T>>>>;

fn take<T>(pool: &'static Pool<T>) -> Vec<T> {
    pool.with(|c| {
        let mut p = c.take();
        let v = p.pop().unwrap_or_default();
        c.set(p);
        v
    })
}

fn give<T>(pool: &'static Pool<T>, mut v: Vec<T>, max_cap: usize) {
    if v.capacity() > max_cap {
        return;
    }
    v.clear();
    pool.with(|c| {
        let mut p = c.take();
        if p.len() < KEEP {
            p.push(v);
        }
        c.set(p);
    });
}

/// An empty vector, possibly with capacity from earlier use.
pub fn take_i64() -> Vec<i64> {
    take(&I64)
}

pub fn give_i64(v: Vec<i64>) {
    give(&I64, v, MAX_CAP);
}

/// An empty byte vector, possibly with capacity from earlier use.
pub fn take_u8() -> Vec<u8> {
    take(&U8)
}

pub fn give_u8(v: Vec<u8>) {
    give(&U8, v, MAX_CAP * 8);
}

/// Counters, all zero, at least `len` of them: for histograms, which then
/// touch only the counters of the values they see. Clearing a fresh one
/// cost more than counting a block of 4096 values (32 KiB for an entropy
/// summary).
pub fn take_zeroed_u32(len: usize) -> Vec<u32> {
    let mut v = take(&ZEROED_U32);
    if v.len() < len {
        v.resize(len, 0);
    }
    v
}

/// Gives back counters from [`take_zeroed_u32`]; the caller has set every
/// counter it touched back to zero (kept only up to 2^16 counters).
pub fn give_zeroed_u32(v: Vec<u32>) {
    debug_assert!(v.iter().all(|&c| c == 0), "counters given back not zeroed");
    if v.len() > 1 << 16 {
        return;
    }
    ZEROED_U32.with(|c| {
        let mut p = c.take();
        if p.len() < KEEP {
            p.push(v);
        }
        c.set(p);
    });
}
