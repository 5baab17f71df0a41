package portal

import (
	"context"
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/store"
)

// leadRow is one lead in a list: the redacting API view plus its owner's
// display name.
type leadRow struct {
	httpapi.LeadView
	OwnerLabel string
}

type leadsData struct {
	Email, Company, Status string
	Searched               bool
	Leads                  []leadRow
	NextCursor             string
	Partner                bool
}

// leads lists leads: a partner's own (redacted as the API does), or for
// staff a search by e-mail and company (W9).
func (p *Portal) leads(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	data := leadsData{Email: strings.TrimSpace(q.Get("email")), Company: strings.TrimSpace(q.Get("company")),
		Status: q.Get("status"), Partner: s.actor.IsPartner()}
	data.Searched = data.Email != "" || data.Company != "" || data.Status != ""
	if len(data.Email) > 254 || len(data.Company) > 300 || len(data.Status) > 20 {
		return leadrouter.Errorf(leadrouter.EINVALID, "The search is too long.")
	}
	filter := leadrouter.LeadFilter{Email: data.Email, Company: data.Company, Status: data.Status, Limit: 50, Cursor: q.Get("cursor")}
	if s.actor.Is(leadrouter.RoleSales) && !data.Searched {
		filter.Owner = s.actor.UserID
	}
	err := p.db.View(ctx, func(tx *store.Tx) error {
		page, err := tx.Leads(ctx, s.actor, filter)
		if err != nil {
			return err
		}
		data.NextCursor = page.NextCursor
		names := ownerNames{}
		for _, l := range page.Items {
			v := httpapi.NewLeadView(s.actor, l)
			data.Leads = append(data.Leads, leadRow{LeadView: v, OwnerLabel: names.label(ctx, tx, s.actor, v.Owner)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	title := "Leads"
	switch {
	case s.actor.IsPartner():
		title = "My leads"
	case s.actor.Is(leadrouter.RoleSupport):
		title = "Search leads"
	}
	p.render(w, r, s, http.StatusOK, "leads", title, data, nil)
	return nil
}

// ownerNames caches the display names of owners within one request.
type ownerNames map[string]string

// label names an owner as actor may see it: staff see partner and user
// names; a partner sees its own name, or only the kind of owner.
func (n ownerNames) label(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, o leadrouter.Owner) string {
	if o.Kind == "" {
		return ""
	}
	key := o.Kind + ":" + o.ID + ":" + o.PartnerID
	if name, ok := n[key]; ok {
		return name
	}
	name := o.Kind
	switch {
	case actor.IsPartner() && o.PartnerID != actor.PartnerID:
		name = map[string]string{leadrouter.OwnerQueue: "vendor queue", leadrouter.OwnerUser: "vendor", leadrouter.OwnerPartner: "another partner"}[o.Kind]
	case o.Kind == leadrouter.OwnerQueue:
		name = "queue " + o.ID
	case o.Kind == leadrouter.OwnerPartner || o.Kind == leadrouter.OwnerUser:
		name = o.ID
		if o.PartnerID != "" {
			if partner, err := tx.Partner(ctx, actor, o.PartnerID); err == nil {
				name = partner.Name
			}
		}
		if o.Kind == leadrouter.OwnerUser || (o.ID != "" && o.ID != o.PartnerID) {
			if u, err := tx.User(ctx, actor, o.ID); err == nil {
				if o.PartnerID != "" {
					name += " — " + u.Name
				} else {
					name = u.Name
				}
			}
		}
	}
	n[key] = name
	return name
}

type leadData struct {
	Lead        httpapi.LeadView
	OwnerLabel  string
	Timeline    []httpapi.TimelineItem
	Users       []leadrouter.User
	CanOwner    bool
	CanReassign bool
}

// lead shows one lead with its owner and timeline. A partner asking for a
// lead that is not its own gets 404 from the store.
func (p *Portal) lead(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	id := r.PathValue("id")
	var data leadData
	err := p.db.View(ctx, func(tx *store.Tx) error {
		l, err := tx.Lead(ctx, s.actor, id)
		if err != nil {
			return err
		}
		events, err := tx.Timeline(ctx, l.ID)
		if err != nil {
			return err
		}
		data.Lead = httpapi.NewLeadView(s.actor, l)
		data.Timeline = httpapi.NewTimelineView(s.actor, l, events)
		data.OwnerLabel = ownerNames{}.label(ctx, tx, s.actor, data.Lead.Owner)
		return p.leadActions(ctx, tx, s, l, &data)
	})
	if err != nil {
		return err
	}
	p.render(w, r, s, http.StatusOK, "lead", "Lead "+data.Lead.ID, data, nil)
	return nil
}
