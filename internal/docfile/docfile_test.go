package docfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

type readTest struct {
	name    string
	path    string
	want    int    // bytes read
	wantErr string // "" for none
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Repeat("x", n)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	exact := write("exact", 10)
	over := write("over", 11)
	empty := write("empty", 0)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(exact, link); err != nil {
		t.Fatal(err)
	}
	tests := []readTest{
		{"at the limit", exact, 10, ""},
		{"empty", empty, 0, ""},
		{"symbolic link followed", link, 10, ""},
		{"limit plus one", over, 0, over + ": 11 bytes, over the limit of 10 bytes"},
		{"directory", dir, 0, dir + ": is a directory, not a regular file"},
		{"missing", filepath.Join(dir, "missing"), 0, "open " + filepath.Join(dir, "missing") + ": no such file or directory"},
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		tests = append(tests,
			readTest{"device", "/dev/zero", 0, "/dev/zero: is a character device, not a regular file"},
			readTest{"FIFO without a writer", fifo, 0, fifo + ": is a named pipe (FIFO), not a regular file"},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				defer close(done)
				data, err = Read(tt.path, 10)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Read(%q) still blocked after 10s", tt.path)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if len(data) != tt.want || gotErr != tt.wantErr {
				t.Errorf("Read(%q, 10) = %d bytes, %q; want %d bytes, %q", tt.path, len(data), gotErr, tt.want, tt.wantErr)
			}
		})
	}
}
