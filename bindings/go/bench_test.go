package nanots

import (
	"testing"
	"time"
)

// The figures compare with c_examples/bench_append.c: a 2-column table,
// NTS_SYNC_NEVER, automatic flushes included.

// BenchmarkAppendRow measures one cgo call per row (ns/op is the cost of
// a row, call overhead included).
func BenchmarkAppendRow(b *testing.B) {
	db, _ := openTemp(b, &Options{Sync: SyncNever})
	must(b, db.CreateTable("t", "a", "b"))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := db.AppendRow("t", 1700000000000+int64(i), float64(i), float64(i&1023)*0.25); err != nil {
			b.Fatal(err)
		}
	}
	must(b, db.Flush())
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkAppendRows measures columnar batches of 65536 rows (one op is
// one batch, filled before the call as in the C benchmark).
func BenchmarkAppendRows(b *testing.B) {
	const batch = 65536
	db, _ := openTemp(b, &Options{Sync: SyncNever})
	must(b, db.CreateTable("t", "a", "b"))
	ts := make([]int64, batch)
	a := make([]float64, batch)
	c := make([]float64, batch)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for k := 0; k < b.N; k++ {
		for i := range ts {
			n := int64(k*batch + i)
			ts[i] = 1700000000000 + n
			a[i] = float64(n)
			c[i] = float64(n&1023) * 0.25
		}
		if err := db.AppendRows("t", ts, a, c); err != nil {
			b.Fatal(err)
		}
	}
	must(b, db.Flush())
	b.StopTimer()
	b.ReportMetric(float64(b.N)*batch/time.Since(start).Seconds(), "rows/s")
}
