package nanots

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// collectUntil runs the garbage collector until cond holds, at most 500
// times (cleanups run on their own goroutine after a collection).
func collectUntil(cond func() bool) bool {
	for i := 0; i < 500; i++ {
		runtime.GC()
		if cond() {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// settledResources is the count of live C resources once objects that
// earlier tests dropped have been collected.
func settledResources() int64 {
	last := liveResources.Load()
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		now := liveResources.Load()
		if now == last && i >= 2 {
			break
		}
		last = now
	}
	return last
}

// A DB dropped without Close is closed by the safety net: its rows are
// flushed and the file's lock is released.
func TestSafetyNetClosesDroppedDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dropped.ntt")
	base := settledResources()
	func() {
		db, err := Open(path, nil)
		must(t, err)
		must(t, db.CreateTable("t", "v"))
		must(t, db.AppendRow("t", 7, 7))
	}()
	if !collectUntil(func() bool { return liveResources.Load() == base }) {
		t.Fatalf("dropped DB not released: %d live C resources, want %d", liveResources.Load(), base)
	}
	db, err := Open(path, nil)
	must(t, err)
	defer db.Close()
	ts, _ := query(t, db, "t", 0, 10)
	if !equalInts(ts, []int64{7}) {
		t.Fatalf("rows of the dropped DB: %v", ts)
	}
}

// Results, streams and Arrow structs dropped without Close are released by
// the safety net; closed ones are released once only (the count would go
// below the base on a second release).
func TestSafetyNetReleasesOnce(t *testing.T) {
	db, _ := openTemp(t, &Options{SegmentMaxRows: 100})
	must(t, db.CreateTable("t", "v"))
	for i := 0; i < 1000; i++ {
		must(t, db.AppendRow("t", int64(i), float64(i)))
	}
	base := settledResources()
	func() {
		for i := 0; i < 5; i++ {
			res, err := db.QueryRange("t", 0, math.MaxInt64)
			must(t, err)
			_ = res.Column(0)
			st, err := db.Stream("t", 0, math.MaxInt64)
			must(t, err)
			st.Next()
			rec, err := db.QueryRangeArrow("t", 0, 10)
			must(t, err)
			as, err := db.AggregateArrowStream("t", 0, 1000, 100, AggMax)
			must(t, err)
			_, _ = rec, as
		}
	}()
	if liveResources.Load() != base+20 {
		t.Fatalf("%d live C resources, want %d", liveResources.Load(), base+20)
	}
	if !collectUntil(func() bool { return liveResources.Load() == base }) {
		t.Fatalf("dropped objects not released: %d live, want %d", liveResources.Load(), base)
	}
	// Closed explicitly, then collected: still released once.
	func() {
		res, err := db.QueryRange("t", 0, 10)
		must(t, err)
		res.Close()
		st, err := db.Stream("t", 0, 10)
		must(t, err)
		st.Close()
		rec, err := db.LatestArrow("t", 2)
		must(t, err)
		rec.Release()
	}()
	if liveResources.Load() != base {
		t.Fatalf("after Close: %d live, want %d", liveResources.Load(), base)
	}
	collectUntil(func() bool { return false })
	if liveResources.Load() != base {
		t.Fatalf("after Close and collection: %d live, want %d (released twice?)", liveResources.Load(), base)
	}
}
