package source_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/flagkit/flagkit/source"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"embedded:flags.yaml", []byte("flags: {}\n"), "flags: {}\n"},
		{"", []byte(`{"flags":{}}`), `{"flags":{}}`},
		{"empty", []byte{}, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source.Bytes(tt.name, tt.data)
			if got := src.Name(); got != tt.name {
				t.Errorf("Name() = %q; want %q", got, tt.name)
			}
			doc, err, runErr := runOnce(t, src)
			if err != nil || runErr != nil {
				t.Fatalf("Run: update(_, %v), returned %v; want a document and nil", err, runErr)
			}
			if doc == nil {
				t.Fatal("Run delivered a nil document; want a non-nil slice")
			}
			if string(doc) != tt.want {
				t.Errorf("document = %q; want %q", doc, tt.want)
			}
		})
	}
}

// TestBytesCopies checks that Bytes copies its argument and that every Run
// delivers a slice of its own.
func TestBytesCopies(t *testing.T) {
	data := []byte("flags: {}\n")
	src := source.Bytes("embedded:flags.yaml", data)
	data[0] = 'X'
	a, _, _ := runOnce(t, src)
	if got, want := string(a), "flags: {}\n"; got != want {
		t.Errorf("after the caller changed its slice, document = %q; want %q", got, want)
	}
	a[0] = 'Y'
	b, _, _ := runOnce(t, src)
	if got, want := string(b), "flags: {}\n"; got != want {
		t.Errorf("after a client changed a delivered slice, document = %q; want %q", got, want)
	}
}

// TestBytesRunWaits checks that Run delivers once, keeps running until its
// context is done, and then returns nil.
func TestBytesRunWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := source.Bytes("embedded:flags.yaml", []byte("flags: {}\n"))
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		done := make(chan error, 1)
		go func() {
			done <- src.Run(ctx, func([]byte, error) error { calls++; return nil })
		}()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before its context was done", err)
		default:
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v; want nil", err)
		}
		if calls != 1 {
			t.Errorf("Run called update %d times; want 1", calls)
		}
	})
}

func ExampleBytes() {
	// In a program the data usually comes from go:embed:
	//
	//	//go:embed flags.yaml
	//	var defaults []byte
	defaults := []byte("flags:\n  new-checkout: {default: off}\n")

	src := source.Bytes("embedded:flags.yaml", defaults)
	ctx, cancel := context.WithCancel(context.Background())
	_ = src.Run(ctx, func(doc []byte, err error) error {
		fmt.Printf("%s: %d bytes, %v\n", src.Name(), len(doc), err)
		cancel()
		return nil
	})
	// Output: embedded:flags.yaml: 38 bytes, <nil>
}
