package nanots

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Several goroutines append (row by row and in batches) while others
// query; at the end every row is there exactly once, with its values.
func TestConcurrentAppendsAndQueries(t *testing.T) {
	db, path := openTemp(t, &Options{SegmentMaxRows: 512, AutoFlushBytes: 64 << 10})
	const writers, rowsPerWriter, batch = 4, 2000, 100
	for w := 0; w < writers; w++ {
		must(t, db.CreateTable(fmt.Sprintf("w%d", w), "v", "w"))
	}
	must(t, db.CreateTable("shared", "value")) // the column Append writes

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			table := fmt.Sprintf("w%d", w)
			for i := 0; i < rowsPerWriter; i += batch {
				if i%(2*batch) == 0 { // alternate: one batch row by row, one columnar
					for j := i; j < i+batch; j++ {
						if err := db.AppendRow(table, int64(j), float64(j), float64(w)); err != nil {
							errs <- err
							return
						}
					}
				} else {
					ts := make([]int64, batch)
					v := make([]float64, batch)
					ww := make([]float64, batch)
					for j := range ts {
						ts[j] = int64(i + j)
						v[j] = float64(i + j)
						ww[j] = float64(w)
					}
					if err := db.AppendRows(table, ts, v, ww); err != nil {
						errs <- err
						return
					}
				}
				if err := db.Append("shared", int64(w*rowsPerWriter+i), 1); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		r := r
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				table := fmt.Sprintf("w%d", (r+n)%writers)
				res, err := db.QueryRange(table, 0, math.MaxInt64)
				if err != nil {
					errs <- err
					return
				}
				// Whatever is visible is a sorted prefix-free set of whole rows.
				ts, v := res.Ts(), res.Column(0)
				for i := range ts {
					if float64(ts[i]) != v[i] || (i > 0 && ts[i] <= ts[i-1]) {
						errs <- fmt.Errorf("%s row %d: ts %d value %v", table, i, ts[i], v[i])
						res.Close()
						return
					}
				}
				res.Close()
				if _, err := db.Aggregate(table, 0, math.MaxInt64, 1000, AggCount, AggMax); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check := func(db *DB) {
		for w := 0; w < writers; w++ {
			ts, cols := query(t, db, fmt.Sprintf("w%d", w), 0, math.MaxInt64)
			if len(ts) != rowsPerWriter {
				t.Fatalf("w%d: %d rows, want %d", w, len(ts), rowsPerWriter)
			}
			for i := range ts {
				if ts[i] != int64(i) || cols[0][i] != float64(i) || cols[1][i] != float64(w) {
					t.Fatalf("w%d row %d: %d %v %v", w, i, ts[i], cols[0][i], cols[1][i])
				}
			}
		}
		ts, _ := query(t, db, "shared", 0, math.MaxInt64)
		if len(ts) != writers*rowsPerWriter/batch {
			t.Fatalf("shared: %d rows", len(ts))
		}
	}
	check(db)
	must(t, db.Close())
	db2, err := Open(path, nil)
	must(t, err)
	defer db2.Close()
	check(db2)
}

// Each goroutine gets the message of its own failed call, though the
// library keeps messages per OS thread and goroutines change threads: the
// binding reads the message inside the same C call.
func TestErrorMessagesStayWithTheirCall(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "a", "b"))
	var wg sync.WaitGroup
	fail := make(chan string, 16)
	for g := 0; g < 8; g++ {
		g := g
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				table := fmt.Sprintf("missing_%d_%d", g, i)
				var want string
				var err error
				if i%2 == 0 {
					err = db.AppendRow(table, 1, 1, 2)
					want = fmt.Sprintf("%q", table)
				} else {
					err = db.AppendRow("t", int64(i), 1) // wrong count: 1 value for 2 columns
					want = "nts_append_row"
				}
				var e *Error
				if !errors.As(err, &e) {
					fail <- fmt.Sprintf("goroutine %d call %d: %v", g, i, err)
					return
				}
				if i%2 == 0 && (e.Code != CodeNotFound || !strings.Contains(e.Msg, want)) ||
					i%2 == 1 && (e.Code != CodeSchemaMismatch || !strings.Contains(e.Msg, want) || strings.Contains(e.Msg, "missing_")) {
					fail <- fmt.Sprintf("goroutine %d call %d: got %v (%q)", g, i, e.Code, e.Msg)
					return
				}
				if i%50 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	close(fail)
	for f := range fail {
		t.Fatal(f)
	}
}

// Close while other goroutines keep calling: every call either succeeds
// or returns ErrClosed; nothing crashes and Close happens once.
func TestCloseWhileInUse(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	var wg sync.WaitGroup
	bad := make(chan error, 8)
	for g := 0; g < 4; g++ {
		g := g
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				err := db.AppendRow("t", int64(g*10000+i), 1)
				if err != nil && !errors.Is(err, ErrClosed) {
					bad <- err
					return
				}
				res, err := db.QueryRange("t", 0, 100)
				if err != nil && !errors.Is(err, ErrClosed) {
					bad <- err
					return
				}
				res.Close() // nil-safe when the query failed
			}
		}()
	}
	closes := make(chan error, 2)
	go func() { closes <- db.Close() }()
	go func() { closes <- db.Close() }()
	wg.Wait()
	close(bad)
	for err := range bad {
		t.Fatal(err)
	}
	e1, e2 := <-closes, <-closes
	if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, ErrClosed) || errors.Is(e2, ErrClosed)) {
		t.Fatalf("two concurrent Close calls returned %v and %v; want one nil, one ErrClosed", e1, e2)
	}
}
