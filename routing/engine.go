package routing

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Owner kinds, as in the domain.
const (
	OwnerPartner = "partner"
	OwnerUser    = "user"
	OwnerQueue   = "queue"
)

// Owner is who a decision gives the lead to.
type Owner struct {
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	PartnerID string `json:"partner_id,omitempty"`
}

// Lead is what the engine knows of a lead and what it matched.
type Lead struct {
	ID                    string
	Country               string
	Source                string
	FormKind              string
	Title                 string
	Company               string
	CompanySize           int
	Responses             int
	CreditedPartnerID     string
	DuplicateOfLeadID     string
	DuplicateOwner        Owner
	AccountOwnerPartnerID string
	// Exclude lists partners that must not get the lead (reassignment).
	Exclude []string
}

// Partner is one partner in the directory.
type Partner struct {
	ID        string
	PID       string
	Name      string
	Countries []string
	Active    bool
	Weight    int
	DailyCap  int
}

// Directory is the partners and queues the engine may assign to.
type Directory struct {
	Partners   []Partner
	QueueUsers map[string][]string

	byID      map[string]int
	byCountry map[string][]int
}

// NewDirectory indexes partners (sorted by id) for lookups by id and
// country.
func NewDirectory(partners []Partner, queueUsers map[string][]string) Directory {
	d := Directory{Partners: append([]Partner(nil), partners...), QueueUsers: queueUsers}
	d.index()
	return d
}

func (d *Directory) index() {
	sort.Slice(d.Partners, func(i, j int) bool { return d.Partners[i].ID < d.Partners[j].ID })
	d.byID = make(map[string]int, len(d.Partners))
	d.byCountry = map[string][]int{}
	for i, p := range d.Partners {
		d.byID[p.ID] = i
		for _, c := range p.Countries {
			d.byCountry[c] = append(d.byCountry[c], i)
		}
	}
}

func (d *Directory) partner(id string) (Partner, bool) {
	if d.byID == nil {
		d.index()
	}
	i, ok := d.byID[id]
	if !ok {
		return Partner{}, false
	}
	return d.Partners[i], true
}

// Rotation is the durable round-robin state: positions per key and daily
// counts per assignee.
type Rotation interface {
	// Next returns the current position of key and advances it by one.
	Next(ctx context.Context, key string) (int64, error)
	// AssignedToday returns how many assignments key gave assigneeID today.
	AssignedToday(ctx context.Context, key, assigneeID string) (int, error)
	// Record counts one more assignment of key to assigneeID today.
	Record(ctx context.Context, key, assigneeID string) error
}

// Candidate is one possible assignee a rule considered.
type Candidate struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// Step is one rule's part of the trace.
type Step struct {
	Rule       string      `json:"rule"`
	Matched    bool        `json:"matched"`
	Reason     string      `json:"reason"`
	Candidates []Candidate `json:"candidates,omitempty"`
	Chosen     string      `json:"chosen,omitempty"`
}

// Decision is the outcome of routing one lead.
type Decision struct {
	Rule              string `json:"rule"`
	Owner             Owner  `json:"owner"`
	ReservedPartnerID string `json:"reserved_partner_id"`
	NurtureTrack      string `json:"nurture_track"`
	Score             int    `json:"score"`
	Trace             []Step `json:"trace"`
}

// Route applies the policy to a lead and returns the decision with a trace
// of every rule considered, in order.
func Route(ctx context.Context, p *Policy, dir Directory, lead Lead, rot Rotation) (Decision, error) {
	return route(ctx, p, &dir, lead, rot, true)
}

func route(ctx context.Context, p *Policy, dir *Directory, lead Lead, rot Rotation, trace bool) (Decision, error) {
	if dir.byID == nil {
		dir.index()
	}
	lead.Country = strings.ToUpper(lead.Country)
	score, _ := Score(p, lead)
	d := Decision{Score: score, NurtureTrack: NurtureTrack(p, lead, score)}
	step := func(s Step) {
		if trace {
			d.Trace = append(d.Trace, s)
		}
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if ok, why := p.holds(&r.When, lead, score); !ok {
			step(Step{Rule: r.ID, Reason: why})
			continue
		}
		owner, reserved, s, err := p.act(ctx, r, dir, lead, rot, trace)
		if err != nil {
			return d, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		s.Rule = r.ID
		if owner.Kind == "" {
			step(s)
			continue
		}
		s.Matched = true
		step(s)
		d.Rule, d.Owner, d.ReservedPartnerID = r.ID, owner, reserved
		return d, nil
	}
	// No rule decided: the nurture queue keeps it, and the trace says so.
	d.Rule, d.Owner = "none", Owner{Kind: OwnerQueue, ID: p.NurtureQueue}
	step(Step{Rule: "none", Reason: "no rule assigned the lead; it stays in the nurture queue"})
	return d, nil
}

func excluded(lead Lead, partnerID string) bool {
	for _, x := range lead.Exclude {
		if x == partnerID {
			return true
		}
	}
	return false
}

// act carries out a rule whose conditions hold. An empty owner means the
// rule found nobody and routing falls through.
func (p *Policy) act(ctx context.Context, r *Rule, dir *Directory, lead Lead, rot Rotation, trace bool) (Owner, string, Step, error) {
	switch r.Action {
	case ActionKeepOwner:
		if lead.DuplicateOwner.Kind == "" {
			return Owner{}, "", Step{Reason: "the lead duplicates no open lead with an owner"}, nil
		}
		return lead.DuplicateOwner, "", Step{Reason: "a response to open lead " + lead.DuplicateOfLeadID + ": it keeps its owner", Chosen: lead.DuplicateOwner.ID}, nil

	case ActionReservePID:
		partner, ok := dir.partner(lead.CreditedPartnerID)
		switch {
		case !ok:
			return Owner{}, "", Step{Reason: "the credited PID's partner is unknown"}, nil
		case !partner.Active:
			return Owner{}, "", Step{Reason: "the credited partner is suspended", Candidates: []Candidate{{ID: partner.ID, Name: partner.Name, Skipped: "suspended"}}}, nil
		case excluded(lead, partner.ID):
			return Owner{}, "", Step{Reason: "the credited partner gave the lead up", Candidates: []Candidate{{ID: partner.ID, Name: partner.Name, Skipped: "excluded"}}}, nil
		}
		return Owner{Kind: OwnerQueue, ID: p.NurtureQueue}, partner.ID, Step{
			Reason: "credited PID " + partner.PID + ": vendor marketing nurtures the lead, reserved for " + partner.Name + " when it converts",
			Chosen: partner.ID}, nil

	case ActionAssignAccountPartner:
		partner, ok := dir.partner(lead.AccountOwnerPartnerID)
		switch {
		case !ok:
			return Owner{}, "", Step{Reason: "the account's owning partner is unknown"}, nil
		case !partner.Active:
			return Owner{}, "", Step{Reason: "the account's owning partner is suspended", Candidates: []Candidate{{ID: partner.ID, Name: partner.Name, Skipped: "suspended"}}}, nil
		case excluded(lead, partner.ID):
			return Owner{}, "", Step{Reason: "the account's partner gave the lead up", Candidates: []Candidate{{ID: partner.ID, Name: partner.Name, Skipped: "excluded"}}}, nil
		}
		if r.DailyCap > 0 || partner.DailyCap > 0 {
			capN := capOf(r, partner)
			key := "rule:" + r.ID
			n, err := rot.AssignedToday(ctx, key, partner.ID)
			if err != nil {
				return Owner{}, "", Step{}, err
			}
			if n >= capN {
				return Owner{}, "", Step{Reason: "the account's partner reached its daily cap", Candidates: []Candidate{{ID: partner.ID, Name: partner.Name, Skipped: fmt.Sprintf("daily cap %d reached", capN)}}}, nil
			}
			if err := rot.Record(ctx, key, partner.ID); err != nil {
				return Owner{}, "", Step{}, err
			}
		}
		return Owner{Kind: OwnerPartner, ID: partner.ID, PartnerID: partner.ID}, "", Step{
			Reason: "the lead's account (or another division of it) is owned by " + partner.Name, Chosen: partner.ID}, nil

	case ActionAssignTerritory:
		if lead.Country == "" {
			return Owner{}, "", Step{Reason: "the lead has no country"}, nil
		}
		idx := dir.byCountry[lead.Country]
		var cands []Candidate
		var eligible []Partner
		for _, i := range idx {
			pt := dir.Partners[i]
			switch {
			case !pt.Active:
				cands = append(cands, Candidate{ID: pt.ID, Name: pt.Name, Skipped: "suspended"})
			case excluded(lead, pt.ID):
				cands = append(cands, Candidate{ID: pt.ID, Name: pt.Name, Skipped: "excluded"})
			default:
				eligible = append(eligible, pt)
			}
		}
		if len(eligible) == 0 {
			return Owner{}, "", Step{Reason: "no active partner's territory includes " + lead.Country, Candidates: cands}, nil
		}
		ids := make([]string, len(eligible))
		weights := make([]int, len(eligible))
		caps := make([]int, len(eligible))
		for i, pt := range eligible {
			ids[i], weights[i], caps[i] = pt.ID, 1, capOf(r, pt)
			if r.Strategy == Weighted {
				weights[i] = max(pt.Weight, 1)
			}
		}
		chosen, skipped, err := pick(ctx, rot, "rule:"+r.ID+":"+lead.Country, ids, weights, caps)
		if err != nil {
			return Owner{}, "", Step{}, err
		}
		if trace {
			for i, pt := range eligible {
				c := Candidate{ID: pt.ID, Name: pt.Name}
				if why, ok := skipped[i]; ok {
					c.Skipped = why
				} else if i != chosen {
					c.Skipped = "not its turn (" + r.Strategy + ")"
				}
				cands = append(cands, c)
			}
		}
		if chosen < 0 {
			return Owner{}, "", Step{Reason: "every partner in " + lead.Country + " reached its daily cap", Candidates: cands}, nil
		}
		pt := eligible[chosen]
		return Owner{Kind: OwnerPartner, ID: pt.ID, PartnerID: pt.ID}, "", Step{
			Reason:     fmt.Sprintf("country %s is outside the home country %s: %s among %d partner(s) of that territory", lead.Country, p.HomeCountry, r.Strategy, len(eligible)),
			Candidates: cands, Chosen: pt.ID}, nil

	case ActionAssignQueue:
		users := dir.QueueUsers[r.Queue]
		if len(users) == 0 {
			return Owner{Kind: OwnerQueue, ID: r.Queue}, "", Step{Reason: "queue " + r.Queue + " has no users: the lead waits in the queue", Chosen: r.Queue}, nil
		}
		weights := make([]int, len(users))
		caps := make([]int, len(users))
		for i := range users {
			weights[i], caps[i] = 1, r.DailyCap
		}
		chosen, _, err := pick(ctx, rot, "rule:"+r.ID+":"+r.Queue, users, weights, caps)
		if err != nil {
			return Owner{}, "", Step{}, err
		}
		if chosen < 0 {
			return Owner{Kind: OwnerQueue, ID: r.Queue}, "", Step{Reason: "every user of " + r.Queue + " reached the daily cap: the lead waits in the queue", Chosen: r.Queue}, nil
		}
		var cands []Candidate
		if trace {
			for i, u := range users {
				c := Candidate{ID: u}
				if i != chosen {
					c.Skipped = "not their turn (round robin)"
				}
				cands = append(cands, c)
			}
		}
		return Owner{Kind: OwnerUser, ID: users[chosen]}, "", Step{Reason: "round robin among the " + r.Queue + " queue's users", Candidates: cands, Chosen: users[chosen]}, nil
	}
	return Owner{}, "", Step{}, fmt.Errorf("unknown action %q", r.Action)
}

func capOf(r *Rule, p Partner) int {
	if r.DailyCap > 0 {
		return r.DailyCap
	}
	return p.DailyCap
}

// pick chooses among ids by rotation position: round robin over the
// weighted sequence (each id appears weight times, interleaved smoothly),
// skipping ids at their daily cap. It returns -1 when all are capped.
func pick(ctx context.Context, rot Rotation, key string, ids []string, weights, caps []int) (int, map[int]string, error) {
	seq := weightedSequence(weights)
	var skipped map[int]string
	for attempt := 0; attempt < len(seq); attempt++ {
		pos, err := rot.Next(ctx, key)
		if err != nil {
			return -1, nil, err
		}
		i := seq[int(pos%int64(len(seq)))]
		if caps[i] > 0 {
			n, err := rot.AssignedToday(ctx, key, ids[i])
			if err != nil {
				return -1, nil, err
			}
			if n >= caps[i] {
				if skipped == nil {
					skipped = map[int]string{}
				}
				skipped[i] = fmt.Sprintf("daily cap %d reached", caps[i])
				if len(skipped) == len(ids) {
					return -1, skipped, nil
				}
				continue
			}
			if err := rot.Record(ctx, key, ids[i]); err != nil {
				return -1, nil, err
			}
		}
		return i, skipped, nil
	}
	return -1, skipped, nil
}

// weightedSequence is the smooth weighted round-robin order over indexes
// 0..len(weights)-1: each index appears weights[i] times per cycle, spread
// out (weights 2,1 give 0,1,0). Equal weights give 0,1,…,k-1.
func weightedSequence(weights []int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	current := make([]int, len(weights))
	seq := make([]int, 0, total)
	for n := 0; n < total; n++ {
		best := 0
		for i, w := range weights {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		seq = append(seq, best)
	}
	return seq
}
