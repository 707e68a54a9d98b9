package flagkit

import (
	"errors"
	"fmt"
	"strings"
)

// Errors that evaluation reports in [Detail.Err]. Match them with [errors.Is].
var (
	// ErrFlagNotFound means no layer defines the flag.
	ErrFlagNotFound = errors.New("flagkit: flag not found")
	// ErrInvalidFlag means the flag's only definitions are invalid; the
	// problems are in the client's status and wrapped in Detail.Err.
	ErrInvalidFlag = errors.New("flagkit: invalid flag")
	// ErrTypeMismatch means the getter's type is not the flag's type.
	ErrTypeMismatch = errors.New("flagkit: type mismatch")
	// ErrClosed means the client was closed.
	ErrClosed = errors.New("flagkit: client closed")
	// ErrNoValue means the flag, working as defined, served no variant, so
	// the caller's fallback applies: no rule matched a flag without a
	// default (reason DEFAULT), or a flag without an off variant is
	// disabled (DISABLED) or has a prerequisite that is not met
	// (PREREQUISITE_FAILED). Unlike the other errors it is not a failure:
	// Detail.Reason is the reason of the step that decided, never ERROR,
	// and the OpenFeature provider and the hooks of this module report no
	// error for it (OpenFeature's and LaunchDarkly's "no value, use the
	// code's default"). It is returned so that Detail.Err is non-nil exactly
	// when Detail.Value is nil.
	ErrNoValue = errors.New("flagkit: no value")
)

// Errors that parsing and validation report, wrapped in a [*ParseError].
var (
	// ErrSyntax means the document is not well-formed YAML or JSON.
	ErrSyntax = errors.New("syntax error")
	// ErrTooLarge means the document is over the size limit.
	ErrTooLarge = errors.New("document too large")
	// ErrTooDeep means the document nests deeper than the limit.
	ErrTooDeep = errors.New("document nested too deeply")
	// ErrInvalid means a value breaks a rule of the format.
	ErrInvalid = errors.New("invalid value")
	// ErrUnknownField means a mapping has a field the format does not define.
	ErrUnknownField = errors.New("unknown field")
	// ErrDuplicateKey means a mapping repeats a key.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrUnknownReference means a cohort, flag or variant name refers to
	// nothing.
	ErrUnknownReference = errors.New("unknown reference")
	// ErrCycle means cohorts or prerequisites refer to each other in a cycle.
	ErrCycle = errors.New("reference cycle")
)

// A ParseError is one problem found in a document: where it is and what is
// wrong. Err is one of the parse sentinels above ([ErrSyntax],
// [ErrInvalid], ...), so callers can classify problems with [errors.Is].
type ParseError struct {
	Source string // the source's name, e.g. "file:flags.yaml"
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // e.g. "flags.new-checkout.rules[2].percent"; "" for the document
	Msg    string // what is wrong, e.g. "140 is outside 0..100"
	Err    error  // the class of problem
}

// Error formats the problem as
// "flagkit: SOURCE:LINE:COLUMN: PATH: MSG".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("flagkit: ")
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the class of the problem.
func (e *ParseError) Unwrap() error { return e.Err }
