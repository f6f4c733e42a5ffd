package nanots

// #include "gonts.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Batch is one batch of a Stream: rows sorted by timestamp, column by
// column. Its slices belong to the Stream and are overwritten by the next
// call to Next: copy what you keep (as with bufio.Scanner's Bytes).
type Batch struct {
	Ts      []int64     // timestamps, ms
	Columns [][]float64 // Columns[c][i]: value column c of row i
}

// Len is the number of rows in the batch.
func (b Batch) Len() int { return len(b.Ts) }

// Stream iterates over the rows of a range query in batches, reading the
// library's Arrow C Stream: memory stays bounded by one group of segments
// whatever the range. It reads a snapshot taken when it was made and stays
// valid after the DB is closed. Like every Arrow stream, a Stream is for
// one goroutine at a time (Close included).
//
//	st, err := db.Stream("cpu", from, to)
//	if err != nil { ... }
//	defer st.Close()
//	for st.Next() {
//		b := st.Batch()
//		// use b.Ts, b.Columns
//	}
//	if err := st.Err(); err != nil { ... }
//
// Each batch is copied once out of the Arrow array into Go buffers the
// Stream reuses, and the array is released at once; for zero-copy access
// use QueryRangeArrowStream with an Arrow library.
type Stream struct {
	state *arrowStreamState
	net   safetyNet
	names []string
	ts    []int64
	cols  [][]float64
	batch Batch
	err   error
	done  bool
}

// Stream starts a range query (from <= ts <= to, ms) streamed in batches.
func (db *DB) Stream(table string, from, to int64) (*Stream, error) {
	as, err := db.QueryRangeArrowStream(table, from, to)
	if err != nil {
		return nil, err
	}
	// The Stream takes over the ArrowStream's state and safety net.
	s := &Stream{state: as.state}
	as.net.disarm(as)
	s.net = armSafetyNet(s, (*arrowStreamState).release, s.state)
	if err := s.readSchema(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// readSchema learns the column names and checks the layout.
func (s *Stream) readSchema() error {
	schema := (*C.struct_ArrowSchema)(C.calloc(1, C.sizeof_struct_ArrowSchema))
	defer func() {
		C.gonts_schema_release(schema)
		C.free(unsafe.Pointer(schema))
	}()
	s.state.mu.Lock()
	r := C.gonts_stream_get_schema(s.state.stream, schema)
	s.state.mu.Unlock()
	if err := streamError("get_schema", r); err != nil {
		return err
	}
	n := int(schema.n_children)
	if C.GoString(schema.format) != "+s" || n < 1 {
		return fmt.Errorf("nanots: Stream: unexpected Arrow schema %q with %d fields", C.GoString(schema.format), n)
	}
	children := unsafe.Slice(schema.children, n)
	if f := C.GoString(children[0].format); !isTimestampMs(f) {
		return fmt.Errorf("nanots: Stream: first field has format %q, not a timestamp in ms", f)
	}
	for _, c := range children[1:] {
		if f := C.GoString(c.format); f != "g" {
			return fmt.Errorf("nanots: Stream: field %q has format %q, not float64", C.GoString(c.name), f)
		}
		s.names = append(s.names, C.GoString(c.name))
	}
	s.cols = make([][]float64, len(s.names))
	return nil
}

// streamError is the error of an Arrow stream callback that returned an
// errno (r.status), with the stream's get_last_error text. The C Stream
// Interface carries no NanoTS status: EIO becomes CodeIO, ENOMEM
// CodeTooLarge, anything else CodeUnknown.
func streamError(callback string, r C.gonts_ret) error {
	if r.status == 0 {
		return nil
	}
	msg := ""
	if r.msg != nil {
		msg = C.GoString(r.msg)
		C.free(unsafe.Pointer(r.msg))
	}
	code := CodeUnknown
	switch r.status {
	case C.EIO:
		code = CodeIO
	case C.ENOMEM:
		code = CodeTooLarge
	}
	return &Error{Code: code, Msg: fmt.Sprintf("Arrow stream %s: errno %d: %s", callback, int(r.status), msg)}
}

// ColumnNames returns the value columns' names (without ts_ms).
func (s *Stream) ColumnNames() []string { return append([]string(nil), s.names...) }

// Next advances to the next batch and reports whether there is one. It
// returns false at the end of the stream, after an error (see Err), and
// after Close.
func (s *Stream) Next() bool {
	if s.done {
		return false
	}
	err := s.next()
	if err != nil {
		s.err = err
	}
	runtime.KeepAlive(s)
	return !s.done
}

func (s *Stream) next() error {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.stream == nil {
		s.done = true
		return nil
	}
	arr := (*C.struct_ArrowArray)(C.calloc(1, C.sizeof_struct_ArrowArray))
	defer func() {
		C.gonts_array_release(arr)
		C.free(unsafe.Pointer(arr))
	}()
	for {
		if err := streamError("get_next", C.gonts_stream_get_next(st.stream, arr)); err != nil {
			s.done = true
			return err
		}
		if arr.release == nil { // end of stream
			s.done = true
			return nil
		}
		if arr.length > 0 {
			break
		}
		C.gonts_array_release(arr) // skip empty batches
	}
	return s.copyBatch(arr)
}

// copyBatch copies the array's columns into the Stream's buffers.
func (s *Stream) copyBatch(arr *C.struct_ArrowArray) error {
	rows := int(arr.length)
	if int(arr.n_children) != len(s.names)+1 {
		s.done = true
		return fmt.Errorf("nanots: Stream: batch has %d fields, the schema %d", int(arr.n_children), len(s.names)+1)
	}
	children := unsafe.Slice(arr.children, int(arr.n_children))
	for i, c := range children {
		if c.null_count != 0 || c.n_buffers != 2 || c.length < arr.offset+arr.length {
			s.done = true
			return fmt.Errorf("nanots: Stream: batch field %d has %d nulls, %d buffers, %d rows", i, c.null_count, c.n_buffers, c.length)
		}
	}
	data := func(i int) []int64 {
		c := children[i]
		return words(unsafe.Add(unsafe.Slice(c.buffers, 2)[1], 8*(arr.offset+c.offset)), rows)
	}
	s.ts = grow(s.ts, rows)
	copy(s.ts, data(0))
	for c := range s.cols {
		s.cols[c] = growFloat(s.cols[c], rows)
		src := data(c + 1)
		copy(s.cols[c], *(*[]float64)(unsafe.Pointer(&src)))
	}
	s.batch = Batch{Ts: s.ts, Columns: s.cols}
	return nil
}

func grow(b []int64, n int) []int64 {
	if cap(b) < n {
		return make([]int64, n)
	}
	return b[:n]
}

func growFloat(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// Batch is the current batch (valid until the next Next or Close).
func (s *Stream) Batch() Batch { return s.batch }

// Err is the error that ended the iteration, or nil at a normal end.
func (s *Stream) Err() error { return s.err }

// Close releases the stream. Closing twice does nothing.
func (s *Stream) Close() error {
	s.state.release()
	s.net.disarm(s)
	s.done = true
	s.batch = Batch{}
	return nil
}
