package httpapi

import (
	"context"
	"encoding/json"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
)

// NameTimeline fills, for staff, each item's actor_name and a "name" in
// every owner the items' data holds, from names the lookup read with the
// timeline; partners' timelines (already reduced to what they may see) are
// left as they are.
func NameTimeline(actor leadrouter.Actor, names *lookup.Names, items []TimelineItem) {
	if !actor.IsStaff() {
		return
	}
	for i := range items {
		items[i].ActorName = names.Actor(items[i].Actor)
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
			o["name"] = names.Owner(leadrouter.Owner{Kind: leadrouter.OwnerKind(kind), ID: id, PartnerID: partnerID})
		}
	}
}

// namedLeadView is NewLeadView with the owner's name, read after a change
// has committed.
func (s *Server) namedLeadView(ctx context.Context, actor leadrouter.Actor, l leadrouter.Lead) LeadView {
	v := NewLeadView(actor, l)
	RecordLeadReads(s.reads, actor, store.ChannelAPI, store.ReadKindLead, v)
	if names, err := s.lookup.Owners(ctx, actor, l.Owner); err == nil {
		v.OwnerName = names.Owner(l.Owner)
	}
	return v
}
