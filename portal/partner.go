package portal

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/tracking"
)

// monthStats is one row of the partner dashboard.
type monthStats struct {
	Month     string
	Clicks    int64
	Leads     int64
	HandedOff int64
}

type dashboardData struct {
	Partner  leadrouter.Partner
	Months   []monthStats
	Total    monthStats
	HasOpps  bool
	LinkHint string
	// Charts draw the months: clicks, leads, hand-offs, won amount.
	Charts []chart
}

// dashboardMonths is how far back the dashboard looks.
const dashboardMonths = 12

// dashboard shows the partner's clicks, attributed leads and opportunities
// handed off, by month.
func (p *Portal) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	if !s.actor.IsPartner() {
		return leadrouter.Errorf(leadrouter.EFORBIDDEN, "The dashboard is for partner users.")
	}
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(dashboardMonths - 1), 0)
	var data dashboardData
	byMonth := map[string]*monthStats{}
	for i := 0; i < dashboardMonths; i++ {
		m := first.AddDate(0, i, 0).Format("2006-01")
		data.Months = append(data.Months, monthStats{Month: m})
	}
	for i := range data.Months {
		byMonth[data.Months[i].Month] = &data.Months[i]
	}
	d, err := p.cfg.Lookup.Dashboard(ctx, s.actor, first)
	if err != nil {
		return err
	}
	data.Partner, data.HasOpps = d.Partner, true
	for _, c := range d.Clicks {
		if len(c.Day) >= 7 {
			if m := byMonth[c.Day[:7]]; m != nil {
				m.Clicks += c.Count
			}
		}
	}
	for month, n := range d.Leads {
		if m := byMonth[month]; m != nil {
			m.Leads += n
		}
	}
	for month, n := range d.HandedOff {
		if m := byMonth[month]; m != nil {
			m.HandedOff += n
		}
	}
	// The charts, oldest month first.
	wd := p.wordsFor(r, s)
	months := make([]string, len(data.Months))
	clicks, leads, handed := make([]float64, len(months)), make([]float64, len(months)), make([]float64, len(months))
	for i, m := range data.Months {
		months[i], clicks[i], leads[i], handed[i] = m.Month, float64(m.Clicks), float64(m.Leads), float64(m.HandedOff)
	}
	data.Charts = []chart{
		barChart("clicks", wd.T("Clicks on your links"), months, clicks, countFormat),
		barChart("leads", wd.T("Leads credited to you"), months, leads, countFormat),
		barChart("handoffs", wd.T("Opportunities handed off to you"), months, handed, countFormat),
	}
	if p.cfg.Assignments != nil {
		perf, err := p.cfg.Assignments.Performance(ctx, s.actor, s.actor.PartnerID, first, now.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		currency, won := wonByMonth(perf, months)
		if currency == "" {
			data.Charts = append(data.Charts, barChart("won", wd.T("Deals won (none yet)"), months, won, amountFormat))
		} else {
			data.Charts = append(data.Charts, barChart("won", wd.T("Deals won, in %s", currency), months, won, amountFormat))
		}
	}
	// The table: newest month first.
	sort.SliceStable(data.Months, func(i, j int) bool { return data.Months[i].Month > data.Months[j].Month })
	for _, m := range data.Months {
		data.Total.Clicks += m.Clicks
		data.Total.Leads += m.Leads
		data.Total.HandedOff += m.HandedOff
	}
	p.render(w, r, s, http.StatusOK, "dashboard", "Dashboard", data, nil)
	return nil
}

type linkData struct {
	PID     string
	URL     string
	Link    string
	Snippet string
	Hosts   []string
	// Suspended hides the form: the partner is suspended and its links
	// record nothing (the page shows why instead).
	Suspended bool
}

// links is the link builder: a page URL in, the URL with the partner's PID
// and an HTML snippet out. It is a GET form: nothing changes. A suspended
// partner gets the reason instead of a link (409, as the API answers).
func (p *Portal) links(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	partner, err := p.cfg.Admin.Partner(ctx, s.actor, s.actor.PartnerID)
	if err != nil {
		return err
	}
	data := linkData{PID: string(partner.PID), URL: r.URL.Query().Get("url"), Hosts: p.cfg.SiteHosts}
	if err := httpapi.LinksRecord(partner); err != nil {
		data.Suspended = true
		p.render(w, r, s, statusOf(err), "links", "Link builder", data, err)
		return nil
	}
	var formErr error
	status := http.StatusOK
	if data.URL != "" {
		data.Link, data.Snippet, formErr = tracking.BuildLink(data.URL, data.PID, p.cfg.SiteHosts)
		if formErr != nil {
			status = statusOf(formErr)
		}
	}
	p.render(w, r, s, status, "links", "Link builder", data, formErr)
	return nil
}

// wonByMonth is the amount won each month in the currency most was won in
// ("" when nothing was won).
func wonByMonth(perf assignment.Performance, months []string) (string, []float64) {
	totals := map[string]float64{}
	for _, m := range perf.ByMonth {
		for _, a := range m.WonAmount {
			f, _ := strconv.ParseFloat(a.Decimal(), 64)
			totals[a.Currency] += f
		}
	}
	currency := ""
	for c, t := range totals {
		if currency == "" || t > totals[currency] || (t == totals[currency] && c < currency) {
			currency = c
		}
	}
	out := make([]float64, len(months))
	for _, m := range perf.ByMonth {
		for i, month := range months {
			if m.Month != month {
				continue
			}
			for _, a := range m.WonAmount {
				if a.Currency == currency {
					f, _ := strconv.ParseFloat(a.Decimal(), 64)
					out[i] += f
				}
			}
		}
	}
	return currency, out
}
