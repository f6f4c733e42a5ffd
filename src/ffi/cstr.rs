//! Rust text made into C strings: every string the library hands to C
//! (names, messages, problem texts) is made by [`c_string`].

use std::borrow::Cow;
use std::ffi::CString;

/// What a NUL byte inside a Rust string becomes in the C string made of it.
const NUL_REPLACEMENT: &str = "?";

/// `s` with every NUL byte replaced by `?` (one byte for one, so lengths
/// and char boundaries stay put). A C string ends at its first NUL, so an
/// interior NUL would silently cut the text short; the engine never lets
/// one into a table or column name, but a message could carry one.
pub(super) fn without_nuls(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', NUL_REPLACEMENT)) } else { Cow::Borrowed(s) }
}

/// `s` as a C string, interior NUL bytes replaced by `?` (see
/// [`without_nuls`]): every string the library hands to C is made here, so
/// the conversion never fails and never cuts the text short.
pub(super) fn c_string(s: &str) -> CString {
    // Cannot fail (no NUL is left); an empty string rather than a panic
    // anyway, since this runs on error paths too.
    CString::new(without_nuls(s).into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nuls_become_question_marks_and_nothing_else_changes() {
        assert_eq!(c_string("a\0b\0").as_bytes(), b"a?b?");
        assert_eq!(c_string("").as_bytes(), b"");
        assert_eq!(c_string("température").to_str().unwrap(), "température");
        assert!(matches!(without_nuls("no nul"), Cow::Borrowed("no nul")));
        assert_eq!(without_nuls("\0é").len(), "\0é".len());
    }
}
