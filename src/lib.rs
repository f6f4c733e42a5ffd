//! NanoTS: an embeddable, append-only, single-file time-series store.

pub mod codec;
