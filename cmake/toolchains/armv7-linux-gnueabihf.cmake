# CMake toolchain file: NanoTS and its C users for 32-bit ARM Linux
# (ARMv7-A, hard-float ABI, glibc), with Debian's cross toolchain
# (gcc-arm-linux-gnueabihf, libc6-dev-armhf-cross) and the Rust target
# armv7-unknown-linux-gnueabihf
# (rustup target add armv7-unknown-linux-gnueabihf):
#
#   cmake -S . -B build-armv7 -DCMAKE_BUILD_TYPE=Release \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7-linux-gnueabihf.cmake
#   cmake --build build-armv7 && cmake --install build-armv7 --prefix /opt/nanots-armv7
#
# The top CMakeLists.txt passes NANOTS_RUST_TARGET to cargo as --target and
# links the library with this file's C compiler. Another compiler (a vendor
# SDK's) is chosen with -DCMAKE_C_COMPILER=..., another sysroot with
# -DNANOTS_CROSS_SYSROOT=.... To find an installed NanoTS from a consumer
# project, add its prefix to both CMAKE_PREFIX_PATH and CMAKE_FIND_ROOT_PATH.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)

set(NANOTS_RUST_TARGET armv7-unknown-linux-gnueabihf CACHE STRING "Rust target triple passed to cargo --target")
set(NANOTS_CROSS_SYSROOT /usr/arm-linux-gnueabihf CACHE PATH "Target root: the C library and headers of the board")
if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
endif()

set(NANOTS_CROSS_QEMU qemu-arm)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake")
