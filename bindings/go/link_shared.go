//go:build !nanots_static

package nanots

// The default: link the shared library found through pkg-config (the
// nanots.pc that `cmake --install` writes). At run time the dynamic loader
// must find libnanots.so: install into a system prefix, or set an rpath
// (CGO_LDFLAGS=-Wl,-rpath,PREFIX/lib) or LD_LIBRARY_PATH.

// #cgo pkg-config: nanots
import "C"
