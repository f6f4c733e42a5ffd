## NanoTS for Nim: an embedded, append-only, single-file time-series store,
## through its C ABI (`libnanots`, header `nanots.h`).
##
## ```nim
## import nanots
## var db = openDb("metrics.ntt")
## db.createTable("cpu", ["user", "system"])
## db.appendRow("cpu", 1_000, [0.5, 0.25])
## db.flush()
## let r = db.queryRange("cpu", 0, 2_000)   # r.ts, r.columns, r["user"]
## db.close()                               # or let =destroy close it
## ```
##
## - `nanots/db`: `Db` (open, close, tables, appends, flush, delete, drop,
##   SQL, pack, retention, backup, read-only views, maintenance hook).
## - `nanots/query`: range queries and latest rows into seqs, Arrow exports
##   and streams.
## - `nanots/aggregate`: bucketed aggregates.
## - `nanots/stats`: table and column statistics, verify, recovery,
##   commits, maintenance status.
## - `nanots/errors`: `NanoTsError` and one subtype per status code.
## - `nanots/arrow`: owned Arrow C Data / C Stream structs.
## - `nanots/capi`: the raw C declarations (`import nanots/capi`).
##
## Timestamps are `int64` milliseconds; ranges are inclusive at both ends.
##
## Linking (see `nanots/linking`): the shared library through pkg-config by
## default; `-d:nanotsStatic` links `libnanots.a`.

import nanots/[capi, errors, options, db, arrow, query, aggregate, stats]

export errors, options, db, arrow, query, aggregate, stats
export capi.NtsStatus, capi.ArrowArray, capi.ArrowSchema, capi.ArrowArrayStream
export capi.NTS_OK, capi.NTS_ERR_INVALID_ARGUMENT, capi.NTS_ERR_NOT_FOUND,
  capi.NTS_ERR_ALREADY_EXISTS, capi.NTS_ERR_SCHEMA_MISMATCH, capi.NTS_ERR_IO,
  capi.NTS_ERR_CORRUPT, capi.NTS_ERR_LOCKED, capi.NTS_ERR_TOO_LARGE,
  capi.NTS_ERR_UNSUPPORTED_VERSION, capi.NTS_ERR_CLOSED, capi.NTS_ERR_PANIC,
  capi.NTS_ERR_UNKNOWN, capi.NTS_ERR_READ_ONLY
