module github.com/nanots/nanots/bindings/go

// Go 1.19 (Debian 12's golang-go) is the oldest Go this package builds and
// is tested with. Newer toolchains switch on, by build tags: runtime.Pinner
// (1.21) for AppendRows and runtime.AddCleanup (1.24) for the safety net.
go 1.19
