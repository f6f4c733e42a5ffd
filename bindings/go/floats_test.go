package nanots

import (
	"math"
	"testing"
)

// specialFloats: NaNs with payloads (quiet and signalling bit patterns,
// both signs), both zeros, both infinities, the extremes and a subnormal.
var specialFloats = []float64{
	math.Float64frombits(0x7ff8000000000001), // quiet NaN, payload 1
	math.Float64frombits(0x7ff0000000000bad), // signalling NaN pattern
	math.Float64frombits(0xfff8000000123456), // negative NaN with payload
	math.NaN(),
	math.Copysign(0, -1),
	0,
	math.Inf(1),
	math.Inf(-1),
	math.MaxFloat64,
	-math.SmallestNonzeroFloat64,
	1.0 / 3.0,
}

// Every value comes back with the same 64 bits: appended row by row and
// column by column, read from the buffer, from segments after a reopen,
// through QueryRange, Stream and Latest.
func TestSpecialFloatsBitExact(t *testing.T) {
	db, path := openTemp(t, nil)
	must(t, db.CreateTable("rows", "v", "w"))
	must(t, db.CreateTable("cols", "v", "w"))
	n := len(specialFloats)
	ts := make([]int64, n)
	rev := make([]float64, n)
	for i, v := range specialFloats {
		ts[i] = int64(i)
		rev[n-1-i] = v
		must(t, db.AppendRow("rows", int64(i), v, specialFloats[n-1-i]))
	}
	must(t, db.AppendRows("cols", ts, specialFloats, rev))

	check := func(stage string, db *DB) {
		t.Helper()
		for _, table := range []string{"rows", "cols"} {
			gotTs, cols := query(t, db, table, 0, int64(n))
			if !equalInts(gotTs, ts) || !equalFloatBits(cols[0], specialFloats) || !equalFloatBits(cols[1], rev) {
				t.Fatalf("%s, QueryRange(%s): bits differ:\n got %x\nwant %x", stage, table, bitsOf(cols[0]), bitsOf(specialFloats))
			}
			st, err := db.Stream(table, 0, int64(n))
			must(t, err)
			var streamed []float64
			for st.Next() {
				streamed = append(streamed, st.Batch().Columns[0]...)
			}
			must(t, st.Err())
			st.Close()
			if !equalFloatBits(streamed, specialFloats) {
				t.Fatalf("%s, Stream(%s): bits differ: %x", stage, table, bitsOf(streamed))
			}
			last, err := db.Latest(table, 3)
			must(t, err)
			if !equalFloatBits(last.Column(1), rev[n-3:]) || !equalInts(last.Ts(), ts[n-3:]) {
				t.Fatalf("%s, Latest(%s, 3): %x at %v", stage, table, bitsOf(last.Column(1)), last.Ts())
			}
		}
	}
	check("buffered", db)
	must(t, db.Close())
	db, err := Open(path, nil)
	must(t, err)
	defer db.Close()
	check("reopened", db)
}

func bitsOf(v []float64) []uint64 {
	out := make([]uint64, len(v))
	for i, f := range v {
		out[i] = math.Float64bits(f)
	}
	return out
}
