package flagkit

import "context"

// PushSource is a [Source] for tests whose document the test changes. It
// serves its first document when the client starts and, after that, each
// document or failure the test pushes, one at a time: Push and Fail return
// once the client has handled it.
//
// Tests use flagkittest.Source, the updatable in-memory source of the
// API, wherever they can. PushSource remains for two kinds of test that
// cannot: the internal tests (package flagkit), which cannot import
// flagkittest without an import cycle, and the tests of how a client
// treats a source that breaks the contract's rule that only changes are
// delivered. It keeps the other rules of [Source] that a client depends
// on: the first document is delivered at once, a refused first document
// is answered with update(nil, verdict), every document is a slice of its
// own that nothing modifies afterwards, update is called only from Run,
// and Run returns nil when ctx is done. But it delivers what the test
// pushes, a repeat included, so that a test can check how the client
// treats one.
//
// It is exported only to the external tests (package flagkit_test) and is
// not part of the API.
type PushSource struct {
	name     string
	initial  []byte
	fallback error
	ch       chan pushed
}

type pushed struct {
	doc     []byte
	err     error
	verdict chan error
}

// NewPushSource returns a source named name whose first document is
// initial.
func NewPushSource(name, initial string) *PushSource {
	return &PushSource{name: name, initial: []byte(initial), ch: make(chan pushed)}
}

// NewFallbackSource returns a source whose first document is delivered
// together with err, as a source that falls back to a copy of its document
// (source.HTTP with its backup) delivers it.
func NewFallbackSource(name, initial string, err error) *PushSource {
	p := NewPushSource(name, initial)
	p.fallback = err
	return p
}

// Name returns the name given to NewPushSource.
func (p *PushSource) Name() string { return p.name }

// Run delivers the first document, then what the test pushes until ctx is
// done.
func (p *PushSource) Run(ctx context.Context, update func([]byte, error) error) error {
	if verdict := update(p.initial, p.fallback); verdict != nil {
		update(nil, verdict) // the answer to a refusal that New waits for
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-p.ch:
			m.verdict <- update(m.doc, m.err)
		}
	}
}

// Push delivers doc and returns the client's verdict on it.
func (p *PushSource) Push(doc string) error { return p.send([]byte(doc), nil) }

// Fail reports a failed load.
func (p *PushSource) Fail(err error) { p.send(nil, err) }

func (p *PushSource) send(doc []byte, err error) error {
	m := pushed{doc: doc, err: err, verdict: make(chan error, 1)}
	p.ch <- m
	return <-m.verdict
}
