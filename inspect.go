package flagkit

import (
	"sort"
	"time"
)

// FlagInfo describes a flag's definition in force, for tooling such as
// debug pages and command-line tools. It is a copy: changing it changes
// nothing in the client.
type FlagInfo struct {
	Key         string
	Description string
	Metadata    map[string]any
	// Type is "boolean", "string", "number" or "object"; "" for an invalid
	// flag.
	Type       string
	Variants   []string
	Enabled    bool
	Default    string            // "" when the caller's fallback applies
	OffVariant string            // "" when the caller's fallback applies
	Requires   map[string]string // prerequisite flag -> required variant
	Rules      []string          // rule names, in order
	// Source names the layer whose definition is in force.
	Source string
	// Override is the override in force, or nil.
	Override *Override
	// Err is non-nil for an invalid flag (it matches ErrInvalidFlag).
	Err error
}

// A Transition is a moment when a flag's answers change by themselves: a
// release window opens or closes, or a ramp starts or ends.
type Transition struct {
	Flag string
	At   time.Time
}

// Flags describes every flag in force, sorted by key.
func (c *Client) Flags() []FlagInfo {
	snap := c.snap.Load()
	out := make([]FlagInfo, 0, len(snap.keys))
	for _, k := range snap.keys {
		f := snap.flags[k]
		info := FlagInfo{Key: k, Source: f.source, Err: f.err}
		if f.err == nil {
			info.Description = f.description
			info.Metadata = copyMap(f.metadata)
			info.Type = f.kind.String()
			info.Enabled = f.enabled
			for _, v := range f.variants {
				info.Variants = append(info.Variants, v.name)
			}
			if f.def != nil {
				info.Default = f.def.name
			}
			if f.off != nil {
				info.OffVariant = f.off.name
			}
			for _, pr := range f.requires {
				if info.Requires == nil {
					info.Requires = map[string]string{}
				}
				info.Requires[pr.key] = pr.variant
			}
			for _, r := range f.rules {
				info.Rules = append(info.Rules, r.more.name)
			}
			for _, o := range snap.overrides {
				if o.Flag == k {
					o := o
					info.Override = &o
				}
			}
		}
		out = append(out, info)
	}
	return out
}

// Transitions lists the scheduled transitions of the flags in force that
// happen after the instant after, in time order.
func (c *Client) Transitions(after time.Time) []Transition {
	snap := c.snap.Load()
	ms := after.UnixMilli()
	var out []Transition
	for _, tr := range snap.transitions {
		if tr.at > ms {
			out = append(out, Transition{Flag: tr.flag, At: time.UnixMilli(tr.at)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			out[k] = copyMap(x)
		case []any:
			out[k] = copyList(x)
		default:
			out[k] = v
		}
	}
	return out
}

func copyList(l []any) []any {
	out := make([]any, len(l))
	for i, v := range l {
		switch x := v.(type) {
		case map[string]any:
			out[i] = copyMap(x)
		case []any:
			out[i] = copyList(x)
		default:
			out[i] = v
		}
	}
	return out
}
