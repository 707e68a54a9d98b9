package flagkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/flagkit/flagkit/internal/suggest"
)

// Limits on documents.
const (
	// DefaultMaxDocumentSize is the largest document accepted when
	// [WithMaxDocumentSize] is not given: 8 MiB.
	DefaultMaxDocumentSize = 8 << 20
	// maxDepth is how deeply a document may nest mappings and lists.
	maxDepth = 64
	// maxRequiresDepth is how long a chain of prerequisites may be.
	maxRequiresDepth = 16
	// maxKeyLen is the longest flag or cohort key.
	maxKeyLen = 128
)

// valueKind is the type shared by all variants of a flag.
type valueKind uint8

const (
	kindBool valueKind = iota + 1
	kindString
	kindNumber
	kindObject
)

func (k valueKind) String() string {
	switch k {
	case kindBool:
		return "boolean"
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindObject:
		return "object"
	}
	return "unknown"
}

// onOff are the variants of every boolean flag that defines none: shared,
// so that they cost no memory per flag and evaluations of many flags read
// one pair that stays in the cache. Like every variant, they are never
// modified once made.
var onOff = [2]variant{
	{name: "on", value: true, b: true},
	{name: "off", value: false, b: false},
}

// variant is one named value of a flag, with the value prepared for every
// getter so that serving it never converts or allocates. A variant is never
// modified once made: compiled flags, their copies and snapshots share
// them.
type variant struct {
	name  string
	value any // what Detail.Value holds: bool, string, int64, float64; objects are copied from raw
	b     bool
	s     string
	f     float64
	i     int64
	isInt bool   // the number is whole and fits int64
	raw   []byte // objects: their JSON encoding
}

// docSpec is one parsed document: its valid definitions, and the keys whose
// definitions in it are invalid. It holds no parse tree.
type docSpec struct {
	source         string
	cohorts        map[string]*cohortSpec
	flags          map[string]*flagSpec
	invalidCohorts map[string][]*ParseError
	invalidFlags   map[string][]*ParseError
	// What could be read of each invalid flag and cohort, so that their
	// references can be checked with everyone else's: validation lists
	// every problem of a document at once. Never compiled.
	partialFlags   map[string]*flagSpec
	partialCohorts map[string]*cohortSpec
	overrides      []overrideSpec
	problems       []*ParseError // every isolated problem, in document order
}

// ref is a name written in a document, with where it was written.
type ref struct {
	name   string
	line   int
	column int
	path   string
}

type cohortSpec struct {
	key     string
	at      ref // where the cohort is defined
	source  string
	parents []ref
	when    []blockSpec
	fp      uint64
}

// blockSpec is one mapping of a when: as written: all its conditions must
// hold.
type blockSpec []condSpec

// condSpec is one operator of one attribute's block as written, e.g. attr
// "country", op "in", arg [NO, SE], checked by the parser (checkCondition)
// and compiled by the compiler (compileCondition); line, column and path
// are the operator's.
type condSpec struct {
	attr       string
	op         string
	arg        operand
	ignoreCase bool
	line       int
	column     int
	path       string
}

type prereqSpec struct {
	flag    ref
	variant ref
}

type ruleSpec struct {
	name       string
	cohorts    []ref
	when       []blockSpec
	from       int64 // Unix ms
	until      int64
	hasFrom    bool
	hasUntil   bool
	hasPercent bool
	percent    int32
	ramp       []rampPoint
	serve      int   // variant index; -1 when split
	split      []int // variant indexes of a split, in written order
	bounds     []int32
	salt       string
	hasSalt    bool
	by         string
}

func (r *ruleSpec) timed() bool { return r.hasFrom || r.hasUntil || len(r.ramp) > 0 }

type flagSpec struct {
	key         string
	source      string
	kind        valueKind
	variants    []variant
	enabled     bool
	def         int // -1: none
	off         int // -1: none
	salt        string
	hasSalt     bool
	by          string
	requires    []prereqSpec
	rules       []ruleSpec
	description string
	metadata    map[string]any
	fp          uint64
	zone        *time.Location // the document's timezone, or UTC; for tooling
}

// variantIndex finds a variant of the flag by name.
func (f *flagSpec) variantIndex(name string) int { return variantIndex(f.variants, f.kind, name) }

// variantIndex finds a variant by name; for a boolean flag "true" and
// "false" name the variants with those values.
func variantIndex(variants []variant, kind valueKind, name string) int {
	for i := range variants {
		if variants[i].name == name {
			return i
		}
	}
	if kind == kindBool && (name == "true" || name == "false") {
		want := name == "true"
		for i := range variants {
			if variants[i].b == want {
				return i
			}
		}
	}
	return -1
}

type overrideSpec struct {
	key    string // as written
	norm   string // normalized
	node   overrideValue
	line   int
	column int
	path   string
	source string
}

// overrideValue is an override's value as written: a scalar's text and kind,
// or an object's JSON encoding.
type overrideValue struct {
	text string
	kind scalarKind
	raw  []byte // set for mappings and lists
}

// validKey reports whether s is 1–128 letters, digits, '-', '_' or '.'.
func validKey(s string) bool {
	if len(s) == 0 || len(s) > maxKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// parser walks one document's node tree. Problems go to probs; the caller
// decides whether they isolate a flag or reject the document.
type parser struct {
	source string
	loc    *time.Location
	probs  []*ParseError
}

func (p *parser) problem(n *yaml.Node, path string, class error, format string, args ...any) {
	e := &ParseError{Source: p.source, Path: path, Msg: fmt.Sprintf(format, args...), Err: class}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.probs = append(p.probs, e)
}

// pair is one entry of a mapping.
type pair struct {
	key string
	k   *yaml.Node
	v   *yaml.Node
}

// mapping returns the entries of n, reporting a node that is not a mapping,
// keys that are not scalars and duplicate keys (the later one is dropped).
func (p *parser) mapping(n *yaml.Node, path string) ([]pair, bool) {
	if n.Kind != yaml.MappingNode {
		p.problem(n, path, ErrInvalid, "expected a mapping, found %s", describe(n))
		return nil, false
	}
	pairs := make([]pair, 0, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.problem(k, path, ErrInvalid, "a key must be a scalar, found %s", describe(k))
			ok = false
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.problem(k, join(path, k.Value), ErrDuplicateKey, "duplicate key %q (first at line %d)", k.Value, first)
			ok = false
			continue
		}
		seen[k.Value] = k.Line
		pairs = append(pairs, pair{key: k.Value, k: k, v: v})
	}
	return pairs, ok
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Value == "" && classify(n) == scalarNull {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "an unsupported node"
}

// classify types a scalar from its text and style, never from YAML's own
// resolution: quoted and block scalars are strings; a plain scalar is null,
// a boolean or a (decimal) number when its text is one under YAML 1.2's core
// schema, and a string otherwise ("NO", "on", "2.10.1" are strings).
func classify(n *yaml.Node) scalarKind {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Tag == "!!str" && n.Style&yaml.TaggedStyle != 0 {
		return scalarString
	}
	switch n.Value {
	case "", "~", "null", "Null", "NULL":
		return scalarNull
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return scalarBool
	}
	if isCoreNumber(n.Value) {
		return scalarNumber
	}
	return scalarString
}

func scalarOf(n *yaml.Node) scalar { return scalar{text: n.Value, kind: classify(n)} }

// text reads a scalar's text.
func (p *parser) text(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.problem(n, path, ErrInvalid, "expected a scalar, found %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// name reads a non-empty scalar used as a name (variant, cohort, attribute).
func (p *parser) name(n *yaml.Node, path string) (string, bool) {
	s, ok := p.text(n, path)
	if ok && s == "" {
		p.problem(n, path, ErrInvalid, "must not be empty")
		return "", false
	}
	return s, ok
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && classify(n) == scalarBool {
		return strings.EqualFold(n.Value, "true"), true
	}
	p.problem(n, path, ErrInvalid, "expected true or false, found %s", describe(n))
	return false, false
}

func (p *parser) refOf(n *yaml.Node, path string) (ref, bool) {
	s, ok := p.name(n, path)
	return ref{name: s, line: n.Line, column: n.Column, path: path}, ok
}

// refs reads a name or a list of names.
func (p *parser) refs(n *yaml.Node, path string) ([]ref, bool) {
	if n.Kind == yaml.SequenceNode {
		out := make([]ref, 0, len(n.Content))
		ok := true
		for i, item := range n.Content {
			r, good := p.refOf(item, index(path, i))
			ok = ok && good
			out = append(out, r)
		}
		if len(out) == 0 {
			p.problem(n, path, ErrInvalid, "must name at least one cohort")
			return nil, false
		}
		return out, ok
	}
	r, ok := p.refOf(n, path)
	return []ref{r}, ok
}

// instant reads a time: RFC 3339, or a local time in the document's zone.
func (p *parser) instant(n *yaml.Node, path string) (int64, bool) {
	s, ok := p.text(n, path)
	if !ok {
		return 0, false
	}
	t, err := parseTime(s, p.loc)
	if err != nil {
		if errors.Is(err, errNoTimezone) {
			p.problem(n, path, ErrInvalid, "local time %q needs the document's timezone (set timezone: at the top, or write an offset)", s)
		} else {
			p.problem(n, path, ErrInvalid, "%v", err)
		}
		return 0, false
	}
	return t.UnixMilli(), true
}

func (p *parser) percent(n *yaml.Node, path string) (int32, bool) {
	s, ok := p.text(n, path)
	if !ok {
		return 0, false
	}
	v, err := parsePercent(s)
	if err != nil {
		p.problem(n, path, ErrInvalid, "%v", err)
		return 0, false
	}
	return v, true
}

// precheck refuses, before anything is read, what the format never allows:
// anchors, aliases, merge keys, custom tags and nesting over the limit.
func (p *parser) precheck(n *yaml.Node, depth int, path string) *ParseError {
	if depth > maxDepth {
		return &ParseError{Source: p.source, Line: n.Line, Column: n.Column, Path: path, Err: ErrTooDeep,
			Msg: fmt.Sprintf("nesting is deeper than %d levels", maxDepth)}
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return &ParseError{Source: p.source, Line: n.Line, Column: n.Column, Path: path, Err: ErrInvalid,
			Msg: "anchors and aliases are not allowed (define a cohort to reuse conditions)"}
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str" && n.Tag != "!!map" && n.Tag != "!!seq" && n.Tag != "!" {
		return &ParseError{Source: p.source, Line: n.Line, Column: n.Column, Path: path, Err: ErrInvalid,
			Msg: fmt.Sprintf("tag %s is not allowed", n.Tag)}
	}
	for i, c := range n.Content {
		childPath := path
		if n.Kind == yaml.MappingNode {
			if i%2 == 0 {
				if c.Tag == "!!merge" || c.Kind == yaml.ScalarNode && c.Value == "<<" && c.Style == 0 {
					return &ParseError{Source: p.source, Line: c.Line, Column: c.Column, Path: path, Err: ErrInvalid,
						Msg: "merge keys (<<) are not allowed (define a cohort to reuse conditions)"}
				}
			} else {
				childPath = join(path, n.Content[i-1].Value)
			}
		} else if n.Kind == yaml.SequenceNode {
			childPath = index(path, i)
		}
		if err := p.precheck(c, depth+1, childPath); err != nil {
			return err
		}
	}
	return nil
}

// invalidText returns the offset of the first byte that the YAML reader
// refuses, invalid UTF-8 or a character YAML does not allow in a document,
// or -1. For JSON (utf8Only), only invalid UTF-8: JSON strings may hold any
// other character.
func invalidText(data []byte, utf8Only bool) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return i
		case utf8Only:
		case r == '\t', r == '\n', r == '\r', r >= 0x20 && r <= 0x7E, r == 0x85, r >= 0xA0 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD, r >= 0x10000:
		default:
			return i
		}
		i += n
	}
	return -1
}

// yamlDocument reads a YAML document into a node tree.
func yamlDocument(source string, data []byte) (*yaml.Node, *ParseError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{Source: source, Line: 1, Column: 1, Err: ErrSyntax, Msg: "document is empty"}
		}
		return nil, syntaxError(source, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ParseError{Source: source, Line: extra.Line, Column: extra.Column, Err: ErrSyntax,
			Msg: "a flag file holds one document; found a second (---)"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(source, data, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, &ParseError{Source: source, Line: 1, Column: 1, Err: ErrSyntax, Msg: "document is empty"}
	}
	top := root.Content[0]
	if top.Kind == yaml.ScalarNode && classify(top) == scalarNull {
		return nil, &ParseError{Source: source, Line: top.Line, Column: top.Column, Err: ErrSyntax, Msg: "document is empty"}
	}
	return top, nil
}

// decodeDocument parses data into a node tree and checks the limits that
// apply before the content is read.
func decodeDocument(source string, data []byte, maxSize int64) (*yaml.Node, *ParseError) {
	if maxSize <= 0 {
		maxSize = DefaultMaxDocumentSize
	}
	if int64(len(data)) > maxSize {
		return nil, &ParseError{Source: source, Err: ErrTooLarge,
			Msg: fmt.Sprintf("document is %d bytes, over the limit of %d", len(data), maxSize)}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := 1 + bytes.Count(data[:i], []byte("\n"))
		return nil, &ParseError{Source: source, Line: line, Column: i - bytes.LastIndexByte(data[:i], '\n'), Err: ErrSyntax,
			Msg: "document contains a NUL byte"}
	}
	isJSON := looksLikeJSON(data)
	if off := invalidText(data, isJSON); off >= 0 {
		// Checked here for both paths: encoding/json would quietly turn
		// invalid UTF-8 into U+FFFD.
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
		return nil, &ParseError{Source: source, Line: line, Column: col, Err: ErrSyntax,
			Msg: "invalid UTF-8 or a character YAML does not allow"}
	}
	var top *yaml.Node
	if isJSON {
		n, perr := jsonDocument(source, data)
		if perr != nil {
			return nil, perr
		}
		top = n
	} else {
		n, perr := yamlDocument(source, data)
		if perr != nil {
			return nil, perr
		}
		top = n
	}
	p := parser{source: source}
	if err := p.precheck(top, 1, ""); err != nil {
		return nil, err
	}
	return top, nil
}

// parseDocument reads one document. A problem that makes the whole document
// unusable is returned as the error; problems confined to a flag or a cohort
// isolate it and are listed in the result's problems.
func parseDocument(source string, data []byte, maxSize int64) (*docSpec, error) {
	top, perr := decodeDocument(source, data, maxSize)
	if perr != nil {
		return nil, perr
	}
	p := &parser{source: source}
	pairs, ok := p.mapping(top, "")
	if !ok {
		return nil, errors.Join(errorList(p.probs)...)
	}
	var cohorts, flags, overrides *yaml.Node
	for _, e := range pairs {
		switch e.key {
		case "version":
			s, ok := p.text(e.v, "version")
			if !ok {
				break
			}
			major, _, _ := strings.Cut(s, ".")
			if major != "1" {
				p.problem(e.v, "version", ErrInvalid, "version %q is not supported (this library reads version 1)", s)
			}
		case "timezone":
			s, ok := p.name(e.v, "timezone")
			if !ok {
				break
			}
			loc, err := loadZone(s)
			if err != nil {
				p.problem(e.v, "timezone", ErrInvalid, "unknown time zone %q (use an IANA name such as Europe/Oslo)", s)
				break
			}
			p.loc = loc
		case "cohorts":
			cohorts = e.v
		case "flags":
			flags = e.v
		case "overrides":
			overrides = e.v
		default:
			p.unknownField(e.k, e.key, e.key, topFields, "")
		}
	}
	for name, n := range map[string]*yaml.Node{"cohorts": cohorts, "flags": flags, "overrides": overrides} {
		if n != nil && n.Kind != yaml.MappingNode && !(n.Kind == yaml.ScalarNode && classify(n) == scalarNull) {
			p.problem(n, name, ErrInvalid, "expected a mapping, found %s", describe(n))
		}
	}
	if len(p.probs) > 0 {
		// Problems at the top level make the document unusable: loading it
		// anyway could drop every flag because of one typo.
		sort.Slice(p.probs, func(i, j int) bool { return lessProblem(p.probs[i], p.probs[j]) })
		return nil, errors.Join(errorList(p.probs)...)
	}
	doc := &docSpec{
		source:         source,
		cohorts:        map[string]*cohortSpec{},
		flags:          map[string]*flagSpec{},
		invalidCohorts: map[string][]*ParseError{},
		invalidFlags:   map[string][]*ParseError{},
		partialCohorts: map[string]*cohortSpec{},
		partialFlags:   map[string]*flagSpec{},
	}
	if cohorts != nil && cohorts.Kind == yaml.MappingNode {
		parseSection(p, cohorts, "cohorts", doc.cohorts, doc.invalidCohorts, doc.partialCohorts, p.cohort)
	}
	if flags != nil && flags.Kind == yaml.MappingNode {
		parseSection(p, flags, "flags", doc.flags, doc.invalidFlags, doc.partialFlags, p.flag)
	}
	if overrides != nil && overrides.Kind == yaml.MappingNode {
		entries, _ := p.mapping(overrides, "overrides")
		for _, e := range entries {
			path := join("overrides", e.key)
			o := overrideSpec{key: e.key, norm: suggest.OverrideKey(e.key), line: e.v.Line, column: e.v.Column, path: path, source: source}
			switch e.v.Kind {
			case yaml.ScalarNode:
				o.node = overrideValue{text: e.v.Value, kind: classify(e.v)}
				if o.node.kind == scalarNull {
					p.problem(e.v, path, ErrInvalid, "an override needs a value")
					continue
				}
			default:
				raw, err := nodeJSON(e.v)
				if err != nil {
					p.problem(e.v, path, ErrInvalid, "%v", err)
					continue
				}
				o.node = overrideValue{raw: raw}
			}
			doc.overrides = append(doc.overrides, o)
		}
	}
	// The parser collects every problem in document order; those after
	// the top level's isolate a flag or cohort, or drop an override.
	doc.problems = p.probs
	for _, c := range doc.cohorts {
		c.source = source
	}
	for _, c := range doc.partialCohorts {
		c.source = source
	}
	for _, f := range doc.flags {
		f.source = source
	}
	for _, f := range doc.partialFlags {
		f.source = source
	}
	return doc, nil
}

// parseSection reads the entries of the cohorts: or flags: section with
// read, one at a time: an entry with problems goes to invalid (isolated),
// with what could be read of it in partial, the others to valid. The
// problems are the parser's (p.probs), in document order.
func parseSection[T any](p *parser, n *yaml.Node, section string, valid map[string]*T, invalid map[string][]*ParseError,
	partial map[string]*T, read func(e pair, path string) *T) {
	start := len(p.probs)
	entries, _ := p.mapping(n, section)
	isolateDuplicates(p.probs[start:], section, invalid)
	for _, e := range entries {
		if _, dup := invalid[e.key]; dup {
			continue
		}
		start := len(p.probs)
		v := read(e, join(section, e.key))
		if len(p.probs) > start {
			invalid[e.key] = slices.Clone(p.probs[start:])
			if v != nil {
				partial[e.key] = v
			}
			continue
		}
		valid[e.key] = v
	}
}

// isolateDuplicates marks keys defined twice in one section as invalid:
// neither definition can be trusted to be the one the author meant.
func isolateDuplicates(probs []*ParseError, section string, invalid map[string][]*ParseError) {
	for _, e := range probs {
		if errors.Is(e, ErrDuplicateKey) {
			key := strings.TrimPrefix(e.Path, section+".")
			invalid[key] = append(invalid[key], e)
		}
	}
}

func errorList(probs []*ParseError) []error {
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = p
	}
	return errs
}

// cohort reads one cohort definition.
func (p *parser) cohort(e pair, path string) *cohortSpec {
	c := &cohortSpec{key: e.key, fp: fingerprint(e.v), at: ref{name: e.key, line: e.k.Line, column: e.k.Column, path: path}}
	if !validKey(e.key) {
		p.problem(e.k, path, ErrInvalid, "cohort key %q must be 1-%d letters, digits, '-', '_' or '.'", e.key, maxKeyLen)
	}
	pairs, ok := p.mapping(e.v, path)
	if !ok {
		return nil
	}
	var hasWhen bool
	for _, f := range pairs {
		fpath := join(path, f.key)
		switch f.key {
		case "description":
			p.text(f.v, fpath)
		case "cohort", "cohorts":
			rs, _ := p.refs(f.v, fpath)
			c.parents = append(c.parents, rs...)
		case "when":
			hasWhen = true
			c.when = p.when(f.v, fpath)
		default:
			p.unknownField(f.k, fpath, f.key, cohortFields, "")
		}
	}
	if !hasWhen && len(c.parents) == 0 {
		p.problem(e.k, path, ErrInvalid, "a cohort needs when, cohort or cohorts")
	}
	return c
}

// when reads attribute conditions: one block, or a list of blocks (any).
func (p *parser) when(n *yaml.Node, path string) []blockSpec {
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			p.problem(n, path, ErrInvalid, "needs at least one block of conditions")
			return nil
		}
		blocks := make([]blockSpec, 0, len(n.Content))
		for i, item := range n.Content {
			blocks = append(blocks, p.block(item, index(path, i)))
		}
		return blocks
	}
	return []blockSpec{p.block(n, path)}
}

// block reads one mapping of attribute to operators: all must hold.
func (p *parser) block(n *yaml.Node, path string) blockSpec {
	attrs, ok := p.mapping(n, path)
	if !ok {
		return nil
	}
	if len(attrs) == 0 {
		p.problem(n, path, ErrInvalid, "needs at least one attribute")
		return nil
	}
	var b blockSpec
	for _, a := range attrs {
		apath := join(path, a.key)
		if a.key == "" {
			p.problem(a.k, apath, ErrInvalid, "attribute name must not be empty")
			continue
		}
		if a.v.Kind != yaml.MappingNode {
			p.problem(a.v, apath, ErrInvalid, "expected operators such as {eq: value} or {in: [a, b]}, found %s", describe(a.v))
			continue
		}
		ops, _ := p.mapping(a.v, apath)
		ignoreCase := false
		for _, o := range ops {
			if o.key == "ignore_case" {
				ignoreCase, _ = p.boolean(o.v, join(apath, o.key))
			}
		}
		count := 0
		for _, o := range ops {
			if o.key == "ignore_case" {
				continue
			}
			count++
			opath := join(apath, o.key)
			var arg operand
			switch o.v.Kind {
			case yaml.ScalarNode:
				arg = operand{items: []scalar{scalarOf(o.v)}}
			case yaml.SequenceNode:
				arg.list = true
				for i, item := range o.v.Content {
					if item.Kind != yaml.ScalarNode {
						p.problem(item, index(opath, i), ErrInvalid, "expected a scalar, found %s", describe(item))
						continue
					}
					arg.items = append(arg.items, scalarOf(item))
				}
			default:
				p.problem(o.v, opath, ErrInvalid, "expected a value or a list of values, found %s", describe(o.v))
				continue
			}
			if err := checkCondition(a.key, o.key, arg, ignoreCase); err != nil {
				at, atPath := o.v, opath
				var ie *itemError
				if errors.As(err, &ie) && o.v.Kind == yaml.SequenceNode && ie.index < len(o.v.Content) {
					at, atPath = o.v.Content[ie.index], index(opath, ie.index)
				}
				class, hint := ErrInvalid, ""
				if errors.Is(err, errUnknownOperator) {
					at, class = o.k, ErrUnknownField
					hint = suggest.DidYouMean(o.key, append(strings.Split(operatorNames, ", "), "ignore_case"))
				}
				p.problem(at, atPath, class, "%v%s", err, hint)
				continue
			}
			b = append(b, condSpec{attr: a.key, op: o.key, arg: arg, ignoreCase: ignoreCase,
				line: o.v.Line, column: o.v.Column, path: opath})
		}
		if count == 0 {
			p.problem(a.v, apath, ErrInvalid, "needs at least one operator")
		}
	}
	return b
}

// flag reads one flag definition.
func (p *parser) flag(e pair, path string) *flagSpec {
	f := &flagSpec{key: e.key, enabled: true, def: -1, off: -1, fp: fingerprint(e.v), zone: p.loc}
	if f.zone == nil {
		f.zone = time.UTC
	}
	if !validKey(e.key) {
		p.problem(e.k, path, ErrInvalid, "flag key %q must be 1-%d letters, digits, '-', '_' or '.'", e.key, maxKeyLen)
	}
	pairs, ok := p.mapping(e.v, path)
	if !ok {
		return nil
	}
	fields := map[string]pair{}
	for _, fe := range pairs {
		switch fe.key {
		case "description", "metadata", "enabled", "variants", "default", "off_variant", "salt", "by", "requires", "rules":
			fields[fe.key] = fe
		default:
			p.unknownField(fe.k, join(path, fe.key), fe.key, flagFields, "; put tooling data under metadata")
		}
	}
	if fe, ok := fields["description"]; ok {
		f.description, _ = p.text(fe.v, join(path, "description"))
	}
	if fe, ok := fields["metadata"]; ok {
		if fe.v.Kind != yaml.MappingNode {
			p.problem(fe.v, join(path, "metadata"), ErrInvalid, "expected a mapping, found %s", describe(fe.v))
		} else if v, err := nodeValue(fe.v); err != nil {
			p.problem(fe.v, join(path, "metadata"), ErrInvalid, "%v", err)
		} else {
			f.metadata, _ = v.(map[string]any)
		}
	}
	if fe, ok := fields["enabled"]; ok {
		f.enabled, _ = p.boolean(fe.v, join(path, "enabled"))
	}
	if fe, ok := fields["variants"]; ok {
		p.variants(f, fe.v, join(path, "variants"))
	} else {
		f.kind = kindBool
		f.variants = onOff[:]
	}
	if len(f.variants) == 0 {
		return f // the variants' problems are reported; nothing else can be checked
	}
	variantRef := func(n *yaml.Node, path string) int {
		s, ok := p.name(n, path)
		if !ok {
			return -1
		}
		i := f.variantIndex(s)
		if i < 0 {
			p.problem(n, path, ErrUnknownReference, "no variant named %q (variants: %s)%s", s, variantNames(f), suggest.DidYouMean(s, f.variantList()))
		}
		return i
	}
	if fe, ok := fields["default"]; ok {
		f.def = variantRef(fe.v, join(path, "default"))
	}
	if fe, ok := fields["off_variant"]; ok {
		f.off = variantRef(fe.v, join(path, "off_variant"))
	} else if f.kind == kindBool {
		f.off = f.variantIndex("false")
	}
	if fe, ok := fields["salt"]; ok {
		f.salt, f.hasSalt = p.text(fe.v, join(path, "salt"))
	}
	if fe, ok := fields["by"]; ok {
		f.by, _ = p.name(fe.v, join(path, "by"))
	}
	if fe, ok := fields["requires"]; ok {
		rpath := join(path, "requires")
		reqs, _ := p.mapping(fe.v, rpath)
		for _, r := range reqs {
			qpath := join(rpath, r.key)
			v, ok := p.refOf(r.v, qpath)
			if !ok {
				continue
			}
			f.requires = append(f.requires, prereqSpec{
				flag:    ref{name: r.key, line: r.k.Line, column: r.k.Column, path: qpath},
				variant: v,
			})
		}
	}
	if fe, ok := fields["rules"]; ok {
		rpath := join(path, "rules")
		if fe.v.Kind != yaml.SequenceNode {
			p.problem(fe.v, rpath, ErrInvalid, "expected a list of rules, found %s", describe(fe.v))
		} else {
			for i, rn := range fe.v.Content {
				p.rule(f, rn, index(rpath, i), variantRef)
			}
			p.checkSplits(f, fe.v, rpath)
		}
	}
	return f
}

// The fields of each mapping of the format, in the order messages list them.
var (
	topFields    = []string{"version", "timezone", "cohorts", "flags", "overrides"}
	cohortFields = []string{"description", "when", "cohort", "cohorts"}
	flagFields   = []string{"description", "metadata", "enabled", "variants", "default", "off_variant", "salt", "by", "requires", "rules"}
	ruleFields   = []string{"name", "cohort", "cohorts", "when", "from", "until", "percent", "serve", "split", "salt", "by"}
	rampFields   = []string{"at", "value"}
)

// unknownField reports field key at k, which is none of fields, listing
// them, with "did you mean" the nearest and note after the list.
func (p *parser) unknownField(k *yaml.Node, path, key string, fields []string, note string) {
	list := strings.Join(fields[:len(fields)-1], ", ") + " or " + fields[len(fields)-1]
	if len(fields) == 2 {
		list = fields[0] + " and " + fields[1]
	}
	p.problem(k, path, ErrUnknownField, "unknown field %q (expected %s%s)%s", key, list, note, suggest.DidYouMean(key, fields))
}

// variantList returns the names of the flag's variants.
func (f *flagSpec) variantList() []string {
	names := make([]string, len(f.variants))
	for i, v := range f.variants {
		names[i] = v.name
	}
	return names
}

func variantNames(f *flagSpec) string {
	names := make([]string, len(f.variants))
	for i, v := range f.variants {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

// variants reads a flag's variants and checks that they share one type.
func (p *parser) variants(f *flagSpec, n *yaml.Node, path string) {
	pairs, ok := p.mapping(n, path)
	if !ok {
		return
	}
	if len(pairs) == 0 {
		p.problem(n, path, ErrInvalid, "needs at least one variant")
		return
	}
	start := len(p.probs)
	var first *yaml.Node
	for _, e := range pairs {
		vpath := join(path, e.key)
		if e.key == "" {
			p.problem(e.k, vpath, ErrInvalid, "variant name must not be empty")
			continue
		}
		v, kind, err := variantValue(e.key, e.v)
		if err != nil {
			p.problem(e.v, vpath, ErrInvalid, "%v", err)
			continue
		}
		if f.kind == 0 {
			f.kind, first = kind, e.v
		} else if kind != f.kind {
			p.problem(e.v, vpath, ErrInvalid, "variant %q is a %s but the flag's variants are %ss (line %d)", e.key, kind, f.kind, first.Line)
			continue
		}
		f.variants = append(f.variants, v)
	}
	if len(p.probs) > start {
		f.variants = nil
	}
}

// variantValue types and prepares one variant's value.
func variantValue(name string, n *yaml.Node) (variant, valueKind, error) {
	v := variant{name: name}
	if n.Kind != yaml.ScalarNode {
		raw, err := nodeJSON(n)
		if err != nil {
			return v, 0, err
		}
		v.raw = raw
		return v, kindObject, nil
	}
	switch classify(n) {
	case scalarNull:
		return v, 0, fmt.Errorf("variant %q has no value", name)
	case scalarBool:
		v.b = strings.EqualFold(n.Value, "true")
		v.value = v.b
		return v, kindBool, nil
	case scalarNumber:
		num, err := parseNumber(n.Value)
		if err != nil {
			return v, 0, err
		}
		v.f = num
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			v.i, v.isInt, v.value = i, true, i
		} else if num == float64(int64(num)) && num >= -(1<<63) && num < 1<<63 {
			v.i, v.isInt, v.value = int64(num), true, int64(num)
		} else {
			v.value = num
		}
		return v, kindNumber, nil
	default:
		v.s = n.Value
		v.value = n.Value
		return v, kindString, nil
	}
}

func parseNumber(text string) (float64, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("number %s is out of range", text)
		}
		return 0, fmt.Errorf("%q is not a number", text)
	}
	return f, nil
}

// nodeValue converts a node into plain Go values, typing scalars from their
// text: map[string]any, []any, string, bool, int64, float64 and nil.
func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch classify(n) {
		case scalarNull:
			return nil, nil
		case scalarBool:
			return strings.EqualFold(n.Value, "true"), nil
		case scalarNumber:
			if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
				return i, nil
			}
			return parseNumber(n.Value)
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported value", n.Line)
}

// nodeJSON encodes a mapping or list as JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	v, err := nodeValue(n)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// rule reads one rule.
func (p *parser) rule(f *flagSpec, n *yaml.Node, path string, variantRef func(*yaml.Node, string) int) {
	r := ruleSpec{serve: -1}
	pairs, ok := p.mapping(n, path)
	if !ok {
		f.rules = append(f.rules, r)
		return
	}
	var serveNode, splitNode, fromNode, untilNode *yaml.Node
	for _, e := range pairs {
		fpath := join(path, e.key)
		switch e.key {
		case "name":
			r.name, _ = p.text(e.v, fpath)
		case "cohort", "cohorts":
			rs, _ := p.refs(e.v, fpath)
			r.cohorts = append(r.cohorts, rs...)
		case "when":
			r.when = p.when(e.v, fpath)
		case "from":
			r.from, r.hasFrom = p.instant(e.v, fpath)
			fromNode = e.v
		case "until":
			r.until, r.hasUntil = p.instant(e.v, fpath)
			untilNode = e.v
		case "percent":
			r.hasPercent = true
			if e.v.Kind == yaml.SequenceNode {
				r.ramp = p.ramp(e.v, fpath)
			} else {
				r.percent, _ = p.percent(e.v, fpath)
			}
		case "serve":
			serveNode = e.v
			r.serve = variantRef(e.v, fpath)
		case "split":
			splitNode = e.v
			p.split(&r, e.v, fpath, variantRef)
		case "salt":
			r.salt, r.hasSalt = p.text(e.v, fpath)
		case "by":
			r.by, _ = p.name(e.v, fpath)
		default:
			p.unknownField(e.k, fpath, e.key, ruleFields, "")
		}
	}
	if r.hasFrom && r.hasUntil && r.until <= r.from {
		// Point at whichever of the two is written second.
		if fromNode.Line > untilNode.Line || fromNode.Line == untilNode.Line && fromNode.Column > untilNode.Column {
			p.problem(fromNode, join(path, "from"), ErrInvalid, "from must be before until (line %d)", untilNode.Line)
		} else {
			p.problem(untilNode, join(path, "until"), ErrInvalid, "until must be after from (line %d)", fromNode.Line)
		}
	}
	switch {
	case serveNode != nil && splitNode != nil:
		p.problem(splitNode, join(path, "split"), ErrInvalid, "a rule has serve or split, not both")
	case serveNode == nil && splitNode == nil:
		p.problem(n, path, ErrInvalid, "a rule needs serve or split")
	}
	f.rules = append(f.rules, r)
}

func hasProblemAt(probs []*ParseError, path string) bool {
	for _, e := range probs {
		if e.Path == path {
			return true
		}
	}
	return false
}

// ramp reads a percentage that changes over time.
func (p *parser) ramp(n *yaml.Node, path string) []rampPoint {
	if len(n.Content) == 0 {
		p.problem(n, path, ErrInvalid, "a ramp needs at least one point {at: time, value: percent}")
		return nil
	}
	points := make([]rampPoint, 0, len(n.Content))
	for i, item := range n.Content {
		ipath := index(path, i)
		pairs, ok := p.mapping(item, ipath)
		if !ok {
			continue
		}
		var pt rampPoint
		var hasAt, hasValue bool
		for _, e := range pairs {
			switch e.key {
			case "at":
				pt.at, hasAt = p.instant(e.v, join(ipath, "at"))
			case "value":
				pt.value, hasValue = p.percent(e.v, join(ipath, "value"))
			default:
				p.unknownField(e.k, join(ipath, e.key), e.key, rampFields, "")
			}
		}
		if !hasAt || !hasValue {
			if !hasProblemAt(p.probs, join(ipath, "at")) && !hasProblemAt(p.probs, join(ipath, "value")) {
				p.problem(item, ipath, ErrInvalid, "a ramp point needs at and value")
			}
			continue
		}
		if len(points) > 0 && pt.at < points[len(points)-1].at {
			p.problem(item, join(ipath, "at"), ErrInvalid, "ramp points must be in time order; this one is before the point above it")
		}
		points = append(points, pt)
	}
	return points
}

// split reads a weighted split: variant -> weight, summing to 100.
func (p *parser) split(r *ruleSpec, n *yaml.Node, path string, variantRef func(*yaml.Node, string) int) {
	pairs, ok := p.mapping(n, path)
	if !ok {
		return
	}
	if len(pairs) == 0 {
		p.problem(n, path, ErrInvalid, "a split needs at least one variant")
		return
	}
	var sum int32
	for _, e := range pairs {
		i := variantRef(e.k, join(path, e.key))
		w, ok := p.percent(e.v, join(path, e.key))
		if i < 0 || !ok {
			continue
		}
		for _, prev := range r.split {
			if prev == i {
				p.problem(e.k, join(path, e.key), ErrDuplicateKey, "variant %q appears twice in the split", e.key)
			}
		}
		sum += w
		r.split = append(r.split, i)
		r.bounds = append(r.bounds, sum)
	}
	if len(r.split) == len(pairs) && sum != 100000 {
		p.problem(n, path, ErrInvalid, "split weights sum to %s, not 100", formatThousandths(sum))
	}
}

func formatThousandths(v int32) string {
	s := strconv.Itoa(int(v/1000)) + "." + fmt.Sprintf("%03d", v%1000)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// checkSplits refuses a split after a percentage rule on the same salt and
// attribute: the subjects the percentage took would be missing from the
// split's first buckets and skew it.
func (p *parser) checkSplits(f *flagSpec, rules *yaml.Node, path string) {
	seenPercent := map[[2]string]int{}
	for i := range f.rules {
		r := &f.rules[i]
		salt, by := f.effectiveSalt(r), f.effectiveBy(r)
		k := [2]string{salt, by}
		if len(r.split) > 0 && !r.hasSalt {
			if j, ok := seenPercent[k]; ok {
				p.problem(rules.Content[i], index(path, i), ErrInvalid,
					"a split after the percentage rule %s with the same salt would skew the split; give this rule its own salt", index(path, j))
			}
		}
		if r.hasPercent {
			if _, ok := seenPercent[k]; !ok {
				seenPercent[k] = i
			}
		}
	}
}

func (f *flagSpec) effectiveSalt(r *ruleSpec) string {
	switch {
	case r.hasSalt:
		return r.salt
	case f.hasSalt:
		return f.salt
	}
	return f.key
}

// effectiveBy is the attribute a rule hashes; "" means the subject's key
// (by: key names it too).
func (f *flagSpec) effectiveBy(r *ruleSpec) string {
	by := f.by
	if r.by != "" {
		by = r.by
	}
	if by == "key" {
		return ""
	}
	return by
}

// fingerprint hashes a definition's content (not its position or comments),
// so that a reload can tell which definitions changed.
func fingerprint(n *yaml.Node) uint64 {
	h := fnv64(14695981039346656037) // FNV-1a offset basis
	h.node(n)
	return uint64(h)
}

// fnv64 is FNV-1a, 64 bits, fed without the hash.Hash interface (whose
// Write makes every small buffer escape to the heap).
type fnv64 uint64

func (h *fnv64) byte(b byte) { *h = (*h ^ fnv64(b)) * 1099511628211 }

func (h *fnv64) uint(v uint64) {
	for range 8 {
		h.byte(byte(v))
		v >>= 8
	}
}

// string hashes s with its length, so that consecutive strings cannot run
// into each other.
func (h *fnv64) string(s string) {
	h.uint(uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

func (h *fnv64) node(n *yaml.Node) {
	h.byte(byte(n.Kind))
	h.uint(uint64(len(n.Content)))
	if n.Kind == yaml.ScalarNode {
		h.byte(byte(classify(n)))
		h.string(n.Value)
	}
	for _, c := range n.Content {
		h.node(c)
	}
}
