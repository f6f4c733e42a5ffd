## Shared by the tests: scratch directories under $TMPDIR, bit views of
## floats, and the exception a call raised.

import std/tempfiles
import nanots

proc scratchDir*(name: string): string =
  ## A new empty directory under $TMPDIR (the test script points it into
  ## target/ and fails if anything is left there); remove it with
  ## `removeDir` when the test ends.
  createTempDir("nanots-nim-" & name & "-", "")

proc bits*(x: float64): uint64 =
  ## The IEEE 754 bit pattern of `x`, to compare NaN payloads and -0.0.
  cast[uint64](x)

proc fromBits*(b: uint64): float64 =
  cast[float64](b)

template raisedBy*(body: untyped): ref NanoTsError =
  ## The `NanoTsError` `body` raised, or nil if it raised none (any other
  ## exception propagates and fails the test).
  var raised: ref NanoTsError = nil
  try:
    body
  except NanoTsError as e:
    raised = e
  raised
