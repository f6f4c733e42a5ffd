package nanots

import (
	"math"
	"testing"
)

func TestAggregate(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "a", "b"))
	// Bucket [0, 1000): a = 1, NaN, 3; bucket [1000, 2000): a = 10; [2000,
	// 3000) empty; [3000, 4000): a = -5, 5.
	must(t, db.AppendRows("t",
		[]int64{0, 500, 999, 1000, 3500, 3000},
		[]float64{1, math.NaN(), 3, 10, 5, -5},
		[]float64{0, 0, 0, 0, 0, 0}))
	must(t, db.Flush())
	res, err := db.Aggregate("t", 0, 9999, 1000, AggCount, AggSum, AggMin, AggMax, AggMean, AggFirst, AggLast)
	must(t, err)
	if !equalInts(res.BucketStart, []int64{0, 1000, 3000}) {
		t.Fatalf("BucketStart = %v", res.BucketStart)
	}
	if len(res.Columns) != 14 || res.Columns[0].Name != "a_count" || res.Columns[7].Name != "b_count" {
		t.Fatalf("%d columns, first %q", len(res.Columns), res.Columns[0].Name)
	}
	count := res.Get("a", AggCount)
	if count == nil || count.Values != nil || len(count.Count) != 3 || count.Count[0] != 3 || count.Count[1] != 1 || count.Count[2] != 2 {
		t.Fatalf("a_count = %+v", count)
	}
	want := map[Agg][]float64{
		AggSum:   {4, 10, 0},
		AggMin:   {1, 10, -5},
		AggMax:   {3, 10, 5},
		AggMean:  {2, 10, 0},
		AggFirst: {1, 10, -5},
		AggLast:  {3, 10, 5},
	}
	for agg, w := range want {
		c := res.Get("a", agg)
		if c == nil || c.Column != "a" || c.Agg != agg || c.Name != "a_"+agg.String() || !equalFloatBits(c.Values, w) {
			t.Fatalf("a_%v = %+v, want %v", agg, c, w)
		}
	}
	if res.Get("c", AggSum) != nil {
		t.Fatal("Get of an unknown column is not nil")
	}
	_, err = db.Aggregate("t", 0, 10, 0, AggSum)
	wantError(t, err, ErrInvalidArgument, "bucket")
	_, err = db.Aggregate("t", 0, 10, 1000)
	wantError(t, err, ErrInvalidArgument)
	_, err = db.Aggregate("t", 0, 10, 1000, Agg(42))
	wantError(t, err, ErrInvalidArgument)
	if Agg(42).String() != "Agg(42)" {
		t.Fatalf("Agg(42).String() = %q", Agg(42).String())
	}
}

func TestLatest(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	for i := 0; i < 10; i++ {
		must(t, db.AppendRow("t", int64(100-i), float64(i))) // newest first
	}
	last, err := db.Latest("t", 1)
	must(t, err)
	if last.Len() != 1 || last.Ts()[0] != 100 || last.Column(0)[0] != 0 || last.ColumnNames()[0] != "v" {
		t.Fatalf("Latest 1: %v %v", last.Ts(), last.Column(0))
	}
	last.Close() // nothing to free: no crash
	three, err := db.Latest("t", 3)
	must(t, err)
	if !equalInts(three.Ts(), []int64{98, 99, 100}) || !equalFloatBits(three.Column(0), []float64{2, 1, 0}) {
		t.Fatalf("Latest 3: %v %v", three.Ts(), three.Column(0))
	}
	none, err := db.Latest("t", 0)
	must(t, err)
	if none.Len() != 0 || len(none.Ts()) != 0 {
		t.Fatalf("Latest 0: %d rows", none.Len())
	}
	_, err = db.Latest("t", -1)
	wantError(t, err, ErrInvalidArgument, "negative")
}
