package flagkittest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

func TestStrict(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	ctx := context.Background()
	var setup, typo, other string
	f := startFake(t, "TestFake", func(tb *fakeTB) {
		flagkittest.Strict(tb, c)
		setup = lineAbove()
		c.Bool(ctx, "new-checkout", anyone, false) // defined: fine
		c.Bool(ctx, "new-chekout", anyone, false)  // a typo
		typo = lineAbove()
		c.Bool(ctx, "new-chekout", anyone, false) // reported once
		c.View().String(ctx, "zzz", flagkit.Subject{Key: "u2"}, "")
		other = lineAbove()
	})
	want := []string{
		typo + `: flagkittest.Strict: flag "new-chekout" (subject "user-1"), evaluated by flagkittest_test.TestStrict.func1 at ` + typo + `, is not defined by the client; did you mean "new-checkout"?`,
		other + `: flagkittest.Strict: flag "zzz" (subject "u2"), evaluated by flagkittest_test.TestStrict.func1 at ` + other + `, is not defined by the client`,
	}
	if got := f.messages(); !reflect.DeepEqual(got, want) || !f.failed || f.fatal {
		t.Errorf("Strict reported %q (failed %v, fatal %v); want %q, failed, not fatal (set up at %s)", got, f.failed, f.fatal, want, setup)
	}
	f.cleanup()
	c.Bool(ctx, "after-the-test", anyone, false) // no longer watched
	if got := f.messages(); len(got) != len(want) {
		t.Errorf("Strict reported %q after the test ended", got[len(want):])
	}
}

// lineAbove returns the file and line above the line that called it, as
// the testing package prints positions: "observe_test.go:12".
func lineAbove() string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", filepath.Base(file), line-1)
}

// askTypo evaluates a misspelled flag, as code under test would, and
// returns the position of its call of the getter.
func askTypo(c *flagkit.Client) string {
	c.Bool(context.Background(), "new-chekout", anyone, false)
	return lineAbove()
}

// TestStrictPosition checks where a Strict failure is reported: at the
// test's line that led to the evaluation when it ran on the test's
// goroutine (or a goroutine of the helper that called Strict), else at the
// line that called Strict; the message names the getter's caller.
func TestStrictPosition(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	const (
		msg    = `: flagkittest.Strict: flag "new-chekout" (subject "user-1"), evaluated by `
		suffix = `, is not defined by the client; did you mean "new-checkout"?`
	)
	tests := []struct {
		name string
		// body sets Strict up and evaluates the typo; it returns the
		// position the failure must be reported at and the getter's caller.
		body func(tb *fakeTB) (at, by string)
	}{
		{"through a helper on the test's goroutine", func(tb *fakeTB) (string, string) {
			flagkittest.Strict(tb, c)
			getter := askTypo(c)
			return lineAbove(), "flagkittest_test.askTypo at " + getter
		}},
		{"on another goroutine", func(tb *fakeTB) (string, string) {
			flagkittest.Strict(tb, c)
			setup := lineAbove()
			var getter string
			done := make(chan struct{})
			go func() {
				defer close(done)
				getter = askTypo(c)
			}()
			<-done
			return setup, "flagkittest_test.askTypo at " + getter
		}},
		{"set up by a test helper", func(tb *fakeTB) (string, string) {
			strictHelper(tb, c)
			c.Bool(context.Background(), "new-chekout", anyone, false)
			at := lineAbove()
			return at, "flagkittest_test.TestStrictPosition.func3 at " + at
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var at, by string
			f := runFake(t, "TestFake", func(tb *fakeTB) { at, by = tt.body(tb) })
			want := []string{at + msg + by + suffix}
			if got := f.messages(); !reflect.DeepEqual(got, want) || !f.failed {
				t.Errorf("Strict reported %q (failed %v); want %q, failed", got, f.failed, want)
			}
		})
	}
}

// strictHelper calls Strict for its caller, as a test's set-up helper may.
func strictHelper(tb testing.TB, c *flagkit.Client) {
	tb.Helper()
	flagkittest.Strict(tb, c)
}

// TestStrictPositionInTestOutput runs a real test that evaluates a
// misspelled flag under Strict, in a child process, and checks that go
// test's output puts the failure at the test's line, not in flagkittest.
func TestStrictPositionInTestOutput(t *testing.T) {
	if os.Getenv("FLAGKITTEST_STRICT_CHILD") == "1" {
		c := flagkittest.FromYAML(t, serviceDoc)
		flagkittest.Strict(t, c)
		c.Bool(t.Context(), "new-chekout", anyone, false) // the child's typo
		return
	}
	src, err := os.ReadFile("observe_test.go")
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + slices.IndexFunc(strings.Split(string(src), "\n"), func(l string) bool {
		return strings.HasSuffix(l, "// the child's typo")
	})
	cmd := exec.Command(os.Args[0], "-test.run=^TestStrictPositionInTestOutput$", "-test.v")
	cmd.Env = append(os.Environ(), "FLAGKITTEST_STRICT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child test: %v; want exit status 1\n%s", err, out)
	}
	want := fmt.Sprintf("    observe_test.go:%d: flagkittest.Strict: flag %q (subject %q), evaluated by ", line, "new-chekout", "user-1")
	if !strings.Contains(string(out), want) || strings.Contains(string(out), "observe.go:") {
		t.Errorf("child test output:\n%s\nwant a line starting %q, and no observe.go", out, want)
	}
	if !strings.Contains(string(out), "--- FAIL: TestStrictPositionInTestOutput") {
		t.Errorf("child test output:\n%s\nwant the test to fail", out)
	}
}

func TestStrictAllowsOverriddenUnknownFlags(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	f := runFake(t, "TestFake", func(tb *fakeTB) {
		flagkittest.Strict(tb, c)
		flagkittest.Override(tb, c, map[string]any{"upcoming": true}, flagkittest.AllowUnknown())
		ctx := flagkittest.Context(tb, context.Background(), c, map[string]any{"later": 3}, flagkittest.AllowUnknown())
		if !c.Bool(ctx, "upcoming", anyone, false) || c.Int(ctx, "later", anyone, 0) != 3 {
			tb.Errorf("overrides of unknown flags not served")
		}
	})
	wantPass(t, f)
}

func TestRecord(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	ctx := context.Background()
	c.Bool(ctx, "payments-v2", anyone, false) // before recording
	var rec *flagkittest.Recorder
	f := startFake(t, "TestFake", func(tb *fakeTB) {
		rec = flagkittest.Record(tb, c)
		c.Bool(ctx, "new-checkout", anyone, false)
		c.String(ctx, "checkout-theme", anyone, "")
		c.View().String(ctx, "checkout-theme", anyone, "")
		c.Int(ctx, "no-such-flag", anyone, 0)
	})
	wantPass(t, f)
	want := []string{"checkout-theme", "new-checkout", "no-such-flag"}
	if got := rec.Flags(); !reflect.DeepEqual(got, want) {
		t.Errorf("Flags() = %q; want %q", got, want)
	}
	if got := rec.Count("checkout-theme"); got != 2 {
		t.Errorf("Count(%q) = %d; want 2", "checkout-theme", got)
	}
	f.cleanup()
	c.Bool(ctx, "rate-limit", anyone, false) // after the test
	if got := rec.Flags(); !reflect.DeepEqual(got, want) {
		t.Errorf("Flags() after the test = %q; want %q", got, want)
	}
}

func TestRecordAll(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	rec := flagkittest.Record(t, c)
	c.All(context.Background(), anyone)
	want := []string{"banner", "checkout-theme", "new-checkout", "payments-v2", "rate-limit"}
	if got := rec.Flags(); !reflect.DeepEqual(got, want) {
		t.Errorf("Flags() after All = %q; want %q", got, want)
	}
}
