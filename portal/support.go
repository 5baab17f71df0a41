package portal

import (
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/match"
)

// enquiryFields are the form's fields, echoed back on every step.
type enquiryFields struct {
	FirstName, LastName, Email, Phone, Company, Title, Country, Source, Campaign, PID string
	Consent                                                                           bool
}

type enquiryData struct {
	Form      enquiryFields
	Checked   bool
	Matches   []match.Result
	Result    *intake.Result
	Lead      string
	Available bool
	// Owners name the matches' owners (by their "kind:id"), and the new
	// lead's.
	Owners map[string]string
	// LeadName and OwnerName name the lead the enquiry created or joined.
	LeadName, OwnerName string
}

// consentWording is what the support desk reads to the caller before
// recording consent to share their details with partners.
const consentWording = "The caller agreed that the vendor may share their name, e-mail and phone with a partner who will contact them."

func enquiryFromForm(r *http.Request) enquiryFields {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return enquiryFields{FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"), Phone: get("phone"),
		Company: get("company"), Title: get("title"), Country: get("country"), Source: get("source"), Campaign: get("campaign"),
		PID: get("pid"), Consent: r.PostFormValue("consent_share") == "yes"}
}

// enquiryForm shows the empty enquiry form.
func (p *Portal) enquiryForm(w http.ResponseWriter, r *http.Request, s *session) error {
	data := enquiryData{Form: enquiryFields{Source: string(leadrouter.SourceCall)}, Available: p.cfg.Intake != nil}
	p.render(w, r, s, http.StatusOK, "enquiry", "New enquiry", data, nil)
	return nil
}

// enquiry is the two-step submission of a call or e-mail enquiry: the
// first POST shows the leads and contacts that match the e-mail and
// company; only the second (confirmed) POST submits it through capture.
func (p *Portal) enquiry(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	data := enquiryData{Form: enquiryFromForm(r), Available: p.cfg.Intake != nil}
	if src := leadrouter.Source(data.Form.Source); src != leadrouter.SourceCall && src != leadrouter.SourceEmail {
		data.Form.Source = string(leadrouter.SourceCall)
	}
	if data.Form.Email == "" && data.Form.Company == "" {
		p.render(w, r, s, http.StatusUnprocessableEntity, "enquiry", "New enquiry", data, &leadrouter.Error{Code: leadrouter.EINVALID,
			Message: "Give at least an e-mail or a company to check for duplicates.", Fields: []leadrouter.FieldError{{Field: "email", Message: "is required (or a company)"}}})
		return nil
	}
	matches, names, err := p.cfg.Lookup.Matches(ctx, s.actor, data.Form.Email, data.Form.Company, "")
	if err != nil {
		p.render(w, r, s, statusOf(err), "enquiry", "New enquiry", data, err)
		return nil
	}
	data.Matches = matches
	data.Owners = map[string]string{}
	for _, m := range matches {
		data.Owners[m.Owner] = names.Owner(lookup.MatchOwner(m))
	}
	if r.PostFormValue("step") != "submit" {
		data.Checked = true
		p.render(w, r, s, http.StatusOK, "enquiry", "Check for duplicates", data, nil)
		return nil
	}
	if p.cfg.Intake == nil {
		return leadrouter.Errorf(leadrouter.EINTERNAL, "lead capture is not mounted")
	}
	f := data.Form
	sub := intake.Submission{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, Phone: f.Phone, Company: f.Company,
		Title: f.Title, Country: f.Country, Source: leadrouter.Source(f.Source), Campaign: f.Campaign, PID: f.PID}
	if f.Consent {
		yes := true
		sub.ConsentShare, sub.ConsentText = &yes, consentWording
	}
	res, err := p.cfg.Intake.Capture(ctx, s.actor, sub, nil)
	if err != nil {
		data.Checked = true
		p.render(w, r, s, statusOf(err), "enquiry", "New enquiry", data, err)
		return nil
	}
	data.Result, data.Lead = &res, res.Lead.ID
	data.LeadName = leadTitle(httpapi.NewLeadView(s.actor, res.Lead))
	if names, err := p.cfg.Lookup.Owners(ctx, s.actor, res.Lead.Owner); err == nil {
		data.OwnerName = names.Owner(res.Lead.Owner)
	}
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
	}
	p.render(w, r, s, status, "enquiry_done", "Enquiry submitted", data, nil)
	return nil
}
