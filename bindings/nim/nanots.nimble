# Package

version       = "0.1.0"
author        = "NanoTS"
description   = "NanoTS, an embedded append-only time-series store: Nim binding over its C ABI (libnanots)"
license       = "AGPL-3.0-or-later"
installFiles  = @["nanots.nim"]
installDirs   = @["nanots"]

# Dependencies: the standard library only. libnanots itself is found at
# compile time through pkg-config (see nanots/linking.nim).

requires "nim >= 1.6.10"
