## Crossing the C boundary, for the modules of this package (not exported
## by `nanots`): status checks that raise the library's error, C strings in,
## string lists out.

import ./capi, ./errors

proc raiseLastError*(status: NtsStatus) {.noinline, noreturn.} =
  ## Raises the exception for `status` with this thread's `nts_last_error`.
  ## Call it right after the failing C call, on the same thread, before any
  ## other NanoTS call: the message is thread-local and the next call
  ## replaces it.
  raise newNanoTsError(status, $nts_last_error())

template checkStatus*(call: NtsStatus) =
  ## Runs the C call `call`; raises its exception unless it returned `NTS_OK`.
  let status = call
  if status != NTS_OK:
    raiseLastError(status)

proc raiseInvalid*(where, what: string) {.noinline, noreturn.} =
  ## Raises `InvalidArgumentError` for a check made by the binding itself.
  raise newNanoTsError(NTS_ERR_INVALID_ARGUMENT, where & ": invalid argument: " & what)

proc raiseClosed*(where: string) {.noinline, noreturn.} =
  ## Raises `ClosedError`: `where` was called on a closed `Db`.
  raise newNanoTsError(NTS_ERR_CLOSED, where & ": closed: the database handle was closed")

proc cname*(s: string; where, what: string): cstring =
  ## `s` as a C string for the library, which reads it up to its first NUL:
  ## a NUL byte inside `s` would cut it silently, so it is refused with
  ## `InvalidArgumentError` instead. UTF-8 is checked by the library.
  ## Borrowed from `s`: valid while `s` is alive and unchanged.
  if '\0' in s:
    raiseInvalid(where, what & " contains a NUL byte")
  cstring(s)

proc takeStrings*(list: ptr NtsStrings): seq[string] =
  ## Copies the strings of `list` and frees it (`nts_strings_free`).
  ## `nil` gives an empty seq.
  try:
    let n = int(nts_strings_len(list))
    result = newSeqOfCap[string](n)
    for i in 0 ..< n:
      result.add $nts_strings_get(list, csize_t(i))
  finally:
    nts_strings_free(list)
