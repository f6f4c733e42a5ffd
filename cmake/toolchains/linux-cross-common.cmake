# Shared by the toolchain files beside it, which set NANOTS_CROSS_SYSROOT
# and NANOTS_CROSS_QEMU (the qemu-user binary for the target) first.

# Libraries, headers and packages come from the target's root (and the
# prefixes a caller adds), never from the host's /usr; programs from the host.
list(APPEND CMAKE_FIND_ROOT_PATH "${NANOTS_CROSS_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# How CMake (try_run, add_test) runs a target program on the build machine.
set(CMAKE_CROSSCOMPILING_EMULATOR "${NANOTS_CROSS_QEMU}" -L "${NANOTS_CROSS_SYSROOT}")
