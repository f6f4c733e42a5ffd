## Strings across the boundary: Nim strings checked and passed as C
## strings, and the library's `nts_strings` lists copied into `seq[string]`.

import ./capi, ./errors

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
