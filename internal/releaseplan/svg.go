package releaseplan

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// Layout of the picture, in SVG user units (pixels at 100 %).
const (
	svgWidth    = 1040
	plotLeft    = 250 // the labels' column
	plotRight   = svgWidth - 30
	headerH     = 78
	chartH      = 84 // the shares' chart of a lane
	barH        = 13 // one window bar
	laneGap     = 18
	axisH       = 46
	footerH     = 44
	maxLabelLen = 34
)

// palette colours variants in their order; a boolean flag's off variant
// and the fallback are grey.
var palette = []string{"#2563eb", "#ea580c", "#9333ea", "#059669", "#db2777", "#0891b2", "#65a30d", "#b91c1c"}

const (
	greyVariant = "#9ca3af"
	windowFill  = "#bfdbfe"
	windowText  = "#1e3a8a"
	launchColor = "#16a34a"
	todayColor  = "#dc2626"
	textColor   = "#111827"
	mutedText   = "#6b7280"
	gridColor   = "#e5e7eb"
)

// SVG draws the plan: one lane per flag with the share served each variant
// over time (a line per variant), its release windows as bars, its
// launches as markers, today as a red line, and a time axis in the plan's
// zone. The output depends only on the plan.
func (p *Plan) SVG() []byte {
	var b bytes.Buffer
	zone := p.Zone
	if zone == nil {
		zone = time.UTC
	}
	// Lane heights: the chart, then one row per window.
	tops := make([]float64, len(p.Flags))
	y := float64(headerH)
	for i := range p.Flags {
		tops[i] = y
		y += p.laneHeight(&p.Flags[i]) + laneGap
	}
	plotBottom := y - laneGap
	height := plotBottom + axisH + footerH
	x := func(t time.Time) float64 {
		span := p.End.Sub(p.Start)
		if span <= 0 {
			return plotLeft
		}
		return plotLeft + float64(t.Sub(p.Start))/float64(span)*(plotRight-plotLeft)
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="release-plan" class="release-plan" width="%d" height="%s" viewBox="0 0 %d %s" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="release-plan-title">`+"\n",
		svgWidth, num(height), svgWidth, num(height))
	fmt.Fprintf(&b, `<title id="release-plan-title">Release plan as of %s</title>`+"\n", esc(localTime(p.Now, zone)))
	fmt.Fprintf(&b, `<rect width="%d" height="%s" fill="#ffffff"/>`+"\n", svgWidth, num(height))
	fmt.Fprintf(&b, `<text x="16" y="26" font-size="17" font-weight="bold" fill="%s">Release plan</text>`+"\n", textColor)
	fmt.Fprintf(&b, `<text x="16" y="46" fill="%s">Share of subjects served each variant, %s to %s (%s)</text>`+"\n",
		mutedText, esc(p.Start.In(zone).Format("2 Jan 2006")), esc(p.End.In(zone).Format("2 Jan 2006")), esc(zone.String()))

	// Time grid and axis.
	ticks := axisTicks(p.Start, p.End, zone)
	b.WriteString(`<g class="axis">` + "\n")
	for _, tk := range ticks {
		tx := x(tk.at)
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(tx), headerH-6, num(tx), num(plotBottom+6), gridColor)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", num(tx), num(plotBottom+22), textColor, esc(tk.label))
		if tk.sub != "" {
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s">%s</text>`+"\n", num(tx), num(plotBottom+37), mutedText, esc(tk.sub))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s"/>`+"\n", plotLeft, num(plotBottom+6), plotRight, num(plotBottom+6), mutedText)
	b.WriteString("</g>\n")

	for i := range p.Flags {
		p.lane(&b, &p.Flags[i], tops[i], x)
	}

	// Today, over every lane.
	if !p.Now.Before(p.Start) && !p.Now.After(p.End) {
		nx := x(p.Now)
		anchor := "middle"
		switch {
		case nx < plotLeft+60:
			anchor = "start"
		case nx > plotRight-60:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<g class="today"><line x1="%s" y1="%d" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>`+
			`<text x="%s" y="%d" text-anchor="%s" font-weight="bold" fill="%s">today %s</text></g>`+"\n",
			num(nx), headerH-10, num(nx), num(plotBottom+6), todayColor, num(nx), headerH-14, anchor, todayColor, esc(p.Now.In(zone).Format("2 Jan 15:04")))
	}

	// Footer.
	note := "Lines: share of subjects served each variant, exact from the thresholds"
	for _, f := range p.Flags {
		if !f.Exact {
			note += ", ≈ estimated over " + p.Population
			break
		}
	}
	fmt.Fprintf(&b, `<text x="16" y="%s" font-size="11" fill="%s">%s.</text>`+"\n", num(height-20), mutedText, esc(note))
	fmt.Fprintf(&b, `<text x="16" y="%s" font-size="11" fill="%s">Bars: release windows. ◆ launches. ○ ramp points. Times in %s.</text>`+"\n", num(height-6), mutedText, esc(zone.String()))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// laneHeight is the height of a flag's lane: its chart and window bars,
// or its labels if they are taller.
func (p *Plan) laneHeight(f *Flag) float64 {
	h := float64(chartH)
	if n := len(f.Windows); n > 0 {
		h += 6 + float64(n)*(barH+3)
	}
	return max(h, p.labels(new(bytes.Buffer), f, 0)+4)
}

// labels draws the labels of a lane whose top is at top: the key, the
// description, the legend with each variant's share now, and what the
// estimate depends on. It returns the bottom of the last line.
func (p *Plan) labels(b *bytes.Buffer, f *Flag, top float64) float64 {
	fmt.Fprintf(b, `<text x="18" y="%s" font-size="14" font-weight="bold" fill="%s">%s</text>`+"\n", num(top+10), textColor, esc(clip(f.Key)))
	ly := top + 26
	if f.Description != "" {
		fmt.Fprintf(b, `<text x="18" y="%s" font-size="11" fill="%s">%s</text>`+"\n", num(ly), mutedText, esc(clip(f.Description)))
		ly += 15
	}
	// The legend: each variant with its share now.
	lx := 18.0
	for i, v := range f.Variants {
		label := v + " " + FormatPercent(f.Now[i].Percent, f.Exact)
		if !f.Exact {
			label = v + " " + strings.TrimPrefix(FormatPercent(f.Now[i].Percent, false), "≈")
		}
		w := 14 + 6.6*float64(len([]rune(label)))
		if lx+w > plotLeft-40 && lx > 18 {
			lx, ly = 18, ly+15
		}
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="10" height="10" rx="2" fill="%s"/>`, num(lx), num(ly-9), f.color(i))
		fmt.Fprintf(b, `<text x="%s" y="%s" font-size="11" fill="%s">%s</text>`+"\n", num(lx+13), num(ly), textColor, esc(label))
		lx += w + 8
	}
	ly += 15
	switch {
	case f.State != "":
		fmt.Fprintf(b, `<text x="18" y="%s" font-size="11" fill="%s">%s: no schedule applies</text>`+"\n", num(ly), todayColor, esc(f.State))
	case !f.Exact:
		fmt.Fprintf(b, `<text x="18" y="%s" font-size="11" fill="%s">≈ estimated: depends on</text>`+"\n", num(ly), mutedText)
		for _, line := range wrap(f.Estimated, 34) {
			ly += 13
			fmt.Fprintf(b, `<text x="30" y="%s" font-size="11" fill="%s">%s</text>`+"\n", num(ly), mutedText, esc(line))
		}
	}

	return ly + 4
}

// lane draws one flag's lane with its top at top.
func (p *Plan) lane(b *bytes.Buffer, f *Flag, top float64, x func(time.Time) float64) {
	zone := p.Zone
	h := p.laneHeight(f)
	fmt.Fprintf(b, `<g class="lane" data-flag="%s">`+"\n", esc(f.Key))
	fmt.Fprintf(b, `<rect x="8" y="%s" width="%d" height="%s" rx="6" fill="#f9fafb" stroke="%s"/>`+"\n", num(top-8), svgWidth-16, num(h+14), gridColor)
	p.labels(b, f, top)

	// The chart: 0 and 100 % lines, then a line per variant.
	cy0, cy1 := top+chartH-6, top+4 // 0 % and 100 %
	yOf := func(pc float64) float64 { return cy0 - pc/100*(cy0-cy1) }
	for _, g := range []struct {
		pc    float64
		label string
	}{{0, "0 %"}, {50, "50 %"}, {100, "100 %"}} {
		gy := yOf(g.pc)
		fmt.Fprintf(b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s"/>`, plotLeft, num(gy), plotRight, num(gy), gridColor)
		fmt.Fprintf(b, `<text x="%d" y="%s" text-anchor="end" font-size="10" fill="%s">%s</text>`+"\n", plotLeft-4, num(gy+3.5), mutedText, g.label)
	}
	// Quiet variants first, so that the others draw over them.
	order := make([]int, 0, len(f.Variants))
	for i := range f.Variants {
		if f.quiet(i) {
			order = append(order, i)
		}
	}
	for i := range f.Variants {
		if !f.quiet(i) {
			order = append(order, i)
		}
	}
	for _, i := range order {
		var pts []string
		for _, s := range f.Curve {
			pts = append(pts, num(x(s.At))+","+num(yOf(s.Shares[i])))
		}
		if len(pts) == 0 {
			continue
		}
		width, dash := "2.5", ""
		if f.quiet(i) {
			width, dash = "1.5", ` stroke-dasharray="4 3"`
		}
		fmt.Fprintf(b, `<polyline class="variant" data-variant="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"%s points="%s"/>`+"\n",
			esc(f.Variants[i]), f.color(i), width, dash, strings.Join(pts, " "))
	}
	// Ramp points, on the line of the variant the ramp serves.
	for _, r := range f.Ramps {
		vi := f.index(r.Serve)
		for _, pt := range r.Points {
			s, ok := f.sampleAt(pt.At)
			if !ok || pt.At.Before(p.Start) || pt.At.After(p.End) {
				continue
			}
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3.5" fill="#ffffff" stroke="%s" stroke-width="2"><title>%s</title></circle>`+"\n",
				num(x(pt.At)), num(yOf(s.Shares[vi])), f.color(vi), esc(fmt.Sprintf("ramp %q at %s: %s", r.Rule, localTime(pt.At, zone), FormatPercent(pt.Percent, true))))
			fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="10" fill="%s">%s</text>`+"\n",
				num(x(pt.At)), num(yOf(s.Shares[vi])-7), f.color(vi), esc(FormatPercent(pt.Percent, true)))
		}
	}
	// Launches: a diamond on the 100 % line and a label.
	for _, l := range f.Launches {
		lx := x(l.From)
		fmt.Fprintf(b, `<g class="launch"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(lx), num(cy1), num(lx), num(cy0), launchColor)
		fmt.Fprintf(b, `<path d="M%s %s l6 6 l-6 6 l-6 -6 z" fill="%s"><title>%s</title></path>`, num(lx), num(cy1-6), launchColor, esc(fmt.Sprintf("launch %q at %s", l.Rule, localTime(l.From, zone))))
		anchor, tx := "start", lx+9
		if lx > plotRight-140 {
			anchor, tx = "end", lx-9
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" font-size="11" font-weight="bold" fill="%s">%s</text></g>`+"\n",
			num(tx), num(cy1+4), anchor, launchColor, esc(clip(l.Rule)+" · "+l.From.In(zone).Format("2 Jan 15:04")))
	}
	// Windows: a bar each, under the chart.
	wy := top + chartH + 4
	for _, w := range f.Windows {
		x0, x1 := float64(plotLeft), float64(plotRight)
		if !w.From.IsZero() {
			x0 = x(w.From)
		}
		if !w.Until.IsZero() {
			x1 = x(w.Until)
		}
		if x1-x0 < 3 {
			x1 = x0 + 3
		}
		label := w.Rule
		if len(w.Cohorts) > 0 {
			label += " (" + strings.Join(w.Cohorts, ", ") + ")"
		}
		when := "from " + w.From.In(zone).Format("2 Jan 15:04")
		switch {
		case w.From.IsZero():
			when = "until " + w.Until.In(zone).Format("2 Jan 15:04")
		case !w.Until.IsZero():
			when += " until " + w.Until.In(zone).Format("2 Jan 15:04")
		}
		fmt.Fprintf(b, `<g class="window"><rect x="%s" y="%s" width="%s" height="%d" rx="3" fill="%s"><title>%s</title></rect>`,
			num(x0), num(wy), num(x1-x0), barH, windowFill, esc(fmt.Sprintf("window %q %s", w.Rule, when)))
		text := label + " · " + when
		// Inside the bar if the text fits, else beside it where there is room.
		est := 5.8 * float64(len([]rune(text)))
		tx, anchor := x0+5, "start"
		switch {
		case x1-x0 >= est+10:
		case x1+5+est <= plotRight:
			tx = x1 + 5
		case x0-5-est >= plotLeft:
			tx, anchor = x0-5, "end"
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" font-size="10" fill="%s">%s</text></g>`+"\n", num(tx), num(wy+10), anchor, windowText, esc(text))
		wy += barH + 3
	}
	b.WriteString("</g>\n")
}

// sampleAt returns the curve's sample at t.
func (f *Flag) sampleAt(t time.Time) (Sample, bool) {
	for _, s := range f.Curve {
		if s.At.Equal(t) {
			return s, true
		}
	}
	return Sample{}, false
}

// quiet reports whether variant i is drawn grey and dashed: the off
// variant of a boolean flag, or the fallback.
func (f *Flag) quiet(i int) bool {
	v := f.Variants[i]
	return v == Fallback || (f.offName != "" && v == f.offName)
}

// color returns the colour of variant i.
func (f *Flag) color(i int) string {
	if f.quiet(i) {
		return greyVariant
	}
	n := 0
	for j := 0; j < i; j++ {
		if !f.quiet(j) {
			n++
		}
	}
	return palette[n%len(palette)]
}

// tick is a mark of the time axis.
type tick struct {
	at         time.Time
	label, sub string
}

// axisTicks returns 5 to 14 ticks between start and end at round local
// times of zone: hours, days, weeks (Mondays), months or years.
func axisTicks(start, end time.Time, zone *time.Location) []tick {
	span := end.Sub(start)
	type step struct {
		hours, days, months int
	}
	steps := []step{{hours: 1}, {hours: 3}, {hours: 6}, {hours: 12}, {days: 1}, {days: 2}, {days: 7}, {days: 14}, {months: 1}, {months: 3}, {months: 6}, {months: 12}}
	approx := func(s step) time.Duration {
		return time.Duration(s.hours)*time.Hour + time.Duration(s.days)*24*time.Hour + time.Duration(s.months)*30*24*time.Hour
	}
	st := steps[len(steps)-1]
	for _, s := range steps {
		if span/approx(s) <= 12 {
			st = s
			break
		}
	}
	// The first round time at or after start.
	l := start.In(zone)
	var t time.Time
	switch {
	case st.hours > 0:
		t = time.Date(l.Year(), l.Month(), l.Day(), l.Hour()-l.Hour()%st.hours, 0, 0, 0, zone)
	case st.days == 7 || st.days == 14:
		t = time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, zone)
	case st.days > 0:
		t = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	default:
		m := int(l.Month()) - 1
		t = time.Date(l.Year(), time.Month(m-m%st.months+1), 1, 0, 0, 0, 0, zone)
	}
	var out []tick
	prevYear, prevDay := -1, ""
	for i := 0; i < 400 && !t.After(end); i++ {
		if !t.Before(start) {
			tk := tick{at: t}
			switch {
			case st.hours > 0:
				tk.label = t.Format("15:04")
				if d := t.Format("2 Jan"); d != prevDay {
					tk.sub, prevDay = d, d
				}
			case st.months > 0:
				tk.label = t.Format("Jan")
				if t.Year() != prevYear {
					tk.sub = strconv.Itoa(t.Year())
				}
			default:
				tk.label = t.Format("Mon 2 Jan")
				if t.Year() != prevYear {
					tk.sub = strconv.Itoa(t.Year())
				}
			}
			prevYear = t.Year()
			out = append(out, tk)
		}
		switch {
		case st.hours > 0:
			t = t.Add(time.Duration(st.hours) * time.Hour)
		case st.days > 0:
			t = t.AddDate(0, 0, st.days)
		default:
			t = t.AddDate(0, st.months, 0)
		}
	}
	return out
}

// localTime formats t in zone with the zone's abbreviation.
func localTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("2006-01-02 15:04 MST")
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// esc escapes text for XML.
func esc(s string) string { return html.EscapeString(s) }

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += clip(w)
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// clip shortens s to maxLabelLen runes.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxLabelLen {
		return s
	}
	return string(r[:maxLabelLen-1]) + "…"
}
