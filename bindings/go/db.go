package nanots

// #include "gonts.h"
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Version is the version of the linked library, e.g. "0.1.0".
func Version() string { return C.GoString(C.nts_version()) }

// DB is an open database: one file (plus its -wal while open). A DB may be
// used from many goroutines at once; writes are serialized inside the
// library, queries run concurrently with each other and with writes.
//
// Close it when done. A DB that becomes unreachable without Close is
// closed by a safety net (runtime.AddCleanup, or a finalizer before Go
// 1.24), but when is up to the garbage collector, and the file stays
// locked until then. After Close, every method returns an error matching
// ErrClosed.
type DB struct {
	state *dbState
	net   safetyNet
}

// dbState is what the safety net needs to close the handle: kept apart
// from DB so that the cleanup does not keep the DB reachable.
type dbState struct {
	// token is the library's nts_db * (an opaque number, never a Go
	// pointer); 0 once closed. Swapping it to 0 is what makes exactly one
	// of Close and the safety net call nts_close.
	token atomic.Uintptr
	// hook is the id of the maintenance hook registered for this handle
	// (0: none); see SetMaintenanceHook.
	hook atomic.Uintptr
	// hookMu orders SetMaintenanceHook calls with each other and with
	// release, so the registered id is always the one the library holds.
	hookMu sync.Mutex
}

// release closes the handle if it is open. closed reports whether this
// call did; err is nts_close's error.
func (s *dbState) release() (closed bool, err error) {
	tok := s.token.Swap(0)
	if tok == 0 {
		return false, nil
	}
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	err = errorOf(C.gonts_close(C.uintptr_t(tok)))
	liveResources.Add(-1)
	// nts_close has stopped the maintenance thread: the hook is not called
	// any more.
	unregisterHook(s.hook.Swap(0))
	return true, err
}

// Open opens the database file at path, creating it if missing and
// recovering it after a crash. opts may be nil for the defaults.
//
// A second writer on the same file, in this process or another, fails with
// an error matching ErrLocked; Options.ReadOnly opens a reader instead.
func Open(path string, opts *Options) (*DB, error) {
	if err := checkName("Open", "path", path); err != nil {
		return nil, err
	}
	var copts C.nts_options
	if err := opts.toC(&copts); err != nil {
		return nil, err
	}
	var tok C.uintptr_t
	if err := errorOf(C.gonts_open(path, &copts, &tok)); err != nil {
		return nil, err
	}
	liveResources.Add(1)
	s := &dbState{}
	s.token.Store(uintptr(tok))
	db := &DB{state: s}
	db.net = armSafetyNet(db, func(s *dbState) { _, _ = s.release() }, s)
	return db, nil
}

// handle is the token for a call by method, or an ErrClosed error. The
// caller keeps db alive (runtime.KeepAlive) until its C call returns, so
// the safety net cannot close the handle under it.
func (db *DB) handle(method string) (C.uintptr_t, error) {
	if db == nil || db.state == nil {
		return 0, closedError(method)
	}
	tok := db.state.token.Load()
	if tok == 0 {
		return 0, closedError(method)
	}
	return C.uintptr_t(tok), nil
}

// Close flushes buffered rows, checkpoints and closes the database,
// waiting for calls still running on other goroutines. The DB is closed
// afterwards even if Close returns an error (rows not flushed then stay in
// the WAL and are recovered by the next Open). A second Close returns an
// error matching ErrClosed; nothing is released twice.
func (db *DB) Close() error {
	if db == nil || db.state == nil {
		return closedError("Close")
	}
	closed, err := db.state.release()
	if !closed {
		return closedError("Close")
	}
	db.net.disarm(db)
	runtime.KeepAlive(db)
	return err
}

// Flush writes all buffered rows into compressed segments (syncing per
// Options.Sync) and empties the WAL.
func (db *DB) Flush() error {
	h, err := db.handle("Flush")
	if err != nil {
		return err
	}
	err = errorOf(C.gonts_flush(h))
	runtime.KeepAlive(db)
	return err
}

// PendingBytes is the size of the buffered (not yet flushed) row data over
// all tables, in bytes.
func (db *DB) PendingBytes() (uint64, error) {
	h, err := db.handle("PendingBytes")
	if err != nil {
		return 0, err
	}
	var n C.uint64_t
	err = errorOf(C.gonts_pending_bytes(h, &n))
	runtime.KeepAlive(db)
	return uint64(n), err
}

// Refresh, on a read-only DB, moves its view up to what the writer has
// committed, and reports whether anything changed. Queries on a read-only
// DB do this first anyway. On a writer it does nothing (false).
func (db *DB) Refresh() (changed bool, err error) {
	h, err := db.handle("Refresh")
	if err != nil {
		return false, err
	}
	var c C.uint32_t
	err = errorOf(C.gonts_refresh(h, &c))
	runtime.KeepAlive(db)
	return c != 0, err
}

// ReadOnly reports whether db was opened with Options.ReadOnly.
func (db *DB) ReadOnly() (bool, error) {
	h, err := db.handle("ReadOnly")
	if err != nil {
		return false, err
	}
	var ro C.uint32_t
	err = errorOf(C.gonts_is_read_only(h, &ro))
	runtime.KeepAlive(db)
	return ro != 0, err
}
