package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// leadRequest is what staff may set on a new lead: no id, owner, status or
// reservation (routing decides those).
type leadRequest struct {
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	Email        string            `json:"email"`
	Phone        string            `json:"phone"`
	Company      string            `json:"company"`
	CompanySize  int               `json:"company_size"`
	Title        string            `json:"title"`
	Country      string            `json:"country"`
	Source       string            `json:"source"`
	Campaign     string            `json:"campaign"`
	PID          string            `json:"pid"`
	PartnerCode  string            `json:"partner_code"`
	ConsentShare *bool             `json:"consent_share"`
	ConsentText  string            `json:"consent_text"`
	LandingURL   string            `json:"landing_url"`
	UTM          map[string]string `json:"utm"`
}

func (r leadRequest) submission() intake.Submission {
	return intake.Submission{FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Phone: r.Phone, Company: r.Company,
		CompanySize: r.CompanySize, Title: r.Title, Country: r.Country, Source: leadrouter.Source(r.Source), Campaign: r.Campaign, PID: r.PID,
		PartnerCode: r.PartnerCode, ConsentShare: r.ConsentShare, ConsentText: r.ConsentText, LandingURL: r.LandingURL, UTM: r.UTM}
}

// captureResponse is the answer to POST /api/v1/leads: the new lead, or
// the lead the submission was merged into (for a contact, the lead it was
// converted from; null only for a contact that came from no lead).
type captureResponse struct {
	Lead          *LeadView            `json:"lead"`
	Decision      *leadrouter.Decision `json:"decision,omitempty"`
	DuplicateOf   string               `json:"duplicate_of,omitempty"`
	DuplicateKind string               `json:"duplicate_kind,omitempty"`
}

// formRequest is what an admin sets on a new form.
type formRequest struct {
	Slug        string `json:"slug"`
	Kind        string `json:"kind"`
	SuccessURL  string `json:"success_url"`
	ConsentText string `json:"consent_text"`
	PartnerID   string `json:"partner_id"`
	Campaign    string `json:"campaign"`
}

// MountLeads registers lead capture and lookup: POST/GET /api/v1/leads,
// GET /api/v1/leads/{id}, its timeline, the match lookup and forms.
func (s *Server) MountLeads(svc *intake.Service) {
	s.mountSearch()
	s.Document("POST /api/v1/leads", Doc{Summary: "Capture a lead: validated, matched, routed and stored",
		Description: "201 with the new lead; 200 when the submission was merged into an existing lead (duplicate_of and duplicate_kind say which). " +
			"With an Idempotency-Key, a repeated request answers the first answer again (Idempotent-Replayed: true).",
		Headers: []Param{{Name: "Idempotency-Key", Description: "makes retries safe: at most 200 characters, per user"}},
		Body:    leadRequest{}, BodyEnums: map[string][]string{"source": leadrouter.SourceNames()},
		Success: []int{http.StatusCreated, http.StatusOK}, Response: captureResponse{},
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/leads", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		raw, err := readBody(r)
		if err != nil {
			return err
		}
		var req leadRequest
		if err := decodeJSONBody(raw, &req); err != nil {
			// Values of the wrong type: list them with whatever else is
			// wrong with the submission, in one 422.
			sub := req.submission()
			_, validateErr := sub.Validate()
			return mergeInvalid(err, validateErr)
		}
		render := func(res intake.Result) (int, []byte) {
			status, body := http.StatusCreated, captureResponse{Decision: res.Decision}
			if res.Lead.ID != "" {
				lv := NewLeadView(actor, res.Lead)
				body.Lead = &lv
			}
			if !res.Created {
				status, body.DuplicateOf, body.DuplicateKind = http.StatusOK, res.DuplicateOf, res.DuplicateKind
			}
			b, _ := json.Marshal(body)
			return status, b
		}
		var idem *intake.Idempotency
		if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != "" {
			if len(key) > 200 {
				return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The Idempotency-Key header is too long.", Fields: []leadrouter.FieldError{{Field: "Idempotency-Key", Message: "must be at most 200 characters"}}}
			}
			sum := sha256.Sum256(raw)
			idem = &intake.Idempotency{UserID: actor.UserID, Key: key, RequestHash: hex.EncodeToString(sum[:]), Render: render}
		}
		var res intake.Result
		capture := func() (err error) {
			res, err = svc.Capture(r.Context(), actor, req.submission(), idem)
			return err
		}
		if idem != nil {
			// With an Idempotency-Key the capture is safe to repeat: ride
			// out a brief database failover.
			err = RetryUnavailable(r.Context(), capture)
		} else {
			err = capture()
		}
		if err != nil {
			return err
		}
		if idem != nil && idem.Replayed != nil {
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(idem.Replayed.Status)
			_, _ = w.Write(idem.Replayed.Body)
			return nil
		}
		status, body := render(res)
		if !res.Created && res.Lead.ID != "" {
			// Merged into a lead already on file: its contact details
			// were shown.
			RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, NewLeadView(actor, res.Lead))
		}
		w.Header().Set("Content-Type", "application/json")
		if res.Created {
			w.Header().Set("Location", "/api/v1/leads/"+res.Lead.ID)
		}
		w.WriteHeader(status)
		_, _ = w.Write(append(body, '\n'))
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RoleSupport, leadrouter.RoleSales)

	s.Document("GET /api/v1/leads", Doc{Summary: "List the leads the caller may see, newest first",
		Query: pageQuery(
			Param{Name: "email", Description: "only leads with this e-mail"},
			Param{Name: "company", Description: "only leads of this company"},
			Param{Name: "status", Description: "only leads in this status", Enum: leadrouter.LeadStatusNames()},
			Param{Name: "owner", Description: "only leads of this owner"}),
		Response: store.Page[LeadView]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/leads", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "lead")
		q := r.URL.Query()
		v := leadrouter.Validation{Fields: leadrouter.ErrorFields(err)}
		status := leadrouter.LeadStatus(q.Get("status"))
		if status != "" && !status.Valid() {
			v.Add("status", "must be new, nurturing, mql, qualified, converted or disqualified")
		}
		if err := v.Err(); err != nil {
			return err
		}
		f := leadrouter.LeadFilter{Email: q.Get("email"), Company: q.Get("company"), Status: status, Owner: q.Get("owner"), Limit: limit, Cursor: cursor}
		fetch := func(cursor string, channel store.ReadChannel) (store.Page[LeadView], error) {
			f.Cursor = cursor
			page, names, err := s.lookup.Leads(r.Context(), actor, f)
			if err != nil {
				return store.Page[LeadView]{}, err
			}
			out := store.Page[LeadView]{Items: make([]LeadView, 0, len(page.Items)), NextCursor: page.NextCursor}
			for _, l := range page.Items {
				v := NewLeadView(actor, l)
				v.OwnerName = names.Owner(l.Owner)
				out.Items = append(out.Items, v)
			}
			RecordLeadReads(s.reads, actor, channel, store.ReadKindLead, out.Items...)
			return out, nil
		}
		if WantsCSV(r) {
			f.Limit = csvPageSize
			return StreamCSV(w, "leads.csv", cursor, func(c string) (CSVPage[LeadView], error) {
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
	})

	s.Document("GET /api/v1/leads/{id}", Doc{Summary: "Read a lead (contact details redacted unless the caller may see them)",
		Response: LeadView{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/leads/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		l, names, err := s.lookup.Lead(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		v := NewLeadView(actor, l)
		v.OwnerName = names.Owner(l.Owner)
		RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, v)
		WriteJSON(w, http.StatusOK, v)
		return nil
	})

	s.Document("GET /api/v1/leads/{id}/timeline", Doc{Summary: "A lead's timeline of events: {lead_id, items}",
		Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/leads/{id}/timeline", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		t, err := s.lookup.Timeline(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		l := t.Lead
		items := NewTimelineView(actor, l, t.Events)
		NameTimeline(actor, t.Names, items)
		if leadrouter.ContactVisibleTo(actor, l) {
			s.reads.Record(actor, store.ChannelAPI, store.ReadKindTimeline, l.ID, l.ID)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"lead_id": l.ID, "items": items})
		return nil
	})

	s.mountReads()

	s.Document("GET /api/v1/matches", Doc{Summary: "Look up who already works with a person or company: the best candidates, one page",
		Query: []Param{{Name: "email", Description: "the person's e-mail"}, {Name: "company", Description: "the company's name"},
			{Name: "domain", Description: "the company's domain"}},
		Response: store.Page[matchView]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/matches", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		q := r.URL.Query()
		// Who is working with them, by name.
		items, names, err := s.lookup.Matches(r.Context(), actor, q.Get("email"), q.Get("company"), q.Get("domain"))
		if err != nil {
			return err
		}
		views := make([]matchView, len(items))
		for i, m := range items {
			views[i] = matchView{Result: m, OwnerName: names.Owner(lookup.MatchOwner(m))}
		}
		// The best candidates, ranked: one page, never a next one.
		WriteJSON(w, http.StatusOK, map[string]any{"items": views, "next_cursor": ""})
		return nil
	}, staffRoles()...)

	s.Document("POST /api/v1/forms", Doc{Summary: "Create a public lead-capture form", Body: formRequest{},
		BodyEnums: map[string][]string{"kind": {leadrouter.FormGatedOffer, leadrouter.FormDemoRequest, leadrouter.FormContact, leadrouter.FormEvent}},
		Success:   []int{http.StatusCreated}, Response: leadrouter.Form{}, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/forms", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req formRequest
		decodeErr := DecodeJSON(r, &req)
		f := leadrouter.Form{Slug: req.Slug, Kind: req.Kind, SuccessURL: req.SuccessURL,
			ConsentText: req.ConsentText, PartnerID: req.PartnerID, Campaign: req.Campaign}
		if decodeErr != nil {
			return mergeInvalid(decodeErr, f.Validate())
		}
		var err error
		if f, err = s.admin.CreateForm(r.Context(), actor, f); err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, f)
		return nil
	}, leadrouter.RoleAdmin)

	s.Document("GET /api/v1/forms", Doc{Summary: "List the forms", Response: itemList[leadrouter.Form]{}})
	s.Handle("GET /api/v1/forms", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		forms, err := s.admin.Forms(r.Context(), actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"items": forms})
		return nil
	}, staffRoles()...)
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// matchView is a match with its owner's name.
type matchView struct {
	match.Result
	OwnerName string `json:"owner_name,omitempty"`
}
