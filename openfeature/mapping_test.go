package flagkitof

import (
	"errors"
	"fmt"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/open-feature/go-sdk/openfeature"
)

// TestConvert covers what the client cannot be made to report through the
// SDK: errors flagkit does not name, wrapped errors, ErrNoValue and reasons
// added later.
func TestConvert(t *testing.T) {
	p := &Provider{}
	asBool := func(v any) (bool, bool) { b, ok := v.(bool); return b, ok }
	tests := []struct {
		name       string
		d          flagkit.Detail
		wantValue  bool
		wantReason openfeature.Reason
		wantCode   openfeature.ErrorCode
	}{
		{"other error", flagkit.Detail{Reason: flagkit.ReasonError, Err: errors.New("boom")}, true, openfeature.ErrorReason, openfeature.GeneralCode},
		{"wrapped not found", flagkit.Detail{Reason: flagkit.ReasonError, Err: fmt.Errorf("layer x: %w", flagkit.ErrFlagNotFound)}, true, openfeature.ErrorReason, openfeature.FlagNotFoundCode},
		{"type mismatch", flagkit.Detail{Reason: flagkit.ReasonError, Err: flagkit.ErrTypeMismatch}, true, openfeature.ErrorReason, openfeature.TypeMismatchCode},
		{"invalid", flagkit.Detail{Reason: flagkit.ReasonError, Err: flagkit.ErrInvalidFlag}, true, openfeature.ErrorReason, openfeature.ParseErrorCode},
		{"closed", flagkit.Detail{Reason: flagkit.ReasonError, Err: flagkit.ErrClosed}, true, openfeature.ErrorReason, openfeature.ProviderFatalCode},
		{"no value is not an error", flagkit.Detail{Reason: flagkit.ReasonDefault, Err: flagkit.ErrNoValue}, true, openfeature.DefaultReason, ""},
		{"future reason passes through", flagkit.Detail{Reason: "CACHED", Value: false, Variant: "off"}, false, openfeature.CachedReason, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := convert(p, "f", tt.d, true, "a boolean", asBool)
			if got.Value != tt.wantValue {
				t.Errorf("convert(%+v).Value = %v; want %v", tt.d, got.Value, tt.wantValue)
			}
			if got.Reason != tt.wantReason {
				t.Errorf("convert(%+v).Reason = %q; want %q", tt.d, got.Reason, tt.wantReason)
			}
			rd := got.ResolutionDetail()
			if rd.ErrorCode != tt.wantCode {
				t.Errorf("convert(%+v).ErrorCode = %q; want %q", tt.d, rd.ErrorCode, tt.wantCode)
			}
			if tt.wantCode != "" {
				if want := tt.d.Err.Error(); rd.ErrorMessage != want {
					t.Errorf("convert(%+v).ErrorMessage = %q; want %q", tt.d, rd.ErrorMessage, want)
				}
			}
		})
	}
}

func TestReasonMapping(t *testing.T) {
	tests := []struct {
		in   flagkit.Reason
		want openfeature.Reason
	}{
		{flagkit.ReasonStatic, openfeature.StaticReason},
		{flagkit.ReasonDefault, openfeature.DefaultReason},
		{flagkit.ReasonTargetingMatch, openfeature.TargetingMatchReason},
		{flagkit.ReasonSplit, openfeature.SplitReason},
		{flagkit.ReasonDisabled, openfeature.DisabledReason},
		{flagkit.ReasonPrerequisiteFailed, "PREREQUISITE_FAILED"},
		{flagkit.ReasonError, openfeature.ErrorReason},
	}
	for _, tt := range tests {
		if got := reason(tt.in); got != tt.want {
			t.Errorf("reason(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
