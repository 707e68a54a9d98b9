package flagkit

import (
	"fmt"
	"strings"
	"sync"
)

// snapshot is one immutable, compiled view of every layer's definitions.
// Evaluation reads it without locks; a reload builds a new one and swaps it
// in atomically.
type snapshot struct {
	flags       map[string]*compiledFlag
	keys        []string // sorted flag keys
	closed      bool
	problems    []*ParseError // the compile's problems (see compile), sorted
	overrides   []Override
	transitions []transition      // sorted by time
	fps         map[string]uint64 // per flag: a hash of all that decides its answers
	layers      []layerDefs       // what each layer defined, in layer order, for explanations

	// The memos of evaluations that need one (see memo.go), sized for
	// this snapshot's cohorts and prerequisites.
	memos       sync.Pool
	memoCohorts int
	memoPrereqs int
}

// transition is a moment when a flag's answers change by themselves: a
// window opens or closes, a ramp starts or ends.
type transition struct {
	at   int64 // Unix ms
	flag string
}

// layerDefs is what one layer's document said about each flag, copied
// from it at compile for explanations (explain.go); evaluation never reads
// it.
type layerDefs struct {
	source    string
	flags     map[string]layerDef      // the flags the layer defines, validly or not
	overrides map[string]overrideValue // by normalized key: the layer's last override of it
}

// layerDef is how a layer defines a flag.
type layerDef uint8

const (
	defValid    layerDef = iota + 1 // a valid definition
	defInvalid                      // an invalid one, and no earlier valid one
	defLastGood                     // an invalid one, replaced by the layer's last good one
)

// invalidFlagError is the Detail.Err of a flag whose only definitions are
// invalid. It matches ErrInvalidFlag and each of its problems.
type invalidFlagError struct {
	key      string
	problems []*ParseError
}

func (e *invalidFlagError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flagkit: flag %q is invalid", e.key)
	if len(e.problems) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.problems[0].Error(), "flagkit: "))
		if n := len(e.problems) - 1; n > 0 {
			fmt.Fprintf(&b, " (and %d more)", n)
		}
	}
	return b.String()
}

func (e *invalidFlagError) Unwrap() []error {
	errs := []error{ErrInvalidFlag}
	for _, p := range e.problems {
		errs = append(errs, p)
	}
	return errs
}

func lessProblem(a, b *ParseError) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	return a.Msg < b.Msg
}

func (s *snapshot) flag(key string) *compiledFlag {
	if s == nil {
		return nil
	}
	return s.flags[key]
}
