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
	TimeZone  string   `json:"time_zone"`
}

func (s *Server) createPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req partnerRequest
	decodeErr := DecodeJSON(r, &req)
	in := leadrouter.NewPartner{Name: req.Name, PID: req.PID, Countries: req.Countries,
		Domains: req.Domains, Tier: req.Tier, PAMUserID: req.PAMUserID, Weight: req.Weight, DailyCap: req.DailyCap, TimeZone: req.TimeZone}
	if decodeErr != nil {
		// Values of the wrong type: list them with every other offending
		// field, in one 422.
		return mergeInvalid(decodeErr, s.admin.ValidateNewPartner(r.Context(), &in))
	}
	var p leadrouter.Partner
	var err error
	p, err = s.admin.CreatePartner(r.Context(), actor, in)
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
	if page, err = s.admin.Partners(r.Context(), actor, limit, cursor); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var p leadrouter.Partner
	var err error
	if p, err = s.admin.Partner(r.Context(), actor, r.PathValue("id")); err != nil {
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
	TimeZone  *string                   `json:"time_zone"`
}

func (s *Server) patchPartner(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req partnerPatch
	decodeErr := DecodeJSON(r, &req)
	upd := leadrouter.PartnerUpdate{
		Name: req.Name, Status: req.Status, Tier: req.Tier, PAMUserID: req.PAMUserID, Countries: req.Countries, Weight: req.Weight, DailyCap: req.DailyCap, TimeZone: req.TimeZone}
	if decodeErr != nil {
		return mergeInvalid(decodeErr, s.admin.ValidatePartnerUpdate(r.Context(), &upd))
	}
	var p leadrouter.Partner
	var err error
	if p, err = s.admin.UpdatePartner(r.Context(), actor, r.PathValue("id"), upd); err != nil {
		return err
	}
	s.partnersChanged()
	WriteJSON(w, http.StatusOK, p)
	return nil
}
