package httpapi

import (
	"net/http"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/store"
)

// registrationRequest is all a partner may set on a registration: no id,
// flag, status, owner or expiry (the conflict search decides those).
type registrationRequest struct {
	Company      string `json:"company"`
	Domain       string `json:"domain"`
	Country      string `json:"country"`
	ContactEmail string `json:"contact_email"`
	Note         string `json:"note"`
}

// reasonRequest carries the reason of a decision or an extension request.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// RegistrationView is a registration as its partner sees it: the flag, the
// status, the reasons (which name no other partner and no contact) and the
// expiry. The contact e-mail the partner gave is kept for staff only.
type RegistrationView struct {
	ID                 string                          `json:"id"`
	Flag               leadrouter.RegistrationFlag     `json:"flag"`
	Status             leadrouter.RegistrationStatus   `json:"status"`
	Reasons            []leadrouter.RegistrationReason `json:"reasons"`
	ExpiresAt          *time.Time                      `json:"expires_at"`
	Company            string                          `json:"company"`
	Domain             string                          `json:"domain"`
	Country            string                          `json:"country"`
	Note               string                          `json:"note,omitempty"`
	AccountID          string                          `json:"account_id,omitempty"`
	ExtensionRequested bool                            `json:"extension_requested"`
	Extended           bool                            `json:"extended"`
	DecidedAt          *time.Time                      `json:"decided_at"`
	DecisionReason     string                          `json:"decision_reason,omitempty"`
	CreatedAt          time.Time                       `json:"created_at"`
}

// RegistrationStaffView adds what staff may see: the partner, who
// registered, the contact e-mail given, and the full conflict detail.
type RegistrationStaffView struct {
	RegistrationView
	PartnerID    string                            `json:"partner_id"`
	CreatedBy    string                            `json:"created_by"`
	ContactEmail string                            `json:"contact_email,omitempty"`
	DecidedBy    string                            `json:"decided_by,omitempty"`
	Conflicts    []leadrouter.RegistrationConflict `json:"conflicts"`
}

// NewRegistrationView renders reg for actor as of now: partners get the
// partner view, staff the staff view. An approved registration past its
// expiry shows as expired, and the reasons say what the partner may do
// given the flag and that status.
func NewRegistrationView(actor leadrouter.Actor, reg leadrouter.Registration, now time.Time) any {
	v := RegistrationView{
		ID: reg.ID, Flag: reg.Flag, Status: reg.EffectiveStatus(now), Reasons: registration.PartnerReasons(reg, now), ExpiresAt: reg.ExpiresAt,
		Company: reg.Company, Domain: reg.Domain, Country: reg.Country, Note: reg.Note, AccountID: reg.AccountID,
		ExtensionRequested: reg.ExtensionRequested, Extended: reg.Extended, DecidedAt: reg.DecidedAt,
		DecisionReason: reg.DecisionReason, CreatedAt: reg.CreatedAt,
	}
	if v.Reasons == nil {
		v.Reasons = []leadrouter.RegistrationReason{}
	}
	if !actor.IsStaff() {
		return v
	}
	conflicts := reg.Conflicts
	if conflicts == nil {
		conflicts = []leadrouter.RegistrationConflict{}
	}
	return RegistrationStaffView{RegistrationView: v, PartnerID: reg.PartnerID, CreatedBy: reg.CreatedBy, ContactEmail: reg.ContactEmail,
		DecidedBy: reg.DecidedBy, Conflicts: conflicts}
}

// checkView is the answer of the pre-registration check.
type checkView struct {
	Flag      leadrouter.RegistrationFlag       `json:"flag"`
	Status    leadrouter.RegistrationStatus     `json:"status"`
	Reasons   []leadrouter.RegistrationReason   `json:"reasons"`
	ExpiresAt *time.Time                        `json:"expires_at"`
	PartnerID string                            `json:"partner_id,omitempty"`
	Conflicts []leadrouter.RegistrationConflict `json:"conflicts,omitempty"`
}

// MountRegistrations registers prospect registration (W7): registering,
// the check before registering, lists and reads, Partner Relations'
// approval and rejection, and extension requests.
func (s *Server) MountRegistrations(svc *registration.Service) {
	everyone := append(staffRoles(), leadrouter.RolePartner)
	deciders := []leadrouter.Role{leadrouter.RoleRelations, leadrouter.RoleAdmin}
	now := func() time.Time { return s.db.Now() }

	s.Document("POST /api/v1/registrations", Doc{Summary: "Register a prospect: the conflict search flags it and decides what follows",
		Body: registrationRequest{}, Success: []int{http.StatusCreated}, Response: RegistrationView{},
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/registrations", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req registrationRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		reg, err := svc.Register(r.Context(), actor, registration.Input{Company: req.Company, Domain: req.Domain, Country: req.Country,
			ContactEmail: req.ContactEmail, Note: req.Note})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/registrations/"+reg.ID)
		WriteJSON(w, http.StatusCreated, NewRegistrationView(actor, reg, now()))
		return nil
	}, leadrouter.RolePartner)

	s.Document("GET /api/v1/registrations/check", Doc{Summary: "Check a prospect before registering it: the flag it would get and why",
		Query: []Param{{Name: "company", Description: "the company's name"}, {Name: "domain", Description: "the company's domain"},
			{Name: "contact_email", Description: "the contact's e-mail"},
			{Name: "partner_id", Description: "staff: check as this partner would register"}},
		Response: checkView{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/registrations/check", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		q := r.URL.Query()
		res, err := svc.Check(r.Context(), actor, registration.CheckInput{Company: q.Get("company"), Domain: q.Get("domain"),
			ContactEmail: q.Get("contact_email"), PartnerID: q.Get("partner_id")})
		if err != nil {
			return err
		}
		v := checkView{Flag: res.Flag, Status: res.Status, Reasons: res.Reasons, ExpiresAt: res.ExpiresAt}
		if actor.IsStaff() {
			v.PartnerID, v.Conflicts = res.PartnerID, res.Conflicts
			if v.Conflicts == nil {
				v.Conflicts = []leadrouter.RegistrationConflict{}
			}
		}
		WriteJSON(w, http.StatusOK, v)
		return nil
	}, everyone...)

	s.Document("GET /api/v1/registrations", Doc{Summary: "List the registrations the caller may see, newest first",
		Description: "Partners get each registration's partner view (RegistrationView), staff the staff view.",
		Query: pageQuery(
			Param{Name: "status", Description: "only registrations in this (effective) status", Enum: []string{string(leadrouter.RegistrationPending), string(leadrouter.RegistrationApproved), string(leadrouter.RegistrationRejected), string(leadrouter.RegistrationExpired)}},
			Param{Name: "partner_id", Description: "staff: only this partner's registrations"},
			Param{Name: "extension", Description: "requested: only registrations whose extension waits for a decision", Enum: []string{"requested"}}),
		Response: store.Page[RegistrationStaffView]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/registrations", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "reg")
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := store.RegistrationFilter{Status: leadrouter.RegistrationStatus(q.Get("status")), PartnerID: q.Get("partner_id"), Limit: limit, Cursor: cursor}
		switch q.Get("extension") {
		case "":
		case "requested":
			f.ExtensionRequested = true
		default:
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "extension", Message: "must be requested"}}}
		}
		at := now()
		fetch := func(cursor string) (CSVPage[any], error) {
			f.Cursor = cursor
			page, err := svc.List(r.Context(), actor, f)
			if err != nil {
				return CSVPage[any]{}, err
			}
			items := make([]any, 0, len(page.Items))
			for _, reg := range page.Items {
				items = append(items, NewRegistrationView(actor, reg, at))
			}
			return CSVPage[any]{Items: items, NextCursor: page.NextCursor}, nil
		}
		if WantsCSV(r) {
			f.Limit = csvPageSize
			return StreamCSVLike(w, "registrations.csv", cursor, NewRegistrationView(actor, leadrouter.Registration{}, at), fetch)
		}
		page, err := fetch(cursor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"items": page.Items, "next_cursor": page.NextCursor})
		return nil
	}, everyone...)

	s.Document("GET /api/v1/registrations/{id}", Doc{Summary: "Read a registration (partners get the partner view)",
		Response: RegistrationStaffView{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/registrations/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		reg, err := svc.Get(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, NewRegistrationView(actor, reg, now()))
		return nil
	}, everyone...)

	s.Document("GET /api/v1/registrations/{id}/timeline", Doc{Summary: "A registration's timeline of events: {registration_id, items}",
		Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/registrations/{id}/timeline", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		events, err := svc.Timeline(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"registration_id": r.PathValue("id"), "items": timelineItems(events)})
		return nil
	}, staffRoles()...)

	decide := func(fn func(r *http.Request, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error)) HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
			var req reasonRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			reg, err := fn(r, actor, r.PathValue("id"), req.Reason)
			if err != nil {
				return err
			}
			WriteJSON(w, http.StatusOK, NewRegistrationView(actor, reg, now()))
			return nil
		}
	}
	s.Document("POST /api/v1/registrations/{id}/approve", Doc{Summary: "Approve a pending registration or its extension request",
		Body: reasonRequest{}, Response: RegistrationStaffView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/registrations/{id}/approve", decide(func(r *http.Request, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
		return svc.Approve(r.Context(), actor, id, reason)
	}), deciders...)
	s.Document("POST /api/v1/registrations/{id}/reject", Doc{Summary: "Reject a pending registration or its extension request",
		Body: reasonRequest{}, Response: RegistrationStaffView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/registrations/{id}/reject", decide(func(r *http.Request, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
		return svc.Reject(r.Context(), actor, id, reason)
	}), deciders...)
	s.Document("POST /api/v1/registrations/{id}/extend", Doc{Summary: "Ask for the one extension of an approved registration",
		Body: reasonRequest{}, Response: RegistrationView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/registrations/{id}/extend", decide(func(r *http.Request, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
		return svc.RequestExtension(r.Context(), actor, id, reason)
	}), leadrouter.RolePartner)
}
