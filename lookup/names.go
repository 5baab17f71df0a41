package lookup

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// OwnerKeys are the event-data keys that hold an owner ({kind, id,
// partner_id}).
var OwnerKeys = map[string]bool{"old_owner": true, "new_owner": true, "owner": true}

// partnerKeys are the event-data keys that hold a partner's id.
var partnerKeys = []string{"partner_id", "reserved_partner_id", "winner_partner_id", "owner_partner_id"}

// Names turns owners and actors into the names people know them by, as one
// viewer may see them. A lookup fills it inside its read; afterwards it is
// plain data, read without the database.
type Names struct {
	actor    leadrouter.Actor
	partners map[string]string
	users    map[string]string
}

func newNames(actor leadrouter.Actor) *Names {
	return &Names{actor: actor, partners: map[string]string{}, users: map[string]string{}}
}

// Owner names an owner: "Berlin Systems GmbH — Anna Schmidt", "Sam Sales",
// "queue inside-sales"; "" for none. Staff see partner and user names; a
// partner sees its own side by name and anyone else by kind.
func (n *Names) Owner(o leadrouter.Owner) string {
	if o.Kind == "" {
		return ""
	}
	switch {
	case n.actor.IsPartner() && o.PartnerID != n.actor.PartnerID:
		return map[leadrouter.OwnerKind]string{leadrouter.OwnerQueue: "vendor queue", leadrouter.OwnerUser: "vendor",
			leadrouter.OwnerPartner: "another partner"}[o.Kind]
	case o.Kind == leadrouter.OwnerQueue:
		return "queue " + o.ID
	case o.Kind == leadrouter.OwnerPartner || o.Kind == leadrouter.OwnerUser:
		name := o.ID
		if o.PartnerID != "" {
			if p := n.partners[o.PartnerID]; p != "" {
				name = p
			}
		}
		if o.Kind == leadrouter.OwnerUser || (o.ID != "" && o.ID != o.PartnerID) {
			if u := n.users[o.ID]; u != "" {
				if o.PartnerID != "" {
					name += " — " + u
				} else {
					name = u
				}
			}
		}
		return name
	}
	return string(o.Kind)
}

// Actor names who did something on a timeline: a user's name, or the
// actor as recorded ("system", "public", "import", …) when it is no user.
func (n *Names) Actor(actor string) string {
	if name := n.users[actor]; name != "" {
		return name
	}
	return actor
}

// Partner is a partner's name, "" when not loaded or not visible.
func (n *Names) Partner(id string) string { return n.partners[id] }

// User is a user's name, "" when not loaded or not visible.
func (n *Names) User(id string) string { return n.users[id] }

// request collects the ids to name before one read loads them.
type request struct {
	partners map[string]bool
	users    map[string]bool
}

func (q *request) owner(o leadrouter.Owner) {
	if o.PartnerID != "" {
		q.partner(o.PartnerID)
	}
	if (o.Kind == leadrouter.OwnerUser || o.Kind == leadrouter.OwnerPartner) && o.ID != "" && o.ID != o.PartnerID {
		q.user(o.ID)
	}
}

func (q *request) partner(id string) {
	if q.partners == nil {
		q.partners = map[string]bool{}
	}
	q.partners[id] = true
}

func (q *request) user(id string) {
	if q.users == nil {
		q.users = map[string]bool{}
	}
	q.users[id] = true
}

// events asks for the actors and the owners named in events' data.
func (q *request) events(events []leadrouter.Event) {
	for _, e := range events {
		if e.Actor != "" {
			q.user(e.Actor)
		}
		var data map[string]json.RawMessage
		if json.Unmarshal(e.Data, &data) != nil {
			continue
		}
		for _, k := range partnerKeys {
			var id string
			if raw, ok := data[k]; ok && json.Unmarshal(raw, &id) == nil && id != "" {
				q.partner(id)
			}
		}
		var claims []struct {
			PartnerID string `json:"partner_id"`
		}
		if raw, ok := data["claims"]; ok && json.Unmarshal(raw, &claims) == nil {
			for _, c := range claims {
				if c.PartnerID != "" {
					q.partner(c.PartnerID)
				}
			}
		}
		for k := range OwnerKeys {
			var o struct {
				Kind      leadrouter.OwnerKind `json:"kind"`
				ID        string               `json:"id"`
				PartnerID string               `json:"partner_id"`
			}
			if raw, ok := data[k]; ok && json.Unmarshal(raw, &o) == nil {
				q.owner(leadrouter.Owner{Kind: o.Kind, ID: o.ID, PartnerID: o.PartnerID})
			}
		}
	}
}

// load reads, in tx, the names the request asks for that n lacks, in one
// statement. Users are read as n's viewer sees them (another partner's
// user stays unnamed).
func (n *Names) load(ctx context.Context, tx *store.Tx, q request) error {
	var partnerIDs, userIDs []string
	for id := range q.partners {
		if _, ok := n.partners[id]; !ok {
			partnerIDs = append(partnerIDs, id)
		}
	}
	for id := range q.users {
		if _, ok := n.users[id]; !ok && strings.HasPrefix(id, "usr_") {
			userIDs = append(userIDs, id)
		}
	}
	if len(partnerIDs) == 0 && len(userIDs) == 0 {
		return nil
	}
	partners, users, err := tx.Names(ctx, n.actor, partnerIDs, userIDs)
	if err != nil {
		return err
	}
	for _, id := range partnerIDs {
		n.partners[id] = partners[id]
	}
	for _, id := range userIDs {
		n.users[id] = users[id]
	}
	return nil
}

// KnownNames is Names over names known already (tests, and callers that
// read them another way), as actor sees them.
func KnownNames(actor leadrouter.Actor, partners, users map[string]string) *Names {
	n := newNames(actor)
	for id, name := range partners {
		n.partners[id] = name
	}
	for id, name := range users {
		n.users[id] = name
	}
	return n
}
