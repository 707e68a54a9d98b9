package flagkit_test

import "context"

// pushSource is a source whose documents a test pushes; push returns once
// the client has applied the document.
type pushSource struct {
	name    string
	initial []byte
	ch      chan pushed
}

type pushed struct {
	doc  []byte
	err  error
	done chan struct{}
}

func newPushSource(name, initial string) *pushSource {
	return &pushSource{name: name, initial: []byte(initial), ch: make(chan pushed)}
}

func (p *pushSource) Name() string { return p.name }

func (p *pushSource) Run(ctx context.Context, update func([]byte, error)) error {
	update(p.initial, nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-p.ch:
			update(m.doc, m.err)
			close(m.done)
		}
	}
}

func (p *pushSource) push(doc string) { p.send([]byte(doc), nil) }

func (p *pushSource) fail(err error) { p.send(nil, err) }

func (p *pushSource) send(doc []byte, err error) {
	m := pushed{doc: doc, err: err, done: make(chan struct{})}
	p.ch <- m
	<-m.done
}
