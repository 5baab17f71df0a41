package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/conflict"
	"github.com/leadrouter/leadrouter/store"
)

type resolveConflictRequest struct {
	OwnerPartnerID string `json:"owner_partner_id"`
	Reason         string `json:"reason"`
}

// MountConflicts registers the channel conflicts (SPEC W14).
func (s *Server) MountConflicts(svc *conflict.Service) {
	s.Document("GET /api/v1/conflicts", Doc{Summary: "Channel conflicts: every claim and why it did or did not prevail (relations, admin, support; a PAM those of its partners)",
		Query:    pageQuery(Param{Name: "status", Description: "open or resolved (default: all)", Enum: []string{"open", "resolved"}}),
		Response: store.Page[leadrouter.Conflict]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/conflicts", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "cfl")
		if err != nil {
			return err
		}
		page, err := svc.List(r.Context(), actor, leadrouter.ConflictStatus(r.URL.Query().Get("status")), limit, cursor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, page)
		return nil
	}, conflict.ListRoles...)

	s.Document("POST /api/v1/conflicts/{id}/resolve", Doc{Summary: "Resolve a conflict, giving the lead to one of the claimants if named (reason required)",
		Body: resolveConflictRequest{}, Response: leadrouter.Conflict{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/conflicts/{id}/resolve", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req resolveConflictRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		c, err := svc.Resolve(r.Context(), actor, r.PathValue("id"), conflict.ResolveInput{OwnerPartnerID: req.OwnerPartnerID, Reason: req.Reason})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, c)
		return nil
	}, conflict.ResolveRoles...)
}
