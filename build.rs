//! Gives the C shared library (cdylib) its SONAME on ELF platforms. The ABI
//! policy (README, CMake's `SameMinorVersion`): while the major version is
//! 0 a new minor version may break the ABI, so the SONAME carries
//! `0.<minor>` (`libnanots.so.0.1` for 0.1.x, as cargo-c names it); from
//! 1.0 on it is `libnanots.so.<major>`. Plain cargo sets none; the CMake
//! install creates the matching SONAME and `libnanots.so` symlinks.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "illumos" | "solaris"
    );
    if elf {
        let part = |name| std::env::var(name).unwrap_or_else(|_| "0".into());
        let major = part("CARGO_PKG_VERSION_MAJOR");
        let abi = if major == "0" { format!("0.{}", part("CARGO_PKG_VERSION_MINOR")) } else { major };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnanots.so.{abi}");
    }
}
