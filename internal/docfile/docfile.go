// Package docfile reads the files that flagkit's tools are given (flag
// documents, signatures) with a bound on what reading them can cost.
package docfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Read returns the content of the regular file at path, which must be at
// most limit bytes. It reads at most limit+1 bytes whatever the file holds,
// and refuses without reading anything that is not a regular file (a
// device such as /dev/zero, a FIFO, a socket, a directory), whose size
// cannot be known in advance: the file is opened with O_NONBLOCK, so that
// opening a FIFO that has no writer does not block either. A symbolic
// link is followed. Every error names path.
func Read(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO for reading blocks until a writer opens
	// it, unless O_NONBLOCK is given. It changes nothing for a regular
	// file, the only kind read.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: is %s, not a regular file", path, kind(fi.Mode()))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d bytes", path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit { // it grew since Stat
		return nil, fmt.Errorf("%s: over the limit of %d bytes", path, limit)
	}
	return data, nil
}

// kind names the type of a file that is not regular.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "of mode " + m.Type().String()
}
