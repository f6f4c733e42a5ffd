## The exceptions of the binding: one `NanoTsError` subtype per `nts_status`,
## each carrying the status number and the library's message.

import ./capi

type
  NanoTsError* = object of CatchableError
    ## A NanoTS call failed. `status` is the library's `nts_status` number
    ## (`NTS_ERR_*`); `msg` is its message (`nts_last_error`, which names the
    ## C function, e.g. `nts_append_row: not found: table "cpu" does not
    ## exist`), or, for checks the binding makes before calling the library,
    ## a message in the same form naming the Nim proc.
    status*: NtsStatus

  InvalidArgumentError* = object of NanoTsError
    ## `NTS_ERR_INVALID_ARGUMENT`: a malformed argument (invalid UTF-8, an
    ## empty name, `startMs > endMs`, a NUL byte inside a name, columns of
    ## different lengths, ...).
  NotFoundError* = object of NanoTsError
    ## `NTS_ERR_NOT_FOUND`: no such table or column (or, read-only, no file).
  AlreadyExistsError* = object of NanoTsError
    ## `NTS_ERR_ALREADY_EXISTS`: the table exists with other columns, or a
    ## backup's destination exists.
  SchemaMismatchError* = object of NanoTsError
    ## `NTS_ERR_SCHEMA_MISMATCH`: the values do not fit the table's columns.
  StorageIoError* = object of NanoTsError
    ## `NTS_ERR_IO`: the operating system reported an I/O error (or an
    ## earlier one left the handle refusing writes until reopened).
  CorruptError* = object of NanoTsError
    ## `NTS_ERR_CORRUPT`: the file or its WAL holds damaged data.
  LockedError* = object of NanoTsError
    ## `NTS_ERR_LOCKED`: another writer has the database open.
  TooLargeError* = object of NanoTsError
    ## `NTS_ERR_TOO_LARGE`: a record or a count exceeds a limit.
  UnsupportedVersionError* = object of NanoTsError
    ## `NTS_ERR_UNSUPPORTED_VERSION`: written by a newer format version.
  ClosedError* = object of NanoTsError
    ## `NTS_ERR_CLOSED`: the `Db` was closed (or moved from).
  LibraryPanicError* = object of NanoTsError
    ## `NTS_ERR_PANIC`: a bug in the library; the handle may refuse writes.
  UnknownStatusError* = object of NanoTsError
    ## `NTS_ERR_UNKNOWN`, or a status number this binding does not know.
  ReadOnlyError* = object of NanoTsError
    ## `NTS_ERR_READ_ONLY`: a write on a handle opened read-only.
  ArrowStreamError* = object of NanoTsError
    ## An Arrow C Stream's `get_next` or `get_schema` failed (decoding errors
    ## of a stream are reported there). `errno` is the callback's non-zero
    ## return value; `status` is `NTS_ERR_CORRUPT` for `EIO`, else
    ## `NTS_ERR_UNKNOWN`; `msg` is the stream's `get_last_error`.
    errno*: cint

proc newNanoTsError*(status: NtsStatus; msg: string): ref NanoTsError =
  ## The exception for `status` (its subtype), carrying `msg`.
  result = case status
    of NTS_ERR_INVALID_ARGUMENT: (ref InvalidArgumentError)()
    of NTS_ERR_NOT_FOUND: (ref NotFoundError)()
    of NTS_ERR_ALREADY_EXISTS: (ref AlreadyExistsError)()
    of NTS_ERR_SCHEMA_MISMATCH: (ref SchemaMismatchError)()
    of NTS_ERR_IO: (ref StorageIoError)()
    of NTS_ERR_CORRUPT: (ref CorruptError)()
    of NTS_ERR_LOCKED: (ref LockedError)()
    of NTS_ERR_TOO_LARGE: (ref TooLargeError)()
    of NTS_ERR_UNSUPPORTED_VERSION: (ref UnsupportedVersionError)()
    of NTS_ERR_CLOSED: (ref ClosedError)()
    of NTS_ERR_PANIC: (ref LibraryPanicError)()
    of NTS_ERR_READ_ONLY: (ref ReadOnlyError)()
    else: (ref UnknownStatusError)()
  result.status = status
  result.msg = msg

proc statusName*(status: NtsStatus): string =
  ## The library's name of `status` (`nts_status_str`, e.g. `"not found"`).
  $nts_status_str(status)
