## Where the C compiler finds `nanots.h` and the linker finds the library,
## worked out at compile time. Imported by `capi` only.
##
## - Default: the shared library, through pkg-config (the `nanots.pc` an
##   install puts in `<prefix>/lib/pkgconfig`; set `PKG_CONFIG_PATH` for a
##   prefix pkg-config does not search). The program gets an rpath to the
##   library's directory, so it runs without `LD_LIBRARY_PATH`
##   (`-d:nanotsNoRpath` leaves it out, for a library on the system path).
## - `-d:nanotsStatic`: `libnanots.a` from the same directory, with the
##   system libraries `nanots.pc` lists as `Libs.private`.
## - `-d:nanotsNoPkgConfig`: nothing is added; pass `--passC:-I...` and
##   `--passL:...` yourself.
## - `-d:nanotsPkgConfig=/path/to/pkg-config` picks the pkg-config program.

{.used.} # imported by capi for its pragmas only

import std/[macros, strutils]

when not defined(nanotsNoPkgConfig):
  const nanotsPkgConfig {.strdefine.} = "pkg-config"

  proc pkgConfig(args: string): string {.compileTime.} =
    ## Output of `pkg-config <args> nanots`, stripped; a compile error
    ## naming the command when pkg-config fails (no nanots.pc found).
    let cmd = nanotsPkgConfig & " " & args & " nanots"
    let (output, code) = gorgeEx(cmd)
    if code != 0:
      error("nanots: `" & cmd & "` failed (exit " & $code & "): " & output.strip &
        "\nInstall NanoTS (scripts/install-prefix.sh) and set PKG_CONFIG_PATH to " &
        "<prefix>/lib/pkgconfig, or build with -d:nanotsNoPkgConfig and pass the flags yourself.")
    output.strip

  const
    nanotsCflags = pkgConfig("--cflags")
    nanotsLibDir = pkgConfig("--variable=libdir")

  {.passC: nanotsCflags.}

  when defined(nanotsStatic):
    proc privateLibs(): string {.compileTime.} =
      ## `Libs.private` of nanots.pc: the `-l` flags of `--static` minus
      ## `-lnanots` itself (which would pick the shared library).
      for flag in pkgConfig("--static --libs-only-l").splitWhitespace:
        if flag != "-lnanots":
          result.add flag & " "

    const nanotsArchive = nanotsLibDir & "/libnanots.a"
    static:
      if gorgeEx("test -f " & nanotsArchive).exitCode != 0:
        error("nanots: -d:nanotsStatic, but " & nanotsArchive & " does not exist")
    {.passL: nanotsArchive & " " & privateLibs().}
  else:
    when defined(nanotsNoRpath):
      {.passL: pkgConfig("--libs").}
    else:
      {.passL: pkgConfig("--libs") & " -Wl,-rpath," & nanotsLibDir.}
