package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// RecordLeadReads notes in the read log, for each of views whose contact
// details actor saw unredacted, that it saw them on the record kind (the
// lead itself or its timeline) through channel. Lists record one entry per
// lead shown.
func RecordLeadReads(log *store.ReadLog, actor leadrouter.Actor, channel store.ReadChannel, kind string, views ...LeadView) {
	for _, v := range views {
		if !v.Redacted {
			log.Record(actor, channel, kind, v.ID, v.ID)
		}
	}
}

// RecordOpportunityReads notes in the read log each opportunity of views
// whose contact (its lead's) actor saw unredacted.
func RecordOpportunityReads(log *store.ReadLog, actor leadrouter.Actor, channel store.ReadChannel, views ...OpportunityView) {
	for _, v := range views {
		if !v.Redacted {
			log.Record(actor, channel, store.ReadKindOpportunity, v.ID, v.LeadID)
		}
	}
}

// ReadLog returns the read log the API records contact reads in (nil: it
// records nothing).
func (s *Server) ReadLog() *store.ReadLog { return s.reads }

// mountReads registers an admin's view of a lead's read log.
func (s *Server) mountReads() {
	s.Document("GET /api/v1/leads/{id}/reads", Doc{Summary: "Who read the lead's contact details (admins): the read log, newest first",
		Description: "One entry per time a user saw the lead's name, e-mail or phone unredacted, through the API, the portal or an export " +
			"(kind says on which record: the lead, its timeline or its opportunity). Entries are written in batches about a second after the read. " +
			"Other staff roles get 403, partners 404.",
		Query:    pageQuery(),
		Response: store.Page[store.ContactRead]{}, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/leads/{id}/reads", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		if actor.IsPartner() {
			return leadrouter.Errorf(leadrouter.ENOTFOUND, "Lead not found.")
		}
		if err := actor.Require(leadrouter.RoleAdmin); err != nil {
			return err
		}
		var v leadrouter.Validation
		limit := parseLimit(&v, r.URL.Query().Get("limit"))
		if err := v.Err(); err != nil {
			return err
		}
		page, err := s.lookup.ContactReads(r.Context(), actor, r.PathValue("id"), limit, r.URL.Query().Get("cursor"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, page)
		return nil
	})
}
