package nanots

// #include "gonts.h"
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// This file is the raw Arrow layer: the C Data Interface structs exactly
// as the library fills them, for programs that bring their own Arrow
// library (e.g. Apache Arrow Go's cdata.ImportCArray /
// cdata.ImportCRecordReader, which take these pointers). The typed API
// (QueryRange, Stream, Aggregate, Latest) is built on the same calls.
//
// The structs live in C memory, so their addresses can be handed to any
// consumer. Moving one into another library (which copies it and sets the
// source's release callback to NULL, as the Arrow specification says)
// leaves Release here only the C memory of the struct itself to free.

// ArrowRecord is a struct array (one row per result row) and its schema,
// as `struct ArrowArray` and `struct ArrowSchema` of the Arrow C Data
// Interface. It stays valid after the DB is closed. Call Release when
// done (a safety net releases it if dropped, but when is up to the
// garbage collector).
type ArrowRecord struct {
	state *arrowRecordState
	net   safetyNet
}

type arrowRecordState struct {
	mu     sync.Mutex
	array  *C.struct_ArrowArray
	schema *C.struct_ArrowSchema
}

func newArrowRecordState() *arrowRecordState {
	liveResources.Add(1)
	return &arrowRecordState{
		array:  (*C.struct_ArrowArray)(C.calloc(1, C.sizeof_struct_ArrowArray)),
		schema: (*C.struct_ArrowSchema)(C.calloc(1, C.sizeof_struct_ArrowSchema)),
	}
}

// release calls the structs' release callbacks (unless moved out) and
// frees them; idempotent.
func (s *arrowRecordState) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.array != nil {
		liveResources.Add(-1)
		C.gonts_array_release(s.array)
		C.free(unsafe.Pointer(s.array))
		s.array = nil
	}
	if s.schema != nil {
		C.gonts_schema_release(s.schema)
		C.free(unsafe.Pointer(s.schema))
		s.schema = nil
	}
}

func newArrowRecord(s *arrowRecordState) *ArrowRecord {
	r := &ArrowRecord{state: s}
	r.net = armSafetyNet(r, (*arrowRecordState).release, s)
	return r
}

// Array is the `struct ArrowArray *` (nil after Release).
func (r *ArrowRecord) Array() unsafe.Pointer {
	r.state.mu.Lock()
	defer r.state.mu.Unlock()
	return unsafe.Pointer(r.state.array)
}

// Schema is the `struct ArrowSchema *` (nil after Release).
func (r *ArrowRecord) Schema() unsafe.Pointer {
	r.state.mu.Lock()
	defer r.state.mu.Unlock()
	return unsafe.Pointer(r.state.schema)
}

// Release releases the array and schema (those not moved into another
// library) and frees the structs. Releasing twice does nothing.
func (r *ArrowRecord) Release() {
	r.state.release()
	r.net.disarm(r)
}

// ArrowStream is a `struct ArrowArrayStream` of the Arrow C Stream
// Interface. It reads a snapshot taken when it was made and stays valid
// after the DB is closed. Like every Arrow stream it must not be used by
// two threads at once. Call Release when done.
type ArrowStream struct {
	state *arrowStreamState
	net   safetyNet
}

type arrowStreamState struct {
	mu     sync.Mutex
	stream *C.struct_ArrowArrayStream
}

func newArrowStreamState() *arrowStreamState {
	liveResources.Add(1)
	return &arrowStreamState{
		stream: (*C.struct_ArrowArrayStream)(C.calloc(1, C.sizeof_struct_ArrowArrayStream)),
	}
}

func (s *arrowStreamState) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream != nil {
		liveResources.Add(-1)
		C.gonts_stream_release(s.stream)
		C.free(unsafe.Pointer(s.stream))
		s.stream = nil
	}
}

// Stream is the `struct ArrowArrayStream *` (nil after Release).
func (s *ArrowStream) Stream() unsafe.Pointer {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return unsafe.Pointer(s.state.stream)
}

// Release releases the stream (unless moved into another library) and
// frees the struct. Releasing twice does nothing.
func (s *ArrowStream) Release() {
	s.state.release()
	s.net.disarm(s)
}

// QueryRangeArrow runs QueryRange's query and exports the rows through the
// Arrow C Data Interface: a struct array of `ts_ms: timestamp[ms]`
// followed by one non-nullable float64 field per value column.
func (db *DB) QueryRangeArrow(table string, from, to int64) (*ArrowRecord, error) {
	const method = "QueryRangeArrow"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	s := newArrowRecordState()
	err = errorOf(C.gonts_query_range_arrow(h, table, C.int64_t(from), C.int64_t(to), s.array, s.schema))
	runtime.KeepAlive(db)
	if err != nil {
		s.release()
		return nil, err
	}
	return newArrowRecord(s), nil
}

// QueryRangeArrowStream runs QueryRange's query as an Arrow C Stream with
// QueryRangeArrow's schema: each batch is one time-disjoint group of
// segments (at most 65536 rows), so memory stays bounded by one group.
// Later appends are not seen.
func (db *DB) QueryRangeArrowStream(table string, from, to int64) (*ArrowStream, error) {
	const method = "QueryRangeArrowStream"
	if err := checkName(method, "table name", table); err != nil {
		return nil, err
	}
	h, err := db.handle(method)
	if err != nil {
		return nil, err
	}
	s := newArrowStreamState()
	err = errorOf(C.gonts_query_range_stream(h, table, C.int64_t(from), C.int64_t(to), s.stream))
	runtime.KeepAlive(db)
	if err != nil {
		s.release()
		return nil, err
	}
	st := &ArrowStream{state: s}
	st.net = armSafetyNet(st, (*arrowStreamState).release, s)
	return st, nil
}

// liveResources counts the C objects held by this package (open DBs,
// results, Arrow records and streams): the tests check that Close and the
// safety net release each exactly once.
var liveResources atomic.Int64

// arrowField is one child of an exported struct array, located in C
// memory: values are `rows` 8-byte words from data.
type arrowField struct {
	name   string
	format string
	data   unsafe.Pointer
}

// structFields reads the children of a struct array exported by the
// library (non-nullable fixed-width 8-byte columns), taking the array's and
// each child's offset into account. The caller keeps both structs alive.
func structFields(a *C.struct_ArrowArray, s *C.struct_ArrowSchema) (fields []arrowField, rows int, err error) {
	if C.GoString(s.format) != "+s" || s.n_children != a.n_children {
		return nil, 0, fmt.Errorf("nanots: unexpected Arrow export: format %q with %d schema and %d array children", C.GoString(s.format), s.n_children, a.n_children)
	}
	rows = int(a.length)
	n := int(a.n_children)
	if n == 0 {
		return nil, rows, nil
	}
	schemas := unsafe.Slice(s.children, n)
	arrays := unsafe.Slice(a.children, n)
	fields = make([]arrowField, n)
	for i := range fields {
		cs, ca := schemas[i], arrays[i]
		f := arrowField{name: C.GoString(cs.name), format: C.GoString(cs.format)}
		if ca.null_count != 0 || ca.n_buffers != 2 || ca.length < a.offset+a.length {
			return nil, 0, fmt.Errorf("nanots: unexpected Arrow export: field %q has %d nulls, %d buffers, %d rows", f.name, ca.null_count, ca.n_buffers, ca.length)
		}
		// With no rows the buffer may be a dangling non-NULL pointer
		// (Rust's empty allocations): no arithmetic on it then.
		if rows > 0 {
			f.data = unsafe.Add(unsafe.Slice(ca.buffers, 2)[1], 8*(a.offset+ca.offset))
		}
		fields[i] = f
	}
	return fields, rows, nil
}

// words is the n 8-byte words at p, read in place (C memory).
func words(p unsafe.Pointer, n int) []int64 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(p), n)
}

// isTimestampMs reports whether an Arrow format string is a timestamp in
// milliseconds (any time zone) or a plain int64.
func isTimestampMs(format string) bool {
	return format == "l" || (len(format) >= 4 && format[:4] == "tsm:")
}
