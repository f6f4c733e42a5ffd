package nanots

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// openTemp opens a new database in a temporary directory, closed at the
// end of the test (Close on a closed DB only returns ErrClosed).
func openTemp(t testing.TB, opts *Options) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.ntt")
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, path
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantError checks that err matches sentinel with errors.Is, that
// errors.As gives an *Error with the same code, and that the message holds
// every fragment.
func wantError(t testing.TB, err error, sentinel *Error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel.Code)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, %v) = false", err, sentinel.Code)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%v, *Error) = false", err)
	}
	if e.Code != sentinel.Code {
		t.Fatalf("code %v (%d), want %v (%d)", e.Code, e.Code, sentinel.Code, sentinel.Code)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Msg, f) {
			t.Fatalf("message %q does not contain %q", e.Msg, f)
		}
	}
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloatBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameBits(a[i], b[i]) {
			return false
		}
	}
	return true
}

// query returns all rows of table (ts, columns), closing the Result.
func query(t testing.TB, db *DB, table string, from, to int64) ([]int64, [][]float64) {
	t.Helper()
	res, err := db.QueryRange(table, from, to)
	if err != nil {
		t.Fatalf("QueryRange(%q): %v", table, err)
	}
	defer res.Close()
	cols := make([][]float64, res.NumColumns())
	for i := range cols {
		cols[i] = res.Column(i)
	}
	return res.Ts(), cols
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
