//! Fuzzes the SQL parser (not the database): any bytes, read as lossy
//! UTF-8, must give `Ok` or `Err`, never a panic, and what parses must
//! render back (`Display`) to SQL that parses again.
//!
//! Run with `cargo +nightly fuzz run sql` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nanots::sql;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(stmts) = sql::parse(&text) {
        let rendered: Vec<String> = stmts.iter().map(ToString::to_string).collect();
        let again = sql::parse(&rendered.join(";")).expect("rendered SQL parses");
        assert_eq!(again.len(), stmts.len());
    }
});
