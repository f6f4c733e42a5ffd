package nanots

// #include "gonts.h"
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Agg is an aggregate function (the NTS_AGG_* codes).
type Agg uint32

// The aggregates. NaN values are counted by AggCount and skipped by
// AggSum, AggMin, AggMax and AggMean.
const (
	AggCount Agg = C.NTS_AGG_COUNT // rows, as uint64
	AggSum   Agg = C.NTS_AGG_SUM   // sum of the non-NaN values
	AggMin   Agg = C.NTS_AGG_MIN   // smallest non-NaN value
	AggMax   Agg = C.NTS_AGG_MAX   // largest non-NaN value
	AggMean  Agg = C.NTS_AGG_MEAN  // mean of the non-NaN values
	AggFirst Agg = C.NTS_AGG_FIRST // value of the earliest row (ties: first appended)
	AggLast  Agg = C.NTS_AGG_LAST  // value of the latest row (ties: last appended)
)

var aggNames = [...]string{"count", "sum", "min", "max", "mean", "first", "last"}

// String is the aggregate's name as it ends result column names ("min").
func (a Agg) String() string {
	if int(a) < len(aggNames) {
		return aggNames[a]
	}
	return fmt.Sprintf("Agg(%d)", uint32(a))
}

// AggregateResult has one row per non-empty bucket.
type AggregateResult struct {
	// BucketStart is each bucket's start (ms), ascending.
	BucketStart []int64
	// Columns: for each value column in table order, one entry per
	// requested aggregate in the order asked.
	Columns []AggregateColumn
}

// AggregateColumn is one aggregate of one value column, per bucket.
type AggregateColumn struct {
	Name   string    // "<column>_<agg>", e.g. "temp_max"
	Column string    // the value column
	Agg    Agg       // the aggregate
	Count  []uint64  // AggCount only: rows per bucket
	Values []float64 // every other aggregate: the value per bucket
}

// Get returns the aggregate agg of column, or nil if it was not asked for.
func (r *AggregateResult) Get(column string, agg Agg) *AggregateColumn {
	for i := range r.Columns {
		if r.Columns[i].Column == column && r.Columns[i].Agg == agg {
			return &r.Columns[i]
		}
	}
	return nil
}

// Aggregate aggregates table over from <= ts <= to (ms, inclusive) in
// buckets of bucketMs aligned to multiples of bucketMs from the Unix
// epoch. Segments wholly inside one bucket are answered from their
// statistics without decoding.
func (db *DB) Aggregate(table string, from, to, bucketMs int64, aggs ...Agg) (*AggregateResult, error) {
	rec, err := db.AggregateArrow(table, from, to, bucketMs, aggs...)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	st := rec.state
	st.mu.Lock()
	defer st.mu.Unlock()
	fields, rows, err := structFields(st.array, st.schema)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 || !isTimestampMs(fields[0].format) || (len(fields)-1)%len(aggs) != 0 {
		return nil, fmt.Errorf("nanots: Aggregate: unexpected Arrow export with %d fields for %d aggregates", len(fields), len(aggs))
	}
	res := &AggregateResult{BucketStart: append(make([]int64, 0, rows), words(fields[0].data, rows)...)}
	for i, f := range fields[1:] {
		agg := aggs[i%len(aggs)]
		col := AggregateColumn{Name: f.name, Agg: agg, Column: strings.TrimSuffix(f.name, "_"+agg.String())}
		src := words(f.data, rows)
		switch {
		case agg == AggCount && f.format == "L":
			col.Count = make([]uint64, rows)
			copy(col.Count, *(*[]uint64)(unsafe.Pointer(&src)))
		case agg != AggCount && f.format == "g":
			col.Values = make([]float64, rows)
			copy(col.Values, *(*[]float64)(unsafe.Pointer(&src)))
		default:
			return nil, fmt.Errorf("nanots: Aggregate: field %q has format %q", f.name, f.format)
		}
		res.Columns = append(res.Columns, col)
	}
	return res, nil
}

// AggregateArrow is Aggregate's result through the Arrow C Data Interface:
// a struct array with `bucket_start: timestamp[ms]`, then `<column>_<agg>`
// fields (uint64 for AggCount, else float64).
func (db *DB) AggregateArrow(table string, from, to, bucketMs int64, aggs ...Agg) (*ArrowRecord, error) {
	const method = "AggregateArrow"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	codes, p := aggCodes(aggs)
	s := newArrowRecordState()
	err = errorOf(C.gonts_query_aggregate_arrow(h, table, C.int64_t(from), C.int64_t(to), C.int64_t(bucketMs), p, C.size_t(len(aggs)), s.array, s.schema))
	runtime.KeepAlive(db)
	runtime.KeepAlive(codes)
	if err != nil {
		s.release()
		return nil, err
	}
	return newArrowRecord(s), nil
}

// AggregateArrowStream is AggregateArrow as an Arrow C Stream for long
// ranges: each batch holds the buckets finished by the next group of
// segments.
func (db *DB) AggregateArrowStream(table string, from, to, bucketMs int64, aggs ...Agg) (*ArrowStream, error) {
	const method = "AggregateArrowStream"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	codes, p := aggCodes(aggs)
	s := newArrowStreamState()
	err = errorOf(C.gonts_query_aggregate_stream(h, table, C.int64_t(from), C.int64_t(to), C.int64_t(bucketMs), p, C.size_t(len(aggs)), s.stream))
	runtime.KeepAlive(db)
	runtime.KeepAlive(codes)
	if err != nil {
		s.release()
		return nil, err
	}
	st := &ArrowStream{state: s}
	st.net = armSafetyNet(st, (*arrowStreamState).release, s)
	return st, nil
}

// aggCodes is the C array of aggregate codes (nil pointer for none: the
// library refuses that with ErrInvalidArgument).
func aggCodes(aggs []Agg) ([]C.uint32_t, *C.uint32_t) {
	if len(aggs) == 0 {
		return nil, nil
	}
	codes := make([]C.uint32_t, len(aggs))
	for i, a := range aggs {
		codes[i] = C.uint32_t(a)
	}
	return codes, &codes[0]
}

// Latest returns the last n rows of table by timestamp (ties in append
// order), oldest first. With n == 1 it reads only the newest segment's
// header when it can.
func (db *DB) Latest(table string, n int) (*Result, error) {
	rec, err := db.LatestArrow(table, n)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	st := rec.state
	st.mu.Lock()
	defer st.mu.Unlock()
	fields, rows, err := structFields(st.array, st.schema)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 || !isTimestampMs(fields[0].format) {
		return nil, fmt.Errorf("nanots: Latest: unexpected Arrow export with %d fields", len(fields))
	}
	r := &Result{rows: rows, ts: append(make([]int64, 0, rows), words(fields[0].data, rows)...)}
	for _, f := range fields[1:] {
		if f.format != "g" {
			return nil, fmt.Errorf("nanots: Latest: field %q has format %q", f.name, f.format)
		}
		src := words(f.data, rows)
		col := make([]float64, rows)
		copy(col, *(*[]float64)(unsafe.Pointer(&src)))
		r.names = append(r.names, f.name)
		r.cols = append(r.cols, col)
	}
	return r, nil
}

// LatestArrow is Latest's result through the Arrow C Data Interface, with
// QueryRangeArrow's schema.
func (db *DB) LatestArrow(table string, n int) (*ArrowRecord, error) {
	const method = "LatestArrow"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, errorf(CodeInvalidArgument, "%s: n is negative (%d)", method, n)
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	s := newArrowRecordState()
	err = errorOf(C.gonts_latest_arrow(h, table, C.uint64_t(n), s.array, s.schema))
	runtime.KeepAlive(db)
	if err != nil {
		s.release()
		return nil, err
	}
	return newArrowRecord(s), nil
}
