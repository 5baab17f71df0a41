package leadrouter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"strings"
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
	// EventPublished records a webhook event a change publishes that has
	// no timeline event of its own (the timeline tells the change under
	// another type): timelines as read leave it out, the hash chain keeps
	// it, and subscribers get the event it carries (see Publication).
	EventPublished = "published"
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

// ComputeHash returns the unkeyed SHA-256 hash an event of the first
// version carries (events written before the audit key existed).
func (e Event) ComputeHash() string {
	h := sha256.New()
	e.writeParts(h)
	return hex.EncodeToString(h.Sum(nil))
}

// KeyedHashPrefix marks a hash that is an HMAC-SHA256 under the audit key.
const KeyedHashPrefix = "h1:"

// ComputeKeyedHash returns the hash an event carries when written with the
// audit key: KeyedHashPrefix and the HMAC-SHA256 of its fields. Without
// the key nobody can recompute it, so an edited event cannot be re-chained.
func (e Event) ComputeKeyedHash(key []byte) string {
	h := hmac.New(sha256.New, key)
	e.writeParts(h)
	return KeyedHashPrefix + hex.EncodeToString(h.Sum(nil))
}

// Keyed reports whether the event's hash was made with the audit key.
func (e Event) Keyed() bool { return strings.HasPrefix(e.Hash, KeyedHashPrefix) }

// HashValid reports whether the event's hash matches its fields: keyed
// hashes under key, unkeyed ones as SHA-256.
func (e Event) HashValid(key []byte) bool {
	if e.Keyed() {
		return len(key) > 0 && hmac.Equal([]byte(e.Hash), []byte(e.ComputeKeyedHash(key)))
	}
	return e.Hash == e.ComputeHash()
}

func (e Event) writeParts(h hash.Hash) {
	for _, part := range []string{e.PrevHash, e.Subject, strconv.FormatInt(e.N, 10), e.Type, e.Actor, e.At.UTC().Format(time.RFC3339Nano), string(e.Data)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
}
