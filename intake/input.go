// Package intake owns lead capture (W2): public forms, the staff API's
// submissions with idempotency, CSV import, attribution of the referral
// cookie's touches, duplicate detection, and the group-commit writer that
// stores leads arriving together in one transaction.
package intake

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadrouter/leadrouter"
)

// Submission is one lead as submitted, before validation.
type Submission struct {
	FirstName    string
	LastName     string
	Email        string
	Phone        string
	Company      string
	CompanySize  int
	Title        string
	Country      string
	Source       leadrouter.Source
	Campaign     string
	FormSlug     string
	FormKind     string
	LandingURL   string
	UTM          map[string]string
	PID          string // a PID given by staff or an integration
	PartnerCode  string // a PID typed by the visitor
	EventPartner string // the hosting partner of an event form (id)
	Touches      []leadrouter.Touch
	ConsentShare *bool
	ConsentText  string
	IP           string
	// ExternalID identifies an imported row (for re-runnable imports).
	ExternalID string
}

const maxField = 200

// Validate normalises s in place (trimmed; e-mail lower-cased; country as
// ISO alpha-2; phone also in E.164 where it parses) and reports every
// offending field at once.
func (s *Submission) Validate() (phoneE164 string, err error) {
	var v leadrouter.Validation
	trim := func(field string, p *string, max int) {
		*p = strings.TrimSpace(*p)
		if !utf8.ValidString(*p) {
			v.Add(field, "is not valid UTF-8")
		} else if utf8.RuneCountInString(*p) > max {
			v.Add(field, "is longer than %d characters", max)
		} else if strings.ContainsAny(*p, "\x00\r\n") && field != "consent_text" {
			v.Add(field, "contains control characters")
		}
	}
	trim("first_name", &s.FirstName, maxField)
	trim("last_name", &s.LastName, maxField)
	trim("email", &s.Email, 254)
	trim("phone", &s.Phone, 40)
	trim("company", &s.Company, 300)
	trim("title", &s.Title, maxField)
	trim("campaign", &s.Campaign, maxField)
	trim("consent_text", &s.ConsentText, 2000)
	trim("landing_url", &s.LandingURL, 2000)
	if s.Email == "" && s.Phone == "" {
		v.Add("email", "is required (or a phone number)")
	} else if s.Email != "" {
		if email, err := leadrouter.ParseEmail(s.Email); err != nil {
			v.Add("email", "%s", leadrouter.ErrorMessage(err))
		} else {
			s.Email = email
		}
	}
	if s.LastName == "" && s.FirstName == "" {
		v.Add("last_name", "is required")
	}
	if s.Country != "" {
		if c, err := leadrouter.ParseCountry(s.Country); err != nil {
			v.Add("country", "%s", leadrouter.ErrorMessage(err))
		} else {
			s.Country = c
		}
	}
	if s.Source == "" {
		s.Source = leadrouter.SourceAPI
	}
	if !s.Source.Valid() {
		v.Add("source", "must be one of web_form, call, email, import, event, webinar, partner_registration, api")
	}
	if s.CompanySize < 0 || s.CompanySize > 10_000_000 {
		v.Add("company_size", "must be between 0 and 10000000")
	}
	for _, f := range []struct {
		name string
		val  *string
	}{{"pid", &s.PID}, {"partner_code", &s.PartnerCode}} {
		*f.val = strings.TrimSpace(*f.val)
		if *f.val == "" {
			continue
		}
		pid, err := leadrouter.ParsePID(*f.val)
		if err != nil {
			v.Add(f.name, "%s", leadrouter.ErrorMessage(err))
			continue
		}
		*f.val = string(pid)
	}
	if s.ConsentShare != nil && *s.ConsentShare && s.ConsentText == "" {
		v.Add("consent_text", "is required when consent_share is true: record the exact wording shown")
	}
	if len(s.UTM) > 10 {
		v.Add("utm", "has too many parameters")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	return leadrouter.PhoneE164(s.Phone, s.Country), nil
}

// Attribution models.
const (
	LastTouch  = "last_touch"
	FirstTouch = "first_touch"
)

// creditedTouch picks the touch that gets the credit under model: the
// newest (last touch) or the oldest (first touch). A typed partner code or
// an event's hosting partner is a touch like any other, made now.
func creditedTouch(touches []leadrouter.Touch, model string) (leadrouter.Touch, bool) {
	if len(touches) == 0 {
		return leadrouter.Touch{}, false
	}
	best := touches[0]
	for _, t := range touches[1:] {
		if model == FirstTouch && t.At.Before(best.At) || model != FirstTouch && !t.At.Before(best.At) {
			best = t
		}
	}
	return best, true
}

// allTouches returns the cookie's touches plus the typed code and the
// staff-given PID, each as a touch at now.
func (s *Submission) allTouches(now time.Time) []leadrouter.Touch {
	out := append([]leadrouter.Touch(nil), s.Touches...)
	if s.PartnerCode != "" {
		out = append(out, leadrouter.Touch{PID: s.PartnerCode, At: now, Kind: leadrouter.TouchCode})
	}
	if s.PID != "" {
		out = append(out, leadrouter.Touch{PID: s.PID, At: now, Kind: leadrouter.TouchAPI})
	}
	return out
}
