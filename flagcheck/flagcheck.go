package flagcheck

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/docfile"
	"github.com/flagkit/flagkit/internal/suggest"
	"github.com/flagkit/flagkit/source"
)

// The categories of the diagnostics, as analysis.Diagnostic.Category
// holds them. The analysis framework has no severity, so each message also
// starts with its level when it is not an error ("note: ", "info: ").
const (
	// CategoryUnknown: the key names no flag of the documents (an error).
	CategoryUnknown = "unknown-flag"
	// CategoryType: the call reads a type that the flag does not have (an
	// error).
	CategoryType = "type-mismatch"
	// CategoryFallback: the fallback is no variant's value (a note).
	CategoryFallback = "fallback"
	// CategoryDynamic: the key is not a constant, so it was not checked
	// (information).
	CategoryDynamic = "dynamic-key"
)

// A Level orders the diagnostics by how much they matter.
type Level int

// The levels, from the most serious.
const (
	LevelError Level = iota // unknown flags, type mismatches
	LevelNote               // fallbacks that are no variant's value
	LevelInfo               // keys that are not constants
)

// String returns "error", "note" or "info".
func (l Level) String() string {
	switch l {
	case LevelError:
		return "error"
	case LevelNote:
		return "note"
	}
	return "info"
}

// ParseLevel parses "error", "note" or "info".
func ParseLevel(s string) (Level, error) {
	for _, l := range []Level{LevelError, LevelNote, LevelInfo} {
		if s == l.String() {
			return l, nil
		}
	}
	return 0, fmt.Errorf("flagcheck: unknown level %q (want error, note or info)", s)
}

// LevelOf returns the level of a diagnostic of this analyzer, from its
// category.
func LevelOf(d analysis.Diagnostic) Level {
	switch d.Category {
	case CategoryFallback:
		return LevelNote
	case CategoryDynamic:
		return LevelInfo
	}
	return LevelError
}

// A Reference is one evaluation (or test override) of a flag found in the
// code.
type Reference struct {
	// Key is the flag key; "" when the key is not a constant.
	Key string
	// Pos is the position of the key at the call site.
	Pos token.Pos
	// Call names the function called, e.g. "Client.Bool",
	// "flaghttp.String", "flagkittest.Override".
	Call string
	// Generated reports whether the call is in a generated file (one with
	// a "Code generated ... DO NOT EDIT." comment).
	Generated bool
}

// Result is what the analyzer returns for a package (the value of
// checker.Action.Result): every reference to a flag in it, in source
// order.
type Result struct {
	References []Reference
}

// New returns an analyzer that checks code against flags, as
// flagkit.Client.Flags describes them (only the flags whose Err is nil
// are known). It reports diagnostics up to level; every reference is in
// its Result whatever the level.
func New(flags []flagkit.FlagInfo, level Level) *analysis.Analyzer {
	defs := newDefinitions(flags)
	return &analysis.Analyzer{
		Name:       "flagcheck",
		Doc:        doc,
		URL:        "https://pkg.go.dev/github.com/flagkit/flagkit/flagcheck",
		Run:        func(pass *analysis.Pass) (any, error) { return run(pass, defs, level) },
		ResultType: reflect.TypeFor[*Result](),
	}
}

const doc = `check flagkit flag evaluations against the flag documents

flagcheck finds every evaluation of a feature flag through flagkit's API
(the getters of Client and View, flaghttp's getters, flagkittest's
Override, Context, EachVariant and Recorder.Count, and the OpenFeature
provider or SDK client) and reports keys that no document defines, a
getter whose type is not the flag's, a fallback that is no variant's value
(a note), and keys that are not constants (information).`

// Analyzer is flagcheck for drivers that configure an analyzer with flags,
// such as go vet -vettool (through cmd/flagkit-vet): -flags names the flag
// documents (comma-separated; each at most flagkit.DefaultMaxDocumentSize
// bytes and a regular file), -level the least serious diagnostic reported
// (error, note or info; default info). Without -flags it reports nothing.
//
// The documents are read once per process, at the first package analyzed.
var Analyzer = newFlagAnalyzer()

// newFlagAnalyzer returns an analyzer configured by its flags.
func newFlagAnalyzer() *analysis.Analyzer {
	var (
		files = new(string)
		level = new(string)
		once  sync.Once
		defs  *definitions
		err   error
	)
	a := &analysis.Analyzer{
		Name:       "flagcheck",
		Doc:        doc,
		URL:        "https://pkg.go.dev/github.com/flagkit/flagkit/flagcheck",
		ResultType: reflect.TypeFor[*Result](),
	}
	a.Flags.StringVar(files, "flags", "", "comma-separated flag documents to check against")
	a.Flags.StringVar(level, "level", "info", "least serious diagnostic reported: error, note or info")
	a.Run = func(pass *analysis.Pass) (any, error) {
		lv, lerr := ParseLevel(*level)
		if lerr != nil {
			return nil, lerr
		}
		if *files == "" {
			return &Result{}, nil
		}
		once.Do(func() {
			var flags []flagkit.FlagInfo
			flags, err = Load(context.Background(), strings.Split(*files, ",")...)
			defs = newDefinitions(flags)
		})
		if err != nil {
			return nil, err
		}
		return run(pass, defs, lv)
	}
	return a
}

// Load reads the flag documents at paths, as the layers of one client in
// that order, and describes their flags. Each must be a regular file of at
// most flagkit.DefaultMaxDocumentSize bytes, read no further than that;
// any problem in a document is an error (the analyzer does not guess
// around an invalid flag).
func Load(ctx context.Context, paths ...string) ([]flagkit.FlagInfo, error) {
	c, err := Open(ctx, paths...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Flags(), nil
}

// Open reads the flag documents at paths as Load does and returns a client
// that serves them (strict: any problem is an error), for tools that need
// more than Flags, such as Client.Settled. The caller must Close it.
func Open(ctx context.Context, paths ...string) (*flagkit.Client, error) {
	if len(paths) == 0 {
		return nil, errors.New("flagcheck: no flag documents")
	}
	opts := []flagkit.Option{flagkit.WithStrict()}
	for _, p := range paths {
		data, err := docfile.Read(p, flagkit.DefaultMaxDocumentSize)
		if err != nil {
			return nil, err
		}
		opts = append(opts, flagkit.WithSource(source.Bytes(p, data)))
	}
	return flagkit.New(ctx, opts...)
}

// definitions are the flags known to the analyzer.
type definitions struct {
	flags map[string]flagkit.FlagInfo
	keys  []string // sorted
}

func newDefinitions(flags []flagkit.FlagInfo) *definitions {
	d := &definitions{flags: map[string]flagkit.FlagInfo{}}
	for _, f := range flags {
		if f.Err == nil {
			d.flags[f.Key] = f
			d.keys = append(d.keys, f.Key)
		}
	}
	sort.Strings(d.keys)
	return d
}

// run is the analyzer's Run.
func run(pass *analysis.Pass, defs *definitions, level Level) (any, error) {
	c := &checker{pass: pass, defs: defs, level: level, api: api()}
	c.vars = c.getterVars()
	res := &Result{}
	for _, f := range pass.Files {
		generated := ast.IsGenerated(f)
		ast.Inspect(f, func(n ast.Node) bool {
			ce, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			cl, shift, ok := c.callee(ce.Fun)
			if !ok {
				return true
			}
			res.References = append(res.References, c.check(ce, cl, shift, generated)...)
			return true
		})
	}
	return res, nil
}

// checker holds what checking one package needs.
type checker struct {
	pass  *analysis.Pass
	defs  *definitions
	level Level
	api   map[string]call
	vars  map[*types.Var]target // variables that hold a getter
}

// target is a recognized callee, with the number of arguments before the
// receiver's usual first (1 for a method expression, whose receiver is the
// first argument).
type target struct {
	call  call
	shift int
}

// function returns the function or method fun denotes directly, and the
// argument shift (1 for a method expression).
func (c *checker) function(fun ast.Expr) (*types.Func, int) {
	fun = ast.Unparen(fun)
	if ix, ok := fun.(*ast.IndexExpr); ok { // an instantiation; none of the API is generic
		fun = ix.X
	}
	switch e := fun.(type) {
	case *ast.SelectorExpr:
		if sel, ok := c.pass.TypesInfo.Selections[e]; ok {
			fn, _ := sel.Obj().(*types.Func)
			if sel.Kind() == types.MethodExpr {
				return fn, 1
			}
			return fn, 0
		}
		fn, _ := c.pass.TypesInfo.Uses[e.Sel].(*types.Func) // pkg.Func
		return fn, 0
	case *ast.Ident:
		fn, _ := c.pass.TypesInfo.Uses[e].(*types.Func) // a dot import
		return fn, 0
	}
	return nil, 0
}

// callee returns the API call that fun denotes: a function or method of
// the API, or a variable that holds one (a method value such as
// get := c.Bool).
func (c *checker) callee(fun ast.Expr) (call, int, bool) {
	if fn, shift := c.function(fun); fn != nil {
		cl, ok := c.api[fn.Origin().FullName()]
		return cl, shift, ok
	}
	var v *types.Var
	switch e := ast.Unparen(fun).(type) {
	case *ast.Ident:
		v, _ = c.pass.TypesInfo.Uses[e].(*types.Var)
	case *ast.SelectorExpr:
		if c.pass.TypesInfo.Selections[e] == nil { // pkg.Var
			v, _ = c.pass.TypesInfo.Uses[e.Sel].(*types.Var)
		}
	}
	if t, ok := c.vars[v]; ok && v != nil {
		return t.call, t.shift, true
	}
	return call{}, 0, false
}

// getterVars finds the variables of the package that are given a getter
// (a method value, a method expression or a function of the API) and are
// never assigned anything else: calls through them are calls of the API.
func (c *checker) getterVars() map[*types.Var]target {
	found := map[*types.Var]target{}
	other := map[*types.Var]bool{}
	assign := func(lhs ast.Expr, rhs ast.Expr) {
		id, ok := ast.Unparen(lhs).(*ast.Ident)
		if !ok {
			return
		}
		v, _ := c.pass.TypesInfo.ObjectOf(id).(*types.Var)
		if v == nil {
			return
		}
		if rhs != nil {
			if fn, shift := c.function(rhs); fn != nil {
				if cl, ok := c.api[fn.Origin().FullName()]; ok {
					if _, dup := found[v]; dup {
						other[v] = true
					}
					found[v] = target{cl, shift}
					return
				}
			}
		}
		other[v] = true
	}
	for _, f := range c.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					var rhs ast.Expr
					if len(n.Rhs) == len(n.Lhs) {
						rhs = n.Rhs[i]
					}
					assign(lhs, rhs)
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					var rhs ast.Expr
					if len(n.Values) == len(n.Names) {
						rhs = n.Values[i]
					}
					assign(name, rhs)
				}
			case *ast.UnaryExpr: // &v: it may be changed through the pointer
				if n.Op == token.AND {
					assign(n.X, nil)
				}
			}
			return true
		})
	}
	for v := range other {
		delete(found, v)
	}
	return found
}

// check checks one call of the API and returns its references.
func (c *checker) check(ce *ast.CallExpr, cl call, shift int, generated bool) []Reference {
	arg := func(i int) ast.Expr {
		if i < 0 || i+shift >= len(ce.Args) {
			return nil
		}
		return ce.Args[i+shift]
	}
	var refs []Reference
	if key := arg(cl.key); key != nil {
		refs = append(refs, c.checkKey(ce, cl, key, arg(cl.fallback), generated))
	}
	if m := arg(cl.keys); m != nil {
		lit, ok := ast.Unparen(m).(*ast.CompositeLit)
		if !ok {
			c.report(LevelInfo, m, CategoryDynamic, generated,
				"info: the flags of this %s call are not a map literal, so flagcheck cannot check them", cl.name)
			return []Reference{{Pos: m.Pos(), Call: cl.name, Generated: generated}}
		}
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				refs = append(refs, c.checkKey(ce, cl, kv.Key, nil, generated))
			}
		}
	}
	return refs
}

// checkKey checks one key and the fallback given with it.
func (c *checker) checkKey(ce *ast.CallExpr, cl call, key, fallback ast.Expr, generated bool) Reference {
	ref := Reference{Pos: key.Pos(), Call: cl.name, Generated: generated}
	tv, ok := c.pass.TypesInfo.Types[key]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		c.report(LevelInfo, key, CategoryDynamic, generated,
			"info: the flag key of this %s call is not a constant, so flagcheck cannot check it", cl.name)
		return ref
	}
	ref.Key = constant.StringVal(tv.Value)
	f, ok := c.defs.flags[ref.Key]
	if !ok {
		msg := fmt.Sprintf("flag %q is not defined in the flag documents", ref.Key)
		if s := suggest.Nearest(ref.Key, c.defs.keys); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		c.report(LevelError, key, CategoryUnknown, generated, "%s", msg)
		return ref
	}
	if want := cl.reads.flagType(); want != "" && want != f.Type {
		c.report(LevelError, ce.Fun, CategoryType, generated,
			"%s reads type %s, but flag %q has type %s: the call always serves the fallback", cl.name, want, ref.Key, f.Type)
		return ref
	}
	if cl.reads == readsInt {
		if v, ok := firstNotWhole(f.Values); ok {
			c.report(LevelError, ce.Fun, CategoryType, generated,
				"%s reads whole numbers, but flag %q has the value %v: Int serves the fallback for it (use Float)", cl.name, ref.Key, v)
			return ref
		}
	}
	if fallback != nil {
		c.checkFallback(cl, ref.Key, f, fallback, generated)
	}
	return ref
}

// checkFallback reports a constant fallback that is no variant's value.
func (c *checker) checkFallback(cl call, key string, f flagkit.FlagInfo, fallback ast.Expr, generated bool) {
	tv, ok := c.pass.TypesInfo.Types[fallback]
	if !ok || tv.Value == nil {
		return // not a constant: nothing to compare
	}
	for _, v := range f.Values {
		if sameValue(tv.Value, v) {
			return
		}
	}
	c.report(LevelNote, fallback, CategoryFallback, generated,
		"note: the fallback %s of %s is no value of flag %q (%s): it is served only on errors, so the code takes a path that no definition chooses",
		tv.Value.ExactString(), cl.name, key, values(f))
}

// report reports a diagnostic at n if its level is reported.
func (c *checker) report(level Level, n ast.Node, category string, generated bool, format string, args ...any) {
	if level > c.level {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if generated {
		msg += " (in generated code: fix the generator's input)"
	}
	c.pass.Report(analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Category: category, Message: msg})
}

// sameValue reports whether the constant c equals the variant value v.
func sameValue(c constant.Value, v any) bool {
	switch v := v.(type) {
	case bool:
		return c.Kind() == constant.Bool && constant.BoolVal(c) == v
	case string:
		return c.Kind() == constant.String && constant.StringVal(c) == v
	case int64:
		return (c.Kind() == constant.Int || c.Kind() == constant.Float) && constant.Compare(c, token.EQL, constant.MakeInt64(v))
	case float64:
		return (c.Kind() == constant.Int || c.Kind() == constant.Float) && constant.Compare(c, token.EQL, constant.MakeFloat64(v))
	}
	return false
}

// firstNotWhole returns the first number of values that Int cannot serve.
func firstNotWhole(values []any) (any, bool) {
	for _, v := range values {
		if f, ok := v.(float64); ok && (f != math.Trunc(f) || math.Abs(f) >= 1<<63) {
			return f, true
		}
	}
	return nil, false
}

// values lists a flag's variants and values for a message.
func values(f flagkit.FlagInfo) string {
	parts := make([]string, len(f.Variants))
	for i, name := range f.Variants {
		parts[i] = fmt.Sprintf("%s: %#v", name, f.Values[i])
	}
	return strings.Join(parts, ", ")
}
