# CMake toolchain file: NanoTS and its C users for 64-bit ARM Linux
# (AArch64, glibc), with Debian's cross toolchain (gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross) and the Rust target aarch64-unknown-linux-gnu
# (rustup target add aarch64-unknown-linux-gnu):
#
#   cmake -S . -B build-aarch64 -DCMAKE_BUILD_TYPE=Release \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build-aarch64 && cmake --install build-aarch64 --prefix /opt/nanots-aarch64
#
# The top CMakeLists.txt passes NANOTS_RUST_TARGET to cargo as --target and
# links the library with this file's C compiler. Another compiler (a vendor
# SDK's) is chosen with -DCMAKE_C_COMPILER=..., another sysroot with
# -DNANOTS_CROSS_SYSROOT=.... To find an installed NanoTS from a consumer
# project, add its prefix to both CMAKE_PREFIX_PATH and CMAKE_FIND_ROOT_PATH.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NANOTS_RUST_TARGET aarch64-unknown-linux-gnu CACHE STRING "Rust target triple passed to cargo --target")
set(NANOTS_CROSS_SYSROOT /usr/aarch64-linux-gnu CACHE PATH "Target root: the C library and headers of the board")
if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
endif()

set(NANOTS_CROSS_QEMU qemu-aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake")
