package leadrouter

import (
	"strconv"
	"time"
)

// PartnerStatus says whether a partner takes part: a suspended partner is
// credited and routed nothing.
type PartnerStatus string

// Partner statuses.
const (
	PartnerActive    PartnerStatus = "active"
	PartnerSuspended PartnerStatus = "suspended"
)

// Valid reports whether s is a known partner status.
func (s PartnerStatus) Valid() bool {
	return s == PartnerActive || s == PartnerSuspended
}

// ParsePartnerStatus returns s as a partner status, or EINVALID.
func ParsePartnerStatus(s string) (PartnerStatus, error) {
	return parseValue[PartnerStatus]("partner status", s)
}

// Partner is a value-added reseller with a public referral code (PID).
type Partner struct {
	ID        string        `json:"id"`
	PID       PID           `json:"pid"`
	Name      string        `json:"name"`
	Countries []string      `json:"countries"`
	Domains   []string      `json:"domains"`
	Tier      string        `json:"tier"`
	PAMUserID string        `json:"pam_user_id,omitempty"`
	Status    PartnerStatus `json:"status"`
	Weight    int           `json:"weight"`
	DailyCap  int           `json:"daily_cap,omitempty"`
	// TimeZone is the partner's IANA time zone: business-day response
	// times run by its office hours (default UTC).
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewPartner is the input of creating a partner; the PID is issued by the
// store and never chosen by the caller.
type NewPartner struct {
	// PID is an optional vanity code chosen by an admin; empty means issue
	// a random one.
	PID       string
	Name      string
	Countries []string
	Domains   []string
	Tier      string
	PAMUserID string
	Weight    int
	DailyCap  int
	TimeZone  string
}

// Validate normalises the input and reports every invalid field.
func (p *NewPartner) Validate() error {
	var v Validation
	if p.PID != "" {
		pid, err := ParsePID(p.PID)
		if err != nil {
			v.Add("pid", "%s", ErrorMessage(err))
		}
		p.PID = string(pid)
	}
	if p.Name == "" {
		v.Add("name", "is required")
	} else if len(p.Name) > 200 {
		v.Add("name", "is longer than 200 characters")
	}
	for i, c := range p.Countries {
		code, err := ParseCountry(c)
		if err != nil {
			v.Add("countries["+strconv.Itoa(i)+"]", "%s", ErrorMessage(err))
			continue
		}
		p.Countries[i] = code
	}
	p.Countries = dedupe(p.Countries)
	for i, d := range p.Domains {
		dom, err := ParseDomain(d)
		if err != nil {
			v.Add("domains["+strconv.Itoa(i)+"]", "%s", ErrorMessage(err))
			continue
		}
		p.Domains[i] = dom
	}
	p.Domains = dedupe(p.Domains)
	if p.Weight == 0 {
		p.Weight = 1
	}
	if p.Weight < 0 || p.Weight > 1000 {
		v.Add("weight", "must be between 1 and 1000")
	}
	if p.DailyCap < 0 {
		v.Add("daily_cap", "must not be negative")
	}
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	} else if loc, err := ParseTimeZone(p.TimeZone); err != nil {
		v.Add("time_zone", "%s", ErrorMessage(err))
	} else {
		p.TimeZone = loc.String()
	}
	return v.Err()
}

// PartnerUpdate is a partial update of a partner (PATCH); nil fields stay.
type PartnerUpdate struct {
	Name      *string
	Status    *PartnerStatus
	Tier      *string
	PAMUserID *string
	Countries *[]string
	Weight    *int
	DailyCap  *int
	TimeZone  *string
}

// Validate reports every invalid field of the update.
func (u *PartnerUpdate) Validate() error {
	var v Validation
	if u.Name != nil && (*u.Name == "" || len(*u.Name) > 200) {
		v.Add("name", "must be 1 to 200 characters")
	}
	if u.Status != nil && !u.Status.Valid() {
		v.Add("status", "must be active or suspended")
	}
	if u.Countries != nil {
		for i, c := range *u.Countries {
			code, err := ParseCountry(c)
			if err != nil {
				v.Add("countries["+strconv.Itoa(i)+"]", "%s", ErrorMessage(err))
				continue
			}
			(*u.Countries)[i] = code
		}
		*u.Countries = dedupe(*u.Countries)
	}
	if u.Weight != nil && (*u.Weight < 1 || *u.Weight > 1000) {
		v.Add("weight", "must be between 1 and 1000")
	}
	if u.DailyCap != nil && *u.DailyCap < 0 {
		v.Add("daily_cap", "must not be negative")
	}
	if u.TimeZone != nil {
		if loc, err := ParseTimeZone(*u.TimeZone); err != nil {
			v.Add("time_zone", "%s", ErrorMessage(err))
		} else {
			*u.TimeZone = loc.String()
		}
	}
	return v.Err()
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Location is the partner's time zone (UTC when unset or unknown).
func (p Partner) Location() *time.Location {
	if loc, err := ParseTimeZone(p.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}
