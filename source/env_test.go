package source_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/flagkit/flagkit/source"
)

// Source is the method set of flagkit.Source.
type Source interface {
	Name() string
	Run(ctx context.Context, update func(doc []byte, err error) error) error
}

// runOnce runs src with a context that is already cancelled, so that Run
// delivers and returns at once, and returns what it passed to its only call
// to update and what Run returned.
func runOnce(t *testing.T, src Source) (doc []byte, err, runErr error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	runErr = src.Run(ctx, func(d []byte, e error) error {
		calls++
		doc, err = d, e
		return nil
	})
	if calls != 1 {
		t.Fatalf("%s: Run called update %d times; want 1", src.Name(), calls)
	}
	return doc, err, runErr
}

func environ(vars ...string) source.EnvOption {
	return source.Environ(func() []string { return vars })
}

func TestEnv(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"one", []string{"FEATURE_NEW_CHECKOUT=on"}, `{"overrides":{"NEW_CHECKOUT":"on"}}`},
		{"none", []string{"HOME=/root", "PATH=/bin"}, `{"overrides":{}}`},
		{"empty environment", nil, `{"overrides":{}}`},
		{"prefix is case-sensitive", []string{"feature_A=1", "Feature_B=2", "FEATURE_C=3", "FEATUREX=4"}, `{"overrides":{"C":"3"}}`},
		{"key is upper-cased", []string{"FEATURE_new_Checkout=on"}, `{"overrides":{"NEW_CHECKOUT":"on"}}`},
		{"dash and dot become underscore", []string{"FEATURE_checkout-theme.v2=dark"}, `{"overrides":{"CHECKOUT_THEME_V2":"dark"}}`},
		{"digits and underscores stay", []string{"FEATURE_9_lives__=x"}, `{"overrides":{"9_LIVES__":"x"}}`},
		{
			"keys are sorted",
			[]string{"FEATURE_b=2", "FEATURE_C=3", "FEATURE_a=1", "FEATURE_A-B=4"},
			`{"overrides":{"A":"1","A_B":"4","B":"2","C":"3"}}`,
		},
		{"value kept as it is", []string{"FEATURE_X=  on  "}, `{"overrides":{"X":"  on  "}}`},
		{"empty value", []string{"FEATURE_X="}, `{"overrides":{"X":""}}`},
		{"value with equals sign", []string{"FEATURE_X=a=b="}, `{"overrides":{"X":"a=b="}}`},
		{"number value is a string", []string{"FEATURE_LIMIT=42"}, `{"overrides":{"LIMIT":"42"}}`},
		{
			"JSON escapes",
			[]string{"FEATURE_X=say \"hi\"\\\n\r\t\x00\x1f/<&>"},
			`{"overrides":{"X":"say \"hi\"\\\n\r\t\u0000\u001f/<&>"}}`,
		},
		{
			"unicode kept",
			[]string{"FEATURE_X=blåbær 😀 ß"},
			`{"overrides":{"X":"blåbær 😀 ß"}}`,
		},
		{
			"characters YAML needs escaped",
			[]string{"FEATURE_X=\x7f\u0085\u009f\u00a0\u2028\u2029\ufeff\ufffe\uffff"},
			`{"overrides":{"X":"\u007f\u0085\u009f` + "\u00a0" + `\u2028\u2029\ufeff\ufffe\uffff"}}`,
		},
		{"entries without = are ignored", []string{"FEATURE_X", "FEATURE_Y=1"}, `{"overrides":{"Y":"1"}}`},
		{"first of two equal names wins", []string{"FEATURE_X=1", "FEATURE_X=2"}, `{"overrides":{"X":"1"}}`},
		{"longest key", []string{"FEATURE_" + strings.Repeat("k", 128) + "=1"}, `{"overrides":{"` + strings.Repeat("K", 128) + `":"1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source.Env("FEATURE_", environ(tt.environ...))
			doc, err, runErr := runOnce(t, src)
			if err != nil || runErr != nil {
				t.Fatalf("Run: update(_, %v), returned %v; want a document and nil", err, runErr)
			}
			if string(doc) != tt.want {
				t.Errorf("document = %s; want %s", doc, tt.want)
			}
			checkYAML(t, doc)
		})
	}
}

// checkYAML checks that a YAML parser reads doc as encoding/json does.
func checkYAML(t *testing.T, doc []byte) {
	t.Helper()
	var fromJSON, fromYAML map[string]map[string]string
	if err := json.Unmarshal(doc, &fromJSON); err != nil {
		t.Fatalf("json.Unmarshal(%s) = %v", doc, err)
	}
	if err := yaml.Unmarshal(doc, &fromYAML); err != nil {
		t.Fatalf("yaml.Unmarshal(%s) = %v", doc, err)
	}
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Fatalf("YAML reads %q; JSON reads %q", fromYAML, fromJSON)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []error  // classes, in order
		msgs    []string // each message, in order
	}{
		{
			"exactly the prefix",
			[]string{"FEATURE_=on", "FEATURE_OK=1"},
			[]error{source.ErrEnvName},
			[]string{"variable FEATURE_ has no flag key after the prefix"},
		},
		{
			"space in name",
			[]string{"FEATURE_A B=on"},
			[]error{source.ErrEnvName},
			[]string{`variable "FEATURE_A B": "A B" is not a flag key (1 to 128 letters, digits, '-', '_' and '.')`},
		},
		{
			"non-ASCII name",
			[]string{"FEATURE_blåbær=on"},
			[]error{source.ErrEnvName},
			[]string{`variable "FEATURE_blåbær": "blåbær" is not a flag key (1 to 128 letters, digits, '-', '_' and '.')`},
		},
		{
			"name too long",
			[]string{"FEATURE_" + strings.Repeat("k", 129) + "=1"},
			[]error{source.ErrEnvName},
			[]string{fmt.Sprintf(`variable "FEATURE_%s": "%[1]s" is not a flag key (1 to 128 letters, digits, '-', '_' and '.')`, strings.Repeat("k", 129))},
		},
		{
			"value not UTF-8",
			[]string{"FEATURE_X=\xff"},
			[]error{source.ErrEnvValue},
			[]string{"variable FEATURE_X: value is not valid UTF-8"},
		},
		{
			"two names, one key",
			[]string{"FEATURE_new-checkout=on", "FEATURE_NEW_CHECKOUT=off"},
			[]error{source.ErrEnvConflict},
			[]string{"variables FEATURE_NEW_CHECKOUT and FEATURE_new-checkout both set override NEW_CHECKOUT; keep one"},
		},
		{
			"three names, one key",
			[]string{"FEATURE_a.b=1", "FEATURE_A_B=2", "FEATURE_a-b=3", "FEATURE_C=4"},
			[]error{source.ErrEnvConflict},
			[]string{"variables FEATURE_A_B, FEATURE_a-b and FEATURE_a.b all set override A_B; keep one"},
		},
		{
			"every problem, in order",
			[]string{"FEATURE_Y=\xfe", "FEATURE_b=1", "FEATURE_=1", "FEATURE_B=2", "FEATURE_a=1", "FEATURE_A=2"},
			[]error{source.ErrEnvName, source.ErrEnvValue, source.ErrEnvConflict, source.ErrEnvConflict},
			[]string{
				"variable FEATURE_ has no flag key after the prefix",
				"variable FEATURE_Y: value is not valid UTF-8",
				"variables FEATURE_A and FEATURE_a both set override A; keep one",
				"variables FEATURE_B and FEATURE_b both set override B; keep one",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source.Env("FEATURE_", environ(tt.environ...))
			doc, err, runErr := runOnce(t, src)
			if runErr != nil {
				t.Errorf("Run returned %v; want nil", runErr)
			}
			if doc != nil || err == nil {
				t.Fatalf("Run: update(%q, %v); want update(nil, error)", doc, err)
			}
			for _, class := range tt.want {
				if !errors.Is(err, class) {
					t.Errorf("errors.Is(%v, %v) = false; want true", err, class)
				}
			}
			if got := unjoin(err); !slices.Equal(got, tt.msgs) {
				t.Errorf("errors = %q; want %q", got, tt.msgs)
			}
		})
	}
}

// unjoin returns the messages of the errors joined in err.
func unjoin(err error) []string {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{err.Error()}
	}
	var msgs []string
	for _, e := range j.Unwrap() {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

func TestEnvEmptyPrefix(t *testing.T) {
	called := false
	src := source.Env("", source.Environ(func() []string {
		called = true
		return []string{"PATH=/bin"}
	}))
	if got, want := src.Name(), "env:"; got != want {
		t.Errorf("Name() = %q; want %q", got, want)
	}
	// Run must return at once, without waiting for ctx.
	doc, err, runErr := runOnce(t, src)
	if doc != nil || !errors.Is(err, source.ErrEnvPrefix) {
		t.Errorf("Run: update(%q, %v); want update(nil, ErrEnvPrefix)", doc, err)
	}
	if !errors.Is(runErr, source.ErrEnvPrefix) {
		t.Errorf("Run returned %v; want ErrEnvPrefix", runErr)
	}
	if called {
		t.Error("Run read the environment; want it refused before reading")
	}
	synctest.Test(t, func(t *testing.T) {
		// With a live context too.
		if err := src.Run(t.Context(), func([]byte, error) error { return nil }); !errors.Is(err, source.ErrEnvPrefix) {
			t.Errorf("Run returned %v; want ErrEnvPrefix", err)
		}
	})
}

func TestEnvName(t *testing.T) {
	if got, want := source.Env("FEATURE_").Name(), "env:FEATURE_"; got != want {
		t.Errorf("Name() = %q; want %q", got, want)
	}
}

// TestEnvReadsAtRun checks that the environment is read when Run starts,
// once per Run, and not by Env.
func TestEnvReadsAtRun(t *testing.T) {
	calls := 0
	value := "1"
	src := source.Env("F_", source.Environ(func() []string {
		calls++
		return []string{"F_X=" + value}
	}))
	if calls != 0 {
		t.Fatalf("Env read the environment %d times; want 0", calls)
	}
	value = "2"
	doc, _, _ := runOnce(t, src)
	if want := `{"overrides":{"X":"2"}}`; string(doc) != want {
		t.Errorf("document = %s; want %s", doc, want)
	}
	if calls != 1 {
		t.Errorf("Run read the environment %d times; want 1", calls)
	}
}

// TestEnvDefault checks that the process's environment is the default, and
// that Environ(nil) keeps it.
func TestEnvDefault(t *testing.T) {
	t.Setenv("FLAGKIT_TEST_ENV_new-checkout", "on")
	for _, src := range []Source{
		source.Env("FLAGKIT_TEST_ENV_"),
		source.Env("FLAGKIT_TEST_ENV_", source.Environ(nil), nil),
	} {
		doc, err, _ := runOnce(t, src)
		if want := `{"overrides":{"NEW_CHECKOUT":"on"}}`; string(doc) != want || err != nil {
			t.Errorf("Run: update(%s, %v); want update(%s, nil)", doc, err, want)
		}
	}
}

// TestEnvRunWaits checks that Run delivers once, keeps running until its
// context is done, and then returns nil.
func TestEnvRunWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := source.Env("FEATURE_", environ("FEATURE_X=on"))
		ctx, cancel := context.WithCancel(t.Context())
		var docs []string
		done := make(chan error, 1)
		go func() {
			done <- src.Run(ctx, func(doc []byte, err error) error { docs = append(docs, string(doc)); return nil })
		}()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before its context was done", err)
		default:
		}
		if want := []string{`{"overrides":{"X":"on"}}`}; !slices.Equal(docs, want) {
			t.Errorf("documents = %q; want %q", docs, want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v; want nil", err)
		}
		if len(docs) != 1 {
			t.Errorf("Run called update %d times; want 1", len(docs))
		}
	})
}

// TestEnvFreshSlice checks that each Run delivers a slice of its own.
func TestEnvFreshSlice(t *testing.T) {
	src := source.Env("FEATURE_", environ("FEATURE_X=on"))
	a, _, _ := runOnce(t, src)
	b, _, _ := runOnce(t, src)
	a[0] = 'x'
	if b[0] != '{' {
		t.Errorf("two Runs delivered the same slice")
	}
}

func ExampleEnv() {
	src := source.Env("FEATURE_", source.Environ(func() []string {
		// Tests inject the environment; by default Env reads os.Environ.
		return []string{"HOME=/root", "FEATURE_NEW_CHECKOUT=on", "FEATURE_checkout-theme=dark"}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	_ = src.Run(ctx, func(doc []byte, err error) error {
		fmt.Println(src.Name(), string(doc), err)
		cancel()
		return nil
	})
	// Output: env:FEATURE_ {"overrides":{"CHECKOUT_THEME":"dark","NEW_CHECKOUT":"on"}} <nil>
}

// FuzzEnv feeds Env an environment: NUL-separated "NAME=value" entries,
// with the prefix "F_". Env must not panic, and must deliver either an
// error of its own classes or a valid JSON (and YAML) document whose sorted
// keys are the normalized names and whose values are the variables' values.
func FuzzEnv(f *testing.F) {
	f.Add("F_NEW_CHECKOUT=on\x00HOME=/root")
	f.Fuzz(func(t *testing.T, env string) {
		const prefix = "F_"
		src := source.Env(prefix, environ(strings.Split(env, "\x00")...))
		doc, err, runErr := runOnce(t, src)
		if runErr != nil {
			t.Fatalf("Run returned %v; want nil", runErr)
		}

		// The model: what Env should do, written plainly.
		want := map[string]string{}
		from := map[string]string{} // key -> variable name
		seen := map[string]bool{}
		wantErr := false
		for _, kv := range strings.Split(env, "\x00") {
			name, value, ok := strings.Cut(kv, "=")
			if !ok || !strings.HasPrefix(name, prefix) || seen[name] {
				continue
			}
			seen[name] = true
			key := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(name[len(prefix):]))
			valid := key != "" && len(key) <= 128 && strings.Trim(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" &&
				len(key) == len(name)-len(prefix)
			if !valid || !utf8.ValidString(value) {
				wantErr = true
				continue
			}
			if _, dup := from[key]; dup {
				wantErr = true
			}
			from[key], want[key] = name, value
		}

		if wantErr {
			if doc != nil || err == nil {
				t.Fatalf("update(%q, %v); want an error", doc, err)
			}
			if !errors.Is(err, source.ErrEnvName) && !errors.Is(err, source.ErrEnvValue) && !errors.Is(err, source.ErrEnvConflict) {
				t.Fatalf("error %v is of no Env class", err)
			}
			return
		}
		if err != nil || doc == nil {
			t.Fatalf("update(%q, %v); want a document", doc, err)
		}
		if !json.Valid(doc) {
			t.Fatalf("document is not valid JSON: %q", doc)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(doc, &top); err != nil || len(top) != 1 || top["overrides"] == nil {
			t.Fatalf("document %q: want exactly the key overrides (err %v)", doc, err)
		}
		var got map[string]string
		if err := json.Unmarshal(top["overrides"], &got); err != nil {
			t.Fatalf("overrides of %q: %v", doc, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("overrides = %q; want %q", got, want)
		}
		keys, err := objectKeys(top["overrides"])
		if err != nil {
			t.Fatalf("overrides of %q: %v", doc, err)
		}
		if !slices.IsSorted(keys) {
			t.Fatalf("keys %q are not sorted", keys)
		}
		checkYAML(t, doc)
	})
}

// objectKeys returns the keys of a JSON object of strings, in order.
func objectKeys(obj []byte) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		if _, err := dec.Token(); err != nil { // the value
			return nil, err
		}
	}
	return keys, nil
}

// TestNilUpdate checks that Run refuses a nil update function at once
// instead of panicking.
func TestNilUpdate(t *testing.T) {
	for _, src := range []Source{
		source.Env("FEATURE_", environ("FEATURE_X=on")),
		source.Env(""),
		source.Bytes("embedded:flags.yaml", []byte("{}")),
	} {
		if err := src.Run(context.Background(), nil); err == nil {
			t.Errorf("%s: Run(ctx, nil) = nil; want an error", src.Name())
		}
	}
}
