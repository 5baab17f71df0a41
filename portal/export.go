package portal

import (
	"net/http"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/store"
)

// Each list page links to its CSV: the same rows and fields the API's CSV
// export gives the signed-in user (Accept: text/csv on the list), with the
// same visibility and redaction, streamed.

const exportPage = 200

func (p *Portal) exportLeads(w http.ResponseWriter, r *http.Request, s *session) error {
	f := leadrouter.LeadFilter{Limit: exportPage}
	if s.actor.Is(leadrouter.RoleSales) {
		f.Owner = s.actor.UserID
	}
	return httpapi.StreamCSV(w, "leads.csv", "", func(cursor string) (httpapi.CSVPage[httpapi.LeadView], error) {
		f.Cursor = cursor
		page, names, err := p.cfg.Lookup.Leads(r.Context(), s.actor, f)
		if err != nil {
			return httpapi.CSVPage[httpapi.LeadView]{}, err
		}
		out := httpapi.CSVPage[httpapi.LeadView]{NextCursor: page.NextCursor}
		for _, l := range page.Items {
			v := httpapi.NewLeadView(s.actor, l)
			v.OwnerName = names.Owner(l.Owner)
			out.Items = append(out.Items, v)
		}
		httpapi.RecordLeadReads(p.cfg.ReadLog, s.actor, store.ChannelExport, store.ReadKindLead, out.Items...)
		return out, nil
	})
}

func (p *Portal) exportOpportunities(w http.ResponseWriter, r *http.Request, s *session) error {
	f := store.OpportunityFilter{Limit: exportPage}
	return httpapi.StreamCSV(w, "opportunities.csv", "", func(cursor string) (httpapi.CSVPage[httpapi.OpportunityView], error) {
		f.Cursor = cursor
		page, leads, _, err := p.cfg.Lookup.Opportunities(r.Context(), s.actor, f)
		if err != nil {
			return httpapi.CSVPage[httpapi.OpportunityView]{}, err
		}
		out := httpapi.CSVPage[httpapi.OpportunityView]{NextCursor: page.NextCursor}
		for _, o := range page.Items {
			out.Items = append(out.Items, httpapi.NewOpportunityView(s.actor, o, leads[o.ID]))
		}
		httpapi.RecordOpportunityReads(p.cfg.ReadLog, s.actor, store.ChannelExport, out.Items...)
		return out, nil
	})
}

func (p *Portal) exportAssignments(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Assignments == nil {
		return errUnavailable("assignments")
	}
	f := store.AssignmentFilter{Limit: exportPage}
	return httpapi.StreamCSV(w, "assignments.csv", "", func(cursor string) (httpapi.CSVPage[leadrouter.Assignment], error) {
		f.Cursor = cursor
		page, err := p.cfg.Assignments.List(r.Context(), s.actor, f)
		return httpapi.CSVPage[leadrouter.Assignment]{Items: page.Items, NextCursor: page.NextCursor}, err
	})
}

func (p *Portal) exportRegistrations(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return errUnavailable("registrations")
	}
	f := store.RegistrationFilter{Limit: exportPage}
	at := time.Now().UTC()
	return httpapi.StreamCSVLike(w, "registrations.csv", "", httpapi.NewRegistrationView(s.actor, leadrouter.Registration{}, at),
		func(cursor string) (httpapi.CSVPage[any], error) {
			f.Cursor = cursor
			page, err := p.cfg.Registrations.List(r.Context(), s.actor, f)
			out := httpapi.CSVPage[any]{NextCursor: page.NextCursor}
			for _, reg := range page.Items {
				out.Items = append(out.Items, httpapi.NewRegistrationView(s.actor, reg, at))
			}
			return out, err
		})
}
