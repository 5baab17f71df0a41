package routing

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// MemoryRotation is an in-memory Rotation (for simulate and tests); it is
// safe for concurrent use.
type MemoryRotation struct {
	mu        sync.Mutex
	positions map[string]int64
	daily     map[string]int
}

// NewMemoryRotation returns an empty rotation.
func NewMemoryRotation() *MemoryRotation {
	return &MemoryRotation{positions: map[string]int64{}, daily: map[string]int{}}
}

// Next implements Rotation.
func (m *MemoryRotation) Next(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pos := m.positions[key]
	m.positions[key] = pos + 1
	return pos, nil
}

// AssignedToday implements Rotation (a simulation is one long day).
func (m *MemoryRotation) AssignedToday(_ context.Context, key, assigneeID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.daily[key+"\x00"+assigneeID], nil
}

// Record implements Rotation.
func (m *MemoryRotation) Record(_ context.Context, key, assigneeID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.daily[key+"\x00"+assigneeID]++
	return nil
}

// LeadReader streams leads from a CSV file, header-driven.
type LeadReader struct {
	r       *csv.Reader
	columns map[string]int
	pids    map[string]string
	row     int
}

var simColumns = map[string]string{
	"id": "id", "leadid": "id", "country": "country", "countrycode": "country", "source": "source", "leadsource": "source",
	"formkind": "form_kind", "title": "title", "jobtitle": "title", "company": "company", "companyname": "company",
	"companysize": "company_size", "employees": "company_size", "responses": "responses",
	"pid": "pid", "creditedpid": "pid", "creditedpartnerid": "credited_partner_id",
	"accountownerpartnerid": "account_owner_partner_id", "accountowner": "account_owner_partner_id",
	"duplicateof": "duplicate_of", "email": "email",
}

// NewLeadReader reads the header; dir resolves PIDs to partner ids.
func NewLeadReader(r io.Reader, dir Directory) (*LeadReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	lr := &LeadReader{r: cr, columns: map[string]int{}, pids: map[string]string{}}
	for i, h := range header {
		key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))))
		if name, ok := simColumns[key]; ok {
			lr.columns[name] = i
		}
	}
	for _, p := range dir.Partners {
		lr.pids[strings.ToUpper(p.PID)] = p.ID
	}
	return lr, nil
}

// Next returns the next lead, or io.EOF.
func (lr *LeadReader) Next() (Lead, error) {
	rec, err := lr.r.Read()
	if err != nil {
		return Lead{}, err
	}
	lr.row++
	get := func(name string) string {
		if i, ok := lr.columns[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	l := Lead{ID: get("id"), Country: strings.ToUpper(get("country")), Source: get("source"), FormKind: get("form_kind"),
		Title: get("title"), Company: get("company"), CreditedPartnerID: get("credited_partner_id"),
		AccountOwnerPartnerID: get("account_owner_partner_id"), DuplicateOfLeadID: get("duplicate_of")}
	if l.ID == "" {
		l.ID = "row-" + strconv.Itoa(lr.row)
	}
	if pid := get("pid"); pid != "" && l.CreditedPartnerID == "" {
		l.CreditedPartnerID = lr.pids[strings.ToUpper(pid)]
		if l.CreditedPartnerID == "" {
			l.CreditedPartnerID = "unknown-pid:" + pid
		}
	}
	if l.DuplicateOfLeadID != "" {
		l.DuplicateOwner = Owner{Kind: OwnerQueue, ID: "existing-owner"}
	}
	l.CompanySize, _ = strconv.Atoi(get("company_size"))
	l.Responses, _ = strconv.Atoi(get("responses"))
	if l.Responses == 0 {
		l.Responses = 1
	}
	return l, nil
}

// Change is a lead whose assignee differs between two policies.
type Change struct {
	LeadID       string
	From, To     string
	RuleA, RuleB string
}

// SimReport counts who would get what.
type SimReport struct {
	Leads      int
	ByRule     map[string]int
	ByAssignee map[string]int
	Reserved   map[string]int
	Changes    []Change
	Changed    int
	Elapsed    time.Duration
	names      map[string]string
}

// Simulate replays leads through p (and, when other is not nil, through
// other too, reporting the leads whose assignee would change), each with an
// in-memory rotation starting from zero.
func Simulate(ctx context.Context, p, other *Policy, dir Directory, next func() (Lead, error)) (*SimReport, error) {
	start := time.Now()
	dir.index()
	rep := &SimReport{ByRule: map[string]int{}, ByAssignee: map[string]int{}, Reserved: map[string]int{}, names: map[string]string{}}
	for _, pt := range dir.Partners {
		rep.names[pt.ID] = pt.Name
	}
	rotA, rotB := NewMemoryRotation(), NewMemoryRotation()
	for {
		lead, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		d, err := route(ctx, p, &dir, lead, rotA, false)
		if err != nil {
			return rep, err
		}
		rep.Leads++
		rep.ByRule[d.Rule]++
		rep.ByAssignee[d.Owner.Kind+":"+d.Owner.ID]++
		if d.ReservedPartnerID != "" {
			rep.Reserved[d.ReservedPartnerID]++
		}
		if other != nil {
			e, err := route(ctx, other, &dir, lead, rotB, false)
			if err != nil {
				return rep, err
			}
			a, b := d.Owner.Kind+":"+d.Owner.ID+"/"+d.ReservedPartnerID, e.Owner.Kind+":"+e.Owner.ID+"/"+e.ReservedPartnerID
			if a != b {
				rep.Changed++
				if len(rep.Changes) < 1000 {
					rep.Changes = append(rep.Changes, Change{LeadID: lead.ID, From: a, To: b, RuleA: d.Rule, RuleB: e.Rule})
				}
			}
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// WriteText prints the report for people.
func (r *SimReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%d leads simulated in %s\n\nby rule:\n", r.Leads, r.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range sortedKeys(r.ByRule) {
		fmt.Fprintf(tw, "  %s\t%d\n", k, r.ByRule[k])
	}
	tw.Flush()
	fmt.Fprintln(w, "\nby assignee:")
	for _, k := range sortedKeys(r.ByAssignee) {
		name := r.names[strings.TrimPrefix(k, "partner:")]
		fmt.Fprintf(tw, "  %s\t%s\t%d\n", k, name, r.ByAssignee[k])
	}
	tw.Flush()
	if len(r.Reserved) > 0 {
		fmt.Fprintln(w, "\nreserved for partners (PID):")
		for _, k := range sortedKeys(r.Reserved) {
			fmt.Fprintf(tw, "  %s\t%s\t%d\n", k, r.names[k], r.Reserved[k])
		}
		tw.Flush()
	}
	if r.Changed > 0 || len(r.Changes) > 0 {
		fmt.Fprintf(w, "\n%d lead(s) would change assignee under the other policy", r.Changed)
		if r.Changed > len(r.Changes) {
			fmt.Fprintf(w, " (first %d shown)", len(r.Changes))
		}
		fmt.Fprintln(w, ":")
		for _, c := range r.Changes {
			fmt.Fprintf(tw, "  %s\t%s (%s)\t→ %s (%s)\n", c.LeadID, c.From, c.RuleA, c.To, c.RuleB)
		}
		tw.Flush()
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
