package leadrouter

import "time"

// Lead statuses: new → nurturing → mql → qualified → converted, or
// disqualified from any open status.
const (
	StatusNew          = "new"
	StatusNurturing    = "nurturing"
	StatusMQL          = "mql"
	StatusQualified    = "qualified"
	StatusConverted    = "converted"
	StatusDisqualified = "disqualified"
)

// IsOpenStatus reports whether a lead in status s is still being worked.
func IsOpenStatus(s string) bool {
	return s != StatusConverted && s != StatusDisqualified
}

// Lead sources.
const (
	SourceWebForm             = "web_form"
	SourceCall                = "call"
	SourceEmail               = "email"
	SourceImport              = "import"
	SourceEvent               = "event"
	SourceWebinar             = "webinar"
	SourcePartnerRegistration = "partner_registration"
	SourceAPI                 = "api"
)

// ValidSource reports whether s is a known lead source.
func ValidSource(s string) bool {
	switch s {
	case SourceWebForm, SourceCall, SourceEmail, SourceImport, SourceEvent, SourceWebinar, SourcePartnerRegistration, SourceAPI:
		return true
	}
	return false
}

// Owner kinds.
const (
	OwnerPartner = "partner"
	OwnerUser    = "user"
	OwnerQueue   = "queue"
)

// Owner is who works a lead: a partner, a vendor user or a vendor queue.
type Owner struct {
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	PartnerID string `json:"partner_id,omitempty"`
}

// Touch is one arrival through a link carrying a PID (or a typed partner
// code, or a partner-hosted event).
type Touch struct {
	PID     string    `json:"pid"`
	At      time.Time `json:"at"`
	Landing string    `json:"landing,omitempty"`
	Kind    string    `json:"kind"`
}

// Consent is the lead's current permission to share its contact details
// with partners.
type Consent struct {
	Share  bool       `json:"share"`
	At     *time.Time `json:"at"`
	Text   string     `json:"text"`
	Source string     `json:"source,omitempty"`
}

// Lead is a person who showed interest and has not bought.
type Lead struct {
	ID                string            `json:"id"`
	Status            string            `json:"status"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	Email             string            `json:"email"`
	Phone             string            `json:"phone"`
	PhoneE164         string            `json:"phone_e164,omitempty"`
	Company           string            `json:"company"`
	CompanySize       int               `json:"company_size,omitempty"`
	Title             string            `json:"title"`
	Country           string            `json:"country"`
	Source            string            `json:"source"`
	FormSlug          string            `json:"form_slug,omitempty"`
	FormKind          string            `json:"form_kind,omitempty"`
	Campaign          string            `json:"campaign"`
	UTM               map[string]string `json:"utm,omitempty"`
	LandingURL        string            `json:"landing_url,omitempty"`
	Touches           []Touch           `json:"touches"`
	CreditedPID       string            `json:"credited_pid"`
	CreditedPartnerID string            `json:"credited_partner_id,omitempty"`
	AttributionModel  string            `json:"attribution_model,omitempty"`
	ReservedPartnerID string            `json:"reserved_partner_id"`
	Owner             Owner             `json:"owner"`
	HandoffPartnerID  string            `json:"handoff_partner_id,omitempty"`
	AccountID         string            `json:"account_id,omitempty"`
	Consent           Consent           `json:"consent"`
	Score             int               `json:"score"`
	NurtureTrack      string            `json:"nurture_track"`
	Responses         int               `json:"responses"`
	RoutedRule        string            `json:"routed_rule,omitempty"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

// LeadFilter selects leads for a list; zero fields do not filter.
type LeadFilter struct {
	Email   string
	Company string
	Status  string
	Owner   string
	Limit   int
	Cursor  string
}

// Contact is a person at an account, created when a lead converts.
type Contact struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	LeadID    string    `json:"lead_id,omitempty"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

// Opportunity statuses.
const (
	OppHandoffPending = "handoff_pending"
	OppHandedOff      = "handed_off"
	OppOpen           = "open"
	OppWon            = "won"
	OppLost           = "lost"
)

// Opportunity is a qualified sales conversation created by converting a lead.
type Opportunity struct {
	ID                string     `json:"id"`
	LeadID            string     `json:"lead_id"`
	AccountID         string     `json:"account_id"`
	ContactID         string     `json:"contact_id"`
	Name              string     `json:"name"`
	Amount            *float64   `json:"amount"`
	Status            string     `json:"status"`
	ReservedPartnerID string     `json:"reserved_partner_id"`
	PartnerID         string     `json:"partner_id"`
	PAMUserID         string     `json:"pam_user_id,omitempty"`
	OverrideReason    string     `json:"override_reason,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	HandedOffAt       *time.Time `json:"handed_off_at"`
}
