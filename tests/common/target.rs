//! The target a test binary was built for, and how to run programs built
//! for it: directly on the host, or through cargo's runner (`qemu-aarch64
//! -L /usr/aarch64-linux-gnu`, say) when `cargo test --target <triple>`
//! cross-compiled the tests.
//!
//! Cargo does not tell a test binary its target triple or runner, and
//! `build.rs` does not export them, so both are derived here:
//! - the triple from where cargo put the binary: `<target-dir>/<profile>/deps`
//!   for a host build, `<target-dir>/<triple>/<profile>/deps` for a build
//!   with `--target` (checked against the architecture the binary was
//!   compiled for, so a directory can never be mistaken for a triple);
//! - the runner from `CARGO_TARGET_<TRIPLE>_RUNNER`, which the caller of
//!   `cargo test` set and cargo passes on to the binary's environment. A
//!   runner set only in a cargo config file is invisible here: such a run
//!   needs binfmt_misc to start children (`scripts/cross-tests.sh` uses the
//!   environment variables).
//!
//! Included by `tests/common/mod.rs` and by `tests/c/build_support.rs`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `<target-dir>/[<triple>/]<profile>` of this test binary.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary lives in <target>/[<triple>/]<profile>/deps")
        .to_path_buf()
}

/// The target triple this binary was built for with `--target`, or `None`
/// for a host build (no triple directory).
pub fn triple() -> Option<String> {
    let dir = profile_dir();
    let name = dir.parent()?.file_name()?.to_str()?;
    if !looks_like_triple(name) {
        return None;
    }
    assert!(
        arch_matches(name),
        "{name} (from the test binary's path {}) looks like a target triple but this binary was \
         compiled for {}",
        dir.display(),
        std::env::consts::ARCH
    );
    Some(name.to_owned())
}

/// `<arch>-<vendor>-<os>[-<env>]`, with this binary's OS in it: `target`,
/// `my-build` or `cargo-target` are not triples.
fn looks_like_triple(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3 && parts[1..].contains(&std::env::consts::OS)
}

/// Whether the triple's architecture field is the one this binary was
/// compiled for (`armv7`, `thumbv7neon`, ... for `arm`).
fn arch_matches(triple: &str) -> bool {
    let field = triple.split('-').next().unwrap_or("");
    match std::env::consts::ARCH {
        "arm" => field.starts_with("arm") || field.starts_with("thumb"),
        "x86" => matches!(field, "i386" | "i586" | "i686"),
        "riscv64" => field.starts_with("riscv64"),
        "powerpc64" => field.starts_with("powerpc64"),
        arch => field == arch,
    }
}

/// The name of cargo's per-target environment variables for `triple`:
/// `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_<suffix>`.
pub fn cargo_target_var(triple: &str, suffix: &str) -> String {
    format!("CARGO_TARGET_{}_{suffix}", triple.to_uppercase().replace(['-', '.'], "_"))
}

/// The runner cargo ran this binary with (split on whitespace, as cargo
/// splits it), if this is a `--target` build and one is set.
pub fn runner() -> Option<Vec<String>> {
    let var = cargo_target_var(&triple()?, "RUNNER");
    let value = std::env::var(var).ok()?;
    let words: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

/// Whether this binary runs under an emulator (a `qemu-*` runner): slow
/// enough that tests sized for native speed scale their workload down,
/// while still asserting that the paths they test were taken.
pub fn under_emulation() -> bool {
    runner().is_some_and(|r| {
        Path::new(&r[0]).file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("qemu-"))
    })
}

/// `native` on the host, `emulated` under an emulator, at least 1.
pub fn scaled(native: u64, emulated: u64) -> u64 {
    if under_emulation() { emulated.max(1) } else { native }
}

/// A command that runs `exe`, a program built for this binary's target:
/// through the runner when there is one, else directly.
pub fn command(exe: &Path) -> Command {
    match runner() {
        Some(r) => {
            let mut cmd = Command::new(&r[0]);
            cmd.args(&r[1..]).arg(exe);
            cmd
        }
        None => Command::new(exe),
    }
}

/// The GNU triple of Debian's cross toolchain for a Rust triple:
/// `aarch64-unknown-linux-gnu` -> `aarch64-linux-gnu`,
/// `armv7-unknown-linux-gnueabihf` -> `arm-linux-gnueabihf`.
pub fn gnu_triple(triple: &str) -> String {
    let mut parts: Vec<&str> = triple.split('-').collect();
    if parts.len() == 4 && parts[1] == "unknown" {
        parts.remove(1);
    }
    if parts[0].starts_with("armv") || parts[0].starts_with("thumbv") {
        parts[0] = "arm";
    }
    parts.join("-")
}

/// The C compiler for this binary's target: for a `--target` build
/// `CC_<triple>` (either spelling the `cc` crate reads), else
/// `<gnu-triple>-gcc`; for a host build `$CC`, else `cc`.
pub fn c_compiler() -> String {
    match triple() {
        Some(t) => std::env::var(format!("CC_{t}"))
            .or_else(|_| std::env::var(format!("CC_{}", t.replace('-', "_"))))
            .unwrap_or_else(|_| format!("{}-gcc", gnu_triple(&t))),
        None => std::env::var("CC").unwrap_or_else(|_| "cc".into()),
    }
}

/// A binutils tool (`nm`, `readelf`) that reads this target's objects:
/// `<gnu-triple>-<tool>` for a `--target` build, else `<tool>`.
pub fn binutil(tool: &str) -> String {
    match triple() {
        Some(t) => format!("{}-{tool}", gnu_triple(&t)),
        None => tool.to_owned(),
    }
}

/// ELF `e_machine` of this binary's architecture, where known.
fn expected_machine() -> Option<u16> {
    Some(match std::env::consts::ARCH {
        "x86" => 3,
        "mips" | "mips64" => 8,
        "powerpc" => 20,
        "powerpc64" => 21,
        "s390x" => 22,
        "arm" => 40,
        "x86_64" => 62,
        "aarch64" => 183,
        "riscv32" | "riscv64" => 243,
        "loongarch64" => 258,
        _ => return None,
    })
}

/// (class: 1 = 32-bit, 2 = 64-bit; little-endian?; e_machine) of an ELF file.
pub fn elf_identity(path: &Path) -> (u8, bool, u16) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert!(bytes.len() >= 20 && bytes[..4] == *b"\x7fELF", "{} is not an ELF file", path.display());
    let little = match bytes[5] {
        1 => true,
        2 => false,
        d => panic!("{}: bad ELF data encoding {d}", path.display()),
    };
    let m = [bytes[18], bytes[19]];
    let machine = if little { u16::from_le_bytes(m) } else { u16::from_be_bytes(m) };
    (bytes[4], little, machine)
}

/// Panics unless `path` is an ELF object for the architecture this test
/// binary was compiled for: a cross run must never quietly build and test
/// host code (x86-64 is e_machine 62, AArch64 183, 32-bit ARM 40).
pub fn assert_elf_for_this_target(path: &Path) {
    let (class, little, machine) = elf_identity(path);
    let want_class = if cfg!(target_pointer_width = "64") { 2 } else { 1 };
    let arch = std::env::consts::ARCH;
    assert_eq!(
        class,
        want_class,
        "{}: ELF class {class}, but the target {arch} wants {want_class}",
        path.display()
    );
    assert_eq!(little, cfg!(target_endian = "little"), "{}: wrong byte order for {arch}", path.display());
    match expected_machine() {
        Some(want) => {
            assert_eq!(
                machine,
                want,
                "{}: ELF e_machine {machine}, but the target {arch} is {want}",
                path.display()
            )
        }
        None => println!(
            "note: no ELF e_machine known for {arch}; {} checked for class and byte order only",
            path.display()
        ),
    }
}
