package source

import (
	"context"
	"errors"

	"github.com/flagkit/flagkit"
)

// Bytes returns a source that serves data, a YAML or JSON document held in
// memory, such as a file embedded with go:embed, under name. It copies
// data, so the caller may reuse the slice.
//
// The name appears in errors, logs and Detail.Source; say where the data came
// from, such as "embedded:flags.yaml". The source's Name returns it as given.
//
// Its Run delivers the document to update once, in a slice of its own, and
// waits until ctx is done; if the client refuses the document, Run reports
// the refusal as its error. It delivers even when ctx is already done. It
// returns nil, or an error at once if update is nil.
//
// A document compiled into the program cannot fail to load, which makes
// Bytes the natural first layer: defaults for every flag, which later layers
// refine. The client still checks the document like any other; use
// flagkit.WithStrict in tests so that a mistake in it fails them.
//
// The source never changes after Bytes returns, so it is safe for
// concurrent use and may be shared by any number of clients and run any
// number of times.
func Bytes(name string, data []byte) flagkit.Source {
	d := make([]byte, len(data))
	copy(d, data)
	return &memory{name: name, data: d}
}

// memory is the source that [Bytes] returns.
type memory struct {
	name string
	data []byte
}

func (m *memory) Name() string { return m.name }

func (m *memory) Run(ctx context.Context, update func(doc []byte, err error) error) error {
	if update == nil {
		return errors.New("source: bytes " + m.name + ": nil update function")
	}
	doc := make([]byte, len(m.data)) // never nil, even for an empty document
	copy(doc, m.data)
	deliver(update, doc)
	<-ctx.Done()
	return nil
}

// deliver hands doc to update and, when the client refuses it, reports the
// refusal as the source's failed load, as [github.com/flagkit/flagkit.Source]
// asks of a source without a fallback. It reports whether doc was accepted.
func deliver(update func([]byte, error) error, doc []byte) bool {
	if verdict := update(doc, nil); verdict != nil {
		update(nil, verdict)
		return false
	}
	return true
}
