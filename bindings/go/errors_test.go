package nanots

import (
	"errors"
	"testing"
	"time"
)

func TestUnknownTable(t *testing.T) {
	db, _ := openTemp(t, nil)
	wantError(t, db.AppendRow("nope", 1, 1.0), ErrNotFound, "nts_append_row", `"nope"`)
	_, err := db.QueryRange("nope", 0, 1)
	wantError(t, err, ErrNotFound, "nts_query_range", "nope")
	_, err = db.Stats("nope")
	wantError(t, err, ErrNotFound, "nope")
	_, err = db.Stream("nope", 0, 1)
	wantError(t, err, ErrNotFound, "nope")
	_, err = db.Aggregate("nope", 0, 1, 1, AggCount)
	wantError(t, err, ErrNotFound, "nope")
	wantError(t, db.DropTable("nope"), ErrNotFound)
	wantError(t, db.DeleteRange("nope", 0, 1), ErrNotFound)
}

func TestWrongColumnCount(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "a", "b"))
	wantError(t, db.AppendRow("t", 1, 1.0), ErrSchemaMismatch, "nts_append_row")
	wantError(t, db.AppendRow("t", 1, 1, 2, 3), ErrSchemaMismatch)
	wantError(t, db.AppendRows("t", []int64{1}, []float64{1}), ErrSchemaMismatch, "nts_append_rows")
	// A column shorter than the timestamps is caught before C reads past it.
	wantError(t, db.AppendRows("t", []int64{1, 2}, []float64{1, 2}, []float64{1}), ErrInvalidArgument, "AppendRows", "column 1 has 1 values for 2 timestamps")
	wantError(t, db.Append("t", 1, 1), ErrSchemaMismatch, "nts_append")
	wantError(t, db.CreateTable("t", "a"), ErrAlreadyExists)
	// Nothing of the refused calls was written.
	ts, _ := query(t, db, "t", 0, 10)
	if len(ts) != 0 {
		t.Fatalf("refused appends wrote rows at %v", ts)
	}
}

// A second writer on the same file is refused, in the same process too;
// a reader opens beside the writer and refuses writes.
func TestSecondWriterLocked(t *testing.T) {
	db, path := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	must(t, db.AppendRow("t", 1, 1))
	must(t, db.Flush())
	db2, err := Open(path, nil)
	if db2 != nil {
		t.Fatal("second Open returned a DB")
	}
	wantError(t, err, ErrLocked, "nts_open")

	ro, err := Open(path, &Options{ReadOnly: true})
	must(t, err)
	defer ro.Close()
	isRO, err := ro.ReadOnly()
	must(t, err)
	if !isRO {
		t.Fatal("ReadOnly() = false on a reader")
	}
	wantError(t, ro.AppendRow("t", 2, 2), ErrReadOnly)
	ts, _ := query(t, ro, "t", 0, 10)
	if !equalInts(ts, []int64{1}) {
		t.Fatalf("reader sees %v", ts)
	}
	// The reader follows the writer's flushes.
	must(t, db.AppendRow("t", 2, 2))
	must(t, db.Flush())
	changed, err := ro.Refresh()
	must(t, err)
	if !changed {
		t.Fatal("Refresh after a flush reported no change")
	}
	ts, _ = query(t, ro, "t", 0, 10)
	if !equalInts(ts, []int64{1, 2}) {
		t.Fatalf("reader after refresh sees %v", ts)
	}

	// Once the writer is closed, the file opens again.
	must(t, db.Close())
	db3, err := Open(path, nil)
	must(t, err)
	must(t, db3.Close())
}

// Every method of a closed DB returns ErrClosed (no crash); Close twice too.
func TestUseAfterClose(t *testing.T) {
	db, _ := openTemp(t, nil)
	must(t, db.CreateTable("t", "v"))
	must(t, db.Close())
	wantError(t, db.Close(), ErrClosed, "Close")
	wantError(t, db.AppendRow("t", 1, 1), ErrClosed, "AppendRow")
	wantError(t, db.AppendRows("t", []int64{1}, []float64{1}), ErrClosed)
	wantError(t, db.Append("t", 1, 1), ErrClosed)
	wantError(t, db.CreateTable("u", "v"), ErrClosed)
	wantError(t, db.Flush(), ErrClosed)
	wantError(t, db.DropTable("t"), ErrClosed)
	wantError(t, db.DeleteRange("t", 0, 1), ErrClosed)
	wantError(t, db.Pack("t", 100), ErrClosed)
	wantError(t, db.CompactRetention(), ErrClosed)
	wantError(t, db.ExecSQL("CREATE TABLE x (a DOUBLE)"), ErrClosed)
	wantError(t, db.SetMaintenanceHook(func(error) {}), ErrClosed)
	wantError(t, db.Backup(t.TempDir()+"/b.ntt", BackupCopy), ErrClosed)
	errs := []error{}
	_, err := db.QueryRange("t", 0, 1)
	errs = append(errs, err)
	_, err = db.Stream("t", 0, 1)
	errs = append(errs, err)
	_, err = db.QueryRangeArrow("t", 0, 1)
	errs = append(errs, err)
	_, err = db.Aggregate("t", 0, 1, 1, AggMax)
	errs = append(errs, err)
	_, err = db.Latest("t", 1)
	errs = append(errs, err)
	_, err = db.ListTables()
	errs = append(errs, err)
	_, err = db.TableColumns("t")
	errs = append(errs, err)
	_, err = db.Stats("t")
	errs = append(errs, err)
	_, err = db.ColumnStats("t", "v")
	errs = append(errs, err)
	_, err = db.PendingBytes()
	errs = append(errs, err)
	_, err = db.MaintenanceStatus()
	errs = append(errs, err)
	_, err = db.Verify()
	errs = append(errs, err)
	_, err = db.Refresh()
	errs = append(errs, err)
	_, err = db.MergeSmallSegments(100, 2)
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("call %d after Close: %v, want ErrClosed", i, err)
		}
	}
	var nilDB *DB
	wantError(t, nilDB.Flush(), ErrClosed)
}

// Go strings may hold any bytes: invalid UTF-8 reaches the library, which
// refuses it; a NUL byte, which C would cut short, is refused here.
func TestInvalidNames(t *testing.T) {
	db, _ := openTemp(t, nil)
	bad := "t\xff\xfe"
	wantError(t, db.CreateTable(bad, "v"), ErrInvalidArgument, "nts_create_table")
	wantError(t, db.CreateTable("t", "v\xc3"), ErrInvalidArgument, "nts_create_table")
	wantError(t, db.AppendRow(bad, 1, 1), ErrInvalidArgument, "nts_append_row")
	_, err := db.QueryRange(bad, 0, 1)
	wantError(t, err, ErrInvalidArgument)
	wantError(t, db.CreateTable("a\x00b", "v"), ErrInvalidArgument, "CreateTable", "NUL byte at offset 1")
	wantError(t, db.CreateTable("t", "v\x00"), ErrInvalidArgument, "column name")
	_, err = Open("x\x00y", nil)
	wantError(t, err, ErrInvalidArgument, "Open", "path")
	wantError(t, db.CreateTable(""), ErrInvalidArgument) // empty name, no columns
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'n'
	}
	wantError(t, db.CreateTable(string(long), "v"), ErrInvalidArgument, "300 bytes")
	_, err = db.QueryRange("t", 5, 1) // start > end
	wantError(t, err, ErrInvalidArgument)
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir+"/a.ntt", &Options{Retention: 1500 * time.Microsecond})
	wantError(t, err, ErrInvalidArgument, "Retention", "whole number of milliseconds")
	_, err = Open(dir+"/a.ntt", &Options{FlushAfter: -time.Second})
	wantError(t, err, ErrInvalidArgument, "FlushAfter", "negative")
	_, err = Open(dir+"/a.ntt", &Options{Sync: SyncMode(7)})
	wantError(t, err, ErrInvalidArgument, "Sync")
	_, err = Open(dir+"/a.ntt", &Options{SegmentMaxRows: 5000000})
	wantError(t, err, ErrInvalidArgument, "nts_open")
	_, err = Open(dir+"/a.ntt", &Options{ReadOnly: true, Salvage: true})
	wantError(t, err, ErrInvalidArgument, "nts_open")
}

// The sentinels and Code.String agree with the library's nts_status_str,
// and every sentinel matches only its own code.
func TestSentinels(t *testing.T) {
	sentinels := []*Error{ErrInvalidArgument, ErrNotFound, ErrAlreadyExists, ErrSchemaMismatch, ErrIO,
		ErrCorrupt, ErrLocked, ErrTooLarge, ErrUnsupportedVersion, ErrClosed, ErrPanic, ErrUnknown, ErrReadOnly}
	for i, s := range sentinels {
		if int(s.Code) != i+1 {
			t.Fatalf("sentinel %d has code %d", i, s.Code)
		}
		if s.Code.String() == "unrecognized status code" {
			t.Fatalf("library does not know code %d", s.Code)
		}
		for j, o := range sentinels {
			if errors.Is(s, o) != (i == j) {
				t.Fatalf("errors.Is(%v, %v) = %v", s.Code, o.Code, i != j)
			}
		}
	}
	if got := Code(999).String(); got != "unrecognized status code" {
		t.Fatalf("Code(999).String() = %q", got)
	}
	if got := CodeNotFound.String(); got != "not found" {
		t.Fatalf("CodeNotFound.String() = %q", got)
	}
	e := &Error{Code: CodeLocked}
	if e.Error() != "nanots: locked" {
		t.Fatalf("Error() without message = %q", e.Error())
	}
}
