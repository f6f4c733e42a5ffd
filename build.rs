//! Gives the C shared library (cdylib) its SONAME, `libnanots.so.<major>`,
//! on ELF platforms. Plain cargo sets none; the CMake install creates the
//! matching `libnanots.so.<major>` and `libnanots.so` symlinks.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "illumos" | "solaris"
    );
    if elf {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnanots.so.{major}");
    }
}
