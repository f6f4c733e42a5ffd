package nanots

import (
	"math"
	"testing"

	"github.com/nanots/nanots/bindings/go/internal/arrowconsumer"
)

// fillSegments writes n rows (ts i, values i and -i) in segments of 1000
// rows, half flushed, the rest buffered, and appended out of order.
func fillSegments(t *testing.T, db *DB, n int) {
	t.Helper()
	must(t, db.CreateTable("t", "a", "b"))
	ts := make([]int64, 0, n)
	a := make([]float64, 0, n)
	b := make([]float64, 0, n)
	for i := n - 1; i >= 0; i-- {
		ts = append(ts, int64(i))
		a = append(a, float64(i))
		b = append(b, -float64(i))
	}
	half := n / 2
	must(t, db.AppendRows("t", ts[:half], a[:half], b[:half]))
	must(t, db.Flush())
	must(t, db.AppendRows("t", ts[half:], a[half:], b[half:]))
}

// The Stream's batches, concatenated, are the QueryRange result.
func TestStreamMatchesQueryRange(t *testing.T) {
	db, _ := openTemp(t, &Options{SegmentMaxRows: 1000})
	const n = 10000
	fillSegments(t, db, n)
	wantTs, wantCols := query(t, db, "t", 100, n-101)

	st, err := db.Stream("t", 100, n-101)
	must(t, err)
	defer st.Close()
	if names := st.ColumnNames(); len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Fatalf("ColumnNames = %q", names)
	}
	var ts []int64
	var a, b []float64
	batches := 0
	for st.Next() {
		batch := st.Batch()
		if batch.Len() == 0 || len(batch.Columns) != 2 || len(batch.Columns[0]) != batch.Len() {
			t.Fatalf("batch %d: %d rows, %d columns", batches, batch.Len(), len(batch.Columns))
		}
		ts = append(ts, batch.Ts...)
		a = append(a, batch.Columns[0]...)
		b = append(b, batch.Columns[1]...)
		batches++
	}
	must(t, st.Err())
	if batches < 2 {
		t.Fatalf("%d batches over %d segments", batches, n/1000)
	}
	if !equalInts(ts, wantTs) || !equalFloatBits(a, wantCols[0]) || !equalFloatBits(b, wantCols[1]) {
		t.Fatalf("stream differs from query: %d rows vs %d", len(ts), len(wantTs))
	}
	if st.Next() {
		t.Fatal("Next after the end returned true")
	}
	st.Close()
	st.Close()
}

// A stream reads the snapshot taken when it was made: later appends are
// not seen, and it outlives Close of the DB. Closing it half way is fine.
func TestStreamSnapshotAndEarlyClose(t *testing.T) {
	db, _ := openTemp(t, &Options{SegmentMaxRows: 1000})
	fillSegments(t, db, 4000)
	st, err := db.Stream("t", 0, math.MaxInt64)
	must(t, err)
	must(t, db.AppendRow("t", 99999, 1, 2))
	must(t, db.Close())
	rows := 0
	var last int64
	for st.Next() {
		rows += st.Batch().Len()
		last = st.Batch().Ts[st.Batch().Len()-1]
	}
	must(t, st.Err())
	st.Close()
	if rows != 4000 || last != 3999 {
		t.Fatalf("stream after Close of the DB: %d rows, last ts %d", rows, last)
	}

	db2, _ := openTemp(t, &Options{SegmentMaxRows: 1000})
	fillSegments(t, db2, 4000)
	st2, err := db2.Stream("t", 0, math.MaxInt64)
	must(t, err)
	if !st2.Next() {
		t.Fatalf("no first batch: %v", st2.Err())
	}
	must(t, st2.Close())
	if st2.Next() || st2.Batch().Len() != 0 {
		t.Fatal("Next after Close returned a batch")
	}
}

// The raw Arrow C structs, handed to a consumer that knows only the Arrow
// specification: it moves them out, and Release afterwards frees only our
// structs (a double release would crash or be caught by the race build's
// allocator checks).
func TestRawArrowForeignConsumer(t *testing.T) {
	db, _ := openTemp(t, &Options{SegmentMaxRows: 1000})
	fillSegments(t, db, 5000)

	as, err := db.QueryRangeArrowStream("t", 10, 4009)
	must(t, err)
	sum := arrowconsumer.ConsumeStream(as.Stream())
	as.Release()
	as.Release()
	if as.Stream() != nil {
		t.Fatal("Stream() not nil after Release")
	}
	wantSum := 0.0
	for i := 10; i <= 4009; i++ {
		wantSum -= float64(i)
	}
	if sum.Errno != 0 || sum.Rows != 4000 || sum.FirstTs != 10 || sum.LastTs != 4009 || sum.SumLastColumn != wantSum || sum.Batches < 2 {
		t.Fatalf("consumer read %+v", sum)
	}
	if sum.TsFormat[:4] != "tsm:" {
		t.Fatalf("timestamp format %q", sum.TsFormat)
	}

	rec, err := db.QueryRangeArrow("t", 10, 4009)
	must(t, err)
	sum2 := arrowconsumer.ConsumeRecord(rec.Array(), rec.Schema())
	rec.Release()
	rec.Release()
	if sum2.Rows != 4000 || sum2.SumLastColumn != wantSum || sum2.FirstTs != 10 {
		t.Fatalf("record consumer read %+v", sum2)
	}

	// Not moved: Release calls the library's release callbacks itself.
	rec2, err := db.LatestArrow("t", 5)
	must(t, err)
	rec2.Release()
	as2, err := db.AggregateArrowStream("t", 0, 4999, 1000, AggCount, AggMean)
	must(t, err)
	sum3 := arrowconsumer.ConsumeStream(as2.Stream())
	as2.Release()
	if sum3.Errno != 0 || sum3.Rows != 5 || sum3.FirstTs != 0 || sum3.LastTs != 4000 {
		t.Fatalf("aggregate stream consumer read %+v", sum3)
	}
}
