package leadrouter

import (
	"encoding/json"
	"time"
)

// NotificationKind is what a notification is about.
type NotificationKind string

// The kinds of notification (SPEC W13).
const (
	NotifyLeadAssigned         NotificationKind = "lead_assigned"
	NotifyAnswerDue            NotificationKind = "answer_due"
	NotifyLeadRerouted         NotificationKind = "lead_rerouted"
	NotifyHandoffWaiting       NotificationKind = "handoff_waiting"
	NotifyRegistrationDecided  NotificationKind = "registration_decided"
	NotifyRegistrationExpiring NotificationKind = "registration_expiring"
	NotifyReassignmentFiled    NotificationKind = "reassignment_filed"
	NotifyReassignmentResolved NotificationKind = "reassignment_resolved"
	NotifyConflictOpened       NotificationKind = "conflict_opened"
	NotifyConflictResolved     NotificationKind = "conflict_resolved"
	// NotifyDigest is a daily digest listing the others.
	NotifyDigest NotificationKind = "digest"
)

// NotificationKinds lists the kinds a user chooses a delivery for.
func NotificationKinds() []NotificationKind {
	return []NotificationKind{NotifyLeadAssigned, NotifyAnswerDue, NotifyLeadRerouted, NotifyHandoffWaiting, NotifyRegistrationDecided,
		NotifyRegistrationExpiring, NotifyReassignmentFiled, NotifyReassignmentResolved, NotifyConflictOpened, NotifyConflictResolved}
}

// Valid reports whether k is a kind a user chooses a delivery for.
func (k NotificationKind) Valid() bool {
	for _, v := range NotificationKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// DeliveryMode is how a user wants a kind of notification by e-mail.
type DeliveryMode string

// The delivery modes: at once, in the daily digest, or not by e-mail (the
// portal inbox shows every notification either way).
const (
	DeliverNow    DeliveryMode = "now"
	DeliverDigest DeliveryMode = "digest"
	DeliverOff    DeliveryMode = "off"
)

// Valid reports whether m is a known mode.
func (m DeliveryMode) Valid() bool { return m == DeliverNow || m == DeliverDigest || m == DeliverOff }

// DefaultDelivery is the mode of a kind a user has not chosen one for: at
// once for a lead assigned, an answer due, a hand-off waiting and a
// conflict; the digest for the rest.
func DefaultDelivery(k NotificationKind) DeliveryMode {
	switch k {
	case NotifyLeadAssigned, NotifyAnswerDue, NotifyHandoffWaiting, NotifyConflictOpened, NotifyConflictResolved:
		return DeliverNow
	}
	return DeliverDigest
}

// Notification is one message to one user: shown in the portal inbox and
// sent by e-mail as the user chose. Data holds the facts of the change
// (ids, due times, decisions); the words are rendered per reader.
type Notification struct {
	ID        string           `json:"id"`
	UserID    string           `json:"-"`
	Kind      NotificationKind `json:"kind"`
	SubjectID string           `json:"subject_id"`
	Data      json.RawMessage  `json:"-"`
	CreatedAt time.Time        `json:"created_at"`
	ReadAt    *time.Time       `json:"read_at"`
	// Email is pending, digest, sent, off or failed.
	Email    string     `json:"email"`
	Attempts int        `json:"-"`
	SentAt   *time.Time `json:"-"`
}

// Languages are the languages messages are written in; the first is the
// default.
func Languages() []string { return []string{"en", "de"} }
