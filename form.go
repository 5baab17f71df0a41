package leadrouter

import (
	"net/url"
	"regexp"
	"time"
)

// Form kinds.
const (
	FormGatedOffer  = "gated_offer"
	FormDemoRequest = "demo_request"
	FormContact     = "contact"
	FormEvent       = "event"
)

// Form is a public lead-capture form of the vendor's site.
type Form struct {
	ID          string    `json:"id"`
	Slug        string    `json:"slug"`
	Kind        string    `json:"kind"`
	SuccessURL  string    `json:"success_url"`
	ConsentText string    `json:"consent_text"`
	PartnerID   string    `json:"partner_id,omitempty"`
	Campaign    string    `json:"campaign"`
	CreatedAt   time.Time `json:"created_at"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate reports every invalid field of a new form.
func (f *Form) Validate() error {
	var v Validation
	if !slugPattern.MatchString(f.Slug) {
		v.Add("slug", "must be 1-63 lower-case letters, digits and dashes")
	}
	switch f.Kind {
	case FormGatedOffer, FormDemoRequest, FormContact, FormEvent:
	default:
		v.Add("kind", "must be one of gated_offer, demo_request, contact, event")
	}
	if u, err := url.Parse(f.SuccessURL); err != nil || f.SuccessURL == "" || (u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http") || (u.Scheme == "" && (len(f.SuccessURL) == 0 || f.SuccessURL[0] != '/' || len(f.SuccessURL) > 1 && (f.SuccessURL[1] == '/' || f.SuccessURL[1] == '\\'))) {
		v.Add("success_url", "must be an http(s) URL or a path starting with /")
	}
	if f.PartnerID != "" && f.Kind != FormEvent {
		v.Add("partner_id", "only event forms are hosted by a partner")
	}
	if len(f.ConsentText) > 2000 {
		v.Add("consent_text", "is longer than 2000 characters")
	}
	return v.Err()
}
