//go:build !go1.24

package nanots

import "runtime"

// safetyNet releases an object's C resources if the program drops it
// without calling Close: before Go 1.24 (no runtime.AddCleanup), a
// finalizer. The finalizer captures only the inner state, so it never
// keeps the object itself alive.
type safetyNet struct{}

func armSafetyNet[T, S any](owner *T, release func(S), state S) safetyNet {
	runtime.SetFinalizer(owner, func(*T) { release(state) })
	return safetyNet{}
}

// disarm is called by Close, which has released the resources itself.
func (safetyNet) disarm(owner interface{}) { runtime.SetFinalizer(owner, nil) }
