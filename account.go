package leadrouter

import "time"

// Account is a company; divisions point to their parent and share the root
// of their hierarchy.
type Account struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Domains        []string  `json:"domains"`
	Country        string    `json:"country"`
	ParentID       string    `json:"parent_id,omitempty"`
	RootID         string    `json:"root_id"`
	OwnerPartnerID string    `json:"owner_partner_id,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// NewAccount is the input of creating an account.
type NewAccount struct {
	Name           string
	Domains        []string
	Country        string
	ParentID       string
	OwnerPartnerID string
}

// Validate normalises the input and reports every invalid field.
func (a *NewAccount) Validate() error {
	var v Validation
	if a.Name == "" {
		v.Add("name", "is required")
	} else if len(a.Name) > 300 {
		v.Add("name", "is longer than 300 characters")
	}
	for i, d := range a.Domains {
		dom, err := ParseDomain(d)
		if err != nil {
			v.Add("domains", "%s", ErrorMessage(err))
			continue
		}
		a.Domains[i] = dom
	}
	a.Domains = dedupe(a.Domains)
	if a.Country != "" {
		c, err := ParseCountry(a.Country)
		if err != nil {
			v.Add("country", "%s", ErrorMessage(err))
		}
		a.Country = c
	}
	return v.Err()
}
