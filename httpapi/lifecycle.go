package httpapi

import (
	"net/http"
	"strconv"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
)

// ContactView is a person's contact details as one actor may see them:
// the fields stay null, with Redacted set, unless
// leadrouter.ContactVisibleTo allows them (decided once, by NewLeadView).
type ContactView struct {
	ID        string  `json:"id,omitempty"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	Redacted  bool    `json:"redacted"`
}

// contactOf is the contact part of a lead view.
func contactOf(id string, lv LeadView) ContactView {
	return ContactView{ID: id, FirstName: lv.FirstName, LastName: lv.LastName, Email: lv.Email, Phone: lv.Phone, Redacted: lv.Redacted}
}

// OpportunityView is an opportunity as the API shows it to one actor: with
// its lead's view (company, country, status) and the lead's contact,
// redacted exactly as the lead is. Partners never see another partner's
// reservation, the PAM or an admin's override reason.
type OpportunityView struct {
	ID                string                       `json:"id"`
	LeadID            string                       `json:"lead_id"`
	AccountID         string                       `json:"account_id"`
	ContactID         string                       `json:"contact_id"`
	Name              string                       `json:"name"`
	Amount            *float64                     `json:"amount"`
	Status            leadrouter.OpportunityStatus `json:"status"`
	ReservedPartnerID string                       `json:"reserved_partner_id"`
	PartnerID         string                       `json:"partner_id"`
	PAMUserID         string                       `json:"pam_user_id,omitempty"`
	OverrideReason    string                       `json:"override_reason,omitempty"`
	Company           string                       `json:"company"`
	Country           string                       `json:"country"`
	Contact           ContactView                  `json:"contact"`
	Redacted          bool                         `json:"redacted"`
	CreatedAt         string                       `json:"created_at"`
	HandedOffAt       *string                      `json:"handed_off_at"`
	// Deal is the partner's account of the deal after the hand-off.
	Deal leadrouter.Deal `json:"deal"`
	Lead LeadView        `json:"lead"`
}

// NewOpportunityView builds the view of o (converted from l) for actor.
func NewOpportunityView(actor leadrouter.Actor, o leadrouter.Opportunity, l leadrouter.Lead) OpportunityView {
	lv := NewLeadView(actor, l)
	v := OpportunityView{
		ID: o.ID, LeadID: o.LeadID, AccountID: o.AccountID, ContactID: o.ContactID, Name: o.Name, Amount: o.Amount, Status: o.Status,
		ReservedPartnerID: o.ReservedPartnerID, PartnerID: o.PartnerID, PAMUserID: o.PAMUserID, OverrideReason: o.OverrideReason,
		Company: l.Company, Country: l.Country, Contact: contactOf(o.ContactID, lv), Redacted: lv.Redacted,
		CreatedAt: o.CreatedAt.UTC().Format(timeFormat), Lead: lv, Deal: o.Deal,
	}
	if o.HandedOffAt != nil {
		t := o.HandedOffAt.UTC().Format(timeFormat)
		v.HandedOffAt = &t
	}
	if actor.IsPartner() {
		// Which partner referred the lead is that partner's business: a
		// partner handed another's referral (an admin's override) does not
		// see the referrer's PID.
		if l.CreditedPartnerID != actor.PartnerID {
			v.Lead.CreditedPID, v.Lead.AttributionModel = "", ""
		}
		if v.ReservedPartnerID != actor.PartnerID {
			v.ReservedPartnerID = ""
		}
		if v.PartnerID != actor.PartnerID {
			v.PartnerID = ""
		}
		v.PAMUserID, v.OverrideReason = "", ""
	}
	return v
}

// ReassignmentView is a reassignment request as its requester sees it.
type ReassignmentView struct {
	ID         string                        `json:"id"`
	LeadID     string                        `json:"lead_id"`
	PartnerID  string                        `json:"partner_id"`
	Reason     string                        `json:"reason"`
	Status     leadrouter.ReassignmentStatus `json:"status"`
	CreatedAt  string                        `json:"created_at"`
	ResolvedAt *string                       `json:"resolved_at"`
	NewOwner   leadrouter.Owner              `json:"new_owner"`
}

func newReassignmentView(r leadrouter.ReassignmentRequest) ReassignmentView {
	v := ReassignmentView{ID: r.ID, LeadID: r.LeadID, PartnerID: r.PartnerID, Reason: r.Reason, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC().Format(timeFormat), NewOwner: r.NewOwner}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC().Format(timeFormat)
		v.ResolvedAt = &t
	}
	return v
}

// partnerRef names a partner in the admins' queue.
type partnerRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// reassignmentQueueItem is a request in the admins' queue: who asked, the
// lead's contact and the partner giving it up and the lead's current one.
type reassignmentQueueItem struct {
	ReassignmentView
	RequestedBy    string                `json:"requested_by"`
	ResolvedBy     string                `json:"resolved_by,omitempty"`
	Contact        ContactView           `json:"contact"`
	Company        string                `json:"company"`
	Country        string                `json:"country"`
	LeadStatus     leadrouter.LeadStatus `json:"lead_status"`
	Owner          leadrouter.Owner      `json:"owner"`
	Partner        *partnerRef           `json:"partner"`
	CurrentPartner *partnerRef           `json:"current_partner"`
}

// qualifyRequest is the body of POST /api/v1/leads/{id}/qualify.
type qualifyRequest struct {
	ConsentShare *bool  `json:"consent_share"`
	ConsentText  string `json:"consent_text"`
	Note         string `json:"note"`
}

// consentRequest is the body of POST /api/v1/leads/{id}/consent.
type consentRequest struct {
	Share  *bool  `json:"share"`
	Text   string `json:"text"`
	Source string `json:"source"`
}

// convertRequest is the body of POST /api/v1/leads/{id}/convert.
type convertRequest struct {
	OpportunityName string   `json:"opportunity_name"`
	Amount          *float64 `json:"amount"`
}

// ownerRequest is the body of POST /api/v1/leads/{id}/owner.
type ownerRequest struct {
	OwnerID string `json:"owner_id"`
	Reason  string `json:"reason"`
}

// reassignmentRequestBody is the body of POST
// /api/v1/leads/{id}/reassignment-requests.
type reassignmentRequestBody struct {
	Reason string `json:"reason"`
	// PartnerID is read only from the support desk (filing on a
	// partner's behalf); a partner's request names its own.
	PartnerID string `json:"partner_id"`
}

// resolveRequest is the body of POST
// /api/v1/reassignment-requests/{id}/resolve.
type resolveRequest struct {
	OwnerID string `json:"owner_id"`
}

// handoffRequest is the body of POST /api/v1/opportunities/{id}/handoff.
type handoffRequest struct {
	PartnerID      string `json:"partner_id"`
	OverrideReason string `json:"override_reason"`
}

// MountLifecycle registers the lifecycle routes (W5, W6, W8 and the
// partner dashboard's stats).
func (s *Server) MountLifecycle(svc *lifecycle.Service) {
	s.Document("POST /api/v1/leads/{id}/qualify", Doc{Summary: "Qualify an open lead (recording consent to share when given)",
		Body: qualifyRequest{}, Response: LeadView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/qualify", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req qualifyRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		l, err := svc.Qualify(r.Context(), actor, r.PathValue("id"), lifecycle.QualifyInput{
			ConsentShare: req.ConsentShare, ConsentText: req.ConsentText, Note: req.Note, IP: clientip.Addr(r)})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.namedLeadView(r.Context(), actor, l))
		return nil
	}, lifecycle.QualifyRoles...)

	s.Document("POST /api/v1/leads/{id}/disqualify", Doc{Summary: "Disqualify an open lead, with a reason",
		Body: reasonRequest{}, Response: LeadView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/disqualify", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req reasonRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		l, err := svc.Disqualify(r.Context(), actor, r.PathValue("id"), req.Reason)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.namedLeadView(r.Context(), actor, l))
		return nil
	}, lifecycle.QualifyRoles...)

	s.Document("POST /api/v1/leads/{id}/consent", Doc{Summary: "Record (or withdraw) the prospect's consent to be shared with a partner",
		Body: consentRequest{}, Success: []int{http.StatusCreated}, Response: LeadView{},
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/consent", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req consentRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		l, err := svc.RecordConsent(r.Context(), actor, r.PathValue("id"), lifecycle.ConsentInput{
			Share: req.Share, Text: req.Text, Source: req.Source, IP: clientip.Addr(r)})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, s.namedLeadView(r.Context(), actor, l))
		return nil
	}, lifecycle.ConsentRoles...)

	s.Document("GET /api/v1/leads/{id}/consents", Doc{Summary: "A lead's consent records: {lead_id, current, items}",
		Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/leads/{id}/consents", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		l, items, err := s.lookup.Consents(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"lead_id": l.ID, "current": l.Consent, "items": items})
		return nil
	}, staffRoles()...)

	s.Document("POST /api/v1/leads/{id}/convert", Doc{Summary: "Convert a qualified lead: {opportunity, contact, account, account_reused, contact_reused}",
		Body: convertRequest{}, Success: []int{http.StatusCreated}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/convert", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req convertRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		c, err := svc.Convert(r.Context(), actor, r.PathValue("id"), lifecycle.ConvertInput{OpportunityName: req.OpportunityName, Amount: req.Amount})
		if err != nil {
			return err
		}
		opp := NewOpportunityView(actor, c.Opportunity, c.Lead)
		RecordOpportunityReads(s.reads, actor, store.ChannelAPI, opp)
		w.Header().Set("Location", "/api/v1/opportunities/"+c.Opportunity.ID)
		WriteJSON(w, http.StatusCreated, map[string]any{
			"opportunity": opp, "contact": opp.Contact, "account": c.Account,
			"account_reused": c.AccountReused, "contact_reused": c.ContactReused})
		return nil
	}, lifecycle.QualifyRoles...)

	s.Document("POST /api/v1/leads/{id}/owner", Doc{Summary: "Change a lead's owner (each role within its own scope)",
		Body: ownerRequest{}, Response: LeadView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/owner", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req ownerRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		l, err := svc.ChangeOwner(r.Context(), actor, r.PathValue("id"), lifecycle.ChangeOwnerInput{OwnerID: req.OwnerID, Reason: req.Reason})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, s.namedLeadView(r.Context(), actor, l))
		return nil
	}, lifecycle.OwnerRoles...)

	s.Document("POST /api/v1/leads/{id}/reassignment-requests", Doc{Summary: "Ask to give a lead up (a partner, or the support desk on its behalf)",
		Body: reassignmentRequestBody{}, Success: []int{http.StatusCreated}, Response: ReassignmentView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads/{id}/reassignment-requests", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req reassignmentRequestBody
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		rr, err := svc.RequestReassignment(r.Context(), actor, r.PathValue("id"), lifecycle.ReassignmentInput{Reason: req.Reason, PartnerID: req.PartnerID})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/reassignment-requests/"+rr.ID)
		WriteJSON(w, http.StatusCreated, newReassignmentView(rr))
		return nil
	}, lifecycle.RequestReassignmentRoles...)

	s.Document("GET /api/v1/reassignment-requests", Doc{Summary: "The admins' queue of reassignment requests; the support desk sees the requests it filed",
		Query: pageQuery(Param{Name: "status", Description: "open (the default), resolved or all",
			Enum: []string{string(leadrouter.ReassignmentOpen), string(leadrouter.ReassignmentResolved), "all"}}),
		Response: store.Page[reassignmentQueueItem]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/reassignment-requests", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "rar")
		if err != nil {
			return err
		}
		status := leadrouter.ReassignmentStatus(r.URL.Query().Get("status"))
		switch status {
		case "":
			status = leadrouter.ReassignmentOpen
		case "all":
			status = ""
		case leadrouter.ReassignmentOpen, leadrouter.ReassignmentResolved:
		default:
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "status", Message: "must be open, resolved or all"}}}
		}
		page, err := s.lookup.ReassignmentRequests(r.Context(), actor, status, limit, cursor)
		if err != nil {
			return err
		}
		out := store.Page[reassignmentQueueItem]{Items: make([]reassignmentQueueItem, 0, len(page.Items)), NextCursor: page.NextCursor}
		for _, it := range page.Items {
			lv := NewLeadView(actor, it.Lead)
			RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, lv)
			item := reassignmentQueueItem{ReassignmentView: newReassignmentView(it.Request), RequestedBy: it.Request.RequestedBy,
				ResolvedBy: it.Request.ResolvedBy, Contact: contactOf("", lv), Company: it.Lead.Company, Country: it.Lead.Country,
				LeadStatus: it.Lead.Status, Owner: it.Lead.Owner}
			if it.Request.PartnerID != "" {
				item.Partner = &partnerRef{ID: it.Request.PartnerID, Name: it.PartnerName}
			}
			if it.Lead.Owner.PartnerID != "" {
				item.CurrentPartner = &partnerRef{ID: it.Lead.Owner.PartnerID, Name: it.CurrentPartnerName}
			}
			out.Items = append(out.Items, item)
		}
		WriteJSON(w, http.StatusOK, out)
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RoleSupport)

	s.Document("POST /api/v1/reassignment-requests/{id}/resolve", Doc{Summary: "Resolve a reassignment request: re-route the lead or give it to owner_id; {request, lead}",
		Body: resolveRequest{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/reassignment-requests/{id}/resolve", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req resolveRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		rr, l, err := svc.ResolveReassignment(r.Context(), actor, r.PathValue("id"), lifecycle.ResolveInput{OwnerID: req.OwnerID})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"request": newReassignmentView(rr), "lead": s.namedLeadView(r.Context(), actor, l)})
		return nil
	}, lifecycle.ResolveReassignmentRoles...)

	s.Document("GET /api/v1/opportunities", Doc{Summary: "List the opportunities the caller may see",
		Query: pageQuery(
			Param{Name: "status", Description: "only opportunities in this status", Enum: leadrouter.OpportunityStatusNames()},
			Param{Name: "partner_id", Description: "only opportunities of this partner"},
			Param{Name: "lead_id", Description: "only the opportunity converted from this lead"}),
		Response: store.Page[OpportunityView]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/opportunities", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "opp")
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := store.OpportunityFilter{Status: leadrouter.OpportunityStatus(q.Get("status")), PartnerID: q.Get("partner_id"), LeadID: q.Get("lead_id"), Limit: limit, Cursor: cursor}
		if f.Status != "" && !f.Status.Valid() {
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "status", Message: "must be handoff_pending, handed_off, open, won or lost"}}}
		}
		fetch := func(cursor string, channel store.ReadChannel) (store.Page[OpportunityView], error) {
			f.Cursor = cursor
			page, leads, _, err := s.lookup.Opportunities(r.Context(), actor, f)
			if err != nil {
				return store.Page[OpportunityView]{}, err
			}
			out := store.Page[OpportunityView]{Items: make([]OpportunityView, 0, len(page.Items)), NextCursor: page.NextCursor}
			for _, o := range page.Items {
				out.Items = append(out.Items, NewOpportunityView(actor, o, leads[o.ID]))
			}
			RecordOpportunityReads(s.reads, actor, channel, out.Items...)
			return out, nil
		}
		if WantsCSV(r) {
			f.Limit = csvPageSize
			return StreamCSV(w, "opportunities.csv", cursor, func(c string) (CSVPage[OpportunityView], error) {
				p, err := fetch(c, store.ChannelExport)
				return pageOf(p), err
			})
		}
		out, err := fetch(cursor, store.ChannelAPI)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, out)
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RolePartner)

	s.Document("GET /api/v1/opportunities/{id}", Doc{Summary: "Read an opportunity", Response: OpportunityView{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/opportunities/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		o, l, err := s.lookup.Opportunity(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		v := NewOpportunityView(actor, o, l)
		RecordOpportunityReads(s.reads, actor, store.ChannelAPI, v)
		WriteJSON(w, http.StatusOK, v)
		return nil
	})

	s.Document("POST /api/v1/opportunities/{id}/handoff", Doc{Summary: "Hand an opportunity off to a partner (another than the reserved one only with an override reason)",
		Body: handoffRequest{}, Response: OpportunityView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/opportunities/{id}/handoff", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req handoffRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		o, l, err := svc.Handoff(r.Context(), actor, r.PathValue("id"), lifecycle.HandoffInput{PartnerID: req.PartnerID, OverrideReason: req.OverrideReason})
		if err != nil {
			return err
		}
		v := NewOpportunityView(actor, o, l)
		RecordOpportunityReads(s.reads, actor, store.ChannelAPI, v)
		WriteJSON(w, http.StatusOK, v)
		return nil
	}, lifecycle.HandoffRoles...)

	s.Document("GET /api/v1/partners/{id}/stats", Doc{Summary: "A partner's dashboard figures by month",
		Description: "Clicks are unique visitors: one per client address and PID per 30 minutes (--click-dedupe).",
		Query:       []Param{{Name: "months", Type: "integer", Description: "how many months back, 1 to 36 (default 12)"}},
		Response:    store.PartnerStats{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/partners/{id}/stats", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		months := 12
		if v := r.URL.Query().Get("months"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 36 {
				return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
					Fields: []leadrouter.FieldError{{Field: "months", Message: "must be a whole number from 1 to 36"}}}
			}
			months = n
		}
		st, err := s.lookup.PartnerStats(r.Context(), actor, r.PathValue("id"), months)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, st)
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RolePartner)
}
