package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing string // "" for no file
		data     string
		perm     fs.FileMode
	}{
		{"new private file", "", "doc: 1\n", 0o600},
		{"new public file", "", "sig\n", 0o644},
		{"replaces a file", "old content that is longer\n", "new\n", 0o600},
		{"empty data", "old\n", "", 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "flags.yaml")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, []byte(tt.data), tt.perm); err != nil {
				t.Fatalf("Write(%q) = %v; want nil", path, err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tt.data {
				t.Fatalf("after Write, the file holds %q (%v); want %q", got, err, tt.data)
			}
			if fi, err := os.Stat(path); err != nil {
				t.Fatal(err)
			} else if runtime.GOOS != "windows" && fi.Mode().Perm() != tt.perm {
				t.Errorf("after Write, mode %v; want %v", fi.Mode().Perm(), tt.perm)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Errorf("after Write, the directory holds %d entries (%v); want 1, no temporary file", len(entries), err)
			}
		})
	}
}

// TestWriteFailureKeepsFile checks that a failed replacement leaves the file
// and no temporary file behind: here the rename fails because path is a
// non-empty directory.
func TestWriteFailureKeepsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flags.yaml")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new\n"), 0o600); err == nil {
		t.Fatalf("Write over a non-empty directory = nil; want an error")
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "flags.yaml" {
		t.Errorf("after a failed Write, the directory holds %v (%v); want only flags.yaml", entries, err)
	}
}
