package notify

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// link is the portal page a notification leads to.
func (n *Notifier) link(kind leadrouter.NotificationKind, d data) string {
	base := strings.TrimRight(n.PortalURL, "/")
	switch {
	case kind == leadrouter.NotifyHandoffWaiting:
		return base + "/portal/handoffs"
	case kind == leadrouter.NotifyReassignmentFiled:
		return base + "/portal/admin/reassignments"
	case d.ConflictID != "" && d.PartnerID == "":
		return base + "/portal/conflicts"
	case d.RegistrationID != "":
		return base + "/portal/registrations"
	case d.LeadID != "":
		return base + "/portal/leads/" + d.LeadID
	}
	return base + "/portal/notifications"
}

// compose fills what a notification says to its recipient, read now: the
// company, the person only when the recipient may see the lead's contact
// details, the partner's name, the due time in the partner's time zone.
func (n *Notifier) compose(ctx context.Context, tx *store.Tx, no leadrouter.Notification, to store.Recipient) (Data, error) {
	var d data
	_ = json.Unmarshal(no.Data, &d)
	reader := leadrouter.Actor{UserID: to.UserID, Role: to.Role, PartnerID: to.PartnerID}
	out := Data{RecipientName: to.Name, Link: n.link(no.Kind, d), Due: d.Due, Reason: d.Reason, Decision: d.Decision, DaysLeft: d.DaysLeft,
		Prevailed: d.Prevailed, Settings: strings.TrimRight(n.PortalURL, "/") + "/portal/settings", Location: time.UTC}
	if d.LeadID != "" {
		l, err := tx.Lead(ctx, leadrouter.System, d.LeadID)
		if err != nil {
			return out, err
		}
		out.Company = l.Company // empty: the templates say so in the reader's language
		if leadrouter.ContactVisibleTo(reader, l) {
			out.Person = strings.TrimSpace(l.FirstName + " " + l.LastName)
		}
	}
	if d.RegistrationID != "" {
		reg, err := tx.Registration(ctx, leadrouter.System, d.RegistrationID)
		if err != nil {
			return out, err
		}
		out.Company = reg.Company
	}
	if d.PartnerID != "" {
		// Partners learn of their own side only: another partner is never
		// named to them.
		if !reader.IsPartner() || reader.PartnerID == d.PartnerID {
			p, err := tx.Partner(ctx, leadrouter.System, d.PartnerID)
			if err != nil {
				return out, err
			}
			out.PartnerName = p.Name
			if reader.IsPartner() {
				out.Location = p.Location()
			}
		}
	}
	if no.Kind == leadrouter.NotifyDigest {
		items, err := tx.NotificationsByID(ctx, d.Items)
		if err != nil {
			return out, err
		}
		for _, it := range items {
			sub, err := n.compose(ctx, tx, it, to)
			if err != nil {
				return out, err
			}
			subject, _, _, err := Render(it.Kind, to.Lang, sub)
			if err != nil {
				return out, err
			}
			out.Items = append(out.Items, DigestItem{Summary: subject, Link: sub.Link})
		}
	}
	return out, nil
}

// Title is a notification's one line, as its recipient reads it.
func (n *Notifier) title(ctx context.Context, tx *store.Tx, no leadrouter.Notification, to store.Recipient) string {
	d, err := n.compose(ctx, tx, no, to)
	if err != nil {
		return string(no.Kind)
	}
	subject, _, _, err := Render(no.Kind, to.Lang, d)
	if err != nil {
		return string(no.Kind)
	}
	return subject
}
