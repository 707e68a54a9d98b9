package flagkittest

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
)

// A Source is a [flagkit.Source] held in memory whose document the test
// changes, as [testing/fstest.MapFS] is a file system held in memory: a
// test gives it to [flagkit.New] with [flagkit.WithSource], then calls
// [Source.Push] to deliver a new document and [Source.Fail] to report a
// failed load, and checks what the client does with them.
//
// Push and Fail return once the client has handled what they delivered,
// so the test can check the client's flags and status right after them,
// without waiting or polling. Push returns the client's verdict on the
// document: nil when the client accepted it, or why it refused the whole
// document.
//
// A Source keeps every rule of the contract written on [flagkit.Source];
// these are the rules a test sees:
//   - the document given to [NewSource] is delivered when Run starts; a
//     refused first document is answered with the refusal as a failed load;
//   - only changes reach the client: a Push of the document last
//     delivered, with no failure since, or a Fail with the same message as
//     the failure last reported, is not delivered again and returns what
//     the delivery returned (the verdict depends only on the document);
//   - Push copies the document, so the caller may reuse its slice.
//
// A Source serves one client: Run is called once. Push and Fail wait for
// Run, so call them after New has returned; after Run has returned (the
// client closed), they deliver nothing and return nil, as the client's
// update would. A Source is safe for concurrent use: Push and Fail from
// several goroutines are delivered one at a time.
type Source struct {
	name    string
	first   []byte
	started atomic.Bool
	ch      chan delivery
	done    chan struct{} // closed when Run returns
}

// A delivery is one Push or Fail waiting for Run.
type delivery struct {
	doc     []byte // nil for a failure
	err     error  // nil for a document
	verdict chan error
}

// NewSource returns a source named name (its [Source.Name], used in the
// client's errors, logs and [flagkit.Detail].Source) whose first document
// is doc. It copies doc; a nil doc is an empty document. name must not be
// empty: NewSource panics if it is.
func NewSource(name string, doc []byte) *Source {
	if name == "" {
		panic("flagkittest: NewSource with an empty name")
	}
	return &Source{
		name:  name,
		first: clone(doc),
		ch:    make(chan delivery),
		done:  make(chan struct{}),
	}
}

// Name returns the name given to [NewSource].
func (s *Source) Name() string { return s.name }

// Run delivers the first document, then each document and failure that
// [Source.Push] and [Source.Fail] hand it, until ctx is done; it then
// returns nil. It is called by the client, once; a second call reports an
// error to its update and returns it.
func (s *Source) Run(ctx context.Context, update func(doc []byte, err error) error) error {
	if s.started.Swap(true) {
		err := errors.New("flagkittest: Source " + s.name + " is already running: a Source serves one client")
		update(nil, err)
		return err
	}
	defer close(s.done)
	if ctx.Err() != nil {
		return nil
	}

	// The last call to update: what it delivered and what it returned.
	last := delivery{doc: s.first}
	verdict := update(s.first, nil)
	if verdict != nil {
		// New waits for the answer to a refused first document.
		last = delivery{err: verdict}
		verdict = update(nil, verdict)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case d := <-s.ch:
			switch {
			case d.err == nil && last.err == nil && bytes.Equal(d.doc, last.doc):
				// The document in force: not a change.
			case d.err != nil && last.err != nil && d.err.Error() == last.err.Error():
				// The failure already reported: not a change.
			default:
				last = d
				verdict = update(d.doc, d.err)
			}
			d.verdict <- verdict
		}
	}
}

// Push delivers doc to the client and returns the client's verdict on it,
// once the client has handled it: nil when the client accepted doc, or an
// error (a *[flagkit.ParseError], or several joined) when it refused the
// whole document and kept the previous one. Push copies doc; a nil doc is
// an empty document. See the [Source] type for when Push delivers nothing.
func (s *Source) Push(doc []byte) error {
	return s.deliver(delivery{doc: clone(doc)})
}

// Fail reports a failed load, with err as its cause, once the client has
// handled it: the client keeps the last document it accepted and shows the
// source as stale until the next Push. err must not be nil: Fail panics if
// it is.
func (s *Source) Fail(err error) {
	if err == nil {
		panic("flagkittest: Source.Fail with a nil error")
	}
	s.deliver(delivery{err: err})
}

func (s *Source) deliver(d delivery) error {
	d.verdict = make(chan error, 1)
	select {
	case s.ch <- d:
		return <-d.verdict
	case <-s.done:
		return nil
	}
}

// clone returns a copy of doc that is never nil, since a nil document
// means none.
func clone(doc []byte) []byte {
	return append([]byte{}, doc...)
}
