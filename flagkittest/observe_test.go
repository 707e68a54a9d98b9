package flagkittest_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

func TestStrict(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	ctx := context.Background()
	f := startFake(t, "TestFake", func(tb *fakeTB) {
		flagkittest.Strict(tb, c)
		c.Bool(ctx, "new-checkout", anyone, false) // defined: fine
		c.Bool(ctx, "new-chekout", anyone, false)  // a typo
		c.Bool(ctx, "new-chekout", anyone, false)  // reported once
		c.View().String(ctx, "zzz", flagkit.Subject{Key: "u2"}, "")
	})
	want := []string{
		`flagkittest.Strict: flagkittest_test.TestStrict.func1 evaluated flag "new-chekout" (subject "user-1"), which the client does not define; did you mean "new-checkout"?`,
		`flagkittest.Strict: flagkittest_test.TestStrict.func1 evaluated flag "zzz" (subject "u2"), which the client does not define`,
	}
	if got := f.messages(); !reflect.DeepEqual(got, want) || f.fatal {
		t.Errorf("Strict reported %q (fatal %v); want %q", got, f.fatal, want)
	}
	f.cleanup()
	c.Bool(ctx, "after-the-test", anyone, false) // no longer watched
	if got := f.messages(); len(got) != len(want) {
		t.Errorf("Strict reported %q after the test ended", got[len(want):])
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
