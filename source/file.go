package source

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/flagkit/flagkit"
)

const (
	fileDefaultInterval = 250 * time.Millisecond
	fileDefaultDebounce = 200 * time.Millisecond

	// fileRacyWindow bounds the timestamp resolution of file systems (FAT
	// keeps 2 s; ext4 advances by clock ticks of a few ms). A file can
	// change without changing its size or modification time only within
	// this long of the write we saw, so for this long after a state is
	// first seen its content is re-read at every poll (git's "racy clean"
	// problem).
	fileRacyWindow = 2 * time.Second
)

// Errors that the source of [File] wraps, besides those of the operating
// system (such as [fs.ErrNotExist] and [fs.ErrPermission]).
var (
	errFileIsDir      = errors.New("is a directory")
	errFileNotRegular = errors.New("not a regular file")
	errFileTooLarge   = errors.New("larger than the limit")
)

// fileConfig holds the settings of [File].
type fileConfig struct {
	poll     pollConfig
	debounce time.Duration

	// Test hooks, nil outside tests: now replaces time.Now, and polled is
	// called on Run's goroutine after every poll.
	now    func() time.Time
	polled func()
}

type fileOption func(*fileConfig)

func (o fileOption) applyFile(c *fileConfig) { o(c) }

// Debounce sets how long a changed file must stay unchanged (same identity,
// size and modification time) before [File] reads it for delivery; it also
// delays the report of an error, such as a missing file, by as long, so
// that a writer which deletes and re-creates the file causes no error. The
// default is 200ms. Zero means no wait beyond two consecutive polls that
// read the same content; a negative value keeps the default.
func Debounce(d time.Duration) FileOption {
	return fileOption(func(c *fileConfig) {
		if d >= 0 {
			c.debounce = d
		}
	})
}

// File returns a source that reads the document (YAML or JSON) in the file
// at path and delivers it again whenever it changes. The bytes are passed
// on as they are; the client parses and validates them.
//
// The source polls: every interval (default 250ms; see [Interval]) it
// compares the file's identity (device and inode), size, modification
// time and permissions with what it saw last, and reads the file when they
// differ. It needs no file-system notifications, follows symbolic links,
// works on NFS and overlay file systems, and notices every way files are
// replaced in practice: an editor's write to a temporary file and rename,
// an in-place rewrite, deletion and re-creation, and a Kubernetes ConfigMap
// update, which swaps the ..data symbolic link that path resolves through.
// On NFS, a change can be seen later by the attribute cache's timeout (the
// actimeo mount option).
//
// A file that is being written can be a valid, shorter document: YAML cut
// at a line break still parses. So while the first read, when Run starts,
// is delivered at once, a later change is delivered only once the file has
// kept the same identity, size and modification time for the debounce
// (default 200ms; see [Debounce]) and two consecutive reads returned the
// same content. With the defaults a change is delivered 250ms to 500ms
// after it is made. Content equal to the document delivered last (after a
// touch, say) is not delivered again. For two seconds after a change is
// seen the file is re-read at every poll, so that a rewrite that keeps
// the size, within the file system's timestamp resolution, is not missed.
//
// A file that is missing, is a directory or another non-regular file,
// cannot be read, or is larger than [MaxSize] (default [DefaultMaxSize])
// is reported to the client, which keeps its last good document. An error
// is reported at once when Run starts and later once it has lasted for the
// debounce, and only once for as long as it stays the same. Its message is
// the operating system's, without the path, since the client names the
// source (whose name holds the path) beside it; it
// wraps the operating system's error, so errors.Is(err, [fs.ErrNotExist])
// and errors.Is(err, [fs.ErrPermission]) work. After an error, the next
// good document is delivered even if it is unchanged, so the client learns
// of the recovery.
//
// Writers should replace the file atomically: write the whole new document
// to a temporary file in the same directory as path (so that the rename
// stays within one file system), close it, and rename it over path with
// [os.Rename]. A reader then sees the old file or the new one, never a part
// of one. The debounce protects a writer that rewrites the file in place
// only as long as it never pauses for longer than the debounce.
//
// The source's Name is "file:" followed by path. Its Run reads the file at
// once and calls update with its content or an error, then polls the file
// and calls update again on every change, as described above, until ctx is
// done. It calls update only from the goroutine that called Run, one call
// at a time, and never after it returns; it never modifies a document after
// passing it to update, so update may keep it. Run returns nil when ctx is
// done, and returns at once without calling update if ctx is done already.
// It returns an error only when it cannot run at all: when the path is
// empty (after reporting the error to update too) or update is nil. Run
// starts no goroutine.
//
// The source holds only its configuration: each call of Run keeps its own
// state, so the source may be shared and run more than once, even
// concurrently.
func File(path string, opts ...FileOption) flagkit.Source {
	s := &fileSource{path: path, cfg: fileConfig{debounce: fileDefaultDebounce}}
	for _, o := range opts {
		if o != nil {
			o.applyFile(&s.cfg)
		}
	}
	return s
}

// fileSource is the source that [File] returns.
type fileSource struct {
	path string
	cfg  fileConfig
}

func (s *fileSource) Name() string { return "file:" + s.path }

func (s *fileSource) Run(ctx context.Context, update func(doc []byte, err error) error) error {
	if update == nil {
		return errors.New("source: file: nil update function")
	}
	if s.path == "" {
		err := errors.New("source: file: empty path")
		if ctx.Err() == nil {
			update(nil, err)
		}
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	interval := s.cfg.poll.interval
	if interval <= 0 {
		interval = fileDefaultInterval
	}
	now := s.cfg.now
	if now == nil {
		now = time.Now
	}
	w := &fileWatcher{
		path:     s.path,
		limit:    s.cfg.poll.limit(),
		debounce: s.cfg.debounce,
		update:   update,
	}
	poll := func() {
		w.poll(now())
		if s.cfg.polled != nil {
			s.cfg.polled()
		}
	}
	poll()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if ctx.Err() != nil {
				return nil
			}
			poll()
		}
	}
}

// fileWatcher is the state of one Run.
type fileWatcher struct {
	path     string
	limit    int64
	debounce time.Duration
	update   func([]byte, error) error

	started      bool      // update has been called
	cand         fileState // what the file looks like now
	applied      [sha256.Size]byte
	hasApplied   bool      // applied is the hash of the document delivered last, and no error came after it
	reported     string    // the message of the error reported last; "" after a delivery
	failingSince time.Time // when the current run of failed polls began; zero: not failing
}

// fileState is one state of the file, as stat shows it, and the content read
// while it lasted.
type fileState struct {
	info     fs.FileInfo // nil: none yet
	since    time.Time   // when this state (and content) was first seen
	hash     [sha256.Size]byte
	hashed   bool      // hash is the content of the last read in this state
	lastRead time.Time // when hash was read
}

func (w *fileWatcher) poll(now time.Time) {
	info, err := w.stat()
	if err != nil {
		w.cand = fileState{}
		w.fail(now, err)
		return
	}
	c := &w.cand
	if c.info == nil || !sameFileState(c.info, info) {
		*c = fileState{info: info, since: now}
	}
	if w.started && c.hashed && w.hasApplied && c.hash == w.applied &&
		c.lastRead.Sub(c.since) >= fileRacyWindow {
		w.failingSince = time.Time{} // settled: nothing changed
		return
	}
	data, rinfo, err := w.read()
	if err != nil {
		c.hashed = false
		w.fail(now, err)
		return
	}
	h := sha256.Sum256(data)
	if !w.started {
		// The first read is delivered at once, without debounce.
		*c = fileState{info: rinfo, since: now, hash: h, hashed: true, lastRead: now}
		w.deliver(data, h)
		return
	}
	w.failingSince = time.Time{}
	if !sameFileState(rinfo, info) || int64(len(data)) != rinfo.Size() {
		// The file changed between stat and open, or while it was read.
		*c = fileState{}
		return
	}
	prev, hadPrev := c.hash, c.hashed
	c.hash, c.hashed, c.lastRead = h, true, now
	switch {
	case !hadPrev:
		return // wait for a second read to agree
	case prev != h:
		c.since = now // the content moved under an unchanged stat: start again
		return
	case now.Sub(c.since) < w.debounce:
		return
	case w.hasApplied && h == w.applied:
		return // unchanged
	}
	w.deliver(data, h)
}

func (w *fileWatcher) deliver(data []byte, h [sha256.Size]byte) {
	first := !w.started
	w.started = true
	w.applied, w.hasApplied = h, true // refused or not, the same bytes are not delivered again
	w.reported = ""
	w.failingSince = time.Time{}
	if verdict := w.update(data, nil); verdict != nil && first {
		w.update(nil, verdict) // the answer New waits for (see flagkit.Source)
	}
}

// fail reports err: at once before the first update, else once the failure
// has lasted for the debounce, and not if it was the last error reported.
func (w *fileWatcher) fail(now time.Time, err error) {
	if w.started {
		if w.failingSince.IsZero() {
			w.failingSince = now
		}
		if now.Sub(w.failingSince) < w.debounce || err.Error() == w.reported {
			return
		}
	}
	w.started = true
	w.reported = err.Error()
	w.hasApplied = false // deliver the next good read even if unchanged
	w.update(nil, err)
}

// stat returns the state of the file at the path, following symbolic links.
func (w *fileWatcher) stat() (fs.FileInfo, error) {
	info, err := os.Stat(w.path)
	if err != nil {
		return nil, w.wrap(err)
	}
	if err := w.check(info); err != nil {
		return nil, err
	}
	return info, nil
}

// check refuses what is not a regular file within the size limit; opening
// a named pipe, for one, could block.
func (w *fileWatcher) check(info fs.FileInfo) error {
	switch {
	case info.IsDir():
		return w.wrap(errFileIsDir)
	case !info.Mode().IsRegular():
		return w.wrap(errFileNotRegular)
	case info.Size() > w.limit:
		return w.tooLarge()
	}
	return nil
}

// read returns a fresh copy of the file's content and the state of the file
// it was read from.
func (w *fileWatcher) read() ([]byte, fs.FileInfo, error) {
	f, err := os.Open(w.path)
	if err != nil {
		return nil, nil, w.wrap(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, w.wrap(err)
	}
	if err := w.check(info); err != nil {
		return nil, nil, err
	}
	// Read at most limit+1 bytes, to notice a file that grew.
	r := io.LimitReader(f, w.limit+1)
	data := make([]byte, 0, info.Size()+1)
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, w.wrap(err)
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if int64(len(data)) > w.limit {
		return nil, nil, w.tooLarge()
	}
	return data, info, nil
}

func (w *fileWatcher) tooLarge() error {
	return fmt.Errorf("%w of %d bytes", errFileTooLarge, w.limit)
}

// wrap returns err as the client reports it, after the source's name (which
// holds the path): without the path and operation of an *fs.PathError,
// which would repeat it.
func (w *fileWatcher) wrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sameFileState reports whether a and b describe the same file, unchanged.
func sameFileState(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() &&
		a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode()
}
