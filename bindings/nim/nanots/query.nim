## Range queries and the latest rows: into `seq`s (`QueryResult`), as an
## Arrow C Data export, or as an Arrow C stream read batch by batch.

import ./capi, ./errors, ./db, ./arrow, ./calls

type
  QueryResult* = object
    ## Rows sorted by timestamp (equal timestamps in append order), column
    ## by column: row `i` is `ts[i]` (ms) with `columns[c][i]` for value
    ## column `names[c]`. Plain seqs owned by Nim; nothing to free.
    names*: seq[string]        ## Value column names, in table order.
    ts*: seq[int64]            ## Timestamps, ms, ascending.
    columns*: seq[seq[float64]] ## One seq per value column, `ts.len` each.

proc len*(r: QueryResult): int =
  ## Number of rows.
  r.ts.len

proc columnIndex*(r: QueryResult; name: string): int =
  ## Index in `columns` of the column `name`; `KeyError` if there is none.
  result = r.names.find(name)
  if result < 0:
    raise newException(KeyError, "no column " & name & " in the result (columns: " & $r.names & ")")

proc `[]`*(r: QueryResult; name: string): lent seq[float64] =
  ## The values of column `name`; `KeyError` if there is none.
  r.columns[r.columnIndex(name)]

proc queryRange*(db: Db; table: string; startMs, endMs: int64): QueryResult =
  ## The rows of `table` with `startMs <= ts <= endMs` (inclusive at both
  ## ends), buffered rows included, copied out of the library's result.
  const where = "queryRange"
  var res: ptr NtsResult
  checkStatus nts_query_range(db.rawHandle(where), cname(table, where, "table name"), startMs, endMs,
    addr res)
  try:
    let n = int(nts_result_rows(res))
    let ncols = int(nts_result_ncols(res))
    result.ts = newSeq[int64](n)
    if n > 0:
      copyMem(addr result.ts[0], nts_result_ts(res), n * sizeof(int64))
    result.names = newSeqOfCap[string](ncols)
    result.columns = newSeq[seq[float64]](ncols)
    for c in 0 ..< ncols:
      result.names.add $nts_result_column_name(res, csize_t(c))
      result.columns[c] = newSeq[float64](n)
      if n > 0:
        copyMem(addr result.columns[c][0], nts_result_column(res, csize_t(c)), n * sizeof(float64))
  finally:
    nts_result_free(res)

proc toQueryResult*(arr: ArrowArray; fields: seq[StructField]): QueryResult =
  ## A struct array with the schema of a range query (`ts_ms:
  ## timestamp[ms]`, then `float64` value columns) copied into seqs.
  checkStruct(arr, fields)
  if fields.len == 0 or fields[0].kind != ckTimestampMs:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: a range result starts with a timestamp[ms] field")
  result.ts = int64Column(arr, fields, 0)
  for i in 1 ..< fields.len:
    result.names.add fields[i].name
    result.columns.add float64Column(arr, fields, i)

proc toQueryResult*(data: ArrowData): QueryResult =
  ## `data` (from `queryRangeArrow` or `latestArrow`) copied into seqs.
  toQueryResult(data.array, structFields(data.schema))

proc queryRangeArrow*(db: Db; table: string; startMs, endMs: int64): ArrowData =
  ## The range query exported through the Arrow C Data Interface: a struct
  ## array of `ts_ms: timestamp[ms]` then one non-null `float64` field per
  ## value column. Stays valid after `close`.
  const where = "queryRangeArrow"
  checkStatus nts_query_range_arrow(db.rawHandle(where), cname(table, where, "table name"), startMs, endMs,
    addr result.array, addr result.schema)

proc queryRangeStream*(db: Db; table: string; startMs, endMs: int64): ArrowStream =
  ## The range query as an Arrow C stream: batches of at most 65536 rows in
  ## timestamp order, memory bounded by one group of segments. It reads a
  ## snapshot taken now and stays valid after `close`. Read it with
  ## `batches`, or hand `result.raw` to an Arrow library.
  const where = "queryRangeStream"
  checkStatus nts_query_range_stream(db.rawHandle(where), cname(table, where, "table name"), startMs, endMs,
    addr result.raw)

iterator batches*(stream: var ArrowStream): QueryResult =
  ## The batches of a range stream, each copied into seqs (the Arrow array
  ## is released before the batch is yielded). Raises `ArrowStreamError`
  ## if the stream fails (e.g. damaged data).
  let fields = streamFields(stream)
  var batch: ArrowData
  while stream.next(batch):
    let r = toQueryResult(batch.array, fields)
    batch.release()
    yield r

proc latestArrow*(db: Db; table: string; n: uint64 = 1): ArrowData =
  ## The last `n` rows of `table` by timestamp (ties in append order), oldest
  ## first, with the schema of `queryRangeArrow`.
  const where = "latestArrow"
  checkStatus nts_latest_arrow(db.rawHandle(where), cname(table, where, "table name"), n,
    addr result.array, addr result.schema)

proc latest*(db: Db; table: string; n: uint64 = 1): QueryResult =
  ## The last `n` rows of `table` (see `latestArrow`), copied into seqs.
  toQueryResult(db.latestArrow(table, n))
