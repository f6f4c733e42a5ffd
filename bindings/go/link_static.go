//go:build nanots_static

package nanots

// Build tag nanots_static: link libnanots.a into the program, so it runs
// without libnanots.so. pkg-config --static adds the archive's own
// dependencies (-lpthread -ldl -lm) and the -L of the prefix; -l:libnanots.a
// names the archive itself, and --as-needed keeps the -lnanots that the
// same pkg-config line prints from recording libnanots.so as a dependency
// (every symbol is already resolved from the archive by then).

// #cgo pkg-config: --static nanots
// #cgo LDFLAGS: -Wl,--as-needed -l:libnanots.a
import "C"
