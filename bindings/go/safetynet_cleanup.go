//go:build go1.24

package nanots

import "runtime"

// safetyNet releases an object's C resources if the program drops it
// without calling Close: runtime.AddCleanup (Go 1.24+), which, unlike a
// finalizer, neither resurrects the object nor delays its collection.
// release gets the object's inner state, never the object itself.
type safetyNet struct{ c runtime.Cleanup }

func armSafetyNet[T, S any](owner *T, release func(S), state S) safetyNet {
	return safetyNet{runtime.AddCleanup(owner, release, state)}
}

// disarm is called by Close, which has released the resources itself.
func (n safetyNet) disarm(owner interface{}) { n.c.Stop() }
