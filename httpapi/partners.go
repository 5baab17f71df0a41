package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

type partnerRequest struct {
	Name      string   `json:"name"`
	PID       string   `json:"pid"`
	Countries []string `json:"countries"`
	Domains   []string `json:"domains"`
	Tier      string   `json:"tier"`
	PAMUserID string   `json:"pam_user_id"`
	Weight    int      `json:"weight"`
	DailyCap  int      `json:"daily_cap"`
}

func (s *Server) createPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req partnerRequest
	decodeErr := DecodeJSON(r, &req)
	in := leadrouter.NewPartner{Name: req.Name, PID: req.PID, Countries: req.Countries,
		Domains: req.Domains, Tier: req.Tier, PAMUserID: req.PAMUserID, Weight: req.Weight, DailyCap: req.DailyCap}
	if decodeErr != nil {
		// Values of the wrong type: list them with every other offending
		// field, in one 422.
		return mergeInvalid(decodeErr, s.db.View(r.Context(), func(tx *store.Tx) error { return tx.ValidateNewPartner(r.Context(), &in) }))
	}
	var p leadrouter.Partner
	err := s.db.Update(r.Context(), func(tx *store.Tx) error {
		var err error
		p, err = tx.CreatePartner(r.Context(), actor, in)
		return err
	})
	if err != nil {
		return err
	}
	s.partnersChanged()
	WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) partnersChanged() {
	if s.OnPartnersChanged != nil {
		s.OnPartnersChanged()
	}
}

func (s *Server) listPartners(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	limit, cursor, err := pageParams(r, "ptr")
	if err != nil {
		return err
	}
	var page store.Page[leadrouter.Partner]
	if err := s.db.View(r.Context(), func(tx *store.Tx) error {
		page, err = tx.Partners(r.Context(), actor, limit, cursor)
		return err
	}); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var p leadrouter.Partner
	if err := s.db.View(r.Context(), func(tx *store.Tx) error {
		var err error
		p, err = tx.Partner(r.Context(), actor, r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, p)
	return nil
}

type partnerPatch struct {
	Name      *string                   `json:"name"`
	Status    *leadrouter.PartnerStatus `json:"status"`
	Tier      *string                   `json:"tier"`
	PAMUserID *string                   `json:"pam_user_id"`
	Countries *[]string                 `json:"countries"`
	Weight    *int                      `json:"weight"`
	DailyCap  *int                      `json:"daily_cap"`
}

func (s *Server) patchPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req partnerPatch
	decodeErr := DecodeJSON(r, &req)
	upd := leadrouter.PartnerUpdate{
		Name: req.Name, Status: req.Status, Tier: req.Tier, PAMUserID: req.PAMUserID, Countries: req.Countries, Weight: req.Weight, DailyCap: req.DailyCap}
	if decodeErr != nil {
		return mergeInvalid(decodeErr, s.db.View(r.Context(), func(tx *store.Tx) error { return tx.ValidatePartnerUpdate(r.Context(), &upd) }))
	}
	var p leadrouter.Partner
	if err := s.db.Update(r.Context(), func(tx *store.Tx) error {
		var err error
		p, err = tx.UpdatePartner(r.Context(), actor, r.PathValue("id"), upd)
		return err
	}); err != nil {
		return err
	}
	s.partnersChanged()
	WriteJSON(w, http.StatusOK, p)
	return nil
}
