//! Column codecs: pure functions over slices.
//!
//! Every codec has a stable one-byte id that is written into each segment
//! (see SPEC.md §4, "Codecs"). Ids are never reused: a file written with any
//! id this library ever produced stays readable forever.
//!
//! Contract shared by every decoder:
//! - it appends exactly `n` values to `out` or returns an error;
//! - it never panics, loops without progress, or allocates more than about
//!   `2n` values plus a constant (split and pco keep one `n`-sized scratch
//!   buffer besides the output), whatever bytes it is handed;
//! - `n` is bounded by the caller (the segment header's row count).
//!
//! # Codec ids (see [`id`])
//!
//! SPEC.md §4 "Codecs" specifies the bytes of every codec, one subsection
//! each; the code of each is one file:
//!
//! | id | name           | file           | SPEC.md |
//! |----|----------------|----------------|---------|
//! | 1  | `plain`        | `plain.rs`     | §4.4    |
//! | 2  | `gorilla`      | `gorilla.rs`   | §4.5    |
//! | 3  | `integer`      | `integer.rs`   | §4.6    |
//! | 4  | `decimal`      | `decimal.rs`   | §4.7    |
//! | 5  | `constant`     | `constant.rs`  | §4.8    |
//! | 6  | `rle`          | `rle.rs`       | §4.9    |
//! | 7  | `pco`          | `pco.rs` (feature `pco`) | §4.10 |
//! | 8  | `ts-delta-for` | `timestamp.rs` | §4.11   |
//! | 9  | `dict`         | `dict.rs`      | §4.12   |
//! | 10 | `float-int`    | `floatint.rs`  | §4.13   |
//! | 11 | `split`        | `split.rs`     | §4.14   |
//! | 12 | `affine`       | `affine.rs`    | §4.16   |
//! | 13 | `ts-period`    | `ts_period.rs` | §4.17   |
//! | 14 | `dict-entropy` | `dict_entropy.rs` (built by `dict.rs`) | §4.18 |
//! | 15 | `decimal-entropy` | `decimal_entropy.rs` | §4.19 |
//! | 16 | `decimal-ulp`  | `decimal_ulp.rs` | §4.20 |
//! | 32 | `dict-shared`  | `dict.rs`      | §4.21   |
//! | 33 | `dict-shared-entropy` | `dict_entropy.rs` | §4.21 |
//!
//! `encode_timestamps` writes the smaller of 8 and 13, or 1 when that is
//! smaller still (e.g. random order; and for n = 0, which is 0 bytes). `encode_values` writes 1 for
//! n = 0 (0 bytes) and otherwise the smallest candidate (see `choose.rs`,
//! SPEC.md §4.15). The shared building blocks (LSB-first bit streams,
//! varints, the FOR block with exceptions, the *integer stream* and the
//! *entropy stream*, SPEC.md §4.1 to §4.3a) are in `bits/`.

mod affine;
mod bits;
mod choose;
mod constant;
mod decimal;
mod decimal_entropy;
mod decimal_ulp;
mod dict;
mod dict_entropy;
mod floatint;
mod gorilla;
mod integer;
mod pco;
mod plain;
mod rle;
mod split;
mod timestamp;
mod ts_period;

use std::fmt;

/// Stable on-disk codec ids. See SPEC.md §4 for each byte layout.
pub mod id {
    /// Little-endian 8-byte values, one after another (i64 or f64 bits).
    pub const PLAIN: u8 = 1;
    /// Facebook Gorilla XOR float compression (`gorilla.rs`).
    pub const GORILLA: u8 = 2;
    /// Floats that are all integral (not -0.0, within +-2^53) as an integer
    /// stream: FOR or delta + FOR bit-packing (`integer.rs`).
    pub const INTEGER: u8 = 3;
    /// Decimal-scaled floats (ALP's idea): `i / 10^e` with verbatim
    /// exceptions, integers as an integer stream (`decimal.rs`).
    pub const DECIMAL: u8 = 4;
    /// All values bit-identical: the 8 bytes of one value (`constant.rs`).
    pub const CONSTANT: u8 = 5;
    /// Run-length encoding: (varint length, 8-byte value) runs (`rle.rs`).
    pub const RLE: u8 = 6;
    /// The `pco` crate's standalone format, cold tier (`pco.rs`; needs the
    /// `pco` cargo feature to decode).
    pub const PCO: u8 = 7;
    /// Timestamps: delta + frame-of-reference bit-packing in blocks of 1024
    /// with exceptions (`timestamp.rs`).
    pub const TS_DELTA_FOR: u8 = 8;
    /// Dictionary: sorted distinct values (themselves encoded by another
    /// value codec) plus an integer stream of indices (`dict.rs`).
    pub const DICT: u8 = 9;
    /// Float bit patterns mapped to order-preserving i64, as an integer
    /// stream (`floatint.rs`): for high-precision data.
    pub const FLOAT_INT: u8 = 10;
    /// ALP_rd-style split: frequency-ranked dictionary of the high bits
    /// plus bit-packed low bits (`split.rs`): for high-precision data.
    pub const SPLIT: u8 = 11;
    /// Affine decimal: `base + k * 10^-e` evaluated in floating point, the
    /// counters as an integer stream (`affine.rs`).
    pub const AFFINE: u8 = 12;
    /// Timestamps: differences in units of their GCD, as residuals from
    /// the dominant period in an entropy stream (`ts_period.rs`).
    pub const TS_PERIOD: u8 = 13;
    /// Dictionary as in `DICT`, the indices (or their differences) in an
    /// entropy stream (`dict_entropy.rs`).
    pub const DICT_ENTROPY: u8 = 14;
    /// Decimal-scaled (or integral) values as in `DECIMAL`, the integers
    /// in an entropy stream (`decimal_entropy.rs`).
    pub const DECIMAL_ENTROPY: u8 = 15;
    /// Decimals a few ulps off (arithmetic noise): as `DECIMAL_ENTROPY`
    /// plus an entropy stream of bit-pattern differences (`decimal_ulp.rs`).
    pub const DECIMAL_ULP: u8 = 16;
    /// Indices into a dictionary shared by the blocks of one segment column
    /// (blocked layout, SPEC.md §3.2.1), as an integer stream (`dict.rs`);
    /// decodable only with that dictionary.
    pub const DICT_SHARED: u8 = 32;
    /// As `DICT_SHARED`, the indices (or their differences) in an entropy
    /// stream as in `DICT_ENTROPY` (`dict_entropy.rs`).
    pub const DICT_SHARED_ENTROPY: u8 = 33;
}

/// A decoder found bytes it cannot interpret. The segment reader turns this
/// into `Error::Corrupt` with the file offset of the segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

pub(crate) fn codec_err(msg: impl Into<String>) -> CodecError {
    CodecError(msg.into())
}

/// How hard the value encoder tries. `Hot` is the flush path, and the
/// segments a rewrite re-encodes because a delete or retention reached them
/// (fast); `Cold` is `pack_table` (smallest output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fast: flush, and segments re-encoded by a delete or retention.
    Hot,
    /// Smallest output: `pack_table`.
    Cold,
}

/// Encodes timestamps (any order, though sorted input compresses best),
/// appending the encoded bytes to `out`. Returns the codec id used.
pub fn encode_timestamps(ts: &[i64], out: &mut Vec<u8>) -> u8 {
    let start = out.len();
    if ts.is_empty() {
        return id::PLAIN;
    }
    let mut periodic = bits::pool::take_u8();
    // ts-delta-for of n >= 1024 strictly increasing timestamps takes at
    // least 9 bytes plus 3 per block of differences (about 1000 bytes per
    // block in FOR mode): a regular series whose ts-period chunk is smaller
    // than that skips encoding it
    if ts.len() >= 1024
        && ts_period::encode_regular(ts, &mut periodic)
        && periodic.len() < 9 + 3 * (ts.len() - 1).div_ceil(1024)
    {
        out.extend_from_slice(&periodic);
        bits::pool::give_u8(periodic);
        return id::TS_PERIOD;
    }
    periodic.clear();
    ts_period::encode(ts, &mut periodic);
    timestamp::encode(ts, out);
    let for_len = out.len() - start;
    let codec = if periodic.len() < for_len.min(ts.len() * 8) {
        out.truncate(start);
        out.extend_from_slice(&periodic);
        id::TS_PERIOD
    } else if for_len > ts.len() * 8 {
        out.truncate(start);
        plain::encode_i64(ts, out);
        id::PLAIN
    } else {
        id::TS_DELTA_FOR
    };
    bits::pool::give_u8(periodic);
    codec
}

/// Decodes `n` timestamps written by `encode_timestamps` with codec `codec`,
/// appending them to `out`.
pub fn decode_timestamps(codec: u8, data: &[u8], n: usize, out: &mut Vec<i64>) -> Result<(), CodecError> {
    match codec {
        id::PLAIN => plain::decode_i64(data, n, out),
        id::TS_DELTA_FOR => timestamp::decode(data, n, out),
        id::TS_PERIOD => ts_period::decode(data, n, out),
        other => Err(codec_err(format!("unknown timestamp codec id {other}"))),
    }
}

/// `(first, step)` of `n` timestamps coded with `codec` when the chunk
/// says they are one regular run (only `ts-period` says so), without
/// producing them; `None` otherwise, a damaged chunk included.
#[cfg(feature = "aggregate")] // only aggregation skips decoding timestamps
pub fn regular_timestamps(codec: u8, data: &[u8], n: usize) -> Option<(i64, i64)> {
    match codec {
        id::TS_PERIOD => ts_period::regular(data, n),
        _ => None,
    }
}

/// Encodes `values` losslessly (bit-exact, NaN payloads included), appending
/// the bytes to `out`. Returns the codec id chosen.
pub fn encode_values(values: &[f64], level: Level, out: &mut Vec<u8>) -> u8 {
    choose::encode_values(values, level, out)
}

/// Encodes `values` with one specific codec, for tests, benchmarks and
/// tools. Returns false (appending nothing) if that codec cannot represent
/// the values (e.g. integer with a fraction) or is not compiled in.
pub fn encode_values_as(codec: u8, values: &[f64], out: &mut Vec<u8>) -> bool {
    match codec {
        id::PLAIN => plain::encode_f64(values, out),
        id::GORILLA => gorilla::encode(values, out),
        id::INTEGER => match integer::as_integers(values) {
            Some(ints) => integer::encode_ints(&ints, out),
            None => return false,
        },
        id::DECIMAL => return decimal::encode(values, out),
        id::DECIMAL_ULP => return decimal_ulp::encode(values, out),
        id::DECIMAL_ENTROPY => match integer::as_integers(values) {
            Some(ints) => decimal_entropy::encode_scaled(values, 0, &ints, &[], out),
            None => {
                let Some(e) = decimal::choose_exponent(values) else { return false };
                return decimal_entropy::encode_with(values, e, out);
            }
        },
        id::CONSTANT => match constant::common_bits(values) {
            Some(b) => constant::encode(b, out),
            None => return false,
        },
        id::RLE => rle::encode(values, out),
        id::DICT | id::DICT_ENTROPY => {
            return dict::encode_only(values, Level::Hot, choose::encode_values_no_dict, Some(codec), out)
                .is_some();
        }
        id::FLOAT_INT => floatint::encode(values, out),
        id::SPLIT => {
            let Some((p, _)) = split::choose(&values[..values.len().min(1024)]) else {
                return false;
            };
            return split::encode_with(values, p, out);
        }
        id::AFFINE => {
            let Some(e) = decimal::choose_exponent(values) else { return false };
            return affine::encode_with(values, e, out);
        }
        #[cfg(feature = "pco")]
        id::PCO => return pco::encode(values, out),
        _ => return false,
    }
    true
}

/// What a codec picks from the values before encoding them (a decimal
/// exponent, a split point), picked once from a sample by [`tune`] and
/// reused for many chunks of the same column by [`encode_values_tuned`]:
/// the blocks of a segment (picking per block would cost more than the
/// encoding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    codec: u8,
    param: Option<u32>,
    /// Affine's base.
    base: f64,
}

impl Tuning {
    /// The codec id this tuning encodes with.
    pub fn codec(&self) -> u8 {
        self.codec
    }
}

/// Picks codec `codec`'s parameters from `sample`; `first` is the first
/// value of the column the sample comes from (affine's base).
pub fn tune(codec: u8, sample: &[f64], first: f64) -> Tuning {
    let param = match codec {
        id::DECIMAL | id::AFFINE => decimal::choose_exponent(sample).map(u32::from),
        id::DECIMAL_ENTROPY => match integer::as_integers(sample) {
            Some(_) => Some(0),
            None => decimal::choose_exponent(sample).map(u32::from),
        },
        id::SPLIT => split::choose(&sample[..sample.len().min(1024)]).map(|(p, _)| p),
        _ => None,
    };
    Tuning { codec, param, base: first }
}

/// Encodes `values` with the codec and parameters of `tuning`; like
/// [`encode_values_as`], false (nothing appended) if they cannot be
/// represented that way.
pub fn encode_values_tuned(tuning: &Tuning, values: &[f64], out: &mut Vec<u8>) -> bool {
    match (tuning.codec, tuning.param) {
        (id::DECIMAL, Some(e)) => decimal::encode_with(values, e as u8, out),
        (id::DECIMAL_ENTROPY, Some(e)) => {
            decimal_entropy::encode_tuned(values, e as u8, out)
                || encode_values_as(id::DECIMAL_ENTROPY, values, out)
        }
        (id::AFFINE, Some(e)) => affine::encode_with_base(values, e as u8, tuning.base, out),
        (id::SPLIT, Some(p)) => split::encode_with(values, p, out),
        (id::DECIMAL | id::AFFINE | id::SPLIT, None) => false,
        (codec, _) => encode_values_as(codec, values, out),
    }
}

/// Frees the scratch buffers the encoders keep per thread to avoid
/// re-allocating on every flush (at most 48 MiB per thread; call this from a
/// thread that is done encoding for a while).
pub fn release_scratch_buffers() {
    bits::pool::release();
}

/// A dictionary shared by the blocks of a segment column: the dictionary
/// bytes (the column's *prelude*, SPEC.md §3.2.1) appended to `prelude`,
/// and each value's index, or None if the column has too many distinct
/// values for a dictionary (then nothing is written).
pub fn encode_shared_dict(values: &[f64], level: Level, prelude: &mut Vec<u8>) -> Option<Vec<i64>> {
    dict::encode_shared(values, level, choose::encode_values_no_dict, prelude)
}

/// A rough size in bytes of [`encode_shared_dict`]'s prelude and indices,
/// from one pass over `values`, or None when they clearly have too many
/// distinct values: tells whether trying it may pay.
pub fn estimate_shared_dict(values: &[f64], level: Level) -> Option<usize> {
    dict::estimate_shared(values, level)
}

/// Encodes one block's indices into its column's shared dictionary of `d`
/// values, as an integer stream or an entropy stream, whichever is smaller;
/// returns the codec id ([`id::DICT_SHARED`] or
/// [`id::DICT_SHARED_ENTROPY`]).
pub fn encode_shared_indices(idx: &[i64], d: usize, out: &mut Vec<u8>) -> u8 {
    let start = out.len();
    dict::encode_shared_indices(idx, out);
    let mut alt = Vec::new();
    dict_entropy::encode_indices(idx, d, &mut alt);
    if alt.len() < out.len() - start {
        out.truncate(start);
        out.extend_from_slice(&alt);
        return id::DICT_SHARED_ENTROPY;
    }
    id::DICT_SHARED
}

/// Decodes a column's shared dictionary (at most `max` values) from its
/// prelude.
pub fn decode_shared_dict(prelude: &[u8], max: usize) -> Result<Vec<f64>, CodecError> {
    dict::decode_shared(prelude, max)
}

/// [`decode_values`] for a chunk of a blocked segment's column, whose
/// shared dictionary (if the column has one) is `shared`.
pub fn decode_values_shared(
    codec: u8,
    data: &[u8],
    n: usize,
    shared: Option<&[f64]>,
    out: &mut Vec<f64>,
) -> Result<(), CodecError> {
    match (codec, shared) {
        (id::DICT_SHARED, Some(dict)) => dict::decode_shared_indices(data, n, dict, out),
        (id::DICT_SHARED_ENTROPY, Some(dict)) => dict_entropy::decode_shared(data, n, dict, out),
        (id::DICT_SHARED | id::DICT_SHARED_ENTROPY, None) => {
            Err(codec_err("dict-shared chunk in a column without a shared dictionary"))
        }
        _ => decode_values(codec, data, n, out),
    }
}

/// Decodes `n` values written by `encode_values` with codec `codec`,
/// appending them to `out`.
pub fn decode_values(codec: u8, data: &[u8], n: usize, out: &mut Vec<f64>) -> Result<(), CodecError> {
    match codec {
        id::PLAIN => plain::decode_f64(data, n, out),
        id::GORILLA => gorilla::decode(data, n, out),
        id::INTEGER => integer::decode(data, n, out),
        id::DECIMAL => decimal::decode(data, n, out),
        id::DECIMAL_ENTROPY => decimal_entropy::decode(data, n, out),
        id::DECIMAL_ULP => decimal_ulp::decode(data, n, out),
        id::CONSTANT => constant::decode(data, n, out),
        id::RLE => rle::decode(data, n, out),
        id::DICT => dict::decode(data, n, out),
        id::DICT_ENTROPY => dict_entropy::decode(data, n, out),
        id::FLOAT_INT => floatint::decode(data, n, out),
        id::SPLIT => split::decode(data, n, out),
        id::PCO => pco::decode(data, n, out),
        id::AFFINE => affine::decode(data, n, out),
        other => Err(codec_err(format!("unknown value codec id {other}"))),
    }
}

/// Human-readable codec name, for stats.
pub fn codec_name(codec: u8) -> &'static str {
    match codec {
        id::PLAIN => "plain",
        id::GORILLA => "gorilla",
        id::INTEGER => "integer",
        id::DECIMAL => "decimal",
        id::DECIMAL_ENTROPY => "decimal-entropy",
        id::DECIMAL_ULP => "decimal-ulp",
        id::CONSTANT => "constant",
        id::RLE => "rle",
        id::DICT => "dict",
        id::DICT_ENTROPY => "dict-entropy",
        id::FLOAT_INT => "float-int",
        id::SPLIT => "split",
        id::AFFINE => "affine",
        id::DICT_SHARED => "dict-shared",
        id::DICT_SHARED_ENTROPY => "dict-shared-entropy",
        id::PCO => "pco",
        id::TS_DELTA_FOR => "ts-delta-for",
        id::TS_PERIOD => "ts-period",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod test_support;
