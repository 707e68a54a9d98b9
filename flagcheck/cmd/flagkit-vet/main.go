// Command flagkit-vet runs the flagcheck analyzer under go vet:
//
//	go vet -vettool=$(which flagkit-vet) -flagcheck.flags=FILE[,FILE...] [-flagcheck.level=error|note|info] PACKAGES
//
// -flagcheck.flags names the flag documents, comma-separated; give absolute
// paths, since go vet runs the tool in each package's directory. go vet
// exits with a non-zero status on any diagnostic; -flagcheck.level=error
// keeps notes and information out. See package
// github.com/flagkit/flagkit/flagcheck for what is checked, and flagkit vet
// (github.com/flagkit/flagkit/cmd/flagkit) for a command that also prints
// JSON and finds flags ready for removal.
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/flagkit/flagkit/flagcheck"
)

func main() { unitchecker.Main(flagcheck.Analyzer) }
