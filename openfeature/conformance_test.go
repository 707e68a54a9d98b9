package flagkitof_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	flagkitof "github.com/flagkit/flagkit/openfeature"
	"github.com/flagkit/flagkit/source"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
)

// The OpenFeature specification's Gherkin suites for providers
// (evaluation_v2.feature and metadata.feature, with the flags they expect in
// test-flags.json) run here through the provider and the Go SDK. The files
// are copied unchanged, with their licence and provenance, under
// testdata/spec; TestSpecCopies checks them against shared/ when it is
// beside the repository. test-flags.json is translated into a flagkit
// document by translateFlags, so a new version of the file is picked up;
// a flag that cannot be translated fails the test.

// specDir holds the copies of the specification's files.
const specDir = "testdata/spec"

// A specSkip is a scenario of the suites that does not apply to flagkit,
// with the reason, which the specification supports.
type specSkip struct {
	scenario string // the scenario's name
	step     string // a step text that picks one example of an outline; "" for all
	count    int    // how many scenarios (examples) it skips
	why      string
}

var specSkips = []specSkip{
	{"CACHED reason", "", 2, "spec 2.2.5: the reason is the semantic reason for the value, and CACHED means " +
		"\"the resolved value was retrieved from cache\"; flagkit evaluates every flag afresh from its in-memory " +
		"snapshot and keeps no cache of results, so reporting CACHED would be false (the suite tags the scenario " +
		"@reason-codes-cached so that providers without a cache leave it out)"},
	{"Provider status accessibility", "a error provider", 1, "spec 1.7.4 and 1.7.5: ERROR follows an " +
		"initialization that fails with a code other than PROVIDER_FATAL, or a PROVIDER_ERROR event of such a " +
		"code (5.3.5); the provider's Init fails only for a closed client, with PROVIDER_FATAL, and once a client " +
		"exists it always serves its last good flags (a failing source makes the provider STALE, which the " +
		"\"stale\" example checks), so no flagkit provider is ever in the ERROR state"},
}

func (s specSkip) matches(sc *godog.Scenario) bool {
	if sc.Name != s.scenario {
		return false
	}
	if s.step == "" {
		return true
	}
	return slices.ContainsFunc(sc.Steps, func(st *godog.Step) bool { return st.Text == s.step })
}

func TestSpecSuites(t *testing.T) {
	flags, err := os.ReadFile(filepath.Join(specDir, "test-flags.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := translateFlags(flags)
	if err != nil {
		t.Fatalf("translating test-flags.json: %v", err)
	}
	var (
		mu      sync.Mutex
		skipped = make([]int, len(specSkips))
		started int
		passed  int
	)
	var out bytes.Buffer
	suite := godog.TestSuite{
		Name: "openfeature-spec",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			w := &world{doc: doc}
			sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
				mu.Lock()
				defer mu.Unlock()
				started++
				for i, sk := range specSkips {
					if sk.matches(s) {
						skipped[i]++
						w.skipped = true
						godog.Logf(ctx, "skipped: %s", sk.why)
						return ctx, godog.ErrSkip
					}
				}
				return ctx, nil
			})
			sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
				if cerr := w.close(); cerr != nil && err == nil {
					return ctx, cerr
				}
				if err == nil && !w.skipped {
					mu.Lock()
					passed++
					mu.Unlock()
				}
				return ctx, nil
			})
			w.steps(sc)
		},
		Options: &godog.Options{
			Format:   "pretty",
			Output:   &out,
			NoColors: true,
			Paths:    []string{filepath.Join(specDir, "evaluation_v2.feature"), filepath.Join(specDir, "metadata.feature")},
			Strict:   true, // an undefined, pending or ambiguous step fails
			TestingT: t,
		},
	}
	status := suite.Run()
	if status != 0 {
		t.Errorf("godog: status %d; want 0", status)
	}
	nskipped := 0
	for i, sk := range specSkips {
		nskipped += skipped[i]
		if skipped[i] != sk.count {
			t.Errorf("skip %q (%q) applied to %d scenarios; want %d", sk.scenario, sk.step, skipped[i], sk.count)
		}
	}
	if passed+nskipped != started || started == 0 {
		t.Errorf("%d scenarios started, %d passed, %d skipped", started, passed, nskipped)
	}
	if t.Failed() {
		t.Logf("godog output:\n%s", out.String())
	}
	t.Logf("OpenFeature spec suites: %d scenarios passed, %d skipped", passed, nskipped)
}

// TestSpecCopies checks that the copies under testdata/spec are those in
// shared/conformance/openfeature when shared/ is beside the repository, as
// it is in CI.
func TestSpecCopies(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "conformance", "openfeature")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared/ beside the repository: %v", err)
	}
	want, err := os.ReadDir(shared)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadDir(specDir)
	if err != nil {
		t.Fatal(err)
	}
	names := func(es []os.DirEntry) []string {
		var n []string
		for _, e := range es {
			n = append(n, e.Name())
		}
		return n
	}
	if !slices.Equal(names(got), names(want)) {
		t.Errorf("%s has %q; want %q as in %s", specDir, names(got), names(want), shared)
	}
	for _, e := range want {
		a, errA := os.ReadFile(filepath.Join(shared, e.Name()))
		b, errB := os.ReadFile(filepath.Join(specDir, e.Name()))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s (%v, %v)", filepath.Join(specDir, e.Name()), filepath.Join(shared, e.Name()), errA, errB)
		}
	}
}

// world is the state of one scenario.
type world struct {
	doc     []byte // the translated flagkit document
	skipped bool   // by specSkips

	api     *openfeature.EvaluationAPI
	of      *openfeature.Client
	fk      *flagkit.Client
	release chan struct{} // lets a gated Init go on

	typ     string // Boolean, String, Integer, Float or Object
	key     string
	def     any
	attrs   map[string]any
	frozen  map[string]any // a deep copy of attrs, to check they are unchanged
	hooks   *hookLog
	async   chan result
	got     openfeature.InterfaceEvaluationDetails
	gotErr  error
	evalOpt []openfeature.Option
}

type result struct {
	d   openfeature.InterfaceEvaluationDetails
	err error
}

func (w *world) steps(sc *godog.ScenarioContext) {
	sc.Step(`^a (stable|not ready|error|fatal|stale) provider$`, w.provider)
	sc.Step(`^a (Boolean|String|Integer|Float|Object)-flag with key "([^"]*)" and a fallback value "(.*)"$`, w.flag)
	sc.Step(`^a context containing a key "([^"]*)", with type "(String|Integer|Float|Boolean)" and with value "(.*)"$`, w.contextValue)
	sc.Step(`^a context containing a key "([^"]*)" with null value$`, w.contextNull)
	sc.Step(`^an evaluation context with modifiable data$`, w.modifiableContext)
	sc.Step(`^evaluation options containing specific hooks$`, w.specificHooks)
	sc.Step(`^the flag was evaluated with details$`, w.evaluate)
	sc.Step(`^the flag was evaluated with details using the evaluation options$`, w.evaluate)
	sc.Step(`^the flag was evaluated with details asynchronously$`, w.evaluateAsync)
	sc.Step(`^the evaluation should complete without blocking$`, w.completes)
	sc.Step(`^the resolved details value should be "(.*)"$`, w.value)
	sc.Step(`^the reason should be "([^"]*)"$`, w.reason)
	sc.Step(`^the error-code should be "([^"]*)"$`, w.errorCode)
	sc.Step(`^the flag key should be "([^"]*)"$`, w.flagKey)
	sc.Step(`^the variant should be "([^"]*)"$`, w.variant)
	sc.Step(`^the resolved metadata should contain$`, w.metadataContains)
	sc.Step(`^the resolved metadata is empty$`, w.metadataEmpty)
	sc.Step(`^the provider status should be "([^"]*)"$`, w.status)
	sc.Step(`^the specified hooks should execute during evaluation$`, w.hooksRan)
	sc.Step(`^the hook order should be maintained$`, w.hookOrder)
	sc.Step(`^the original evaluation context should remain unmodified$`, w.contextUnmodified)
	sc.Step(`^the evaluation details should be immutable$`, w.detailsImmutable)
}

// gatedProvider is the flagkit provider with an Init that waits until the
// scenario ends, so that the SDK keeps it NOT_READY.
type gatedProvider struct {
	*flagkitof.Provider
	release <-chan struct{}
}

func (g gatedProvider) Init(ec openfeature.EvaluationContext) error {
	<-g.release
	return g.Provider.Init(ec)
}

func (w *world) provider(ctx context.Context, state string) error {
	var src flagkit.Source = source.Bytes("test-flags.json", w.doc)
	var push *flagkittest.Source
	if state == "stale" {
		push = flagkittest.NewSource("push:flags.yaml", w.doc)
		src = push
	}
	fk, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithStrict())
	if err != nil {
		return fmt.Errorf("loading the translated test-flags.json: %w", err)
	}
	w.fk = fk
	w.api = isolated.NewAPI()
	w.of = w.api.NewClient()
	switch state {
	case "stable":
		return w.api.SetProviderAndWait(ctx, flagkitof.New(fk))
	case "not ready":
		w.release = make(chan struct{})
		return w.api.SetProvider(ctx, gatedProvider{flagkitof.New(fk), w.release})
	case "fatal":
		fk.Close() // a closed client never serves again
		err := w.api.SetProviderAndWait(ctx, flagkitof.New(fk))
		if pe := (*openfeature.ProviderInitError)(nil); !errors.As(err, &pe) || pe.ErrorCode != openfeature.ProviderFatalCode {
			return fmt.Errorf("SetProviderAndWait with a closed client: %v; want a PROVIDER_FATAL init error", err)
		}
		return nil
	case "stale":
		if err := w.api.SetProviderAndWait(ctx, flagkitof.New(fk, flagkitof.WithStatusInterval(0))); err != nil {
			return err
		}
		push.Fail(errors.New("the flag server cannot be reached"))
		for deadline := time.Now().Add(10 * time.Second); w.of.State() != openfeature.StaleState; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				return fmt.Errorf("provider state %s 10s after its source failed; want STALE", w.of.State())
			}
		}
		return nil
	}
	return fmt.Errorf("no %s provider", state)
}

// close shuts the world's OpenFeature API down and closes its client, and
// returns what failed.
func (w *world) close() error {
	if w.release != nil {
		close(w.release)
	}
	var errs []error
	if w.api != nil {
		if err := w.api.Shutdown(context.Background()); err != nil {
			errs = append(errs, fmt.Errorf("Shutdown: %w", err))
		}
	}
	if w.fk != nil {
		if err := w.fk.Close(); err != nil {
			errs = append(errs, fmt.Errorf("Close: %w", err))
		}
	}
	return errors.Join(errs...)
}

// unescape undoes the \" of the suites' JSON cells.
func unescape(s string) string { return strings.ReplaceAll(s, `\"`, `"`) }

// parseValue reads a value of a flag type from its text in the suites.
func parseValue(typ, s string) (any, error) {
	switch typ {
	case "Boolean":
		return strconv.ParseBool(s)
	case "String":
		return s, nil
	case "Integer":
		return strconv.ParseInt(s, 10, 64)
	case "Float":
		return strconv.ParseFloat(s, 64)
	case "Object":
		var v any
		err := json.Unmarshal([]byte(unescape(s)), &v)
		return v, err
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func (w *world) flag(typ, key, def string) error {
	v, err := parseValue(typ, def)
	if err != nil {
		return fmt.Errorf("fallback %q: %w", def, err)
	}
	w.typ, w.key, w.def = typ, key, v
	return nil
}

func (w *world) setAttr(k string, v any) {
	if w.attrs == nil {
		w.attrs = map[string]any{}
	}
	w.attrs[k] = v
}

func (w *world) contextValue(key, typ, value string) error {
	v, err := parseValue(typ, value)
	if err != nil {
		return fmt.Errorf("context value %q: %w", value, err)
	}
	w.setAttr(key, v)
	return nil
}

func (w *world) contextNull(key string) error {
	w.setAttr(key, nil)
	return nil
}

func (w *world) modifiableContext() error {
	w.attrs = map[string]any{
		"email": "ballmer@macrosoft.com",
		"tags":  []any{"a", "b"},
		"org":   map[string]any{"name": "macrosoft", "seats": 3},
	}
	w.frozen = deepCopy(w.attrs).(map[string]any)
	return nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// evalOnce evaluates the scenario's flag with the SDK's typed method.
func (w *world) evalOnce(ctx context.Context) (openfeature.InterfaceEvaluationDetails, error) {
	if w.of == nil {
		return openfeature.InterfaceEvaluationDetails{}, errors.New("no provider")
	}
	ec := openfeature.NewTargetlessEvaluationContext(w.attrs)
	var d openfeature.InterfaceEvaluationDetails
	var err error
	switch w.typ {
	case "Boolean":
		var b openfeature.BooleanEvaluationDetails
		b, err = w.of.BooleanValueDetails(ctx, w.key, w.def.(bool), ec, w.evalOpt...)
		d.Value, d.EvaluationDetails = b.Value, b.EvaluationDetails
	case "String":
		var s openfeature.StringEvaluationDetails
		s, err = w.of.StringValueDetails(ctx, w.key, w.def.(string), ec, w.evalOpt...)
		d.Value, d.EvaluationDetails = s.Value, s.EvaluationDetails
	case "Integer":
		var i openfeature.IntEvaluationDetails
		i, err = w.of.IntValueDetails(ctx, w.key, w.def.(int64), ec, w.evalOpt...)
		d.Value, d.EvaluationDetails = i.Value, i.EvaluationDetails
	case "Float":
		var f openfeature.FloatEvaluationDetails
		f, err = w.of.FloatValueDetails(ctx, w.key, w.def.(float64), ec, w.evalOpt...)
		d.Value, d.EvaluationDetails = f.Value, f.EvaluationDetails
	case "Object":
		d, err = w.of.ObjectValueDetails(ctx, w.key, w.def, ec, w.evalOpt...)
	default:
		return d, fmt.Errorf("no flag given")
	}
	return d, err
}

func (w *world) evaluate(ctx context.Context) error {
	w.got, w.gotErr = w.evalOnce(ctx)
	return nil
}

// evaluateAsync starts the evaluation on a goroutine of its own, as Go
// code does to evaluate without blocking.
func (w *world) evaluateAsync(ctx context.Context) error {
	w.async = make(chan result, 1)
	go func() {
		d, err := w.evalOnce(ctx)
		w.async <- result{d, err}
	}()
	return nil
}

func (w *world) completes() error {
	select {
	case r := <-w.async:
		w.got, w.gotErr = r.d, r.err
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("the evaluation did not complete within 5s")
	}
}

func (w *world) value(want string) error {
	v, err := parseValue(w.typ, want)
	if err != nil {
		return fmt.Errorf("expected value %q: %w", want, err)
	}
	if !reflect.DeepEqual(w.got.Value, v) {
		return fmt.Errorf("%sValueDetails(%q).Value = %#v; want %#v (details %+v)", w.typ, w.key, w.got.Value, v, w.got.EvaluationDetails)
	}
	return nil
}

func (w *world) reason(want string) error {
	if string(w.got.Reason) != want {
		return fmt.Errorf("%sValueDetails(%q).Reason = %q; want %q (details %+v)", w.typ, w.key, w.got.Reason, want, w.got.EvaluationDetails)
	}
	return nil
}

func (w *world) errorCode(want string) error {
	if string(w.got.ErrorCode) != want {
		return fmt.Errorf("%sValueDetails(%q).ErrorCode = %q; want %q (details %+v)", w.typ, w.key, w.got.ErrorCode, want, w.got.EvaluationDetails)
	}
	if w.gotErr == nil {
		return fmt.Errorf("%sValueDetails(%q) error = nil; want the %s error", w.typ, w.key, want)
	}
	return nil
}

func (w *world) flagKey(want string) error {
	if w.got.FlagKey != want {
		return fmt.Errorf("%sValueDetails(%q).FlagKey = %q; want %q", w.typ, w.key, w.got.FlagKey, want)
	}
	return nil
}

func (w *world) variant(want string) error {
	if w.got.Variant != want {
		return fmt.Errorf("%sValueDetails(%q).Variant = %q; want %q", w.typ, w.key, w.got.Variant, want)
	}
	return nil
}

func (w *world) metadataContains(table *godog.Table) error {
	md := w.got.FlagMetadata
	for i, row := range table.Rows {
		if i == 0 {
			continue // key | metadata_type | value
		}
		if len(row.Cells) != 3 {
			return fmt.Errorf("metadata row %d has %d cells; want 3", i, len(row.Cells))
		}
		key, typ, text := row.Cells[0].Value, row.Cells[1].Value, row.Cells[2].Value
		want, err := parseValue(typ, text)
		if err != nil {
			return fmt.Errorf("metadata row %d: %w", i, err)
		}
		var got any
		switch typ {
		case "String":
			got, err = md.GetString(key)
		case "Integer":
			got, err = md.GetInt(key)
		case "Float":
			got, err = md.GetFloat(key)
		case "Boolean":
			got, err = md.GetBool(key)
		}
		if err != nil || got != want {
			return fmt.Errorf("FlagMetadata[%q] as %s = %#v (%v); want %#v (metadata %v)", key, typ, got, err, want, md)
		}
	}
	return nil
}

func (w *world) metadataEmpty() error {
	if len(w.got.FlagMetadata) != 0 {
		return fmt.Errorf("%sValueDetails(%q).FlagMetadata = %v; want empty", w.typ, w.key, w.got.FlagMetadata)
	}
	return nil
}

func (w *world) status(want string) error {
	if got := w.of.State(); string(got) != want {
		return fmt.Errorf("State() = %q; want %q", got, want)
	}
	return nil
}

// hookLog records the stages of two invocation hooks, in order.
type hookLog struct {
	mu  sync.Mutex
	log []string
}

type recordingHook struct {
	openfeature.UnimplementedHook
	name string
	log  *hookLog
}

func (h recordingHook) add(stage string) {
	h.log.mu.Lock()
	h.log.log = append(h.log.log, h.name+"."+stage)
	h.log.mu.Unlock()
}

func (h recordingHook) Before(context.Context, openfeature.HookContext, openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	h.add("before")
	return nil, nil
}

func (h recordingHook) After(context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails, openfeature.HookHints) error {
	h.add("after")
	return nil
}

func (h recordingHook) Error(context.Context, openfeature.HookContext, error, openfeature.HookHints) {
	h.add("error")
}

func (h recordingHook) Finally(context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails, openfeature.HookHints) {
	h.add("finally")
}

func (w *world) specificHooks() error {
	w.hooks = &hookLog{}
	w.evalOpt = []openfeature.Option{openfeature.WithHooks(recordingHook{name: "first", log: w.hooks}, recordingHook{name: "second", log: w.hooks})}
	return nil
}

func (w *world) hooksRan() error {
	w.hooks.mu.Lock()
	defer w.hooks.mu.Unlock()
	for _, h := range []string{"first", "second"} {
		for _, stage := range []string{"before", "after", "finally"} {
			if !slices.Contains(w.hooks.log, h+"."+stage) {
				return fmt.Errorf("hooks ran %q; want %s.%s among them", w.hooks.log, h, stage)
			}
		}
	}
	if w.gotErr != nil {
		return fmt.Errorf("evaluation error %v", w.gotErr)
	}
	return nil
}

// hookOrder checks spec 4.4.2: before hooks in the order given, after and
// finally hooks in reverse.
func (w *world) hookOrder() error {
	w.hooks.mu.Lock()
	defer w.hooks.mu.Unlock()
	want := []string{"first.before", "second.before", "second.after", "first.after", "second.finally", "first.finally"}
	if !slices.Equal(w.hooks.log, want) {
		return fmt.Errorf("hooks ran %q; want %q", w.hooks.log, want)
	}
	return nil
}

func (w *world) contextUnmodified() error {
	if !reflect.DeepEqual(w.attrs, w.frozen) {
		return fmt.Errorf("evaluation context after evaluation = %v; want %v", w.attrs, w.frozen)
	}
	return nil
}

// detailsImmutable checks that changing what an evaluation returned (its
// flag metadata, its value if it is an object) does not change the next
// evaluation.
func (w *world) detailsImmutable(ctx context.Context) error {
	first := w.got
	first.FlagMetadata = maps.Clone(first.FlagMetadata)
	if w.got.FlagMetadata != nil {
		w.got.FlagMetadata["changed-by-the-caller"] = true
	}
	if m, ok := w.got.Value.(map[string]any); ok {
		m["changed-by-the-caller"] = true
	}
	again, err := w.evalOnce(ctx)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(again, first) {
		return fmt.Errorf("evaluation after the caller changed the first one's details = %+v; want %+v", again, first)
	}
	return nil
}

// translateFlags turns the suites' test-flags.json into a flagkit document
// (JSON). Each flag becomes a flagkit flag:
//
//	variants          variants (values copied as they are written)
//	defaultVariant    default (a null or missing default: no default)
//	disabled: true    enabled: false
//	flagMetadata      metadata
//	contextEvaluator  one rule, named "contextEvaluator" (see translateCEL)
//
// Any other field, or an expression translateCEL cannot read, is an error,
// so a new version of test-flags.json fails the test rather than lose
// something silently.
func translateFlags(data []byte) ([]byte, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	type ofFlag struct {
		Variants         map[string]json.RawMessage `json:"variants"`
		DefaultVariant   *string                    `json:"defaultVariant"`
		Disabled         bool                       `json:"disabled"`
		FlagMetadata     map[string]json.RawMessage `json:"flagMetadata"`
		ContextEvaluator string                     `json:"contextEvaluator"`
	}
	flags := map[string]any{}
	for key, raw := range in {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var f ofFlag
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("flag %q: %w", key, err)
		}
		if len(f.Variants) == 0 {
			return nil, fmt.Errorf("flag %q: no variants", key)
		}
		out := map[string]any{"variants": f.Variants}
		if f.DefaultVariant != nil {
			out["default"] = *f.DefaultVariant
		}
		if f.Disabled {
			out["enabled"] = false
		}
		if len(f.FlagMetadata) > 0 {
			out["metadata"] = f.FlagMetadata
		}
		if f.ContextEvaluator != "" {
			when, serve, err := translateCEL(f.ContextEvaluator)
			if err != nil {
				return nil, fmt.Errorf("flag %q: %w", key, err)
			}
			out["rules"] = []any{map[string]any{"name": "contextEvaluator", "when": when, "serve": serve}}
		}
		flags[key] = out
	}
	return json.Marshal(map[string]any{"flags": flags})
}

var (
	celTernary = regexp.MustCompile(`^(.+?)\s*\?\s*'([^']*)'\s*:\s*''$`)
	celNot     = regexp.MustCompile(`^!\s*([A-Za-z_][A-Za-z0-9_]*)$`)
	celIdent   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	celCompare = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*('[^']*'|true|false|-?[0-9]+(?:\.[0-9]+)?)$`)
	celOps     = map[string]string{"==": "eq", "!=": "ne", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
)

// translateCEL reads the suites' targeting expressions, a subset of CEL of
// the form
//
//	cond && cond ... ? 'variant' : ''
//
// where ” means "no variant: serve the default", and each cond is
// attr OP literal (OP one of == != > >= < <=, the literal a single-quoted
// string, a number, true or false), !attr or attr. It returns a flagkit
// when block, whose conditions all hold (AND), and the variant to serve.
//
// The semantics match where the suites use them: == on a string is eq, a
// comparison of numbers is gt and the like, !attr is {eq: false}. Where CEL
// would fail (a missing attribute, or one of another type than the
// literal), flagkit's condition does not match, so the flag serves its
// default with reason DEFAULT; the suites' "Empty evaluation context" and
// "Null context values" scenarios expect exactly that. Anything else (||,
// parentheses, functions, another else branch) is an error.
func translateCEL(expr string) (map[string]any, string, error) {
	m := celTernary.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return nil, "", fmt.Errorf("cannot translate CEL %q: not of the form cond ? 'variant' : ''", expr)
	}
	when := map[string]any{}
	for _, term := range strings.Split(m[1], "&&") {
		term = strings.TrimSpace(term)
		var attr string
		var cond map[string]any
		switch {
		case celNot.MatchString(term):
			attr, cond = celNot.FindStringSubmatch(term)[1], map[string]any{"eq": false}
		case celIdent.MatchString(term):
			attr, cond = term, map[string]any{"eq": true}
		case celCompare.MatchString(term):
			c := celCompare.FindStringSubmatch(term)
			var lit any
			switch lv := c[3]; {
			case strings.HasPrefix(lv, "'"):
				lit = strings.Trim(lv, "'")
			case lv == "true" || lv == "false":
				lit = lv == "true"
			default:
				lit = json.Number(lv)
			}
			attr, cond = c[1], map[string]any{celOps[c[2]]: lit}
		default:
			return nil, "", fmt.Errorf("cannot translate CEL %q: term %q", expr, term)
		}
		if _, dup := when[attr]; dup {
			return nil, "", fmt.Errorf("cannot translate CEL %q: %s tested twice", expr, attr)
		}
		when[attr] = cond
	}
	return when, m[2], nil
}

func TestTranslateCEL(t *testing.T) {
	tests := []struct {
		expr    string
		when    string // JSON
		serve   string
		wantErr bool
	}{
		{"email == 'ballmer@macrosoft.com' ? 'zero' : ''", `{"email":{"eq":"ballmer@macrosoft.com"}}`, "zero", false},
		{"!customer && email == 'ballmer@macrosoft.com' && age > 10 ? 'internal' : ''",
			`{"age":{"gt":10},"customer":{"eq":false},"email":{"eq":"ballmer@macrosoft.com"}}`, "internal", false},
		{"beta && score <= -1.5 && plan != 'free' && n >= 2 && m < 3 && ok == true ? 'on' : ''",
			`{"beta":{"eq":true},"m":{"lt":3},"n":{"gte":2},"ok":{"eq":true},"plan":{"ne":"free"},"score":{"lte":-1.5}}`, "on", false},
		{"a == 'x' || b == 'y' ? 'on' : ''", "", "", true},
		{"a == 'x' ? 'on' : 'off'", "", "", true},
		{"email.endsWith('@x.com') ? 'on' : ''", "", "", true},
		{"a > 1 && a < 5 ? 'on' : ''", "", "", true},
		{"a == 'x'", "", "", true},
	}
	for _, tt := range tests {
		when, serve, err := translateCEL(tt.expr)
		if tt.wantErr {
			if err == nil {
				t.Errorf("translateCEL(%q) = %v, %q; want an error", tt.expr, when, serve)
			}
			continue
		}
		got, _ := json.Marshal(when)
		if err != nil || string(got) != tt.when || serve != tt.serve {
			t.Errorf("translateCEL(%q) = %s, %q, %v; want %s, %q", tt.expr, got, serve, err, tt.when, tt.serve)
		}
	}
}

func TestTranslateFlags(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // JSON; "" for an error
	}{
		{"plain", `{"f": {"variants": {"on": true, "off": false}, "defaultVariant": "on", "flagMetadata": null}}`,
			`{"flags":{"f":{"default":"on","variants":{"off":false,"on":true}}}}`},
		{"disabled, numbers kept as written", `{"f": {"disabled": true, "variants": {"zero": 0.0, "half": 0.5}, "defaultVariant": "half"}}`,
			`{"flags":{"f":{"default":"half","enabled":false,"variants":{"half":0.5,"zero":0.0}}}}`},
		{"null and missing default", `{"f": {"variants": {"a": 1}, "defaultVariant": null}, "g": {"variants": {"a": 1}}}`,
			`{"flags":{"f":{"variants":{"a":1}},"g":{"variants":{"a":1}}}}`},
		{"metadata and targeting", `{"f": {"variants": {"a": "A", "b": "B"}, "defaultVariant": "b", "flagMetadata": {"n": 2, "s": "x"}, "contextEvaluator": "k == 'v' ? 'a' : ''"}}`,
			`{"flags":{"f":{"default":"b","metadata":{"n":2,"s":"x"},"rules":[{"name":"contextEvaluator","serve":"a","when":{"k":{"eq":"v"}}}],"variants":{"a":"A","b":"B"}}}}`},
		{"unknown field", `{"f": {"variants": {"a": 1}, "targeting": {"if": []}}}`, ""},
		{"no variants", `{"f": {"defaultVariant": "a"}}`, ""},
		{"untranslatable targeting", `{"f": {"variants": {"a": 1}, "contextEvaluator": "x || y ? 'a' : ''"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translateFlags([]byte(tt.in))
			if tt.want == "" {
				if err == nil {
					t.Errorf("translateFlags(%s) = %s; want an error", tt.in, got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("translateFlags(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}
