package flagcheck

// The flag-reading API that the analyzer recognizes, keyed by the callee's
// types.Func.FullName. A call is recognized through its callee's identity,
// so import aliases, type aliases, embedding, method values and method
// expressions are all seen.

// reads is the type of value a call reads from a flag.
type reads uint8

const (
	readsAny    reads = iota // Evaluate and the helpers: any type
	readsBool                // a boolean flag
	readsString              // a string flag
	readsInt                 // a number flag whose values are whole numbers that fit int64
	readsFloat               // a number flag
	readsObject              // an object flag
)

// flagType is the FlagInfo.Type of a flag the call can read, "" for any.
func (r reads) flagType() string {
	switch r {
	case readsBool:
		return "boolean"
	case readsString:
		return "string"
	case readsInt, readsFloat:
		return "number"
	case readsObject:
		return "object"
	}
	return ""
}

// A call describes one function or method of the API.
type call struct {
	name     string // as messages name it, e.g. "Client.Bool"
	key      int    // index of the flag key argument, or -1
	keys     int    // index of a map[string]any argument whose keys are flag keys, or -1
	fallback int    // index of the fallback argument, or -1
	reads    reads
}

const (
	corePath     = "github.com/flagkit/flagkit"
	httpPath     = "github.com/flagkit/flagkit/flaghttp"
	testPath     = "github.com/flagkit/flagkit/flagkittest"
	providerPath = "github.com/flagkit/flagkit/openfeature"
	ofPath       = "github.com/open-feature/go-sdk/openfeature"
)

// api returns the table of recognized calls.
func api() map[string]call {
	m := map[string]call{}
	getters := []struct {
		name     string
		fallback bool
		reads    reads
	}{
		{"Bool", true, readsBool},
		{"String", true, readsString},
		{"Int", true, readsInt},
		{"Float", true, readsFloat},
		{"Object", false, readsObject},
		{"Evaluate", false, readsAny},
	}
	for _, g := range getters {
		// Client and View: (ctx, key, subject, fallback).
		fb := -1
		if g.fallback {
			fb = 3
		}
		m["(*"+corePath+".Client)."+g.name] = call{"Client." + g.name, 1, -1, fb, g.reads}
		m["("+corePath+".View)."+g.name] = call{"View." + g.name, 1, -1, fb, g.reads}
		// flaghttp: (ctx, key, fallback).
		fb = -1
		if g.fallback {
			fb = 2
		}
		m[httpPath+"."+g.name] = call{"flaghttp." + g.name, 1, -1, fb, g.reads}
	}
	m[testPath+".Override"] = call{"flagkittest.Override", -1, 2, -1, readsAny}
	m[testPath+".Context"] = call{"flagkittest.Context", -1, 3, -1, readsAny}
	m[testPath+".EachVariant"] = call{"flagkittest.EachVariant", 2, -1, -1, readsAny}
	m["(*"+testPath+".Recorder).Count"] = call{"Recorder.Count", 0, -1, -1, readsAny}

	// The OpenFeature provider, called directly: (ctx, flag, default, flatCtx).
	for _, e := range []struct {
		name  string
		reads reads
	}{
		{"Boolean", readsBool}, {"String", readsString}, {"Int", readsInt},
		{"Float", readsFloat}, {"Object", readsObject},
	} {
		fb := 2
		if e.reads == readsObject {
			fb = -1 // any value is a valid default
		}
		m["(*"+providerPath+".Provider)."+e.name+"Evaluation"] = call{"Provider." + e.name + "Evaluation", 1, -1, fb, e.reads}
		// The OpenFeature SDK's client: (ctx, flag, default, evalCtx, ...).
		for _, suffix := range []string{"", "Value", "ValueDetails"} {
			name := e.name + suffix
			c := call{"openfeature.Client." + name, 1, -1, fb, e.reads}
			m["(*"+ofPath+".Client)."+name] = c
			m["("+ofPath+".IClient)."+name] = c
		}
	}
	return m
}
