package httpapi

import (
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
)

// searchResponse is what GET /api/v1/search answers.
type searchResponse struct {
	Items []lookup.SearchResult `json:"items"`
}

// mountSearch registers the support desk's one search box (W9): leads,
// contacts, accounts and registrations by name, e-mail, company, phone or
// domain, with the visibility of each list.
func (s *Server) mountSearch() {
	s.Document("GET /api/v1/search", Doc{Summary: "Search leads, contacts, accounts and registrations by name, e-mail, company, phone or domain; each result names its owner and, for staff, how to reach them (the owner's e-mail, the partner's PAM)",
		Query:    []Param{{Name: "q", Description: "what to look for (2 to 200 characters)", Required: true}},
		Response: searchResponse{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		q := strings.TrimSpace(r.URL.Query().Get("q"))
		if n := len([]rune(q)); n < 2 || n > 200 {
			var v leadrouter.Validation
			v.Add("q", "must be 2 to 200 characters")
			return v.Err()
		}
		items, err := s.lookup.Search(r.Context(), actor, q)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Lead != nil && !it.Redacted {
				RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, NewLeadView(actor, *it.Lead))
			}
		}
		if items == nil {
			items = []lookup.SearchResult{}
		}
		WriteJSON(w, http.StatusOK, searchResponse{Items: items})
		return nil
	})
}
