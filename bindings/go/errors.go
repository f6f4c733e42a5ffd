package nanots

// #include "gonts.h"
import "C"

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// Code is a NanoTS status code (nts_status). The numbers are the C ABI's:
// never renumbered or reused.
type Code int32

// The status codes of include/nanots.h.
const (
	CodeInvalidArgument    Code = C.NTS_ERR_INVALID_ARGUMENT
	CodeNotFound           Code = C.NTS_ERR_NOT_FOUND
	CodeAlreadyExists      Code = C.NTS_ERR_ALREADY_EXISTS
	CodeSchemaMismatch     Code = C.NTS_ERR_SCHEMA_MISMATCH
	CodeIO                 Code = C.NTS_ERR_IO
	CodeCorrupt            Code = C.NTS_ERR_CORRUPT
	CodeLocked             Code = C.NTS_ERR_LOCKED
	CodeTooLarge           Code = C.NTS_ERR_TOO_LARGE
	CodeUnsupportedVersion Code = C.NTS_ERR_UNSUPPORTED_VERSION
	CodeClosed             Code = C.NTS_ERR_CLOSED
	CodePanic              Code = C.NTS_ERR_PANIC
	CodeUnknown            Code = C.NTS_ERR_UNKNOWN
	CodeReadOnly           Code = C.NTS_ERR_READ_ONLY
)

// String is the library's name of the code (nts_status_str), e.g.
// "not found".
func (c Code) String() string {
	return C.GoString(C.nts_status_str(C.nts_status(c)))
}

// Error is a failed NanoTS call: its status code and the library's
// message, which starts with the C function's name (e.g.
// `nts_append_row: not found: table "cpu" does not exist`). Errors found
// by this package before calling the library name the Go method instead.
//
// Match kinds with errors.Is and the sentinels (errors.Is(err,
// nanots.ErrNotFound)); get the code and message with errors.As.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "nanots: " + e.Code.String()
	}
	return "nanots: " + e.Msg
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrNotFound) holds for every "not found" error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels, one per status code, for errors.Is.
var (
	ErrInvalidArgument    = &Error{Code: CodeInvalidArgument, Msg: "invalid argument"}
	ErrNotFound           = &Error{Code: CodeNotFound, Msg: "not found"}
	ErrAlreadyExists      = &Error{Code: CodeAlreadyExists, Msg: "already exists"}
	ErrSchemaMismatch     = &Error{Code: CodeSchemaMismatch, Msg: "schema mismatch"}
	ErrIO                 = &Error{Code: CodeIO, Msg: "I/O error"}
	ErrCorrupt            = &Error{Code: CodeCorrupt, Msg: "corrupt"}
	ErrLocked             = &Error{Code: CodeLocked, Msg: "locked"}
	ErrTooLarge           = &Error{Code: CodeTooLarge, Msg: "too large"}
	ErrUnsupportedVersion = &Error{Code: CodeUnsupportedVersion, Msg: "unsupported version"}
	ErrClosed             = &Error{Code: CodeClosed, Msg: "closed"}
	ErrPanic              = &Error{Code: CodePanic, Msg: "panic in the library"}
	ErrUnknown            = &Error{Code: CodeUnknown, Msg: "unknown error"}
	ErrReadOnly           = &Error{Code: CodeReadOnly, Msg: "read-only"}
)

// errorOf turns a helper's status and message into an error (nil for
// NTS_OK), freeing the message.
func errorOf(r C.gonts_ret) error {
	if r.status == C.NTS_OK {
		return nil
	}
	msg := ""
	if r.msg != nil {
		msg = C.GoString(r.msg)
		C.free(unsafe.Pointer(r.msg))
	}
	return &Error{Code: Code(r.status), Msg: msg}
}

// errorf is an error found on the Go side, before any call: msg names the
// Go method.
func errorf(code Code, format string, args ...interface{}) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// closedError is what every method returns on a closed handle.
func closedError(method string) error {
	return &Error{Code: CodeClosed, Msg: method + ": the database is closed"}
}

// checkName refuses a name with a NUL byte, which C would cut short.
func checkName(method, what, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return errorf(CodeInvalidArgument, "%s: %s %s holds a NUL byte at offset %d", method, what, strconv.Quote(s), i)
	}
	return nil
}
