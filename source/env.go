package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/flagkit/flagkit"
)

// Errors that a source made by [Env] reports, each wrapped in an error that
// names the variables involved, such as "variables ... both set override
// NEW_CHECKOUT; keep one" (the client names the source beside it). Match
// them with [errors.Is].
var (
	// ErrEnvPrefix means Env was given an empty prefix, which would turn
	// every environment variable (PATH, HOME, ...) into an override.
	ErrEnvPrefix = errors.New("empty prefix")
	// ErrEnvName means a variable with the prefix does not name a flag:
	// nothing follows the prefix, or the rest is not a flag key.
	ErrEnvName = errors.New("variable names no flag key")
	// ErrEnvValue means a variable's value is not valid UTF-8, so no
	// document can carry it.
	ErrEnvValue = errors.New("value is not valid UTF-8")
	// ErrEnvConflict means two or more variables name the same override
	// key, such as FEATURE_new-checkout and FEATURE_NEW_CHECKOUT.
	ErrEnvConflict = errors.New("variables name the same override")
)

// maxKeyLen is the longest flag key the format allows.
const maxKeyLen = 128

// An EnvOption configures [Env].
type EnvOption interface{ applyEnv(*envConfig) }

type envConfig struct {
	environ func() []string
}

type envOption func(*envConfig)

func (o envOption) applyEnv(c *envConfig) { o(c) }

// Environ sets the function that [Env] reads the environment from. It
// returns "NAME=value" strings, as [os.Environ] does; entries without "="
// are ignored, and when a name appears twice the first entry wins, as with
// [os.Getenv]. The default is [os.Environ]; nil keeps the default. Tests use
// Environ to run without touching the process's environment.
func Environ(f func() []string) EnvOption {
	return envOption(func(c *envConfig) {
		if f != nil {
			c.environ = f
		}
	})
}

// Env returns a source that serves an overrides document made from the
// environment variables whose names start with prefix. The match on the
// prefix is case-sensitive. Each such variable becomes the override keyed by
// the rest of its name, with ASCII letters upper-cased and '-' and '.'
// turned into '_'; its value is passed as it is (not trimmed). So
//
//	FEATURE_NEW_CHECKOUT=on
//	FEATURE_checkout-theme=dark
//
// with the prefix "FEATURE_" becomes the document
//
//	{"overrides":{"CHECKOUT_THEME":"dark","NEW_CHECKOUT":"on"}}
//
// The document is JSON, which is also YAML; keys are sorted and every value
// is a string, which the client reads as the flag's type requires ("on" is
// a variant name, "42" a number for a number flag). An override key names a
// flag by its normalized key, so NEW_CHECKOUT overrides flag new-checkout.
// With no matching variable the document is {"overrides":{}}.
//
// The environment is read once, when Run starts, and never again: a
// process's environment does not change. An override serves its value to
// everyone, with reason STATIC, over the definitions of the layers before
// it; put Env last to let an operator override any flag. The client lists
// the overrides in force in its status and logs them at WARN when it starts.
//
// Run refuses the whole environment, reporting an error instead of a
// document, when a variable with the prefix names no flag key (nothing after
// the prefix, or characters other than letters, digits, '-', '_' and '.', or
// more than 128 of them; see [ErrEnvName]), when a value is not valid UTF-8
// ([ErrEnvValue]), or when two variables name the same key
// ([ErrEnvConflict]; the error names both). Applying only some of an
// operator's overrides would be worse than none: since the environment is
// read only at start, the client's New fails and the misconfigured
// deployment is visible at once.
//
// The prefix must not be empty: an empty prefix would turn every variable
// (PATH, HOME, ...) into an override, so Run reports [ErrEnvPrefix] to update
// and returns it at once.
//
// The source's Name is "env:" followed by the prefix, such as
// "env:FEATURE_". Its Run reads the environment, delivers the overrides
// document to update (or an error, as described above), and waits until
// ctx is done. It delivers even when ctx is already done. It returns nil,
// except for an empty prefix or a nil update, when it returns an error at
// once.
//
// The source never changes after Env returns, so it is safe for concurrent
// use and may be shared by any number of clients and run any number of
// times; each Run reads the environment once.
func Env(prefix string, opts ...EnvOption) flagkit.Source {
	c := envConfig{environ: os.Environ}
	for _, o := range opts {
		if o != nil {
			o.applyEnv(&c)
		}
	}
	return &environment{prefix: prefix, environ: c.environ}
}

// environment is the source that [Env] returns.
type environment struct {
	prefix  string
	environ func() []string
}

func (e *environment) Name() string { return "env:" + e.prefix }

func (e *environment) Run(ctx context.Context, update func(doc []byte, err error) error) error {
	if update == nil {
		return errors.New("source: env " + e.prefix + ": nil update function")
	}
	if e.prefix == "" {
		err := &envError{
			msg: `source: env: empty prefix: Env needs one such as "FEATURE_", or every variable (PATH, HOME, ...) would become an override`,
			err: ErrEnvPrefix,
		}
		update(nil, err)
		return err
	}
	environ := os.Environ
	if e.environ != nil {
		environ = e.environ
	}
	if doc, err := e.document(environ()); err != nil {
		update(nil, err)
	} else {
		deliver(update, doc)
	}
	<-ctx.Done()
	return nil
}

// document builds the overrides document from environ.
func (e *environment) document(environ []string) ([]byte, error) {
	type variable struct{ name, value string }
	var vars []variable
	seen := make(map[string]bool)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, e.prefix) || seen[name] {
			continue
		}
		seen[name] = true
		vars = append(vars, variable{name, value})
	}
	slices.SortFunc(vars, func(a, b variable) int { return strings.Compare(a.name, b.name) })

	var errs []error
	values := make(map[string]string, len(vars))
	names := make(map[string][]string, len(vars)) // key -> variable names, sorted
	for _, v := range vars {
		rest := v.name[len(e.prefix):]
		key, ok := envKey(rest)
		switch {
		case rest == "":
			errs = append(errs, e.errorf(ErrEnvName, "variable %s has no flag key after the prefix", v.name))
			continue
		case !ok:
			errs = append(errs, e.errorf(ErrEnvName,
				"variable %q: %q is not a flag key (1 to %d letters, digits, '-', '_' and '.')", v.name, rest, maxKeyLen))
			continue
		case !utf8.ValidString(v.value):
			errs = append(errs, e.errorf(ErrEnvValue, "variable %s: value is not valid UTF-8", v.name))
			continue
		}
		values[key] = v.value
		names[key] = append(names[key], v.name)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if n := names[k]; len(n) > 1 {
			both := "both"
			if len(n) > 2 {
				both = "all"
			}
			errs = append(errs, e.errorf(ErrEnvConflict,
				"variables %s %s set override %s; keep one", joinNames(n), both, k))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	doc := append(make([]byte, 0, 64), `{"overrides":{`...)
	for i, k := range keys {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = appendString(doc, k)
		doc = append(doc, ':')
		doc = appendString(doc, values[k])
	}
	return append(doc, "}}"...), nil
}

func (e *environment) errorf(class error, format string, args ...any) error {
	return &envError{msg: fmt.Sprintf(format, args...), err: class}
}

// envKey returns the override key for the part of a variable's name after
// the prefix, and whether it is a flag key: 1 to maxKeyLen ASCII letters,
// digits, '-', '_' and '.'.
func envKey(rest string) (string, bool) {
	if rest == "" || len(rest) > maxKeyLen {
		return "", false
	}
	b := []byte(rest)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_':
		case c == '-', c == '.':
			b[i] = '_'
		default:
			return "", false
		}
	}
	return string(b), true
}

// joinNames writes names as "A and B" or "A, B and C".
func joinNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// appendString appends s, valid UTF-8, as a JSON string that YAML parsers
// read the same: besides JSON's escapes it escapes DEL, the C1 controls
// (among them NEL, a YAML line break), U+2028, U+2029, the byte order mark
// U+FEFF and the non-characters U+FFFE and U+FFFF, which YAML does not allow
// unescaped. It never writes `\/`, an escape YAML lacks.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20, 0x7f <= r && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// envError is an error of Env: a message for people and a class for
// errors.Is.
type envError struct {
	msg string
	err error
}

func (e *envError) Error() string { return e.msg }
func (e *envError) Unwrap() error { return e.err }
