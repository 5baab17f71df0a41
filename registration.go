package leadrouter

import "time"

// RegistrationStatus is where a deal registration stands (W7).
type RegistrationStatus string

// Registration statuses (W7).
const (
	RegistrationApproved RegistrationStatus = "approved"
	RegistrationPending  RegistrationStatus = "pending"
	RegistrationRejected RegistrationStatus = "rejected"
	RegistrationExpired  RegistrationStatus = "expired"
)

// Valid reports whether s is a known registration status.
func (s RegistrationStatus) Valid() bool {
	switch s {
	case RegistrationApproved, RegistrationPending, RegistrationRejected, RegistrationExpired:
		return true
	}
	return false
}

// ParseRegistrationStatus returns s as a registration status, or EINVALID.
func ParseRegistrationStatus(s string) (RegistrationStatus, error) {
	return parseValue[RegistrationStatus]("registration status", s)
}

// RegistrationFlag is the colour a registration's conflict search gave it
// (W7).
type RegistrationFlag string

// Registration flags (W7).
const (
	FlagGreen  RegistrationFlag = "green"
	FlagYellow RegistrationFlag = "yellow"
	FlagRed    RegistrationFlag = "red"
)

// Valid reports whether f is a known registration flag.
func (f RegistrationFlag) Valid() bool {
	switch f {
	case FlagGreen, FlagYellow, FlagRed:
		return true
	}
	return false
}

// Status is the status a new registration with flag f starts in: green
// is approved at once, yellow waits for Partner Relations, red is
// rejected.
func (f RegistrationFlag) Status() RegistrationStatus {
	switch f {
	case FlagGreen:
		return RegistrationApproved
	case FlagYellow:
		return RegistrationPending
	}
	return RegistrationRejected
}

// ParseRegistrationFlag returns s as a registration flag, or EINVALID.
func ParseRegistrationFlag(s string) (RegistrationFlag, error) {
	return parseValue[RegistrationFlag]("registration flag", s)
}

// Effect is what one conflict did to a registration's flag, or how the
// registration came by its account.
type Effect string

// Effects a conflict has on a registration.
const (
	EffectRed     Effect = "red"
	EffectYellow  Effect = "yellow"
	EffectOwn     Effect = "own"     // the registering partner's own record
	EffectNone    Effect = "none"    // found, but no conflict (e.g. a contact linking an account)
	EffectClaimed Effect = "claimed" // the account the registration claimed for its partner
	EffectCreated Effect = "created" // the account the registration created for its partner
)

// Valid reports whether e is a known effect.
func (e Effect) Valid() bool {
	switch e {
	case EffectRed, EffectYellow, EffectOwn, EffectNone, EffectClaimed, EffectCreated:
		return true
	}
	return false
}

// ParseEffect returns s as an effect, or EINVALID.
func ParseEffect(s string) (Effect, error) {
	return parseValue[Effect]("effect", s)
}

// Registration is a partner's claim on a prospect account ("deal
// registration"): the flag its conflict search gave, its status, the
// partner-safe reasons and the staff-only conflict detail.
type Registration struct {
	ID           string
	PartnerID    string
	CreatedBy    string
	Company      string
	CompanyKey   string
	Domain       string
	Country      string
	ContactEmail string
	Note         string
	Flag         RegistrationFlag
	Status       RegistrationStatus
	// Reasons are fit for the partner: a kind and a message naming no
	// other partner and no contact.
	Reasons []RegistrationReason
	// Conflicts are the records the search found, for staff.
	Conflicts          []RegistrationConflict
	AccountID          string
	ExpiresAt          *time.Time
	ExtensionRequested bool
	Extended           bool
	DecidedBy          string
	DecidedAt          *time.Time
	DecisionReason     string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// EffectiveStatus is the status as of now: an approved registration whose
// expiry has passed is expired even before the expiry job has marked it.
func (r Registration) EffectiveStatus(now time.Time) RegistrationStatus {
	if r.Status == RegistrationApproved && r.ExpiresAt != nil && !r.ExpiresAt.After(now) {
		return RegistrationExpired
	}
	return r.Status
}

// Active reports whether the registration still holds its prospect at now:
// approved and unexpired, or pending.
func (r Registration) Active(now time.Time) bool {
	s := r.EffectiveStatus(now)
	return s == RegistrationApproved || s == RegistrationPending
}

// AccountAction is how the registration came by its account: "claimed"
// (it set the owner), "created", "own" (the partner owned it already) or "".
func (r Registration) AccountAction() Effect {
	if r.AccountID == "" {
		return ""
	}
	for _, c := range r.Conflicts {
		if c.Kind == "account" && c.ID == r.AccountID {
			switch c.Effect {
			case EffectClaimed, EffectCreated, EffectOwn:
				return c.Effect
			}
		}
	}
	return ""
}

// Decided records who decided r, when and why.
func (r *Registration) Decided(by string, at time.Time, reason string) {
	r.DecidedBy, r.DecidedAt, r.DecisionReason = by, &at, reason
}

// MayRequestExtension says whether the partner may ask, at now, to extend
// r: only an approved, unexpired registration with no request waiting
// and no extension yet (ECONFLICT otherwise).
func (r Registration) MayRequestExtension(now time.Time) error {
	switch {
	case r.EffectiveStatus(now) != RegistrationApproved:
		return Errorf(ECONFLICT, "Only an approved, unexpired registration can be extended; this one is %s.", r.EffectiveStatus(now))
	case r.ExtensionRequested:
		return Errorf(ECONFLICT, "An extension of this registration is already waiting for Partner Relations.")
	case r.Extended:
		return Errorf(ECONFLICT, "This registration has had its one extension.")
	}
	return nil
}

// RegistrationReason is one reason for a flag, fit for the partner.
type RegistrationReason struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// RegistrationConflict is one record the conflict search found, with why it
// matched and what it did to the flag. Staff see these; partners never do.
type RegistrationConflict struct {
	Kind        string     `json:"kind"` // account, lead, contact, opportunity, registration
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	Match       []string   `json:"match"` // email, domain, company, similar_company, hierarchy, account, lead
	Score       float64    `json:"score"`
	Certain     bool       `json:"certain"`
	Effect      Effect     `json:"effect"`
	Reason      string     `json:"reason,omitempty"` // the reason kind it raised
	Status      string     `json:"status,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	PartnerID   string     `json:"partner_id,omitempty"`
	PartnerName string     `json:"partner_name,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}
