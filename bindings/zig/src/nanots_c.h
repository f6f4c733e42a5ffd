/* The one header that build.zig hands to translate-c (b.addTranslateC): the
 * installed NanoTS C API, found in -Dprefix=PREFIX/include or through
 * pkg-config's Cflags. Kept as an include, not a copy, so the binding always
 * translates the header of the library it links. */
#include <nanots.h>
