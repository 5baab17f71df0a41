package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadrouter/leadrouter"
)

// MaxChanges is how many changed leads a comparison keeps for listing.
const MaxChanges = 1000

// SimReport counts who would get what under a policy.
type SimReport struct {
	// Leads is how many leads were routed.
	Leads int
	// ByRule counts leads by the rule that decided them (NoRule included).
	ByRule map[string]int
	// ByAssignee counts leads by owner.
	ByAssignee map[leadrouter.Owner]int
	// Reserved counts PID-reserved leads by partner.
	Reserved map[string]int
	// Tracks counts leads by nurture track.
	Tracks map[string]int
	// MQL counts leads at or above the policy's MQL threshold.
	MQL int
	// NoCountry counts leads whose country is not a two-letter code.
	NoCountry int
	// Against holds the same counts under the other policy, when comparing.
	Against *SimReport
	// Changed counts leads whose owner or reservation differs under the
	// other policy.
	Changed int
	// ChangedRule counts the changed leads another rule decided (the rest
	// changed by round-robin turn only).
	ChangedRule int
	// Moves counts changed leads by the rules that decided them.
	Moves map[RuleMove]int
	// Changes lists the first MaxChanges changed leads.
	Changes []Change
	// Elapsed is how long the simulation took.
	Elapsed time.Duration

	policy *Policy
	names  map[string]string
}

// RuleMove is a pair of rules: the one that decided a lead under the
// simulated policy and the one under the other policy.
type RuleMove struct {
	From string // rule under the simulated policy
	To   string // rule under the other policy
}

// Change is a lead whose assignee would differ under the other policy.
type Change struct {
	LeadID       string           // the lead's id (or e-mail, or row)
	From         leadrouter.Owner // owner under the simulated policy
	To           leadrouter.Owner // owner under the other policy
	FromRule     string           // rule that decided under the simulated policy
	ToRule       string           // rule that decided under the other policy
	FromReserved string           // reserved partner under the simulated policy
	ToReserved   string           // reserved partner under the other policy
}

// Simulate replays leads through p with an in-memory rotation and counts
// the decisions. When other is not nil the leads also go through other
// (with its own rotation) and the report lists the leads whose owner or
// reservation would change. next returns io.EOF after the last lead.
func Simulate(ctx context.Context, p, other *Policy, dir Directory, next func() (Input, error)) (*SimReport, error) {
	if p == nil || next == nil {
		return nil, errors.New("routing: Simulate needs a policy and leads")
	}
	start := time.Now()
	ix := dir.indexed()
	rep := newReport(p, ix)
	rot := &MemoryRotation{}
	e := engine{policy: p, dir: ix, nurtureQueue: dir.VendorNurtureQueue, rot: rot}
	var eo engine
	var otherRot *MemoryRotation
	if other != nil {
		rep.Against, rep.Moves = newReport(other, ix), map[RuleMove]int{}
		otherRot = &MemoryRotation{}
		eo = engine{policy: other, dir: ix, nurtureQueue: dir.VendorNurtureQueue, rot: otherRot}
	}
	var lead Input // one for all leads: routing takes its address
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		var err error
		lead, err = next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		rot.SetDay(lead.Day)
		d, err := e.route(ctx, &lead)
		if err != nil {
			return rep, fmt.Errorf("lead %s: %w", lead.ID, err)
		}
		rep.count(&lead, &d)
		if other == nil {
			continue
		}
		otherRot.SetDay(lead.Day)
		od, err := eo.route(ctx, &lead)
		if err != nil {
			return rep, fmt.Errorf("lead %s under the other policy: %w", lead.ID, err)
		}
		rep.Against.count(&lead, &od)
		if d.Owner == od.Owner && d.ReservedPartnerID == od.ReservedPartnerID {
			continue
		}
		rep.Changed++
		if d.Rule != od.Rule {
			rep.ChangedRule++
		}
		rep.Moves[RuleMove{d.Rule, od.Rule}]++
		if len(rep.Changes) < MaxChanges {
			rep.Changes = append(rep.Changes, Change{LeadID: lead.ID, From: d.Owner, To: od.Owner, FromRule: d.Rule, ToRule: od.Rule,
				FromReserved: d.ReservedPartnerID, ToReserved: od.ReservedPartnerID})
		}
	}
	rep.Elapsed = time.Since(start)
	if rep.Against != nil {
		rep.Against.Elapsed = rep.Elapsed
	}
	return rep, nil
}

func newReport(p *Policy, ix *dirIndex) *SimReport {
	names := make(map[string]string, len(ix.partners))
	for _, pt := range ix.partners {
		names[pt.ID] = pt.Name
	}
	return &SimReport{ByRule: map[string]int{}, ByAssignee: map[leadrouter.Owner]int{}, Reserved: map[string]int{}, Tracks: map[string]int{},
		policy: p, names: names}
}

func (r *SimReport) count(lead *Input, d *leadrouter.Decision) {
	r.Leads++
	r.ByRule[d.Rule]++
	r.ByAssignee[d.Owner]++
	r.Tracks[d.NurtureTrack]++
	if d.ReservedPartnerID != "" {
		r.Reserved[d.ReservedPartnerID]++
	}
	if d.Score >= r.policy.Scoring.Threshold {
		r.MQL++
	}
	if countryIndex(lead.Country) < 0 {
		r.NoCountry++
	}
}

// WriteText prints the report for people.
func (r *SimReport) WriteText(w io.Writer) {
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.Leads) / r.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "%d leads simulated in %s (%.0f leads/s)\n", r.Leads, r.Elapsed.Round(time.Millisecond), rate)
	if r.Leads == 0 {
		return
	}
	var t table
	compare := r.Against != nil
	header := func(title string) {
		if compare {
			t.add("", title, "leads", "share", "other policy", "difference")
		} else {
			t.add("", title, "leads", "share")
		}
	}
	row := func(label string, n, o int) {
		if compare {
			t.add("  ", label, strconv.Itoa(n), percent(n, r.Leads), strconv.Itoa(o), fmt.Sprintf("%+d", o-n))
		} else {
			t.add("  ", label, strconv.Itoa(n), percent(n, r.Leads))
		}
	}
	other := func(f func(*SimReport) int) int {
		if r.Against == nil {
			return 0
		}
		return f(r.Against)
	}

	header("by rule")
	for _, id := range r.ruleOrder() {
		row(id, r.ByRule[id], other(func(o *SimReport) int { return o.ByRule[id] }))
	}
	header("by assignee")
	for _, owner := range sortedOwners(r.ByAssignee, r.Against) {
		label := ownerString(owner)
		if name := r.names[owner.ID]; name != "" && owner.Kind == leadrouter.OwnerPartner {
			label += " (" + name + ")"
		}
		row(label, r.ByAssignee[owner], other(func(o *SimReport) int { return o.ByAssignee[owner] }))
	}
	if len(r.Reserved) > 0 || compare && len(r.Against.Reserved) > 0 {
		header("reserved for partners (PID)")
		for _, id := range sortedKeys(r.Reserved, otherMap(r.Against, func(o *SimReport) map[string]int { return o.Reserved })) {
			row(cmp.Or(r.names[id], id), r.Reserved[id], other(func(o *SimReport) int { return o.Reserved[id] }))
		}
	}
	header("nurture tracks")
	for _, track := range sortedKeys(r.Tracks, otherMap(r.Against, func(o *SimReport) map[string]int { return o.Tracks })) {
		row(track, r.Tracks[track], other(func(o *SimReport) int { return o.Tracks[track] }))
	}
	header("qualified")
	row(fmt.Sprintf("MQL (score >= %d)", r.policy.Scoring.Threshold), r.MQL, other(func(o *SimReport) int { return o.MQL }))
	t.write(w)
	if r.NoCountry > 0 {
		fmt.Fprintf(w, "\n%d lead(s) had no usable country (want ISO alpha-2 codes such as DE).\n", r.NoCountry)
	}
	if !compare {
		return
	}
	fmt.Fprintf(w, "\nunder the other policy %d lead(s) (%s) would change owner or reservation: %d decided by another rule, %d by another round-robin turn\n",
		r.Changed, percent(r.Changed, r.Leads), r.ChangedRule, r.Changed-r.ChangedRule)
	if r.Changed == 0 {
		return
	}
	moves := slices.SortedFunc(maps.Keys(r.Moves), func(a, b RuleMove) int {
		return cmp.Or(r.Moves[b]-r.Moves[a], cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	var moveTable table
	for _, m := range moves {
		moveTable.add("  ", m.From+" → "+m.To, strconv.Itoa(r.Moves[m]))
	}
	moveTable.write(w)
	fmt.Fprintf(w, "\nfirst %d changed lead(s):\n", len(r.Changes))
	var changes table
	for _, c := range r.Changes {
		changes.add("  ", c.LeadID, describeOwner(c.From, c.FromReserved, c.FromRule), "→ "+describeOwner(c.To, c.ToReserved, c.ToRule))
	}
	changes.write(w)
}

// table lays out rows of text in columns: numbers right-aligned, text
// left-aligned. A row whose first cell is not indented is a section
// heading, printed after a blank line with its cells right-aligned.
type table struct {
	rows [][]string
}

// add appends a row; indent prefixes its first cell.
func (t *table) add(indent string, cells ...string) {
	cells[0] = indent + cells[0]
	t.rows = append(t.rows, cells)
}

func (t *table) write(w io.Writer) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		heading := !strings.HasPrefix(row[0], " ")
		if heading {
			b.WriteString("\n")
		}
		line := ""
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				line += c + pad
			case heading || isNumeric(c):
				line += "  " + pad + c
			default:
				line += "  " + c + pad
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	io.WriteString(w, b.String())
}

func isNumeric(s string) bool {
	return s != "" && strings.Trim(s, "0123456789+-.%") == ""
}

func describeOwner(o leadrouter.Owner, reserved, rule string) string {
	s := ownerString(o)
	if reserved != "" {
		s += " reserved for " + reserved
	}
	return s + " (" + rule + ")"
}

// ruleOrder is the policy's rules in order, then any other rule ids seen
// (the other policy's, NoRule).
func (r *SimReport) ruleOrder() []string {
	var ids []string
	for _, rule := range r.policy.Rules {
		ids = append(ids, rule.ID)
	}
	var rest []string
	for id := range r.ByRule {
		if !slices.Contains(ids, id) {
			rest = append(rest, id)
		}
	}
	if r.Against != nil {
		for id := range r.Against.ByRule {
			if !slices.Contains(ids, id) && !slices.Contains(rest, id) {
				rest = append(rest, id)
			}
		}
	}
	slices.Sort(rest)
	return append(ids, rest...)
}

func otherMap(o *SimReport, f func(*SimReport) map[string]int) map[string]int {
	if o == nil {
		return nil
	}
	return f(o)
}

func sortedKeys(a, b map[string]int) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func sortedOwners(a map[leadrouter.Owner]int, other *SimReport) []leadrouter.Owner {
	owners := slices.Collect(maps.Keys(a))
	if other != nil {
		for o := range other.ByAssignee {
			if _, ok := a[o]; !ok {
				owners = append(owners, o)
			}
		}
	}
	slices.SortFunc(owners, func(x, y leadrouter.Owner) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.ID, y.ID))
	})
	return owners
}

func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}
