package assignment

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Performance is a partner's record over a period: what it received, how
// it answered and how fast, and what became of the deals.
type Performance struct {
	PartnerID   string    `json:"partner_id"`
	PartnerName string    `json:"partner_name"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Totals      PerfCount `json:"totals"`
	// DeclinedByReason counts declines by reason code.
	DeclinedByReason map[string]int `json:"declined_by_reason"`
	// MedianSecondsToAnswer and P90SecondsToAnswer measure accepts and
	// declines from the opening of the assignment (0 with no answers).
	MedianSecondsToAnswer int64       `json:"median_seconds_to_answer"`
	P90SecondsToAnswer    int64       `json:"p90_seconds_to_answer"`
	ByMonth               []PerfMonth `json:"by_month"`
}

// PerfCount is one set of figures.
type PerfCount struct {
	Received  int `json:"received"`
	Accepted  int `json:"accepted"`
	Declined  int `json:"declined"`
	Lapsed    int `json:"lapsed"`
	Withdrawn int `json:"withdrawn"`
	Pending   int `json:"pending"`
	// Converted counts the routed leads received that have converted.
	Converted int `json:"converted"`
	Won       int `json:"won"`
	Lost      int `json:"lost"`
	// WonAmount sums the won deals' amounts, one entry per currency.
	WonAmount []leadrouter.Money `json:"won_amount"`
}

// PerfMonth is the figures of one month ("2006-01"): assignments by the
// month they opened, deals by the month they closed.
type PerfMonth struct {
	Month string `json:"month"`
	PerfCount
}

// Period parses a performance period: from and to are dates (YYYY-MM-DD,
// both days counted); by default the twelve months to today; at most
// three years.
func Period(from, to string, now time.Time) (time.Time, time.Time, error) {
	var v leadrouter.Validation
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			v.Add("to", "must be a date such as 2026-12-31")
		}
		end = t.AddDate(0, 0, 1)
	}
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			v.Add("from", "must be a date such as 2026-01-01")
		}
		start = t
	}
	if len(v.Fields) == 0 && (!start.Before(end) || end.Sub(start) > 3*366*24*time.Hour) {
		v.Add("from", "must be before to, at most three years apart")
	}
	return start, end, v.Err()
}

// Performance is the record of partnerID (one actor may see: a partner its
// own, a PAM its partners', admins and support any) from from to to.
func (s *Service) Performance(ctx context.Context, actor leadrouter.Actor, partnerID string, from, to time.Time) (Performance, error) {
	var out []Performance
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		p, err := tx.Partner(ctx, actor, partnerID)
		if err != nil {
			return err
		}
		out, err = performance(ctx, tx, []leadrouter.Partner{p}, from, to)
		return err
	})
	if err != nil {
		return Performance{}, err
	}
	return out[0], nil
}

// Performances is the record of every partner actor looks after (a PAM its
// partners, admins and support all), one entry a partner.
func (s *Service) Performances(ctx context.Context, actor leadrouter.Actor, from, to time.Time) ([]Performance, error) {
	if !actor.IsStaff() {
		return nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "A partner reads its own performance at /api/v1/partners/{id}/performance.")
	}
	var out []Performance
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		all, err := tx.AllPartners(ctx)
		if err != nil {
			return err
		}
		var mine []leadrouter.Partner
		for _, p := range all {
			if actor.Role != leadrouter.RolePAM || p.PAMUserID == actor.UserID {
				mine = append(mine, p)
			}
		}
		out, err = performance(ctx, tx, mine, from, to)
		return err
	})
	return out, err
}

func performance(ctx context.Context, tx *store.Tx, partners []leadrouter.Partner, from, to time.Time) ([]Performance, error) {
	ids := make([]string, len(partners))
	for i, p := range partners {
		ids[i] = p.ID
	}
	assignments, err := tx.AssignmentsOpened(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	deals, err := tx.DealsClosed(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	var leadIDs []string
	for _, a := range assignments {
		if a.OpportunityID == "" {
			leadIDs = append(leadIDs, a.LeadID)
		}
	}
	statuses, err := tx.LeadStatuses(ctx, leadIDs)
	if err != nil {
		return nil, err
	}
	type acc struct {
		perf    Performance
		months  map[string]*PerfMonth
		answers []int64
	}
	byPartner := map[string]*acc{}
	out := make([]*acc, len(partners))
	for i, p := range partners {
		a := &acc{perf: Performance{PartnerID: p.ID, PartnerName: p.Name, From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly),
			DeclinedByReason: map[string]int{}}, months: map[string]*PerfMonth{}}
		for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
			a.perf.ByMonth = append(a.perf.ByMonth, PerfMonth{Month: m.Format("2006-01")})
		}
		for j := range a.perf.ByMonth {
			a.months[a.perf.ByMonth[j].Month] = &a.perf.ByMonth[j]
		}
		byPartner[p.ID], out[i] = a, a
	}
	for _, as := range assignments {
		a := byPartner[as.PartnerID]
		if a == nil {
			continue
		}
		counts := []*PerfCount{&a.perf.Totals}
		if m := a.months[as.OpenedAt.Format("2006-01")]; m != nil {
			counts = append(counts, &m.PerfCount)
		}
		for _, c := range counts {
			c.Received++
			switch as.Status {
			case leadrouter.AssignmentAccepted:
				c.Accepted++
			case leadrouter.AssignmentDeclined:
				c.Declined++
			case leadrouter.AssignmentLapsed:
				c.Lapsed++
			case leadrouter.AssignmentWithdrawn:
				c.Withdrawn++
			case leadrouter.AssignmentPending:
				c.Pending++
			}
			if as.OpportunityID == "" && statuses[as.LeadID] == leadrouter.StatusConverted {
				c.Converted++
			}
		}
		if as.Status == leadrouter.AssignmentDeclined {
			a.perf.DeclinedByReason[as.Reason]++
		}
		if (as.Status == leadrouter.AssignmentAccepted || as.Status == leadrouter.AssignmentDeclined) && as.AnsweredAt != nil {
			a.answers = append(a.answers, int64(as.AnsweredAt.Sub(as.OpenedAt).Seconds()))
		}
	}
	for _, o := range deals {
		a := byPartner[o.PartnerID]
		if a == nil || o.Deal.ClosedAt == nil {
			continue
		}
		counts := []*PerfCount{&a.perf.Totals}
		if m := a.months[o.Deal.ClosedAt.Format("2006-01")]; m != nil {
			counts = append(counts, &m.PerfCount)
		}
		for _, c := range counts {
			if o.Status == leadrouter.OppWon {
				c.Won++
				if o.Deal.Value != nil {
					c.WonAmount = addAmount(c.WonAmount, *o.Deal.Value)
				}
			} else {
				c.Lost++
			}
		}
	}
	result := make([]Performance, len(out))
	for i, a := range out {
		slices.Sort(a.answers)
		a.perf.MedianSecondsToAnswer, a.perf.P90SecondsToAnswer = percentile(a.answers, 50), percentile(a.answers, 90)
		a.perf.Totals.WonAmount = nonNil(a.perf.Totals.WonAmount)
		for j := range a.perf.ByMonth {
			a.perf.ByMonth[j].WonAmount = nonNil(a.perf.ByMonth[j].WonAmount)
		}
		result[i] = a.perf
	}
	return result, nil
}

// addAmount adds m to the sum of its currency.
func addAmount(sums []leadrouter.Money, m leadrouter.Money) []leadrouter.Money {
	for i := range sums {
		if sums[i].Currency == m.Currency {
			if sum, err := sums[i].Add(m); err == nil {
				sums[i] = sum
			}
			return sums
		}
	}
	sums = append(sums, m)
	sort.Slice(sums, func(i, j int) bool { return sums[i].Currency < sums[j].Currency })
	return sums
}

func nonNil(m []leadrouter.Money) []leadrouter.Money {
	if m == nil {
		return []leadrouter.Money{}
	}
	return m
}

// percentile is the p-th percentile of sorted values (nearest rank), 0
// for none.
func percentile(sorted []int64, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}
