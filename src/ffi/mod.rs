//! The C ABI: `extern "C"` functions over [`crate::NanoTsDb`], declared in
//! `include/nanots.h` (generated from this module by cbindgen; see
//! `scripts/gen-header.sh`).
//!
//! This layer is pure translation: it checks pointers, converts C strings,
//! slices and structs into Rust values, calls the public Rust API and maps
//! its [`crate::Error`] onto an `nts_status`. No engine logic lives here.
//!
//! The module is private (Rust users see the Rust API, not `nts_*`; the
//! `#[no_mangle]` symbols are exported from the cdylib and staticlib all the
//! same), and it is a client of the public API only: code here names
//! nothing but what `lib.rs` makes public, plus the private Arrow export
//! (`crate::arrow`), never a path into another private module. The test
//! below checks the paths; see SPEC.md, 10. "The C ABI".
//!
//! Conventions, enforced by the helpers in [`boundary`], [`args`],
//! [`versioned`] and [`cstr`]:
//! - every exported symbol starts with `nts_` (types `nts_*`, macros `NTS_*`);
//! - every exported function body runs inside one panic boundary
//!   ([`boundary::call`] / [`boundary::call_value`]): a Rust panic becomes
//!   `NTS_ERR_PANIC`, never an unwind into C;
//! - pointers are checked (NULL, alignment, length overflow) before use;
//! - a failed call stores its message for [`boundary::nts_last_error`]
//!   (thread-local);
//! - versioned structs (`struct_size` first) are read and written only
//!   through [`versioned`], which touches the bytes both versions share;
//! - every C string made from Rust text (names, messages, problem texts)
//!   is made by [`cstr::c_string`], which replaces interior NUL bytes
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
mod args;
mod cstr;
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

#[cfg(all(feature = "arrow", feature = "aggregate"))]
mod aggregate_api;

mod boundary;

mod status;

mod durability;

mod maintenance;

#[cfg(feature = "sql")]
mod sql;

#[cfg(feature = "maintenance")]
mod background;

mod read_only;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The first path segment after each `crate::` in `text` (each item of a
    /// `crate::{...}` group).
    fn crate_paths(text: &str) -> Vec<String> {
        let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
        let mut out = Vec::new();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut start) = (0, 0);
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.push(ident(group[start..j].trim()));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(ident(group[start..j].trim()));
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                out.push(ident(rest));
            }
        }
        out.retain(|p| !p.is_empty());
        out
    }

    /// The rule of SPEC.md, 10. "The C ABI": `ffi/` uses only what
    /// `lib.rs` makes public (its re-exports and public modules), plus the
    /// private Arrow export; never a path into a private module.
    #[test]
    fn ffi_reaches_the_engine_only_through_the_public_api() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let private: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
            .filter(|m| !["arrow", "ffi"].contains(m))
            .collect();
        assert!(private.contains(&"db") && private.contains(&"query"), "{private:?}");
        let mut files = 0;
        for entry in std::fs::read_dir(src.join("ffi")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for first in crate_paths(&text) {
                assert!(
                    !private.contains(&first.as_str()),
                    "{} uses crate::{first}::..., a private module: use (or add) a re-export in lib.rs",
                    path.display()
                );
            }
            files += 1;
        }
        assert!(files >= 10, "{files} files in src/ffi");
        // Spelled so that this file does not trip its own check.
        let c = "crate";
        assert_eq!(
            crate_paths(&format!("use {c}::{{Agg, db::x::Y, query::{{a, b}}}};")),
            ["Agg", "db", "query"]
        );
        assert_eq!(crate_paths(&format!("{c}::table::TS_COLUMN, {c}::Error")), ["table", "Error"]);
    }
}
