package nanots

/*
#include "gonts_core.h"

extern void gontsMaintenanceHook(uintptr_t user, nts_status code, char *message);

// The library's hook type takes a const message and a void * user; the
// Go function gets an id (a number, not a Go pointer: C keeps it).
static inline void gonts_hook_trampoline(void *user, nts_status code, const char *message) {
  gontsMaintenanceHook((uintptr_t)user, code, (char *)message);
}

static inline gonts_ret gonts_set_maintenance_hook(uintptr_t db, uintptr_t id) {
  return gonts_ret_of(nts_set_maintenance_hook(gonts_db(db), id != 0 ? gonts_hook_trampoline : NULL,
                                               (void *)id));
}
*/
import "C"

import (
	"runtime"
	"sync"
)

// hooks maps the ids handed to C to the Go functions. The library keeps
// only the id, so a call that races with unregistering finds nothing and
// does nothing, instead of calling freed state.
var hooks struct {
	sync.Mutex
	next uintptr
	m    map[uintptr]func(error)
}

func registerHook(f func(error)) uintptr {
	hooks.Lock()
	defer hooks.Unlock()
	if hooks.m == nil {
		hooks.m = make(map[uintptr]func(error))
	}
	hooks.next++
	hooks.m[hooks.next] = f
	return hooks.next
}

func unregisterHook(id uintptr) {
	if id == 0 {
		return
	}
	hooks.Lock()
	delete(hooks.m, id)
	hooks.Unlock()
}

func registeredHooks() int {
	hooks.Lock()
	defer hooks.Unlock()
	return len(hooks.m)
}

//export gontsMaintenanceHook
func gontsMaintenanceHook(user C.uintptr_t, code C.nts_status, message *C.char) {
	hooks.Lock()
	f := hooks.m[uintptr(user)]
	hooks.Unlock()
	if f != nil {
		f(&Error{Code: Code(code), Msg: C.GoString(message)})
	}
}

// SetMaintenanceHook sets (or, with nil, clears) a function that receives
// every error of this handle's background maintenance
// (Options.AutoMaintenance). It runs on the library's maintenance thread,
// so it must be safe to call concurrently with the rest of the program;
// it must not call Close on this DB.
func (db *DB) SetMaintenanceHook(f func(err error)) error {
	h, err := db.handle("SetMaintenanceHook")
	if err != nil {
		return err
	}
	s := db.state
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	var id uintptr
	if f != nil {
		id = registerHook(f)
	}
	err = errorOf(C.gonts_set_maintenance_hook(h, C.uintptr_t(id)))
	runtime.KeepAlive(db)
	if err != nil {
		unregisterHook(id)
		return err
	}
	// The library no longer calls the previous hook.
	unregisterHook(s.hook.Swap(id))
	return nil
}
