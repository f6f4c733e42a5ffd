//! Versions: of the header a program was compiled against
//! (`NTS_VERSION_*`) and of the library it runs with (`nts_version`).

use std::ffi::c_char;

use super::boundary::call_value;

/// Major version of this header; `nts_version()` reports the library's.
#[allow(dead_code, reason = "for C only: cbindgen writes it into the header")]
pub const NTS_VERSION_MAJOR: u32 = 0;
/// Minor version of this header.
#[allow(dead_code, reason = "for C only: cbindgen writes it into the header")]
pub const NTS_VERSION_MINOR: u32 = 1;
/// Patch version of this header.
#[allow(dead_code, reason = "for C only: cbindgen writes it into the header")]
pub const NTS_VERSION_PATCH: u32 = 0;

/// The library's version, e.g. `"0.1.0"` (compare with
/// `NTS_VERSION_MAJOR/MINOR/PATCH` of the header you compiled against).
/// Static storage; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nts_version() -> *const c_char {
    call_value("nts_version", c"".as_ptr(), || concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_version_matches_cargo() {
        assert_eq!(NTS_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(NTS_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(NTS_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    }
}
