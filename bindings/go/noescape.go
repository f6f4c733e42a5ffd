//go:build go1.24

package nanots

// The append helpers read their arguments during the call only and never
// call back into Go: with these directives (Go 1.24+) the arguments of the
// hot append paths need not escape to the heap, so AppendRow allocates
// nothing.

// #cgo noescape gonts_append
// #cgo nocallback gonts_append
// #cgo noescape gonts_append_row
// #cgo nocallback gonts_append_row
// #cgo noescape gonts_append_rows
// #cgo nocallback gonts_append_rows
import "C"
