package flagkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
)

// Attribute conditions (the operators) and cohorts.
//
// A condition tests one attribute of the subject with one operator; a block
// is an AND of conditions; a `when` is an OR of blocks; a cohort is a `when`,
// optionally narrowed to the members of any of its parent cohorts.
//
// Operators and their operands:
//
//   - eq, in: the attribute equals an operand (any of them, for a list);
//     ne, not_in: it equals none of them. eq and in are the same operator
//     (so are ne and not_in): both take one value or a list. Operands are
//     typed as the document writes them: a plain 3 is a number, "3" a string,
//     true a boolean; a list may mix kinds. A null operand is an error (use
//     exists: false). Strings equal strings, booleans booleans, numbers
//     numbers: the string "3" never equals the number 3, and true never
//     equals 1. in: [] never matches; not_in: [] matches any present value.
//   - lt, lte, gt, gte: numeric order. Operands must be numbers (a quoted
//     "3" is an error). A list means any of them, so lt: [3, 5] is lt: 5.
//   - starts_with, ends_with, contains: the attribute (a string) starts
//     with, ends with or contains any of the operands. An operand is used as
//     text whatever its kind, so starts_with: 10 tests the prefix "10".
//   - matches: RE2 syntax (Go's regexp), unanchored as regexp.MatchString:
//     use ^ and $ to match the whole value. Patterns are at most 4096 bytes
//     and maxProgramSize instructions (see compilePattern).
//   - semver_eq, semver_lt, semver_lte, semver_gt, semver_gte: Semantic
//     Versioning 2.0 precedence, pre-releases included, build metadata
//     ignored. Minor and patch may be omitted (2.3 is 2.3.0, 2-rc is
//     2.0.0-rc) and a leading v is accepted (v1.2.3). Numbers have no
//     leading zeros. Operands are read from their text (semver_gte: 2.10 is
//     2.10.0). Only a string attribute is compared as a version; one that is
//     not a valid version never matches.
//   - before, after: strictly earlier or later than the operand. Operands
//     are RFC 3339 times with an offset (2026-12-01T09:00:00Z) or Unix
//     seconds (1764579600, possibly fractional). Attributes are a
//     time.Time, an RFC 3339 string, or a number of Unix seconds. Note that
//     LaunchDarkly reads numbers as Unix milliseconds; flagkit reads seconds.
//     An operand must lie in the years 0001 to 9999, so a millisecond
//     timestamp written by mistake is rejected at load (an attribute in
//     milliseconds reads as a date far in the future). A string of digits is
//     not a time in an attribute.
//   - in_cidr: the attribute, an IP address as a string or a netip.Addr, is
//     inside any of the listed blocks (10.0.0.0/8, 2001:db8::/32; a bare
//     address is a block of one). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
//     are compared as IPv4, in attributes and in operands; zones are ignored.
//   - exists: true matches any present, non-nil value, including "" and an
//     empty list; false matches a missing attribute or a nil value. The
//     operand must be a plain true or false.
//
// The modifier ignore_case: true makes eq, ne, in, not_in, starts_with,
// ends_with, contains and matches of its block compare with Unicode simple
// case folding, as strings.EqualFold does: "ΣΑΣ" equals "σας" and the Kelvin
// sign K equals k, but ß does not equal ss (that is full folding).
//
// Attribute values: string, bool, every int, uint and float kind,
// json.Number (a number), time.Time, netip.Addr, and lists of them as
// []string or []any. Named types (type Plan string), pointers, maps and other
// slices ([]int) are none of these: they never match, except that ne and
// not_in match them (they equal nothing) and exists sees them. Numbers
// compare as numbers whatever their Go type, exactly (int64 1<<53+1 is not
// float64 1<<53); float32 values compare by their exact binary value, so
// float32(0.1) is not 0.1; whole numbers beyond int64 and uint64 (in
// operands or json.Number) are read as float64. NaN is never equal, less or
// greater than anything (so ne matches it). Strings are compared byte for
// byte; invalid UTF-8 is compared as is (with ignore_case, each invalid byte
// folds as U+FFFD, as in strings.EqualFold). A string longer than
// maxValueLen (an attribute, a list element or the key) is a value of
// another type, and a longer text operand is an error: this bounds the cost
// of every operator ("Lengths and cost" in docs/operators.md is the contract).
//
// A missing attribute, or a nil value, matches only exists: false. A value of
// the wrong type for the operator never matches; ne and not_in are the
// negation of eq and in for every present value, so they match a value of
// another type (1 is "not equal" to "1"). A list attribute matches a positive
// operator when any element does, and ne or not_in when no element is equal
// or in the list; elements that are lists are not searched. The
// pseudo-attribute key is always the subject's key. A subject's attribute
// hides the client-wide default of the same name, unless its value is nil.
//
// Operands are checked when the document is loaded: a number, version, time,
// regular expression or CIDR block that is not valid for its operator is an
// error, and so is an unknown operator. Matching never fails, never panics
// and never allocates.

// scalarKind is how YAML 1.2's core schema types a plain scalar; quoted
// scalars are always strings.
type scalarKind uint8

const (
	scalarString scalarKind = iota // quoted, or plain text that is nothing else
	scalarNumber                   // plain scalar matching the core schema's decimal int or float
	scalarBool                     // plain true|True|TRUE|false|False|FALSE
	scalarNull                     // plain null|Null|NULL|~ or empty
)

// String names the kind for error messages.
func (k scalarKind) String() string {
	switch k {
	case scalarNumber:
		return "number"
	case scalarBool:
		return "boolean"
	case scalarNull:
		return "null"
	}
	return "string"
}

// scalar is one operand value as written: its text and how the document
// typed it.
type scalar struct {
	text string
	kind scalarKind
}

// operand is an operator's argument: one scalar, or a list of them.
type operand struct {
	list  bool
	items []scalar
}

// errUnknownOperator is wrapped by compileCondition's error for an operator
// it does not know.
var errUnknownOperator = errors.New("unknown operator")

// itemError is an error in one item of a list operand; index is the item's
// position, so the caller can point at its line. Its message is the item's
// problem alone: the caller's path names the item.
type itemError struct {
	index int
	err   error
}

func (e *itemError) Error() string { return e.err.Error() }
func (e *itemError) Unwrap() error { return e.err }

// opKind is a compiled operator. eq and in compile to opEq, ne and not_in
// to opNe.
type opKind uint8

const (
	opEq opKind = iota + 1
	opNe
	opLt
	opLte
	opGt
	opGte
	opStartsWith
	opEndsWith
	opContains
	opMatches
	opSemverEq
	opSemverLt
	opSemverLte
	opSemverGt
	opSemverGte
	opBefore
	opAfter
	opInCIDR
	opExists
)

// operatorNames lists the operators for error messages.
const operatorNames = "eq, ne, in, not_in, lt, lte, gt, gte, starts_with, ends_with, contains, matches, " +
	"semver_eq, semver_lt, semver_lte, semver_gt, semver_gte, before, after, in_cidr, exists"

// internOperator returns the constant that spells operator name, so that a
// compiled condition does not keep the document's copy of it alive.
func internOperator(name string) string {
	for rest := operatorNames; rest != ""; {
		var op string
		op, rest, _ = strings.Cut(rest, ", ")
		if op == name {
			return op
		}
	}
	return name
}

func operatorKind(name string) (opKind, bool) {
	switch name {
	case "eq", "in":
		return opEq, true
	case "ne", "not_in":
		return opNe, true
	case "lt":
		return opLt, true
	case "lte":
		return opLte, true
	case "gt":
		return opGt, true
	case "gte":
		return opGte, true
	case "starts_with":
		return opStartsWith, true
	case "ends_with":
		return opEndsWith, true
	case "contains":
		return opContains, true
	case "matches":
		return opMatches, true
	case "semver_eq":
		return opSemverEq, true
	case "semver_lt":
		return opSemverLt, true
	case "semver_lte":
		return opSemverLte, true
	case "semver_gt":
		return opSemverGt, true
	case "semver_gte":
		return opSemverGte, true
	case "before":
		return opBefore, true
	case "after":
		return opAfter, true
	case "in_cidr":
		return opInCIDR, true
	case "exists":
		return opExists, true
	}
	return 0, false
}

const (
	// maxPatternLen is the longest regular expression, in bytes.
	maxPatternLen = 4096
	// maxProgramSize is the most instructions that a regular expression's
	// compiled program (regexp/syntax, after Simplify) may have. Go's
	// matcher visits each instruction at most once per byte of input, and a
	// visit costs a bounded time (a character class is binary-searched, at
	// most 21 steps over Unicode), so this times maxValueLen bounds a
	// match's work. See compilePattern.
	maxProgramSize = 256
	// maxValueLen is the longest string that an operator compares: a longer
	// attribute value (or list element, or key) is treated as a value of
	// another type, and a longer text operand is refused at load.
	maxValueLen = 4096
	// smallSet is the largest list of strings or integers searched by a
	// scan; longer ones get a map.
	smallSet = 8
	// foldBufLen is the stack buffer for the case-folded key of an
	// attribute; longer values are compared by a scan.
	foldBufLen = 128
)

// condition is one compiled operator test on one attribute. Only the fields
// of its operator are set.
type condition struct {
	attr       string
	next       int32 // in an anyOf: the index after the last condition of the block
	isKey      bool  // attr == "key": the subject's key
	op         opKind
	ignoreCase bool
	exists     bool // exists: the operand
	scanStrs   bool // eq or in, case-sensitive, not on key, strs scanned: a string matches when it is one of strs

	// eq, ne (strs also for starts_with, ends_with, contains).
	strs     []string            // operands as written
	strSet   map[string]struct{} // len(strs) > smallSet: strs, or their fold keys with ignoreCase
	ints     []int64             // whole-number operands within int64
	intSet   map[int64]struct{}  // len(ints) > smallSet
	nums     []condNum           // other numeric operands (fractions, beyond int64)
	hasTrue  bool
	hasFalse bool

	bound   condNum          // lt, lte, gt, gte: the operand (the loosest of a list)
	res     []*regexp.Regexp // matches
	vers    []semver         // semver_*: all for semver_eq, the loosest for the others
	instant unixInstant      // before, after: the loosest operand
	nets    []netip.Prefix   // in_cidr

	// text is the condition as written, for explanations (explain.go);
	// evaluation never reads it. It comes last, away from the fields
	// evaluation reads.
	text *condText
}

// condText is a condition as written in its document: what an explanation
// shows, since the compiled fields keep only what matching needs (eq and
// in compile alike, lt keeps the loosest of a list).
type condText struct {
	op      string // the operator's name as written: "in", "not_in", ...
	operand operand
}

// compileCondition compiles one operator of one attribute's block, e.g. attr
// "country", op "in", arg [NO, SE]. ignoreCase is the block's ignore_case
// modifier. Errors are lowercase messages without prefix or position; a bad
// item of a list is reported as an *itemError.
func compileCondition(attr, op string, arg operand, ignoreCase bool) (condition, error) {
	return newCondition(attr, op, arg, ignoreCase, true)
}

// checkCondition reports the error compileCondition would return, without
// building what matching needs (regular expressions, sets): the parser
// checks a condition, and the compiler builds it.
func checkCondition(attr, op string, arg operand, ignoreCase bool) error {
	_, err := newCondition(attr, op, arg, ignoreCase, false)
	return err
}

// newCondition is compileCondition, building the condition's regular
// expressions and sets only when build is set.
func newCondition(attr, op string, arg operand, ignoreCase, build bool) (condition, error) {
	kind, ok := operatorKind(op)
	if !ok {
		return condition{}, fmt.Errorf("%w %q (want one of %s)", errUnknownOperator, op, operatorNames)
	}
	c := condition{attr: attr, isKey: attr == "key", op: kind, ignoreCase: ignoreCase,
		text: &condText{op: internOperator(op), operand: arg}}
	if kind == opExists {
		b, ok := false, false
		if !arg.list && len(arg.items) == 1 && arg.items[0].kind == scalarBool {
			b, ok = boolText(arg.items[0].text)
		}
		if !ok {
			return condition{}, fmt.Errorf("exists needs true or false, found %s", describeOperand(arg))
		}
		c.exists = b
		return c, nil
	}
	if len(arg.items) == 0 && kind != opEq && kind != opNe {
		return condition{}, fmt.Errorf("%s needs at least one value", op)
	}
	for i, s := range arg.items {
		if err := c.add(op, s, i, build); err != nil {
			if arg.list {
				return condition{}, &itemError{index: i, err: err}
			}
			return condition{}, err
		}
	}
	if build && (kind == opEq || kind == opNe) {
		c.finishSets()
	}
	return c, nil
}

// boolText reads a boolean as YAML 1.2's core schema writes one.
func boolText(s string) (value, ok bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// describeOperand shows an operand in an error message.
func describeOperand(arg operand) string {
	if arg.list {
		return "a list"
	}
	if len(arg.items) != 1 {
		return "nothing"
	}
	return describeScalar(arg.items[0])
}

func describeScalar(s scalar) string {
	if s.kind == scalarNull {
		return "null"
	}
	return s.kind.String() + " " + strconv.Quote(s.text)
}

// add compiles the i-th operand s into c.
func (c *condition) add(op string, s scalar, i int, build bool) error {
	if s.kind == scalarNull {
		// Versions, times and blocks are read from the text, which then
		// fails to parse with a message that shows it.
		switch c.op {
		case opEq, opNe:
			return fmt.Errorf("%s cannot compare with null (use exists: false for a missing attribute)", op)
		case opLt, opLte, opGt, opGte, opStartsWith, opEndsWith, opContains, opMatches:
			return fmt.Errorf("%s needs a value, found null", op)
		}
	}
	switch c.op {
	case opEq, opNe:
		switch s.kind {
		case scalarString:
			if err := checkTextLen(s.text); err != nil {
				return err
			}
			c.strs = append(c.strs, s.text)
		case scalarBool:
			b, ok := boolText(s.text)
			switch {
			case !ok:
				return fmt.Errorf("%s: %s is not a boolean", op, strconv.Quote(s.text))
			case b:
				c.hasTrue = true
			default:
				c.hasFalse = true
			}
		case scalarNumber:
			n, err := operandNumber(op, s)
			if err != nil {
				return err
			}
			if w, ok := n.whole(); ok {
				c.ints = append(c.ints, w)
			} else {
				c.nums = append(c.nums, n)
			}
		}
	case opLt, opLte, opGt, opGte:
		if s.kind != scalarNumber {
			return fmt.Errorf("%s needs a number, found %s (write numbers without quotes)", op, describeScalar(s))
		}
		n, err := operandNumber(op, s)
		if err != nil {
			return err
		}
		// Any of a list: the largest bound for lt/lte, the smallest for gt/gte.
		if i == 0 || (c.op == opLt || c.op == opLte) == (cmpNum(n, c.bound) > 0) {
			c.bound = n
		}
	case opStartsWith, opEndsWith, opContains:
		if err := checkTextLen(s.text); err != nil {
			return err
		}
		c.strs = append(c.strs, s.text)
	case opMatches:
		if !build {
			return checkPattern(s.text, c.ignoreCase)
		}
		re, err := compilePattern(s.text, c.ignoreCase)
		if err != nil {
			return err
		}
		c.res = append(c.res, re)
	case opSemverEq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
		v, ok := parseSemver(s.text)
		if !ok {
			return fmt.Errorf("%s is not a semantic version (want MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD], numbers without leading zeros, an optional leading v)",
				strconv.Quote(s.text))
		}
		switch {
		case c.op == opSemverEq || i == 0:
			c.vers = append(c.vers, v)
		case (c.op == opSemverLt || c.op == opSemverLte) == (compareSemver(v, c.vers[0]) > 0):
			c.vers[0] = v
		}
	case opBefore, opAfter:
		t, err := parseInstant(s.text)
		if err != nil {
			return err
		}
		u := instantOfTime(t)
		// Any of a list: the latest for before, the earliest for after.
		if i == 0 || (c.op == opBefore) == (u.cmp(c.instant) > 0) {
			c.instant = u
		}
	case opInCIDR:
		p, err := parseBlock(s.text)
		if err != nil {
			return err
		}
		c.nets = append(c.nets, p)
	}
	return nil
}

// finishSets builds the maps of long eq/in lists.
func (c *condition) finishSets() {
	c.scanStrs = c.op == opEq && !c.ignoreCase && len(c.strs) <= smallSet && !c.isKey
	if len(c.strs) > smallSet {
		c.strSet = make(map[string]struct{}, len(c.strs))
		for _, s := range c.strs {
			if c.ignoreCase {
				s = string(appendFoldKey(nil, s))
			}
			c.strSet[s] = struct{}{}
		}
	}
	if len(c.ints) > smallSet {
		c.intSet = make(map[int64]struct{}, len(c.ints))
		for _, n := range c.ints {
			c.intSet[n] = struct{}{}
		}
	}
}

// operandNumber parses a number operand; it must be finite.
func operandNumber(op string, s scalar) (condNum, error) {
	n, ok := scanNumber(s.text)
	if !ok {
		return condNum{}, fmt.Errorf("%s: %s is not a number", op, strconv.Quote(s.text))
	}
	if n.kind == numFloat && (math.IsInf(n.f, 0) || math.IsNaN(n.f)) {
		return condNum{}, fmt.Errorf("%s: %s is out of range", op, strconv.Quote(s.text))
	}
	return n, nil
}

// checkTextLen refuses a text operand longer than any attribute value that
// is compared: it could never match (with ignore_case, hardly ever), and
// refusing it keeps an over-long attribute from matching eq through the
// scan of holds, which does not test the length.
func checkTextLen(text string) error {
	if len(text) > maxValueLen {
		return fmt.Errorf("the text is %d bytes, over the limit of %d (attribute values longer than that never match)",
			len(text), maxValueLen)
	}
	return nil
}

// compilePattern compiles a matches operand, with ignore_case folded in.
//
// Go's regexp runs in time linear in the input, but the factor is the size
// of the compiled program: the matcher keeps at most one thread per
// instruction and advances every thread at every byte (the backtracker,
// used for small inputs, visits each instruction at most once per byte).
// A visit costs a bounded time: a rune test binary-searches its class's
// ranges (at most 21 steps, as Unicode has 2²¹ code points) or folds one
// rune (orbits of at most 4), so the instruction count bounds the work to
// within a small constant factor (measured: a class of 700 ranges such as
// [\pL\pN] costs 2 to 5 times a literal). The pattern is refused when its
// program has more than maxProgramSize instructions; large counted
// repetitions are what make programs large, as x{n,m} compiles m copies of
// x. A cheap lower bound on the tree refuses the worst patterns before
// they are compiled, since compiling a 4 KiB pattern can build 450,000
// instructions and take 0.3 s.
func compilePattern(pattern string, ignoreCase bool) (*regexp.Regexp, error) {
	if err := checkPattern(pattern, ignoreCase); err != nil {
		return nil, err
	}
	if ignoreCase {
		pattern = "(?i)" + pattern
	}
	return regexp.Compile(pattern)
}

// checkPattern reports compilePattern's error for a pattern that is not
// valid or too large, without compiling it for matching.
func checkPattern(pattern string, ignoreCase bool) error {
	if len(pattern) > maxPatternLen {
		return fmt.Errorf("regular expression is %d bytes, over the limit of %d", len(pattern), maxPatternLen)
	}
	flags := syntax.Perl // as regexp.Compile
	if ignoreCase {
		// Unicode simple folding, as strings.EqualFold; it cannot make a
		// valid pattern invalid.
		flags |= syntax.FoldCase
	}
	tree, err := syntax.Parse(pattern, flags)
	if err != nil {
		// The syntax error already quotes the pattern and says what is wrong.
		return fmt.Errorf("invalid regular expression: %v", err)
	}
	if minProgramSize(tree) > maxProgramSize {
		return errProgramSize("more than", maxProgramSize)
	}
	prog, err := syntax.Compile(tree.Simplify())
	if err != nil {
		return fmt.Errorf("invalid regular expression: %v", err)
	}
	if n := len(prog.Inst); n > maxProgramSize {
		return errProgramSize("", n)
	}
	return nil
}

// errProgramSize reports a regular expression whose program is too large;
// n is its size (qualified by "more than" when it was not compiled).
func errProgramSize(qualifier string, n int) error {
	if qualifier != "" {
		qualifier += " "
	}
	return fmt.Errorf("regular expression compiles to %s%d instructions, over the limit of %d "+
		"(matching costs time per instruction for every byte; a count x{n,m} copies x m times, so prefer + and * to large counts)",
		qualifier, n, maxProgramSize)
}

// minProgramSize returns a lower bound on the number of instructions that
// syntax.Compile emits for tree once simplified, saturated at
// maxProgramSize+1 so that it never overflows and stops growing once over
// the limit. It follows regexp/syntax's compiler: a rune of a literal, a
// class, an anchor or an empty match is one instruction, a capture adds
// two, an alternation of n adds n-1, and x{n,m} becomes m copies of x
// (x{n,} n copies); repetition operators that Simplify may drop count
// nothing.
func minProgramSize(re *syntax.Regexp) int {
	const limit = maxProgramSize + 1
	n := 0
	switch re.Op {
	case syntax.OpNoMatch:
		return 0
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpCapture:
		n = 2 + minProgramSize(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		n = minProgramSize(re.Sub[0])
	case syntax.OpRepeat:
		copies := re.Max
		if copies < 0 {
			copies = max(re.Min, 1)
		}
		n = copies * minProgramSize(re.Sub[0]) // at most 1000 × limit
	case syntax.OpConcat, syntax.OpAlternate:
		if re.Op == syntax.OpAlternate {
			n = len(re.Sub) - 1
		}
		for _, sub := range re.Sub {
			if n += minProgramSize(sub); n >= limit {
				break
			}
		}
	default: // a class, any character, an anchor, an empty match
		n = 1
	}
	return min(n, limit)
}

// parseBlock parses an in_cidr operand: a CIDR block or a bare address.
// IPv4-mapped IPv6 blocks of /96 or longer become IPv4 blocks.
func parseBlock(text string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.IndexByte(text, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(text); err != nil {
			return p, fmt.Errorf("%s is not a CIDR block (want 10.0.0.0/8 or 2001:db8::/32)", strconv.Quote(text))
		}
	} else {
		a, err := netip.ParseAddr(text)
		if err != nil || a.Zone() != "" {
			return p, fmt.Errorf("%s is not an IP address or CIDR block (want 10.0.0.0/8 or 2001:db8::/32)", strconv.Quote(text))
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// parseInstant parses a before/after operand: an RFC 3339 time with an
// offset, or a decimal number of Unix seconds (possibly negative or
// fractional), between years 0001 and 9999.
func parseInstant(text string) (time.Time, error) {
	if u, ok := parseRFC3339(text); ok {
		return time.Unix(u.sec, int64(u.nsec)).UTC(), nil
	}
	n, ok := scanNumber(text)
	if !ok {
		return time.Time{}, fmt.Errorf("%s is not a time (want RFC 3339 with an offset, such as 2026-12-01T09:00:00Z, or Unix seconds)",
			strconv.Quote(text))
	}
	u, ok := n.instant()
	if !ok || u.sec < minInstantSec || u.sec > maxInstantSec {
		return time.Time{}, fmt.Errorf("%s is outside the years 0001 to 9999", strconv.Quote(text))
	}
	return time.Unix(u.sec, int64(u.nsec)).UTC(), nil
}

// The Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	minInstantSec = -62135596800
	maxInstantSec = 253402300799
)

// matchValue reports whether the attribute value v satisfies the condition;
// present says whether the attribute exists, and a nil v counts as missing.
// It never allocates and never panics; a value of a type the operator does
// not compare never matches (ne and not_in: always matches).
func (c *condition) matchValue(v any, present bool) bool {
	if !present || v == nil {
		return c.op == opExists && !c.exists
	}
	switch c.op {
	case opExists:
		return c.exists
	case opNe:
		return !c.matchAnyElem(v)
	}
	if str, ok := v.(string); ok { // the common case, without two type switches
		return c.matchString(str)
	}
	return c.matchAnyElem(v)
}

// matchKey is matchValue for the subject's key, without boxing it.
func (c *condition) matchKey(key string) bool {
	switch c.op {
	case opExists:
		return c.exists
	case opNe:
		return !c.matchString(key)
	}
	return c.matchString(key)
}

// matchAnyElem tests v, or any element of a list v, with the positive form
// of the operator (eq for ne).
func (c *condition) matchAnyElem(v any) bool {
	switch x := v.(type) {
	case []string:
		for _, s := range x {
			if c.matchString(s) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if c.matchOne(e) {
				return true
			}
		}
		return false
	}
	return c.matchOne(v)
}

// matchOne tests one non-list value with the positive form of the operator.
func (c *condition) matchOne(v any) bool {
	switch x := v.(type) {
	case string:
		return c.matchString(x)
	case bool:
		return (c.op == opEq || c.op == opNe) && (x && c.hasTrue || !x && c.hasFalse)
	case int:
		return c.matchNum(intNum(int64(x)))
	case int8:
		return c.matchNum(intNum(int64(x)))
	case int16:
		return c.matchNum(intNum(int64(x)))
	case int32:
		return c.matchNum(intNum(int64(x)))
	case int64:
		return c.matchNum(intNum(x))
	case uint:
		return c.matchNum(uintNum(uint64(x)))
	case uint8:
		return c.matchNum(uintNum(uint64(x)))
	case uint16:
		return c.matchNum(uintNum(uint64(x)))
	case uint32:
		return c.matchNum(uintNum(uint64(x)))
	case uint64:
		return c.matchNum(uintNum(x))
	case float32:
		return c.matchNum(floatNum(float64(x)))
	case float64:
		return c.matchNum(floatNum(x))
	case json.Number:
		n, ok := scanNumber(string(x))
		return ok && c.matchNum(n)
	case time.Time:
		return c.matchInstant(instantOfTime(x))
	case netip.Addr:
		return c.op == opInCIDR && c.containsAddr(x)
	}
	return false
}

// matchString tests a string attribute. A string longer than maxValueLen
// is a value of another type: it matches no operator.
func (c *condition) matchString(s string) bool {
	if len(s) > maxValueLen {
		return false
	}
	switch c.op {
	case opEq, opNe:
		return c.hasString(s)
	case opStartsWith:
		for _, p := range c.strs {
			if c.ignoreCase && hasPrefixFold(s, p) || !c.ignoreCase && strings.HasPrefix(s, p) {
				return true
			}
		}
	case opEndsWith:
		for _, p := range c.strs {
			if c.ignoreCase && hasSuffixFold(s, p) || !c.ignoreCase && strings.HasSuffix(s, p) {
				return true
			}
		}
	case opContains:
		for _, p := range c.strs {
			if c.ignoreCase && containsFold(s, p) || !c.ignoreCase && strings.Contains(s, p) {
				return true
			}
		}
	case opMatches:
		for _, re := range c.res {
			if re.MatchString(s) {
				return true
			}
		}
	case opSemverEq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
		v, ok := parseSemver(s)
		return ok && c.matchSemver(v)
	case opBefore, opAfter:
		u, ok := parseRFC3339(s)
		return ok && c.matchInstant(u)
	case opInCIDR:
		a, ok := parseIP(s)
		return ok && c.containsAddr(a)
	}
	return false
}

// hasString reports whether s is one of the eq/in strings.
func (c *condition) hasString(s string) bool {
	if !c.ignoreCase {
		if c.strSet != nil {
			_, ok := c.strSet[s]
			return ok
		}
		return containsString(c.strs, s)
	}
	if c.strSet != nil {
		var buf [foldBufLen]byte
		if key, ok := foldKey(buf[:0], s); ok {
			_, ok := c.strSet[string(key)]
			return ok
		}
	}
	for _, o := range c.strs {
		if strings.EqualFold(s, o) {
			return true
		}
	}
	return false
}

// matchNum tests a numeric attribute.
func (c *condition) matchNum(n condNum) bool {
	if n.kind == numFloat && n.f != n.f { // NaN
		return false
	}
	switch c.op {
	case opEq, opNe:
		return c.hasNum(n)
	case opLt:
		return cmpNum(n, c.bound) < 0
	case opLte:
		return cmpNum(n, c.bound) <= 0
	case opGt:
		return cmpNum(n, c.bound) > 0
	case opGte:
		return cmpNum(n, c.bound) >= 0
	case opBefore, opAfter:
		u, ok := n.instant()
		return ok && c.matchInstant(u)
	}
	return false
}

// hasNum reports whether n (not NaN) equals one of the eq/in numbers.
func (c *condition) hasNum(n condNum) bool {
	if w, ok := n.whole(); ok {
		if c.intSet != nil {
			_, ok := c.intSet[w]
			return ok
		}
		for _, o := range c.ints {
			if o == w {
				return true
			}
		}
		return false // a whole number within int64 equals no other operand
	}
	for i := range c.nums {
		if cmpNum(n, c.nums[i]) == 0 {
			return true
		}
	}
	return false
}

func (c *condition) matchSemver(v semver) bool {
	switch c.op {
	case opSemverEq:
		for i := range c.vers {
			if compareSemver(v, c.vers[i]) == 0 {
				return true
			}
		}
		return false
	case opSemverLt:
		return compareSemver(v, c.vers[0]) < 0
	case opSemverLte:
		return compareSemver(v, c.vers[0]) <= 0
	case opSemverGt:
		return compareSemver(v, c.vers[0]) > 0
	case opSemverGte:
		return compareSemver(v, c.vers[0]) >= 0
	}
	return false
}

func (c *condition) matchInstant(u unixInstant) bool {
	switch c.op {
	case opBefore:
		return u.cmp(c.instant) < 0
	case opAfter:
		return u.cmp(c.instant) > 0
	}
	return false
}

// containsAddr reports whether a, unmapped and without its zone, is inside
// any in_cidr block.
func (c *condition) containsAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, p := range c.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// block is an AND of conditions (one mapping of attributes to operator
// maps), as the parser reads it; compiled cohorts and rules hold their
// blocks flattened into an anyOf.
type block []condition

// anyOf is an OR of blocks, each an AND of conditions, stored flat so that
// a test walks one array: a block's conditions are consecutive, and every
// condition's next is the index just after the last condition of its
// block. No blocks match no one.
type anyOf []condition

// flatten compiles blocks into an anyOf. A block without conditions holds
// for everyone, and so does the OR: flatten returns nil, which cohorts and
// rules read as "no conditions". (The parser rejects empty blocks; this
// keeps the meaning exact regardless.)
func flatten(blocks []block) anyOf {
	var out anyOf
	for _, b := range blocks {
		if len(b) == 0 {
			return nil
		}
		next := int32(len(out) + len(b))
		for _, c := range b {
			c.next = next
			out = append(out, c)
		}
	}
	return out
}

// match reports whether any block holds for t.
func (a anyOf) match(t *target) bool {
	for i := 0; i < len(a); {
		c := &a[i]
		if !c.holds(t) {
			i = int(c.next) // the block fails; try the next one
			continue
		}
		i++
		if i == int(c.next) {
			return true // the last condition of the block held
		}
	}
	return false
}

// holds reports whether the condition holds for t. The most common
// condition, a case-sensitive eq or in (country in [...], plan eq pro) met
// by a string attribute of the subject, is decided first, without
// matchValue's dispatch.
func (c *condition) holds(t *target) bool {
	if c.scanStrs {
		if s, ok := t.attrs[c.attr].(string); ok {
			return containsString(c.strs, s)
		}
	}
	if c.isKey {
		return c.matchKey(t.key)
	}
	return c.matchValue(t.attr(c.attr))
}

// containsString reports whether s is one of strs. Comparing first bytes
// first skips most calls of the runtime's memequal when the strings have
// equal lengths (country codes, plan names).
func containsString(strs []string, s string) bool {
	for _, o := range strs {
		if len(s) == len(o) && (s == "" || s[0] == o[0]) && s == o {
			return true
		}
	}
	return false
}

// cohort is a compiled cohort, or a rule's test (the cohorts it names and
// its when, with key ""): t is a member when it is a member of any parent
// (if parents is non-empty) and when is empty or holds for t. Build one
// with newCohort, which derives strTests from when.
type cohort struct {
	parents  []*cohort
	strTests []strTest // when, if it is one block of string tests (see strTest); else nil
	when     anyOf
	key      string
	idx      int32 // the cohort's index in an evalMemo; -1 for a rule's own test
}

// strTest is a condition of the commonest shape, a case-sensitive eq or in
// on an attribute other than key (country in [...], plan eq pro), reduced
// to what deciding it for a string value reads: a cohort whose when is one
// block of them is tested by one loop over its strTests, contiguous in
// memory, rather than through anyOf.match and condition.holds.
type strTest struct {
	attr string
	strs []string
}

// newCohort returns a cohort of parents and when, with index idx (-1 for a
// rule's own test).
func newCohort(key string, parents []*cohort, when anyOf, idx int32) *cohort {
	return &cohort{key: key, parents: parents, when: when, idx: idx, strTests: strTestsOf(when)}
}

// strTestsOf returns when as strTests, or nil unless when is one block
// whose every condition is a string test.
func strTestsOf(when anyOf) []strTest {
	if len(when) == 0 || int(when[0].next) != len(when) {
		return nil // no conditions, or more than one block
	}
	out := make([]strTest, len(when))
	for i := range when {
		c := &when[i]
		if !c.scanStrs {
			return nil
		}
		out[i] = strTest{attr: c.attr, strs: c.strs}
	}
	return out
}

// target is the subject being evaluated plus the client-wide attributes
// (defaults), looked up without merging.
type target struct {
	key      string
	attrs    Attrs
	defaults Attrs
	memo     *evalMemo // nil unless the flag needs one (see memo.go)
}

// lookup finds an attribute: the pseudo-attribute "key" is always t.key;
// otherwise t.attrs, then t.defaults. A nil value counts as missing, so it
// does not hide a default.
func (t *target) lookup(name string) (any, bool) {
	if name == "key" {
		return t.key, true
	}
	return t.attr(name)
}

// attr looks up an attribute other than key: the subject's, then the
// client-wide default; a nil value counts as missing.
func (t *target) attr(name string) (any, bool) {
	if v := t.attrs[name]; v != nil {
		return v, true
	}
	if v := t.defaults[name]; v != nil {
		return v, true
	}
	return nil, false
}

// contains reports whether t is a member of the cohort. References between
// cohorts are acyclic (checked when they are resolved).
func (c *cohort) contains(t *target) bool {
	if t.memo != nil && c.idx >= 0 {
		return t.memo.contains(c, t)
	}
	return c.test(t)
}

// test is contains without the memo.
func (c *cohort) test(t *target) bool {
	if len(c.parents) > 0 && !anyContains(c.parents, t) {
		return false
	}
	if c.strTests != nil {
		if held, decided := allHold(c.strTests, t); decided {
			return held
		}
	}
	return len(c.when) == 0 || c.when.match(t)
}

// allHold reports whether every string test holds for t. It decides (and
// reports decided) unless an attribute it tests is missing from the
// subject or not a string; the general test (anyOf.match) decides then.
func allHold(tests []strTest, t *target) (held, decided bool) {
	for i := range tests {
		st := &tests[i]
		s, ok := t.attrs[st.attr].(string)
		if !ok {
			return false, false
		}
		if !containsString(st.strs, s) {
			return false, true
		}
	}
	return true, true
}

// anyContains reports whether t is a member of any of the cohorts.
func anyContains(cohorts []*cohort, t *target) bool {
	for _, p := range cohorts {
		if p.contains(t) {
			return true
		}
	}
	return false
}
