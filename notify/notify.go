package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Notifier writes, shows and sends notifications.
type Notifier struct {
	// DB is set once the store is open (the hook itself works through the
	// transaction it is given).
	DB *store.DB
	// Mailer sends e-mail; nil: notifications reach the inbox only.
	Mailer *Mailer
	// PortalURL is the portal's public base URL for links
	// (https://leads.vendor.example).
	PortalURL string
	Logger    *slog.Logger
	// Every is how often the sender, the digest and the expiry warnings
	// run (default 1s).
	Every time.Duration
	// DigestHour is the UTC hour daily digests go out (default 7).
	DigestHour int
}

// data is what a notification row keeps of the change.
type data struct {
	LeadID         string    `json:"lead_id,omitempty"`
	PartnerID      string    `json:"partner_id,omitempty"`
	OpportunityID  string    `json:"opportunity_id,omitempty"`
	RegistrationID string    `json:"registration_id,omitempty"`
	ConflictID     string    `json:"conflict_id,omitempty"`
	Due            time.Time `json:"due,omitzero"`
	Reason         string    `json:"reason,omitempty"`
	Decision       string    `json:"decision,omitempty"`
	DaysLeft       int       `json:"days_left,omitempty"`
	Prevailed      bool      `json:"prevailed,omitempty"`
	Items          []string  `json:"items,omitempty"`
}

// OnEvent writes the notifications an event causes, in its transaction.
func (n *Notifier) OnEvent(ctx context.Context, tx *store.Tx, e leadrouter.Event) error {
	var ev struct {
		PartnerID     string `json:"partner_id"`
		OpportunityID string `json:"opportunity_id"`
		OppStatus     string `json:"opportunity_status"`
		Due           string `json:"due_at"`
		Decision      string `json:"decision"`
		Reason        string `json:"reason"`
		RequestID     string `json:"request_id"`
		OldOwner      struct {
			PartnerID string `json:"partner_id"`
		} `json:"old_owner"`
		NewOwner struct {
			PartnerID string `json:"partner_id"`
		} `json:"new_owner"`
	}
	switch e.Type {
	case leadrouter.EventAssignmentOpened, leadrouter.EventAssignmentReminder, leadrouter.EventOwnerChanged, leadrouter.EventConverted,
		leadrouter.EventRegistration, leadrouter.EventReassignReq, leadrouter.EventReassignDone:
	case leadrouter.EventConflictOpened, leadrouter.EventConflictResolved:
		return n.conflict(ctx, tx, e)
	default:
		return nil
	}
	if err := json.Unmarshal(e.Data, &ev); err != nil {
		return nil
	}
	due, _ := time.Parse(time.RFC3339Nano, ev.Due)
	d := data{LeadID: e.Subject, PartnerID: ev.PartnerID, OpportunityID: ev.OpportunityID, Due: due, Reason: ev.Reason}
	switch e.Type {
	case leadrouter.EventAssignmentOpened:
		return n.toPartner(ctx, tx, e, leadrouter.NotifyLeadAssigned, ev.PartnerID, d)
	case leadrouter.EventAssignmentReminder:
		return n.toPartner(ctx, tx, e, leadrouter.NotifyAnswerDue, ev.PartnerID, d)
	case leadrouter.EventOwnerChanged:
		if old := ev.OldOwner.PartnerID; old != "" && old != ev.NewOwner.PartnerID {
			d.PartnerID = old
			return n.toPartner(ctx, tx, e, leadrouter.NotifyLeadRerouted, old, d)
		}
	case leadrouter.EventConverted:
		if ev.OppStatus != string(leadrouter.OppHandoffPending) {
			return nil
		}
		opp, err := tx.Opportunity(ctx, leadrouter.System, ev.OpportunityID)
		if err != nil || opp.PAMUserID == "" {
			return err
		}
		d.PartnerID = opp.ReservedPartnerID
		return n.toUsers(ctx, tx, e, leadrouter.NotifyHandoffWaiting, d, "", "", opp.PAMUserID)
	case leadrouter.EventRegistration:
		if len(e.Subject) < 4 || e.Subject[:4] != "reg_" || ev.PartnerID == "" {
			return nil
		}
		switch ev.Decision {
		case "approved", "rejected", "extension_approved", "extension_rejected":
		default:
			return nil
		}
		d.LeadID, d.RegistrationID, d.Decision = "", e.Subject, ev.Decision
		return n.toPartner(ctx, tx, e, leadrouter.NotifyRegistrationDecided, ev.PartnerID, d)
	case leadrouter.EventReassignReq:
		d.PartnerID = ev.OldOwner.PartnerID
		return n.toUsers(ctx, tx, e, leadrouter.NotifyReassignmentFiled, d, "", leadrouter.RoleAdmin)
	case leadrouter.EventReassignDone:
		req, err := tx.ReassignmentRequest(ctx, ev.RequestID)
		if err != nil {
			return err
		}
		d.PartnerID = req.PartnerID
		if req.PartnerID != "" {
			if err := n.toPartner(ctx, tx, e, leadrouter.NotifyReassignmentResolved, req.PartnerID, d); err != nil {
				return err
			}
		}
		if req.RequestedBy != "" && req.RequestedBy != e.Actor {
			var onBehalf bool
			if u, err := tx.User(ctx, leadrouter.System, req.RequestedBy); err == nil && u.PartnerID == "" {
				onBehalf = true
			}
			if onBehalf { // support filed it for the partner: it learns too
				return n.toUsers(ctx, tx, e, leadrouter.NotifyReassignmentResolved, d, "", "", req.RequestedBy)
			}
		}
	}
	return nil
}

// conflict tells Partner Relations and the PAMs of the partners concerned
// of a conflict, and each claimant whether its claim prevailed (naming no
// other partner).
func (n *Notifier) conflict(ctx context.Context, tx *store.Tx, e leadrouter.Event) error {
	var ev struct {
		ConflictID string             `json:"conflict_id"`
		Winner     string             `json:"winner_partner_id"`
		Reason     string             `json:"reason"`
		Claims     []leadrouter.Claim `json:"claims"`
	}
	if err := json.Unmarshal(e.Data, &ev); err != nil {
		return nil
	}
	kind := leadrouter.NotifyConflictOpened
	if e.Type == leadrouter.EventConflictResolved {
		kind = leadrouter.NotifyConflictResolved
	}
	d := data{LeadID: e.Subject, ConflictID: ev.ConflictID, Reason: ev.Reason}
	var pams []string
	done := map[string]bool{}
	for _, c := range ev.Claims {
		if done[c.PartnerID] {
			continue
		}
		done[c.PartnerID] = true
		pd := d
		pd.PartnerID, pd.Prevailed = c.PartnerID, c.PartnerID == ev.Winner
		if err := n.toPartner(ctx, tx, e, kind, c.PartnerID, pd); err != nil {
			return err
		}
		if p, err := tx.Partner(ctx, leadrouter.System, c.PartnerID); err == nil && p.PAMUserID != "" {
			pams = append(pams, p.PAMUserID)
		}
	}
	if err := n.toUsers(ctx, tx, e, kind, d, "", leadrouter.RoleRelations); err != nil {
		return err
	}
	if len(pams) == 0 {
		return nil
	}
	return n.toUsers(ctx, tx, e, kind, d, "", "", pams...)
}

func (n *Notifier) toPartner(ctx context.Context, tx *store.Tx, e leadrouter.Event, kind leadrouter.NotificationKind, partnerID string, d data) error {
	if partnerID == "" {
		return nil
	}
	return n.toUsers(ctx, tx, e, kind, d, partnerID, "")
}

// toUsers writes kind's notification for every user of partnerID, or of
// role, or ids, but the one who caused it.
func (n *Notifier) toUsers(ctx context.Context, tx *store.Tx, e leadrouter.Event, kind leadrouter.NotificationKind, d data, partnerID string, role leadrouter.Role, ids ...string) error {
	rcpts, err := tx.Recipients(ctx, kind, partnerID, role, ids...)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(d)
	subject := e.Subject
	for _, r := range rcpts {
		if r.UserID == e.Actor {
			continue // they did it
		}
		if err := tx.InsertNotification(ctx, leadrouter.Notification{ID: leadrouter.NewID("ntf"), UserID: r.UserID, Kind: kind,
			SubjectID: subject, Data: raw, CreatedAt: tx.Now(), Email: n.delivery(kind, r.Mode)}); err != nil {
			return err
		}
	}
	return nil
}

// delivery is how a notification goes out by e-mail.
func (n *Notifier) delivery(kind leadrouter.NotificationKind, chosen leadrouter.DeliveryMode) string {
	mode := chosen
	if !mode.Valid() {
		mode = leadrouter.DefaultDelivery(kind)
	}
	switch {
	case n.Mailer == nil || mode == leadrouter.DeliverOff:
		return "off"
	case mode == leadrouter.DeliverDigest:
		return "digest"
	}
	return "pending"
}
