## Owned Arrow exports (`ArrowData`: an array and its schema; `ArrowStream`:
## a C stream), released exactly once, and the reading of the library's
## struct arrays into `seq`s.
##
## Users who bring their own Arrow library take the raw structs (`array`,
## `schema`, `raw`) by the Arrow C Data Interface's move: copy the struct
## and set the source's `release` to nil (Arrow importers such as nanoarrow's
## `ArrowArrayMove` do this). A released struct is not released again.

import ./capi, ./errors

type
  ArrowData* = object
    ## A struct array and its schema from `nts_*_arrow`, owned: `=destroy`
    ## (or `release`) calls each `release` callback once, unless it was
    ## moved out (its `release` set to nil). Not copyable.
    array*: ArrowArray
    schema*: ArrowSchema

  ArrowStream* = object
    ## An Arrow C stream from `nts_*_stream`, owned like `ArrowData`. Reads
    ## a snapshot taken when it was made; stays valid after the `Db` is
    ## closed. One thread at a time.
    raw*: ArrowArrayStream

  ColumnKind* = enum
    ## The Arrow types the library exports.
    ckTimestampMs ## `timestamp[ms]` (format `tsm:`), read as `int64`.
    ckFloat64     ## `float64` (format `g`).
    ckUInt64      ## `uint64` (format `L`), aggregate counts.

  StructField* = object
    ## A field of an exported struct: its name and type.
    name*: string
    kind*: ColumnKind

proc releaseArray(a: ArrowArray) =
  var tmp = a # the callback may run on a bitwise copy (Arrow's move rule)
  if tmp.release != nil:
    tmp.release(addr tmp)

proc releaseSchema(s: ArrowSchema) =
  var tmp = s
  if tmp.release != nil:
    tmp.release(addr tmp)

proc releaseStream(s: ArrowArrayStream) =
  var tmp = s
  if tmp.release != nil:
    tmp.release(addr tmp)

when defined(nimAllowNonVarDestructor):
  proc `=destroy`*(d: ArrowData) =
    releaseArray(d.array)
    releaseSchema(d.schema)
  proc `=destroy`*(s: ArrowStream) =
    releaseStream(s.raw)
else:
  proc `=destroy`*(d: var ArrowData) =
    releaseArray(d.array)
    releaseSchema(d.schema)
    d.array.release = nil
    d.schema.release = nil
  proc `=destroy`*(s: var ArrowStream) =
    releaseStream(s.raw)
    s.raw.release = nil

proc `=copy`*(dst: var ArrowData; src: ArrowData) {.error.}
proc `=copy`*(dst: var ArrowStream; src: ArrowStream) {.error.}

proc release*(d: var ArrowData) =
  ## Releases the array and the schema now (idempotent).
  releaseArray(d.array)
  releaseSchema(d.schema)
  d.array.release = nil
  d.schema.release = nil

proc release*(s: var ArrowStream) =
  ## Releases the stream now (idempotent).
  releaseStream(s.raw)
  s.raw.release = nil

proc isReleased*(s: ArrowStream): bool =
  ## Whether the stream was released or moved out.
  s.raw.release == nil

# Reading

proc kindOf(format: cstring; field: string): ColumnKind =
  case $format
  of "tsm:": ckTimestampMs
  of "g": ckFloat64
  of "L": ckUInt64
  else:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: field " & field &
      " has Arrow format " & $format & ", which this binding does not read")

proc structFields*(schema: ArrowSchema): seq[StructField] =
  ## The fields of a struct schema as the library exports it.
  if schema.release == nil:
    raise newNanoTsError(NTS_ERR_INVALID_ARGUMENT, "nanots arrow: the schema was released")
  if $schema.format != "+s":
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: expected a struct schema (+s), got " &
      $schema.format)
  for i in 0 ..< int(schema.n_children):
    let child = schema.children[i]
    let name = $child.name
    result.add StructField(name: name, kind: kindOf(child.format, name))

proc copyChild[T](parent: ArrowArray; i: int; field: string): seq[T] =
  ## Values of child `i` of the struct `parent`, respecting both offsets
  ## (a stream's slices carry them). The library exports no nulls; a child
  ## with nulls is refused rather than read as values.
  let child = parent.children[i]
  let n = int(parent.length)
  let first = int(parent.offset) + int(child.offset)
  if child.null_count != 0 or int(child.length) < int(parent.offset) + n or child.n_buffers != 2:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: field " & field &
      " is not a non-null primitive array of the struct's length")
  result = newSeq[T](n)
  if n > 0:
    let data = cast[ptr UncheckedArray[T]](child.buffers[1])
    copyMem(addr result[0], addr data[first], n * sizeof(T))

proc checkStruct*(arr: ArrowArray; fields: seq[StructField]) =
  ## Refuses an array that does not match `fields` (released, not a struct
  ## of as many children).
  if arr.release == nil:
    raise newNanoTsError(NTS_ERR_INVALID_ARGUMENT, "nanots arrow: the array was released")
  if int(arr.n_children) != fields.len or arr.null_count != 0:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: the array has " & $arr.n_children &
      " children for " & $fields.len & " schema fields")

proc int64Column*(arr: ArrowArray; fields: seq[StructField]; i: int): seq[int64] =
  ## Child `i` of a struct array checked by `checkStruct`, as `int64`
  ## (timestamps in ms).
  if fields[i].kind != ckTimestampMs:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: field " & fields[i].name & " is not timestamp[ms]")
  copyChild[int64](arr, i, fields[i].name)

proc float64Column*(arr: ArrowArray; fields: seq[StructField]; i: int): seq[float64] =
  ## Child `i` as `float64`.
  if fields[i].kind != ckFloat64:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: field " & fields[i].name & " is not float64")
  copyChild[float64](arr, i, fields[i].name)

proc uint64Column*(arr: ArrowArray; fields: seq[StructField]; i: int): seq[uint64] =
  ## Child `i` as `uint64`.
  if fields[i].kind != ckUInt64:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: field " & fields[i].name & " is not uint64")
  copyChild[uint64](arr, i, fields[i].name)

# Streams

proc raiseStreamError(s: var ArrowStream; errno: cint; what: string) {.noreturn.} =
  let detail = if s.raw.get_last_error == nil: nil else: s.raw.get_last_error(addr s.raw)
  let e = (ref ArrowStreamError)(status: NTS_ERR_UNKNOWN, errno: errno)
  e.msg = "nanots arrow: " & what & " failed (errno " & $errno & ")" &
    (if detail == nil: "" else: ": " & $detail)
  raise e

proc streamFields*(s: var ArrowStream): seq[StructField] =
  ## The fields of the stream's schema (`get_schema`, released at once).
  if s.raw.release == nil:
    raise newNanoTsError(NTS_ERR_INVALID_ARGUMENT, "nanots arrow: the stream was released")
  var schema: ArrowSchema
  let errno = s.raw.get_schema(addr s.raw, addr schema)
  if errno != 0:
    raiseStreamError(s, errno, "get_schema")
  try:
    result = structFields(schema)
  finally:
    releaseSchema(schema)

proc next*(s: var ArrowStream; batch: var ArrowData): bool =
  ## Moves the stream's next array into `batch.array` (releasing what
  ## `batch.array` held) and returns true, or returns false at the end.
  ## `batch.schema` is left alone. Raises `ArrowStreamError` if `get_next`
  ## fails (e.g. damaged data).
  if s.raw.release == nil:
    raise newNanoTsError(NTS_ERR_INVALID_ARGUMENT, "nanots arrow: the stream was released")
  releaseArray(batch.array)
  batch.array.release = nil
  let errno = s.raw.get_next(addr s.raw, addr batch.array)
  if errno != 0:
    batch.array.release = nil
    raiseStreamError(s, errno, "get_next")
  batch.array.release != nil
