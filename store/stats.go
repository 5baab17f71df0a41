package store

import (
	"context"
	"time"

	"github.com/leadrouter/leadrouter"
)

// MonthCount is a count for one calendar month (UTC, "2006-01").
type MonthCount struct {
	Month string `json:"month"`
	Count int64  `json:"count"`
}

// PartnerStats is a partner's dashboard: clicks on its links by day and by
// month, leads attributed to it and opportunities handed off to it by
// month, over the last Months months (every month listed, zeros included).
type PartnerStats struct {
	PartnerID            string       `json:"partner_id"`
	Months               int          `json:"months"`
	Since                string       `json:"since"`
	ClicksByDay          []DayCount   `json:"clicks_by_day"`
	ClicksByMonth        []MonthCount `json:"clicks_by_month"`
	LeadsByMonth         []MonthCount `json:"attributed_leads_by_month"`
	OpportunitiesByMonth []MonthCount `json:"opportunities_handed_off_by_month"`
	Totals               struct {
		Clicks        int64 `json:"clicks"`
		Leads         int64 `json:"attributed_leads"`
		Opportunities int64 `json:"opportunities_handed_off"`
	} `json:"totals"`
}

// PartnerStats returns partnerID's dashboard if actor may see the partner
// (ENOTFOUND otherwise).
func (tx *Tx) PartnerStats(ctx context.Context, actor leadrouter.Actor, partnerID string, months int) (PartnerStats, error) {
	if _, err := tx.Partner(ctx, actor, partnerID); err != nil {
		return PartnerStats{}, err
	}
	if months <= 0 {
		months = 12
	}
	now := tx.now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(months - 1), 0)
	st := PartnerStats{PartnerID: partnerID, Months: months, Since: first.Format("2006-01-02")}

	clicks, err := tx.Clicks(ctx, partnerID, first)
	if err != nil {
		return st, err
	}
	st.ClicksByDay = clicks
	clicksByMonth := map[string]int64{}
	for _, c := range clicks {
		if len(c.Day) >= 7 {
			clicksByMonth[c.Day[:7]] += c.Count
		}
		st.Totals.Clicks += c.Count
	}
	leads, err := tx.LeadCountSince(ctx, partnerID, first)
	if err != nil {
		return st, err
	}
	handoffs, err := tx.HandoffCountSince(ctx, partnerID, first)
	if err != nil {
		return st, err
	}
	for m := first; !m.After(now); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		st.ClicksByMonth = append(st.ClicksByMonth, MonthCount{key, clicksByMonth[key]})
		st.LeadsByMonth = append(st.LeadsByMonth, MonthCount{key, leads[key]})
		st.OpportunitiesByMonth = append(st.OpportunitiesByMonth, MonthCount{key, handoffs[key]})
		st.Totals.Leads += leads[key]
		st.Totals.Opportunities += handoffs[key]
	}
	return st, nil
}
