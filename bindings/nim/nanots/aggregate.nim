## Time-bucketed aggregation: into `seq`s (`AggregateResult`), as an Arrow
## C Data export, or as an Arrow C stream read batch by batch.

import std/strutils
import ./capi, ./errors, ./db, ./arrow, ./calls

type
  Aggregate* = enum
    ## The aggregates (`NTS_AGG_*`; the enum's values are the C codes).
    ## `$` gives the library's name, the suffix of the result columns.
    aggCount = (0, "count") ## Rows in the bucket, NaN values included (`uint64`).
    aggSum = (1, "sum")     ## Sum of the non-NaN values.
    aggMin = (2, "min")     ## Smallest non-NaN value.
    aggMax = (3, "max")     ## Largest non-NaN value.
    aggMean = (4, "mean")   ## Mean of the non-NaN values.
    aggFirst = (5, "first") ## Value of the earliest row (ties: first appended).
    aggLast = (6, "last")   ## Value of the latest row (ties: last appended).

  AggregateColumn* = object
    ## One result column, `<column>_<agg>`, one entry per bucket: `counts`
    ## for `aggCount`, else `values` (the other one is empty).
    name*: string   ## `<column>_<agg>`, e.g. `temp_mean`.
    column*: string ## The table column aggregated.
    agg*: Aggregate
    values*: seq[float64]
    counts*: seq[uint64]

  AggregateResult* = object
    ## One row per non-empty bucket, in time order: bucket `i` starts at
    ## `bucketStart[i]` (ms, a multiple of the bucket width).
    bucketStart*: seq[int64]
    columns*: seq[AggregateColumn] ## For each value column, for each aggregate asked.

proc len*(r: AggregateResult): int =
  ## Number of buckets.
  r.bucketStart.len

proc columnIndex*(r: AggregateResult; column: string; agg: Aggregate): int =
  ## Index in `columns` of `agg` over table column `column`; `KeyError` if
  ## it was not asked for.
  for i in 0 ..< r.columns.len:
    if r.columns[i].column == column and r.columns[i].agg == agg:
      return i
  raise newException(KeyError, "no " & $agg & " of column " & column & " in the result")

proc column*(r: AggregateResult; column: string; agg: Aggregate): lent AggregateColumn =
  ## The result column of `agg` over table column `column`; `KeyError` if
  ## it was not asked for.
  r.columns[r.columnIndex(column, agg)]

proc parseAggColumn(name: string): (string, Aggregate) =
  ## `<column>_<agg>` split at its last `_` (column names may hold `_`).
  let cut = name.rfind('_')
  if cut > 0:
    let suffix = name[cut + 1 .. ^1]
    for a in Aggregate:
      if $a == suffix:
        return (name[0 ..< cut], a)
  raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: aggregate field " & name &
    " is not named <column>_<aggregate>")

proc toAggregateResult*(arr: ArrowArray; fields: seq[StructField]): AggregateResult =
  ## A struct array with the schema of an aggregation (`bucket_start:
  ## timestamp[ms]`, then `uint64` counts and `float64` aggregates) copied
  ## into seqs.
  checkStruct(arr, fields)
  if fields.len == 0 or fields[0].kind != ckTimestampMs:
    raise newNanoTsError(NTS_ERR_UNKNOWN, "nanots arrow: an aggregation starts with a timestamp[ms] field")
  result.bucketStart = int64Column(arr, fields, 0)
  for i in 1 ..< fields.len:
    let (column, agg) = parseAggColumn(fields[i].name)
    var col = AggregateColumn(name: fields[i].name, column: column, agg: agg)
    if agg == aggCount:
      col.counts = uint64Column(arr, fields, i)
    else:
      col.values = float64Column(arr, fields, i)
    result.columns.add col

proc toAggregateResult*(data: ArrowData): AggregateResult =
  ## `data` (from `aggregateArrow`) copied into seqs.
  toAggregateResult(data.array, structFields(data.schema))

proc aggCodes(aggs: openArray[Aggregate]): seq[uint32] =
  for a in aggs:
    result.add uint32(ord(a))

proc aggregateArrow*(db: Db; table: string; startMs, endMs, bucketMs: int64;
                     aggs: openArray[Aggregate]): ArrowData =
  ## Aggregates `table` over `[startMs, endMs]` (inclusive) in buckets of
  ## `bucketMs` aligned to multiples of `bucketMs` from the epoch, exported
  ## through the Arrow C Data Interface: `bucket_start`, then for each value
  ## column and each of `aggs` a field `<column>_<agg>`. NaN values are
  ## counted by count and skipped by sum, min, max and mean.
  const where = "aggregateArrow"
  let codes = aggCodes(aggs)
  checkStatus nts_query_aggregate_arrow(db.rawHandle(where), cname(table, where, "table name"),
    startMs, endMs, bucketMs, (if codes.len == 0: nil else: unsafeAddr codes[0]),
    csize_t(codes.len), addr result.array, addr result.schema)

proc aggregate*(db: Db; table: string; startMs, endMs, bucketMs: int64;
                aggs: openArray[Aggregate]): AggregateResult =
  ## `aggregateArrow` copied into seqs.
  toAggregateResult(db.aggregateArrow(table, startMs, endMs, bucketMs, aggs))

proc aggregateStream*(db: Db; table: string; startMs, endMs, bucketMs: int64;
                      aggs: openArray[Aggregate]): ArrowStream =
  ## The aggregation as an Arrow C stream, for long ranges: each batch holds
  ## the buckets finished by the next group of segments. Reads a snapshot
  ## taken now; stays valid after `close`. Read it with `aggregateBatches`.
  const where = "aggregateStream"
  let codes = aggCodes(aggs)
  checkStatus nts_query_aggregate_stream(db.rawHandle(where), cname(table, where, "table name"),
    startMs, endMs, bucketMs, (if codes.len == 0: nil else: unsafeAddr codes[0]),
    csize_t(codes.len), addr result.raw)

iterator aggregateBatches*(stream: var ArrowStream): AggregateResult =
  ## The batches of an aggregate stream, each copied into seqs. Raises
  ## `ArrowStreamError` if the stream fails.
  let fields = streamFields(stream)
  var batch: ArrowData
  while stream.next(batch):
    let r = toAggregateResult(batch.array, fields)
    batch.release()
    yield r
