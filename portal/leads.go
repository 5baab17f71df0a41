package portal

import (
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
)

// leadRow is one lead in a list: the redacting API view plus its owner's
// display name.
type leadRow struct {
	httpapi.LeadView
	OwnerLabel string
	// Withheld says why the contact details are not shown ("" when they
	// are).
	Withheld string
}

// withheldReason says to a partner why a lead's contact details are not
// shown (W6): reserved for it and waiting for its PAM's hand-off, or no
// consent to share yet.
func withheldReason(actor leadrouter.Actor, v httpapi.LeadView) string {
	switch {
	case !v.Redacted:
		return ""
	case v.ReservedPartnerID == actor.PartnerID && v.Owner.PartnerID != actor.PartnerID && v.HandoffPartnerID != actor.PartnerID:
		return msg("reserved for you: waiting for your PAM to hand it off")
	case !v.Consent.Share:
		return msg("no consent to share yet")
	}
	return msg("withheld until the lead is handed off to you")
}

type leadsData struct {
	// Q is the search box's text (staff), Status the list's filter.
	Q, Status  string
	Searched   bool
	Leads      []leadRow
	NextCursor string
	Partner    bool
	// Results are a search's records of every kind (staff).
	Results []lookup.SearchResult
}

// leadsParams are the query parameters the leads page takes.
var leadsParams = map[string]bool{"q": true, "status": true, "cursor": true}

// leads lists leads: a partner's own (redacted as the API does); for
// staff one search box over leads, contacts, accounts and registrations by
// name, e-mail, company, phone or domain (W9), each result with its owner
// and how to reach them.
func (p *Portal) leads(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	var v leadrouter.Validation
	for k := range q {
		if !leadsParams[k] {
			v.Add(k, "%s", msg("is not a search field here: search with the one box"))
		}
	}
	data := leadsData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Partner: s.actor.IsPartner()}
	if len(data.Q) > 200 {
		v.Add("q", "%s", msg("is longer than 200 characters"))
	}
	status := leadrouter.LeadStatus(data.Status)
	if status != "" && !status.Valid() {
		v.Add("status", "%s", msg("is no lead status"))
	}
	if err := v.Err(); err != nil {
		return err
	}
	title := "Leads"
	switch {
	case s.actor.IsPartner():
		title = "My leads"
	case s.actor.Is(leadrouter.RoleSupport):
		title = "Search"
	}
	if data.Q != "" && !s.actor.IsPartner() {
		data.Searched = true
		results, err := p.cfg.Lookup.Search(ctx, s.actor, data.Q)
		if err != nil {
			return err
		}
		data.Results = results
		for _, res := range results {
			if res.Lead != nil && !res.Redacted {
				httpapi.RecordLeadReads(p.cfg.ReadLog, s.actor, store.ChannelPortal, store.ReadKindLead, httpapi.NewLeadView(s.actor, *res.Lead))
			}
		}
		p.render(w, r, s, http.StatusOK, "leads", title, data, nil)
		return nil
	}
	data.Searched = status != ""
	filter := leadrouter.LeadFilter{Status: status, Limit: 50, Cursor: q.Get("cursor")}
	if s.actor.Is(leadrouter.RoleSales) {
		filter.Owner = s.actor.UserID
	}
	page, names, err := p.cfg.Lookup.Leads(ctx, s.actor, filter)
	if err != nil {
		return err
	}
	data.NextCursor = page.NextCursor
	for _, l := range page.Items {
		v := httpapi.NewLeadView(s.actor, l)
		data.Leads = append(data.Leads, leadRow{LeadView: v, OwnerLabel: names.Owner(v.Owner), Withheld: withheldReason(s.actor, v)})
	}
	for _, row := range data.Leads {
		httpapi.RecordLeadReads(p.cfg.ReadLog, s.actor, store.ChannelPortal, store.ReadKindLead, row.LeadView)
	}
	p.render(w, r, s, http.StatusOK, "leads", title, data, nil)
	return nil
}

type leadData struct {
	Lead       httpapi.LeadView
	OwnerLabel string
	Timeline   []httpapi.TimelineItem
	// Story is the timeline told as sentences.
	Story []timelineEntry
	// Withheld says why the contact details are not shown.
	Withheld string
	// ReservedFor names the partner a reserved lead waits for.
	ReservedFor string
	// OwnerContact is how staff reach the owner (user e-mail, the
	// partner's PAM).
	OwnerContact *lookup.OwnerContact
	Users        []leadrouter.User
	CanOwner     bool
	CanReassign  bool
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
	data.Withheld = withheldReason(s.actor, data.Lead)
	if id := data.Lead.ReservedPartnerID; id != "" {
		data.ReservedFor = (&teller{w: p.wordsFor(r, s), actor: s.actor, names: t.Names}).partner(id)
	}
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
