package leadrouter

import "time"

// LeadStatus is where a lead stands in its lifecycle.
type LeadStatus string

// Lead statuses: new → nurturing → mql → qualified → converted, or
// disqualified from any open status.
const (
	StatusNew          LeadStatus = "new"
	StatusNurturing    LeadStatus = "nurturing"
	StatusMQL          LeadStatus = "mql"
	StatusQualified    LeadStatus = "qualified"
	StatusConverted    LeadStatus = "converted"
	StatusDisqualified LeadStatus = "disqualified"
)

// Valid reports whether s is a known lead status.
func (s LeadStatus) Valid() bool {
	switch s {
	case StatusNew, StatusNurturing, StatusMQL, StatusQualified, StatusConverted, StatusDisqualified:
		return true
	}
	return false
}

// Open reports whether a lead in status s is still being worked.
func (s LeadStatus) Open() bool {
	return s != StatusConverted && s != StatusDisqualified
}

// LeadStatusNames lists the lead statuses.
func LeadStatusNames() []string {
	return []string{string(StatusNew), string(StatusNurturing), string(StatusMQL), string(StatusQualified), string(StatusConverted),
		string(StatusDisqualified)}
}

// ParseLeadStatus returns s as a lead status, or EINVALID.
func ParseLeadStatus(s string) (LeadStatus, error) {
	return parseValue[LeadStatus]("lead status", s)
}

// Source is how a lead came in.
type Source string

// Lead sources.
const (
	SourceWebForm             Source = "web_form"
	SourceCall                Source = "call"
	SourceEmail               Source = "email"
	SourceImport              Source = "import"
	SourceEvent               Source = "event"
	SourceWebinar             Source = "webinar"
	SourcePartnerRegistration Source = "partner_registration"
	SourceAPI                 Source = "api"
)

// Valid reports whether s is a known lead source.
func (s Source) Valid() bool {
	switch s {
	case SourceWebForm, SourceCall, SourceEmail, SourceImport, SourceEvent, SourceWebinar, SourcePartnerRegistration, SourceAPI:
		return true
	}
	return false
}

// SourceNames lists the lead sources.
func SourceNames() []string {
	return []string{string(SourceWebForm), string(SourceCall), string(SourceEmail), string(SourceImport), string(SourceEvent),
		string(SourceWebinar), string(SourcePartnerRegistration), string(SourceAPI)}
}

// ParseSource returns s as a lead source, or EINVALID.
func ParseSource(s string) (Source, error) {
	return parseValue[Source]("lead source", s)
}

// OwnerKind is what kind of owner works a lead.
type OwnerKind string

// Owner kinds.
const (
	OwnerPartner OwnerKind = "partner"
	OwnerUser    OwnerKind = "user"
	OwnerQueue   OwnerKind = "queue"
)

// Valid reports whether k is a known owner kind.
func (k OwnerKind) Valid() bool {
	return k == OwnerPartner || k == OwnerUser || k == OwnerQueue
}

// ParseOwnerKind returns s as an owner kind, or EINVALID.
func ParseOwnerKind(s string) (OwnerKind, error) {
	return parseValue[OwnerKind]("owner kind", s)
}

// Owner is who works a lead: a partner, a vendor user or a vendor queue.
type Owner struct {
	Kind      OwnerKind `json:"kind"`
	ID        string    `json:"id"`
	PartnerID string    `json:"partner_id,omitempty"`
}

// TouchKind is how a visitor arrived with a partner's PID.
type TouchKind string

// The kinds of Touch.
const (
	TouchLink  TouchKind = "link"  // the visitor followed a partner's link
	TouchCode  TouchKind = "code"  // the visitor typed a partner_code into a form
	TouchEvent TouchKind = "event" // the visitor attended a partner-hosted event
	TouchAPI   TouchKind = "api"   // a caller of the API named the PID
)

// Valid reports whether k is a known touch kind.
func (k TouchKind) Valid() bool {
	return k == TouchLink || k == TouchCode || k == TouchEvent || k == TouchAPI
}

// ParseTouchKind returns s as a touch kind, or EINVALID.
func ParseTouchKind(s string) (TouchKind, error) {
	return parseValue[TouchKind]("touch kind", s)
}

// Touch is one arrival credited to a partner: through a link carrying a
// PID, a typed partner code, a partner-hosted event or an API call. The
// referral cookie (tracking) keeps the last few.
type Touch struct {
	PID     string    `json:"pid"`               // upper-case PID
	At      time.Time `json:"at"`                // UTC, to the second in the cookie
	Landing string    `json:"landing,omitempty"` // path and query without pid (an absolute URL when a short link led to another site host)
	Kind    TouchKind `json:"kind"`
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
	Status            LeadStatus        `json:"status"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	Email             string            `json:"email"`
	Phone             string            `json:"phone"`
	PhoneE164         string            `json:"phone_e164,omitempty"`
	Company           string            `json:"company"`
	CompanySize       int               `json:"company_size,omitempty"`
	Title             string            `json:"title"`
	Country           string            `json:"country"`
	Source            Source            `json:"source"`
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
	Status  LeadStatus
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

// OpportunityStatus is where an opportunity stands.
type OpportunityStatus string

// Opportunity statuses.
const (
	OppHandoffPending OpportunityStatus = "handoff_pending"
	OppHandedOff      OpportunityStatus = "handed_off"
	OppOpen           OpportunityStatus = "open"
	OppWon            OpportunityStatus = "won"
	OppLost           OpportunityStatus = "lost"
)

// Valid reports whether s is a known opportunity status.
func (s OpportunityStatus) Valid() bool {
	switch s {
	case OppHandoffPending, OppHandedOff, OppOpen, OppWon, OppLost:
		return true
	}
	return false
}

// OpportunityStatusNames lists the opportunity statuses.
func OpportunityStatusNames() []string {
	return []string{string(OppHandoffPending), string(OppHandedOff), string(OppOpen), string(OppWon), string(OppLost)}
}

// ParseOpportunityStatus returns s as an opportunity status, or EINVALID.
func ParseOpportunityStatus(s string) (OpportunityStatus, error) {
	return parseValue[OpportunityStatus]("opportunity status", s)
}

// Opportunity is a qualified sales conversation created by converting a lead.
type Opportunity struct {
	ID                string            `json:"id"`
	LeadID            string            `json:"lead_id"`
	AccountID         string            `json:"account_id"`
	ContactID         string            `json:"contact_id"`
	Name              string            `json:"name"`
	Amount            *float64          `json:"amount"`
	Status            OpportunityStatus `json:"status"`
	ReservedPartnerID string            `json:"reserved_partner_id"`
	PartnerID         string            `json:"partner_id"`
	PAMUserID         string            `json:"pam_user_id,omitempty"`
	OverrideReason    string            `json:"override_reason,omitempty"`
	CreatedAt         time.Time         `json:"created_at"`
	HandedOffAt       *time.Time        `json:"handed_off_at"`
	// Deal is the partner's account of the deal after the hand-off.
	Deal Deal `json:"deal"`
}
