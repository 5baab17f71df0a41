package leadrouter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Event types on timelines.
const (
	EventTouch          = "touch"
	EventFormFill       = "form_fill"
	EventCreated        = "lead_created"
	EventResponse       = "response"
	EventMatched        = "matched"
	EventRouted         = "routed"
	EventScored         = "score_changed"
	EventNurture        = "nurture_enrolled"
	EventStatus         = "status_changed"
	EventConsent        = "consent"
	EventConverted      = "converted"
	EventHandoff        = "handed_off"
	EventOwnerChanged   = "owner_changed"
	EventReassignReq    = "reassignment_requested"
	EventReassignDone   = "reassignment_resolved"
	EventSelfReferral   = "self_referral"
	EventRegistration   = "registration_decided"
	EventPartnerCreated = "partner_created"
	EventPartnerUpdated = "partner_updated"
	EventAccountCreated = "account_created"
	EventPolicyChanged  = "policy_changed"
)

// Event is one append-only timeline entry. Each subject has its own hash
// chain: Hash covers PrevHash and the event's fields.
type Event struct {
	Seq      int64           `json:"-"`
	Subject  string          `json:"subject"`
	N        int64           `json:"n"`
	Type     string          `json:"type"`
	Actor    string          `json:"actor"`
	Data     json.RawMessage `json:"data"`
	At       time.Time       `json:"at"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the hash an event must carry given its fields.
func (e Event) ComputeHash() string {
	h := sha256.New()
	for _, part := range []string{e.PrevHash, e.Subject, strconv.FormatInt(e.N, 10), e.Type, e.Actor, e.At.UTC().Format(time.RFC3339Nano), string(e.Data)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
