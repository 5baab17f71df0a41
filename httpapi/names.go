package httpapi

import (
	"context"
	"encoding/json"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Names turns owners and actors into the names people know them by, for
// one request (each partner and user is read once).
type Names struct {
	actor leadrouter.Actor
	cache map[string]string
}

// NewNames returns the names as actor may see them: staff see partner and
// user names; a partner sees its own side by name and anyone else by kind.
func NewNames(actor leadrouter.Actor) *Names {
	return &Names{actor: actor, cache: map[string]string{}}
}

// Owner names an owner: "Berlin Systems GmbH — Anna Schmidt", "Sam Sales",
// "queue inside-sales"; "" for none.
func (n *Names) Owner(ctx context.Context, tx *store.Tx, o leadrouter.Owner) string {
	if o.Kind == "" {
		return ""
	}
	key := string(o.Kind) + ":" + o.ID + ":" + o.PartnerID
	if name, ok := n.cache[key]; ok {
		return name
	}
	name := string(o.Kind)
	switch {
	case n.actor.IsPartner() && o.PartnerID != n.actor.PartnerID:
		name = map[leadrouter.OwnerKind]string{leadrouter.OwnerQueue: "vendor queue", leadrouter.OwnerUser: "vendor", leadrouter.OwnerPartner: "another partner"}[o.Kind]
	case o.Kind == leadrouter.OwnerQueue:
		name = "queue " + o.ID
	case o.Kind == leadrouter.OwnerPartner || o.Kind == leadrouter.OwnerUser:
		name = o.ID
		if o.PartnerID != "" {
			if partner, err := tx.Partner(ctx, n.actor, o.PartnerID); err == nil {
				name = partner.Name
			}
		}
		if o.Kind == leadrouter.OwnerUser || (o.ID != "" && o.ID != o.PartnerID) {
			if u := n.user(ctx, tx, o.ID); u != "" {
				if o.PartnerID != "" {
					name += " — " + u
				} else {
					name = u
				}
			}
		}
	}
	n.cache[key] = name
	return name
}

// Actor names who did something on a timeline: a user's name, or the
// actor as recorded ("system", "public", "import", …) when it is no user.
func (n *Names) Actor(ctx context.Context, tx *store.Tx, actor string) string {
	if name := n.user(ctx, tx, actor); name != "" {
		return name
	}
	return actor
}

func (n *Names) user(ctx context.Context, tx *store.Tx, id string) string {
	key := "user:" + id
	if name, ok := n.cache[key]; ok {
		return name
	}
	name := ""
	if u, err := tx.User(ctx, n.actor, id); err == nil {
		name = u.Name
	}
	n.cache[key] = name
	return name
}

// NameLead fills v's owner_name.
func (n *Names) NameLead(ctx context.Context, tx *store.Tx, v *LeadView) {
	v.OwnerName = n.Owner(ctx, tx, v.Owner)
}

// NameTimeline fills, for staff, each item's actor_name and a "name" in
// every owner the items' data holds; partners' timelines (already reduced
// to what they may see) are left as they are.
func (n *Names) NameTimeline(ctx context.Context, tx *store.Tx, items []TimelineItem) {
	if !n.actor.IsStaff() {
		return
	}
	for i := range items {
		items[i].ActorName = n.Actor(ctx, tx, items[i].Actor)
		var data map[string]any
		switch d := items[i].Data.(type) {
		case map[string]any:
			data = d
		case json.RawMessage:
			if json.Unmarshal(d, &data) != nil {
				continue
			}
			items[i].Data = data
		default:
			continue
		}
		for k := range ownerKeys {
			o, ok := data[k].(map[string]any)
			if !ok {
				continue
			}
			kind, _ := o["kind"].(string)
			id, _ := o["id"].(string)
			partnerID, _ := o["partner_id"].(string)
			o["name"] = n.Owner(ctx, tx, leadrouter.Owner{Kind: leadrouter.OwnerKind(kind), ID: id, PartnerID: partnerID})
		}
	}
}

// namedLeadView is NewLeadView with the owner's name, read in a
// transaction of its own (for answers after a change has committed).
func (s *Server) namedLeadView(ctx context.Context, actor leadrouter.Actor, l leadrouter.Lead) LeadView {
	v := NewLeadView(actor, l)
	RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, v)
	_ = s.db.View(ctx, func(tx *store.Tx) error {
		NewNames(actor).NameLead(ctx, tx, &v)
		return nil
	})
	return v
}
