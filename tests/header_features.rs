//! The header's feature gates match the library. A C program built
//! against a library without a cargo feature (and with the
//! `NTS_NO_<FEATURE>` define that CMake's targets and nanots.pc carry) must
//! fail at compile time when it calls one of the feature's functions, not at
//! link time; and with the defines of this build, the header declares
//! exactly the functions the library exports.
//!
//! Needs a C compiler and `nm` for the tested target (`$CC`, else `cc`, and
//! `nm` on the host; the cross tools under `cargo test --target`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "c/build_support.rs"]
mod build_support;

use build_support::{FEATURES, build_libraries, c_feature_defines, target};

/// The C compiler for the tested target (the host's, or the cross
/// compiler under `cargo test --target`).
fn cc() -> String {
    target::c_compiler()
}

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// The function name declared on a header line, if any (`nts_status
/// nts_exec_sql(nts_db *db,` -> `nts_exec_sql`).
fn declared_function(line: &str) -> Option<&str> {
    if line.starts_with([' ', '/', '#', '}']) {
        return None;
    }
    let open = line.find('(')?;
    let name = line[..open].rsplit([' ', '*']).next()?;
    name.starts_with("nts_").then_some(name)
}

/// Each function of the committed header declared inside a feature block
/// (`#if defined(NTS_X)` / `#if (defined(NTS_X) && defined(NTS_Y))`),
/// with the macros of its block.
fn gated_functions() -> BTreeMap<String, Vec<String>> {
    let header = std::fs::read_to_string(include_dir().join("nanots.h")).unwrap();
    let mut out = BTreeMap::new();
    let mut block: Option<Vec<String>> = None;
    for line in header.lines() {
        if let Some(cond) =
            line.strip_prefix("#if ").filter(|c| c.trim_start_matches('(').starts_with("defined("))
        {
            let macros = cond
                .split("defined(")
                .skip(1)
                .map(|s| s.split(')').next().unwrap().to_owned())
                .collect::<Vec<_>>();
            block = Some(macros);
        } else if line.starts_with("#endif") {
            block = None;
        } else if let (Some(macros), Some(name)) = (&block, declared_function(line)) {
            out.insert(name.to_owned(), macros.clone());
        }
    }
    out
}

fn compile(source: &str, defines: &[String]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("probe.c");
    std::fs::write(&src, source).unwrap();
    // No -Werror: the point is that the error does not depend on warnings
    // being errors (GCC before 14 only warns about implicit declarations).
    Command::new(cc())
        .args(["-std=c11", "-c", "-o"])
        .arg(dir.path().join("probe.o"))
        .arg("-I")
        .arg(include_dir())
        .args(defines)
        .arg(&src)
        .output()
        .expect("running the C compiler")
}

#[test]
fn every_feature_has_its_macro_and_functions() {
    let gated = gated_functions();
    let macros: BTreeSet<String> = gated.values().flatten().cloned().collect();
    let expected: BTreeSet<String> =
        FEATURES.iter().filter_map(|f| f.1).map(|m| format!("NTS_{m}")).collect();
    assert_eq!(macros, expected, "feature macros of the header vs tests/c/build_support.rs: {gated:?}");
    // The blocks as src/ffi declares them.
    assert_eq!(gated["nts_exec_sql"], ["NTS_SQL"]);
    assert_eq!(gated["nts_maintenance_status"], ["NTS_MAINTENANCE"]);
    assert_eq!(gated["nts_query_range_arrow"], ["NTS_ARROW"]);
    assert_eq!(gated["nts_query_aggregate_stream"], ["NTS_ARROW", "NTS_AGGREGATE"]);
    assert!(!gated.contains_key("nts_open") && !gated.contains_key("nts_pack_table"), "{gated:?}");
}

#[test]
fn calling_a_function_of_a_feature_left_out_does_not_compile() {
    let gated = gated_functions();
    // With every feature (the header's default), each function is declared.
    let mut uses = String::from("#include \"nanots.h\"\nint main(void) {\n");
    for f in gated.keys() {
        uses.push_str(&format!("  (void)&{f};\n"));
    }
    uses.push_str("  return 0;\n}\n");
    let out = compile(&uses, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    for (_, mac, _) in FEATURES {
        let Some(mac) = mac else { continue };
        let hidden: Vec<&String> = gated
            .iter()
            .filter(|(_, m)| m.iter().any(|m| m == &format!("NTS_{mac}")))
            .map(|(f, _)| f)
            .collect();
        assert!(!hidden.is_empty(), "no function is gated by NTS_{mac}");
        let mut calls = String::from("#include \"nanots.h\"\nint main(void) {\n");
        for f in &hidden {
            calls.push_str(&format!("  {f}();\n"));
        }
        calls.push_str("  return 0;\n}\n");
        let out = compile(&calls, &[format!("-DNTS_NO_{mac}")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "NTS_NO_{mac}: calls to {hidden:?} compiled");
        for f in &hidden {
            assert!(
                stderr.contains(&format!("poisoned \"{f}\"")),
                "NTS_NO_{mac}: {f} is not poisoned:\n{stderr}"
            );
        }
        // The other functions stay usable.
        let out = compile(
            "#include \"nanots.h\"\nint main(void) { return (int)nts_flush(0); }\n",
            &[format!("-DNTS_NO_{mac}")],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn with_this_builds_defines_the_header_declares_exactly_the_exports() {
    let libdir = build_libraries();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("all.c");
    std::fs::write(&src, "#include \"nanots.h\"\n").unwrap();
    let out = Command::new(cc())
        .args(["-std=c11", "-E", "-P", "-I"])
        .arg(include_dir())
        .args(c_feature_defines())
        .arg(&src)
        .output()
        .expect("running the C preprocessor");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let declared: BTreeSet<String> = text.lines().filter_map(declared_function).map(str::to_owned).collect();
    assert!(declared.contains("nts_open"), "{declared:?}");

    // The target's nm under `cargo test --target` (host nm reads only host
    // objects).
    let out = Command::new(target::binutil("nm"))
        .args(["-D", "--defined-only"])
        .arg(libdir.join("libnanots.so"))
        .output()
        .expect("running nm");
    assert!(out.status.success());
    let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, kind, name) = (f.next()?, f.next()?, f.next()?);
            (kind == "T").then(|| name.to_owned())
        })
        .collect();
    assert_eq!(
        declared,
        exported,
        "declared by nanots.h with {:?} vs exported by {}",
        c_feature_defines(),
        libdir.join("libnanots.so").display()
    );
}
