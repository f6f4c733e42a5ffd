// Package nanots is the Go binding of NanoTS, an embeddable single-file
// time-series store, over its C ABI (include/nanots.h, libnanots).
//
// A table is an implicit int64 timestamp in milliseconds (ts_ms) plus N
// float64 value columns. Rows are appended in any timestamp order and
// queried sorted by time; every float64 round-trips bit-exactly. Ranges
// are inclusive at both ends.
//
//	db, err := nanots.Open("data/metrics.ntt", nil)
//	if err != nil { ... }
//	defer db.Close()
//	_ = db.CreateTable("sensor", "temp", "humidity")
//	_ = db.AppendRow("sensor", 1704067200000, 25.5, 60.0)
//	res, _ := db.QueryRange("sensor", 0, math.MaxInt64)
//	defer res.Close()
//	ts, temp := res.Ts(), res.Column(0)
//
// # Linking
//
// The package links libnanots through pkg-config (`#cgo pkg-config:
// nanots`, the nanots.pc that the CMake install writes): set
// PKG_CONFIG_PATH to PREFIX/lib/pkgconfig. By default it links the shared
// library, which the dynamic loader must then find at run time (a system
// prefix, an rpath such as CGO_LDFLAGS=-Wl,-rpath,PREFIX/lib, or
// LD_LIBRARY_PATH). Build with -tags nanots_static to link libnanots.a
// into the program instead.
//
// # Errors
//
// Every failure is an *Error carrying the library's status Code and its
// message. Match kinds with errors.Is and the sentinels (ErrNotFound,
// ErrLocked, ErrClosed, ErrSchemaMismatch, ...; one per status code) and
// read the code with errors.As. The library keeps its message per OS
// thread; the binding reads it in the same C call as the failing function,
// so a goroutine moving between threads never gets another call's message.
//
// # Resources
//
// DB, Result, Stream, ArrowRecord and ArrowStream hold C resources: release
// them with Close (or Release). Each also has a safety net
// (runtime.AddCleanup from Go 1.24, a finalizer before) that releases what
// the program dropped without closing; Close and the safety net never both
// release. Using a DB after Close returns an error matching ErrClosed.
//
// # Go versions
//
// Go 1.19 or newer. AppendRows hands the library pointers to the Go
// columns in place: with runtime.Pinner on Go 1.21+, and as integer
// addresses of heap-allocated columns before (see columns_legacy.go). On Go
// 1.24+ the append paths are marked `#cgo noescape`/`nocallback`, so
// AppendRow does not allocate.
package nanots
