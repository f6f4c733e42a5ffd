//! CRC-32 (IEEE 802.3, reflected, polynomial `0xEDB88320`: the checksum of
//! every record and WAL frame) for the short inputs of the one-row append
//! path, where `crc32fast`'s fixed cost per call (its hasher, the CPU
//! feature check, a carry-less multiply chain sized for long inputs) is
//! most of the time.
//!
//! The checksum is computed in two steps: [`Crc32State::over`] the bytes
//! that stay the same from one call to the next (a WAL row frame's length,
//! kind and table id), kept by the caller, then [`Crc32State::finish_words`]
//! over the rest, eight bytes at a time (slicing-by-8: three dependent
//! 8-byte steps for a two-column row, against about 20 ns for
//! `crc32fast` on the whole frame). The result equals
//! `crc32fast::Hasher::new_with_initial(seed)` fed the same bytes (a unit
//! test checks it); longer inputs keep using `crc32fast`.

/// Reflected CRC-32 polynomial.
const POLY: u32 = 0xEDB8_8320;

/// Slicing-by-8 tables: `TABLES[k][b]` is the CRC state contribution of
/// byte `b` followed by `k` zero bytes. 8 KiB, built at compile time.
static TABLES: [[u32; 256]; 8] = tables();

const fn tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut s = 1;
        while s < 8 {
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][(t[s - 1][i] & 0xFF) as usize];
            s += 1;
        }
        i += 1;
    }
    t
}

/// A CRC-32 in progress: the checksum of the bytes fed so far, seeded like
/// `crc32fast::Hasher::new_with_initial(seed)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc32State(u32);

impl Crc32State {
    /// The state after `bytes`, starting from the checksum `seed` (0 for a
    /// plain CRC-32, or a WAL epoch's salt).
    pub fn over(seed: u32, bytes: &[u8]) -> Crc32State {
        let mut crc = !seed;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            crc = step8(crc, w);
        }
        for &b in words.remainder() {
            crc = (crc >> 8) ^ TABLES[0][((crc ^ u32::from(b)) & 0xFF) as usize];
        }
        Crc32State(crc)
    }

    /// The checksum of everything fed before plus `words`, whose length is
    /// a multiple of 8 bytes (a row's timestamp and values).
    ///
    /// Panics (in debug builds) if it is not; in release builds the last
    /// partial word would be left out.
    #[inline]
    pub fn finish_words(self, words: &[u8]) -> u32 {
        debug_assert!(words.len().is_multiple_of(8), "{} bytes is not whole words", words.len());
        let mut crc = self.0;
        for w in words.chunks_exact(8) {
            crc = step8(crc, w);
        }
        !crc
    }
}

/// Eight bytes (`w.len() == 8`) into the CRC state `crc`.
#[inline(always)]
fn step8(crc: u32, w: &[u8]) -> u32 {
    let x = u64::from_le_bytes(w.try_into().expect("8-byte chunk")) ^ u64::from(crc);
    let b = |i: u32| ((x >> (8 * i)) & 0xFF) as usize;
    TABLES[7][b(0)]
        ^ TABLES[6][b(1)]
        ^ TABLES[5][b(2)]
        ^ TABLES[4][b(3)]
        ^ TABLES[3][b(4)]
        ^ TABLES[2][b(5)]
        ^ TABLES[1][b(6)]
        ^ TABLES[0][b(7)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(seed: u32, bytes: &[u8]) -> u32 {
        let mut h = crc32fast::Hasher::new_with_initial(seed);
        h.update(bytes);
        h.finalize()
    }

    #[test]
    fn equals_crc32fast_for_every_split() {
        // Bytes that are not all alike, and seeds including 0 and all ones.
        let data: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for seed in [0, 1, 0x1234_5678, 0xDEAD_BEEF, u32::MAX] {
            for prefix in 0..=20 {
                for words in 0..=12 {
                    let end = prefix + 8 * words;
                    let state = Crc32State::over(seed, &data[..prefix]);
                    assert_eq!(
                        state.finish_words(&data[prefix..end]),
                        reference(seed, &data[..end]),
                        "seed {seed:#x}, prefix {prefix}, {words} words"
                    );
                }
            }
        }
    }

    #[test]
    fn known_value() {
        // The CRC-32 check value of "123456789".
        assert_eq!(Crc32State::over(0, b"123456789").finish_words(&[]), 0xCBF4_3926);
    }
}
