package nanots

import (
	"math"
	"reflect"
	"testing"
)

// Write, flush, close, reopen, query: the rows come back sorted by time,
// whatever order they were appended in, from the WAL before the flush and
// from segments after the reopen.
func TestWriteFlushReopenQuery(t *testing.T) {
	db, path := openTemp(t, nil)
	must(t, db.CreateTable("sensor", "temp", "humidity"))
	must(t, db.CreateTable("sensor", "temp", "humidity")) // idempotent
	must(t, db.AppendRow("sensor", 3000, 23.0, 63.0))
	must(t, db.AppendRow("sensor", 1000, 21.0, 61.0))
	must(t, db.AppendRows("sensor", []int64{2000, 4000}, []float64{22.0, 24.0}, []float64{62.0, 64.0}))
	must(t, db.Append("cpu", 1000, 0.25))

	wantTs := []int64{1000, 2000, 3000, 4000}
	wantCols := [][]float64{{21, 22, 23, 24}, {61, 62, 63, 64}}
	ts, cols := query(t, db, "sensor", 0, math.MaxInt64)
	if !equalInts(ts, wantTs) || !reflect.DeepEqual(cols, wantCols) {
		t.Fatalf("before flush: %v %v", ts, cols)
	}
	pending, err := db.PendingBytes()
	must(t, err)
	if pending == 0 {
		t.Fatalf("PendingBytes = 0 with 5 rows buffered")
	}
	must(t, db.Flush())
	pending, err = db.PendingBytes()
	must(t, err)
	if pending != 0 {
		t.Fatalf("PendingBytes = %d after Flush", pending)
	}
	must(t, db.Close())

	db, err = Open(path, nil)
	must(t, err)
	defer db.Close()
	tables, err := db.ListTables()
	must(t, err)
	if !reflect.DeepEqual(tables, []string{"cpu", "sensor"}) {
		t.Fatalf("ListTables = %q", tables)
	}
	cols2, err := db.TableColumns("sensor")
	must(t, err)
	if !reflect.DeepEqual(cols2, []string{"temp", "humidity"}) {
		t.Fatalf("TableColumns = %q", cols2)
	}
	res, err := db.QueryRange("sensor", 2000, 3000) // inclusive at both ends
	must(t, err)
	if res.Len() != 2 || !reflect.DeepEqual(res.ColumnNames(), []string{"temp", "humidity"}) {
		t.Fatalf("Len %d, names %q", res.Len(), res.ColumnNames())
	}
	if !equalInts(res.Ts(), []int64{2000, 3000}) || !reflect.DeepEqual(res.Column(1), []float64{62, 63}) {
		t.Fatalf("range [2000, 3000]: %v %v", res.Ts(), res.Column(1))
	}
	if got := res.Time(0); got.UnixMilli() != 2000 || got.Location().String() != "UTC" {
		t.Fatalf("Time(0) = %v", got)
	}
	res.Close()
	ts, cols = query(t, db, "cpu", 0, 1000)
	if !equalInts(ts, []int64{1000}) || !reflect.DeepEqual(cols, [][]float64{{0.25}}) {
		t.Fatalf("cpu: %v %v", ts, cols)
	}
	st, err := db.Stats("sensor")
	must(t, err)
	if st.Rows != 4 || st.FlushedRows != 4 || st.BufferedRows != 0 || st.Columns != 2 || st.Segments == 0 {
		t.Fatalf("Stats = %+v", st)
	}
	if Version() == "" {
		t.Fatal("Version() is empty")
	}
}

// Slices from a Result are the caller's: they survive Close and are not
// shared with later results.
func TestResultSlicesOutliveClose(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	must(t, db.AppendRows("t", []int64{1, 2, 3}, []float64{10, 20, 30}))
	res, err := db.QueryRange("t", 0, 10)
	must(t, err)
	ts, v := res.Ts(), res.Column(0)
	res.Close()
	res.Close() // twice: nothing happens
	if !equalInts(ts, []int64{1, 2, 3}) || !reflect.DeepEqual(v, []float64{10, 20, 30}) {
		t.Fatalf("after Close: %v %v", ts, v)
	}
	// Same slices on a second call (copied once).
	if &res.Ts()[0] != &ts[0] {
		t.Fatal("Ts() copied again")
	}
	// A column not read before Close is gone.
	res2, err := db.QueryRange("t", 0, 10)
	must(t, err)
	res2.Close()
	if res2.Column(0) != nil || res2.Ts() != nil {
		t.Fatal("columns readable after Close without a copy made before")
	}
	// An empty range is an empty, non-nil result.
	res3, err := db.QueryRange("t", 100, 200)
	must(t, err)
	defer res3.Close()
	if res3.Len() != 0 || len(res3.Ts()) != 0 || len(res3.Column(0)) != 0 {
		t.Fatalf("empty range: %d rows", res3.Len())
	}
}

func TestDeleteDropAndSQL(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.ExecSQL("CREATE TABLE m (a DOUBLE, b DOUBLE); INSERT INTO m VALUES (1, 1.5, 2.5), (2, 3.5, 4.5), (3, 5.5, 6.5)"))
	ts, cols := query(t, db, "m", 0, 10)
	if !equalInts(ts, []int64{1, 2, 3}) || !reflect.DeepEqual(cols, [][]float64{{1.5, 3.5, 5.5}, {2.5, 4.5, 6.5}}) {
		t.Fatalf("after SQL: %v %v", ts, cols)
	}
	must(t, db.DeleteRange("m", 2, 2))
	ts, _ = query(t, db, "m", 0, 10)
	if !equalInts(ts, []int64{1, 3}) {
		t.Fatalf("after DeleteRange(2, 2): %v", ts)
	}
	must(t, db.DropTable("m"))
	tables, err := db.ListTables()
	must(t, err)
	if len(tables) != 0 {
		t.Fatalf("after DropTable: %q", tables)
	}
	// The name can be used again at once, with other columns.
	must(t, db.CreateTable("m", "x"))
	ts, _ = query(t, db, "m", 0, 10)
	if len(ts) != 0 {
		t.Fatalf("recreated table has rows %v", ts)
	}
	wantError(t, db.ExecSQL("SELECT * FROM m"), ErrInvalidArgument, "nts_exec_sql")
	wantError(t, db.ExecSQL("INSERT INTO m VALUES (1, 2, 3)"), ErrInvalidArgument, "rows need 2 values")
}

func TestTimeHelpers(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	at := FromMillis(1704067200123)
	if ToMillis(at) != 1704067200123 {
		t.Fatalf("ToMillis(FromMillis(x)) = %d", ToMillis(at))
	}
	must(t, db.AppendRowAt("t", at, 1))
	must(t, db.AppendRowAt("t", at.Add(90*60*1e9), 2)) // +90 min
	res, err := db.QueryTimeRange("t", at, at.Add(3600*1e9))
	must(t, err)
	defer res.Close()
	if res.Len() != 1 || !res.Time(0).Equal(at) {
		t.Fatalf("QueryTimeRange: %d rows, %v", res.Len(), res.Ts())
	}
	agg, err := db.AggregateTimeRange("t", at, at.Add(4*3600*1e9), 3600*1e9, AggSum)
	must(t, err)
	if len(agg.BucketStart) != 2 || agg.BucketTime(0).UnixMilli() != 1704067200000 {
		t.Fatalf("AggregateTimeRange buckets %v", agg.BucketStart)
	}
}
