package portal

import (
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
	filter := leadrouter.LeadFilter{Email: data.Email, Company: data.Company, Status: leadrouter.LeadStatus(data.Status), Limit: 50, Cursor: q.Get("cursor")}
	if s.actor.Is(leadrouter.RoleSales) && !data.Searched {
		filter.Owner = s.actor.UserID
	}
	page, names, err := p.cfg.Lookup.Leads(ctx, s.actor, filter)
	if err != nil {
		return err
	}
	data.NextCursor = page.NextCursor
	for _, l := range page.Items {
		v := httpapi.NewLeadView(s.actor, l)
		data.Leads = append(data.Leads, leadRow{LeadView: v, OwnerLabel: names.Owner(v.Owner)})
	}
	for _, row := range data.Leads {
		httpapi.RecordLeadReads(p.cfg.ReadLog, s.actor, store.ChannelPortal, store.ReadKindLead, row.LeadView)
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

type leadData struct {
	Lead       httpapi.LeadView
	OwnerLabel string
	Timeline   []httpapi.TimelineItem
	// Story is the timeline told as sentences.
	Story       []timelineEntry
	Users       []leadrouter.User
	CanOwner    bool
	CanReassign bool
	// Reads is the lead's read log (admins only): who saw its contact
	// details, newest first.
	Reads     []store.ContactRead
	ShowReads bool
	// ReaderNames names the users of Reads.
	ReaderNames map[string]string
	// Work is what the vendor's people may do with the lead (qualify,
	// record consent, disqualify, convert), nil for anyone else.
	Work *leadWork
}

// lead shows one lead with its owner and timeline. A partner asking for a
// lead that is not its own gets 404 from the store.
func (p *Portal) lead(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.leadPage(w, r, s, http.StatusOK, nil)
}

// leadPage renders the lead page, with formErr (status) when a form on it
// was refused: every offending field is shown next to the form again.
func (p *Portal) leadPage(w http.ResponseWriter, r *http.Request, s *session, status int, formErr error) error {
	ctx := r.Context()
	id := r.PathValue("id")
	var data leadData
	t, err := p.cfg.Lookup.Timeline(ctx, s.actor, id)
	if err != nil {
		return err
	}
	data.Lead = httpapi.NewLeadView(s.actor, t.Lead)
	data.Timeline = httpapi.NewTimelineView(s.actor, t.Lead, t.Events)
	httpapi.NameTimeline(s.actor, t.Names, data.Timeline)
	data.OwnerLabel = t.Names.Owner(data.Lead.Owner)
	data.Story = timelineStory(p.wordsFor(r, s), s.actor, t.Names, data.Timeline)
	if s.actor.Is(leadrouter.RoleAdmin) {
		reads, err := p.cfg.Lookup.ContactReads(ctx, s.actor, t.Lead.ID, 50, "")
		if err != nil {
			return err
		}
		data.Reads, data.ShowReads = reads.Items, true
		var readers []string
		for _, r := range reads.Items {
			readers = append(readers, r.UserID)
		}
		names, err := p.cfg.Lookup.People(ctx, s.actor, nil, readers)
		if err != nil {
			return err
		}
		data.ReaderNames = map[string]string{}
		for _, id := range readers {
			data.ReaderNames[id] = names.User(id)
		}
	}
	if err := p.leadActions(ctx, s, t.Lead, &data); err != nil {
		return err
	}
	data.Work = p.leadWorkFor(r, s, t.Lead)
	// The page shows the contact details (and the timeline carries them
	// too): one entry, on the lead.
	httpapi.RecordLeadReads(p.cfg.ReadLog, s.actor, store.ChannelPortal, store.ReadKindLead, data.Lead)
	p.render(w, r, s, status, "lead", leadTitle(data.Lead), data, formErr)
	return nil
}

// leadTitle names a lead as its reader may see it: the person and the
// company, or the company alone while the contact details are withheld.
func leadTitle(l httpapi.LeadView) string {
	person := strings.TrimSpace(deref(l.FirstName) + " " + deref(l.LastName))
	switch {
	case l.Redacted || person == "":
		if l.Company != "" {
			return l.Company
		}
		return msg("Lead")
	case l.Company != "":
		return person + ", " + l.Company
	}
	return person
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
