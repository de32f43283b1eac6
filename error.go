package qunsu

import (
	"errors"
	"fmt"
)

// Error codes. Users can act on EINVALID, ENOTFOUND, ECONFLICT and EFORBIDDEN;
// EINTERNAL is logged and shown as a generic apology.
const (
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
)

// Error is an error a user can understand. Key names the i18n text that explains it;
// Args fill that text's placeholders, so the same error renders in any language.
type Error struct {
	Code string
	Key  string
	Args []any
}

func (e *Error) Error() string {
	if len(e.Args) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Key)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Key, e.Args)
}

// Errorf returns an Error with the given code, text key and arguments.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrConflict is returned by a store when a complaint changed since it was read.
var ErrConflict = Errorf(ECONFLICT, "err.conflict")

// ErrHandled is returned by a store for a change whose inbound message was
// acted on already (Change.Handles).
var ErrHandled = errors.New("inbound message already handled")
