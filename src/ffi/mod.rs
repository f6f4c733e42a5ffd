//! The C ABI: `extern "C"` functions over [`crate::NanoTsDb`], declared in
//! `include/nanots.h` (generated from this module by cbindgen; see
//! `scripts/gen-header.sh`).
//!
//! This layer is pure translation: it checks pointers, converts C strings,
//! slices and structs into Rust values, calls the public Rust API and maps
//! its [`crate::Error`] onto an `nts_status`. No engine logic lives here.
//!
//! Conventions, enforced by the helpers in [`boundary`], [`args`],
//! [`versioned`] and [`strings`]:
//! - every exported symbol starts with `nts_` (types `nts_*`, macros `NTS_*`);
//! - every exported function body runs inside one panic boundary
//!   ([`boundary::call`] / [`boundary::call_value`]): a Rust panic becomes
//!   `NTS_ERR_PANIC`, never an unwind into C;
//! - pointers are checked (NULL, alignment, length overflow) before use;
//! - a failed call stores its message for [`nts_last_error`] (thread-local);
//! - versioned structs (`struct_size` first) are read and written only
//!   through [`versioned`], which touches the bytes both versions share;
//! - every C string made from Rust text (names, messages, problem texts)
//!   is made by [`strings::c_string`], which replaces interior NUL bytes
//!   by `?` (the Arrow export names its fields itself, from column names,
//!   which never hold a NUL);
//! - everything the library allocates has exactly one matching `nts_*_free`
//!   (or an Arrow `release` callback).
//!
//! Handles: an `nts_db *` is an opaque token, never dereferenced. A global
//! registry maps live tokens to `Arc<NanoTsDb>`; every call looks its token
//! up, so a closed (or never-opened) handle gives `NTS_ERR_CLOSED` instead of
//! a use-after-free, and `nts_close` racing with calls on other threads is
//! safe (in-flight calls keep their `Arc`; the engine then answers them
//! with `Closed`). Tokens come from a 64-bit counter and are never reused,
//! so there is no ABA problem (a stale handle can never alias a newer one).
#![allow(non_camel_case_types)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::multiple_unsafe_ops_per_block)]

// Helpers of the C layer.
pub(crate) mod args;
mod handle;
mod versioned;

// The entry points and their types, one file per object. One group per
// module so that rustfmt keeps this order: cbindgen follows it, so it is
// the order of the header.
mod version;

mod options;

mod db;

mod tables;

mod append;

mod result;

mod strings;

mod stats;

#[cfg(feature = "arrow")]
mod arrow_api;

pub(crate) mod boundary;

mod status;

mod durability;

mod maintenance;

mod read_only;

pub use append::*;
#[cfg(feature = "arrow")]
pub use arrow_api::*;
pub use boundary::{nts_last_error, nts_status_str};
pub use db::*;
pub use durability::*;
pub use handle::nts_db;
pub use maintenance::*;
pub use options::*;
pub use read_only::*;
pub use result::*;
pub use stats::*;
pub use status::*;
pub use strings::*;
pub use tables::*;
pub use version::*;
