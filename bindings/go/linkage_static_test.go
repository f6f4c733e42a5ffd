//go:build nanots_static

package nanots

import "testing"

// With -tags nanots_static the library is inside the test binary: the
// shared library is not loaded (nor needed: see scripts/go-tests.sh, which
// also checks the binary's DT_NEEDED entries).
func TestLinkedStatic(t *testing.T) {
	if libnanotsMapped(t) {
		t.Fatal("libnanots.so is mapped into a nanots_static build")
	}
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	must(t, db.AppendRow("t", 1, 2))
	ts, cols := query(t, db, "t", 0, 1)
	if !equalInts(ts, []int64{1}) || cols[0][0] != 2 {
		t.Fatalf("static build: %v %v", ts, cols)
	}
}
