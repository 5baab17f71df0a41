package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

type accountRequest struct {
	Name           string   `json:"name"`
	Domains        []string `json:"domains"`
	Country        string   `json:"country"`
	ParentID       string   `json:"parent_id"`
	OwnerPartnerID string   `json:"owner_partner_id"`
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req accountRequest
	decodeErr := DecodeJSON(r, &req)
	in := leadrouter.NewAccount{Name: req.Name, Domains: req.Domains, Country: req.Country,
		ParentID: req.ParentID, OwnerPartnerID: req.OwnerPartnerID}
	if decodeErr != nil {
		// Values of the wrong type: list them with every other offending
		// field, in one 422.
		return mergeInvalid(decodeErr, in.Validate())
	}
	var a leadrouter.Account
	var err error
	if a, err = s.admin.CreateAccount(r.Context(), actor, in); err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	limit, cursor, err := pageParams(r, "acc")
	if err != nil {
		return err
	}
	var page store.Page[leadrouter.Account]
	if page, err = s.admin.Accounts(r.Context(), actor, limit, cursor); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var a leadrouter.Account
	var err error
	if a, err = s.admin.Account(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) accountTimeline(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	events, err := s.admin.AccountTimeline(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": timelineItems(events)})
	return nil
}

// TimelineItem is one event as the API shows it.
type TimelineItem struct {
	At    string `json:"at"`
	Type  string `json:"type"`
	Actor string `json:"actor"`
	// ActorName is the actor's name, for staff (see Names).
	ActorName string `json:"actor_name,omitempty"`
	Data      any    `json:"data"`
	N         int64  `json:"n"`
	Hash      string `json:"hash"`
}

func timelineItems(events []leadrouter.Event) []TimelineItem {
	out := make([]TimelineItem, 0, len(events))
	for _, e := range events {
		out = append(out, TimelineItem{At: e.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Type: e.Type, Actor: e.Actor, Data: e.Data, N: e.N, Hash: e.Hash})
	}
	return out
}
