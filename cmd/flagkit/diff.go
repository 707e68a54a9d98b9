package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/releaseplan"
)

// Exit statuses of flagkit diff -exit-code, beyond exitOK (no change).
const (
	exitChanged   = 3 // flags added, removed or changed
	exitReshuffle = 4 // and some subject moves between variants of a split
)

// diffDoc is the result of flagkit diff, and its JSON form.
type diffDoc struct {
	Old        []string     `json:"old"`
	New        []string     `json:"new"`
	Now        time.Time    `json:"now"`
	Zone       string       `json:"zone"`
	Population string       `json:"population"`
	Sample     int          `json:"sample"`
	Added      []string     `json:"added"`
	Removed    []string     `json:"removed"`
	Changed    []flagChange `json:"changed"`
	Unchanged  []string     `json:"unchanged"`
	// Reshuffle reports whether some subject moves between variants of a
	// split, now or at a transition.
	Reshuffle bool `json:"reshuffle"`
}

// flagChange is what an edit changes for one flag.
type flagChange struct {
	Key string `json:"key"`
	// Definition reports whether the flag's own definition changed (not
	// only through a cohort or a prerequisite).
	Definition bool          `json:"definition_changed"`
	Impact     []impactPoint `json:"impact"`
}

// impactPoint is the effect of the edit at one instant: now, or an
// upcoming transition of either version.
type impactPoint struct {
	At    time.Time `json:"at"`
	Local string    `json:"local"`
	Now   bool      `json:"now"`
	// Changed is how many subjects of the population get another variant.
	Changed        int     `json:"changed"`
	ChangedPercent float64 `json:"changed_percent"`
	// SplitMoves is how many of them a split served in both versions:
	// they move between variants of a split.
	SplitMoves int    `json:"split_moves"`
	Moves      []move `json:"moves"`
}

// move counts the subjects that go from one variant to another.
type move struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

// runDiff implements flagkit diff.
func runDiff(args []string, now func() time.Time, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", "[-json] [-exit-code] [-now TIME] [-n N | -subjects FILE] OLD[,OLD...] NEW[,NEW...]", stderr)
	asJSON := fs.Bool("json", false, "print the impact as JSON")
	exitCode := fs.Bool("exit-code", false, "exit with status 3 when flags changed, 4 when subjects move between variants of a split, 0 when nothing changed")
	nowText := fs.String("now", "", "judge the edit as of this `time` (RFC 3339) instead of now")
	var pop population
	pop.register(fs)
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	if fs.NArg() != 2 {
		return usageError(fs, stderr, "want two arguments, OLD and NEW (several files each separated by commas)")
	}
	at, err := parseNow(*nowText, now)
	if err != nil {
		return usageError(fs, stderr, err.Error())
	}
	subjects, desc, err := pop.load()
	if err != nil {
		return failure(stderr, "diff", err)
	}
	if subjects == nil {
		subjects = releaseplan.Synthetic(pop.n)
	}
	oldFiles, newFiles := splitFiles(fs.Arg(0)), splitFiles(fs.Arg(1))
	if len(oldFiles) == 0 || len(newFiles) == 0 {
		return usageError(fs, stderr, "OLD and NEW each name at least one file")
	}
	before, err := openLayers(oldFiles)
	if err != nil {
		return failure(stderr, "diff", err)
	}
	defer before.c.Close()
	after, err := openLayers(newFiles)
	if err != nil {
		return failure(stderr, "diff", err)
	}
	defer after.c.Close()

	d := diff(before, after, subjects, at)
	d.Old, d.New, d.Population = oldFiles, newFiles, desc
	status := exitOK
	if *exitCode {
		switch {
		case d.Reshuffle:
			status = exitReshuffle
		case len(d.Added)+len(d.Removed)+len(d.Changed) > 0:
			status = exitChanged
		}
	}
	if *asJSON {
		return writeJSON(stdout, stderr, "diff", d, status)
	}
	writeDiffText(stdout, d)
	return status
}

// splitFiles splits a comma-separated list of files.
func splitFiles(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// diff compares the flags of two versions over subjects, at and after at.
func diff(before, after *layers, subjects []flagkit.Subject, at time.Time) diffDoc {
	oldInfos, newInfos := before.c.Flags(), after.c.Flags()
	zone := zoneOfInfos(newInfos, oldInfos)
	d := diffDoc{Now: at.UTC(), Zone: zone.String(), Sample: len(subjects),
		Added: []string{}, Removed: []string{}, Changed: []flagChange{}, Unchanged: []string{}}
	olds, news := map[string]flagkit.FlagInfo{}, map[string]flagkit.FlagInfo{}
	for _, f := range oldInfos {
		olds[f.Key] = f
	}
	for _, f := range newInfos {
		news[f.Key] = f
	}
	var keys []string
	for k := range olds {
		keys = append(keys, k)
	}
	for k := range news {
		if _, ok := olds[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, inOld := olds[k]
		n, inNew := news[k]
		switch {
		case !inOld:
			d.Added = append(d.Added, k)
			continue
		case !inNew:
			d.Removed = append(d.Removed, k)
			continue
		}
		fc := flagChange{Key: k, Definition: !sameDefinition(o, n)}
		instants := []time.Time{at}
		for _, t := range append(releaseplan.Instants(oldInfos, k), releaseplan.Instants(newInfos, k)...) {
			if t.After(at) {
				instants = append(instants, t)
			}
		}
		slices.SortFunc(instants[1:], func(a, b time.Time) int { return a.Compare(b) })
		instants = slices.CompactFunc(instants, func(a, b time.Time) bool { return a.Equal(b) })
		any := false
		for i, t := range instants {
			ip := impact(before.at(t), after.at(t), k, subjects)
			ip.At, ip.Local, ip.Now = t.UTC(), t.In(zone).Format(time.RFC3339), i == 0
			any = any || ip.Changed > 0
			d.Reshuffle = d.Reshuffle || ip.SplitMoves > 0
			fc.Impact = append(fc.Impact, ip)
		}
		if fc.Definition || any {
			d.Changed = append(d.Changed, fc)
		} else {
			d.Unchanged = append(d.Unchanged, k)
		}
	}
	return d
}

// impact counts the subjects whose variant of flag key differs between the
// views.
func impact(before, after flagkit.View, key string, subjects []flagkit.Subject) impactPoint {
	ctx := context.Background()
	ip := impactPoint{Moves: []move{}}
	moves := map[[2]string]int{}
	for _, s := range subjects {
		a, b := before.Evaluate(ctx, key, s), after.Evaluate(ctx, key, s)
		if a.Variant == b.Variant && (a.Variant != "" || reflect.DeepEqual(a.Value, b.Value)) {
			continue
		}
		ip.Changed++
		if a.Reason == flagkit.ReasonSplit && b.Reason == flagkit.ReasonSplit {
			ip.SplitMoves++
		}
		moves[[2]string{variantName(a), variantName(b)}]++
	}
	for k, n := range moves {
		ip.Moves = append(ip.Moves, move{From: k[0], To: k[1], Count: n})
	}
	slices.SortFunc(ip.Moves, func(a, b move) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.From+"\x00"+a.To, b.From+"\x00"+b.To)
	})
	if len(subjects) > 0 {
		ip.ChangedPercent = float64(ip.Changed) * 100 / float64(len(subjects))
	}
	return ip
}

// variantName names the variant of d, or the fallback.
func variantName(d flagkit.Detail) string {
	if d.Variant == "" {
		if d.Err == nil && d.Value != nil {
			return jsonText(d.Value)
		}
		return releaseplan.Fallback
	}
	return d.Variant
}

// sameDefinition reports whether two versions of a flag are defined alike,
// whatever the layer (file) that defines them.
func sameDefinition(a, b flagkit.FlagInfo) bool {
	norm := func(f flagkit.FlagInfo) flagkit.FlagInfo {
		f.Source = ""
		if f.Override != nil {
			o := *f.Override
			o.Source = ""
			f.Override = &o
		}
		errText := ""
		if f.Err != nil {
			errText = f.Err.Error()
		}
		f.Err = nil
		f.Description += "\x00" + errText
		for i := range f.RuleDetails {
			r := &f.RuleDetails[i]
			r.From, r.Until = r.From.UTC(), r.Until.UTC()
			for j := range r.Ramp {
				r.Ramp[j].At = r.Ramp[j].At.UTC()
			}
		}
		return f
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// zoneOfInfos returns the zone of the first scheduled rule of the new
// version, else of the old, else UTC.
func zoneOfInfos(lists ...[]flagkit.FlagInfo) *time.Location {
	for _, l := range lists {
		for _, f := range l {
			for _, r := range f.RuleDetails {
				for _, t := range []time.Time{r.From, r.Until} {
					if !t.IsZero() {
						return t.Location()
					}
				}
				if len(r.Ramp) > 0 {
					return r.Ramp[0].At.Location()
				}
			}
		}
	}
	return time.UTC
}

// writeDiffText prints the diff for a reviewer.
func writeDiffText(w io.Writer, d diffDoc) {
	zone, err := time.LoadLocation(d.Zone)
	if err != nil {
		zone = time.UTC
	}
	fmt.Fprintf(w, "flagkit diff %s → %s as of %s, over %s\n",
		strings.Join(d.Old, ","), strings.Join(d.New, ","), d.Now.In(zone).Format("2006-01-02 15:04 MST"), d.Population)
	if len(d.Added)+len(d.Removed)+len(d.Changed) == 0 {
		fmt.Fprintln(w, "No flag changes.")
		return
	}
	for _, k := range d.Added {
		fmt.Fprintf(w, "added   %s\n", k)
	}
	for _, k := range d.Removed {
		fmt.Fprintf(w, "removed %s\n", k)
	}
	for _, c := range d.Changed {
		how := "its definition"
		if !c.Definition {
			how = "through its cohorts or prerequisites"
		}
		fmt.Fprintf(w, "changed %s (%s)\n", c.Key, how)
		for _, ip := range c.Impact {
			label := "now"
			if !ip.Now {
				label = "then"
			}
			fmt.Fprintf(w, "  %-4s  %s  %d of %d subjects change variant (%s), %d between variants of a split\n",
				label, ip.At.In(zone).Format("2006-01-02 15:04 MST"), ip.Changed, d.Sample,
				strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", ip.ChangedPercent), "0"), ".")+" %", ip.SplitMoves)
			var mv []string
			for _, m := range ip.Moves {
				mv = append(mv, fmt.Sprintf("%s → %s %d", m.From, m.To, m.Count))
			}
			if len(mv) > 0 {
				fmt.Fprintf(w, "        %s\n", strings.Join(mv, ", "))
			}
		}
	}
	if d.Reshuffle {
		fmt.Fprintln(w, "Warning: subjects move between variants of a split: the edit reshuffles an experiment.")
	}
}
