package portal

import (
	"context"
	"net/http"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
)

// Lifecycle moves leads after capture (lifecycle.Service): hand-off,
// change of owner and reassignment requests.
type Lifecycle interface {
	Qualify(ctx context.Context, actor leadrouter.Actor, leadID string, in lifecycle.QualifyInput) (leadrouter.Lead, error)
	Disqualify(ctx context.Context, actor leadrouter.Actor, leadID, reason string) (leadrouter.Lead, error)
	RecordConsent(ctx context.Context, actor leadrouter.Actor, leadID string, in lifecycle.ConsentInput) (leadrouter.Lead, error)
	Convert(ctx context.Context, actor leadrouter.Actor, leadID string, in lifecycle.ConvertInput) (lifecycle.Conversion, error)
	Handoff(ctx context.Context, actor leadrouter.Actor, opportunityID string, in lifecycle.HandoffInput) (leadrouter.Opportunity, leadrouter.Lead, error)
	ChangeOwner(ctx context.Context, actor leadrouter.Actor, leadID string, in lifecycle.ChangeOwnerInput) (leadrouter.Lead, error)
	RequestReassignment(ctx context.Context, actor leadrouter.Actor, leadID string, in lifecycle.ReassignmentInput) (leadrouter.ReassignmentRequest, error)
	ResolveReassignment(ctx context.Context, actor leadrouter.Actor, requestID string, in lifecycle.ResolveInput) (leadrouter.ReassignmentRequest, leadrouter.Lead, error)
}

// unavailable renders a page whose workflow is not mounted on this server.
func (p *Portal) unavailable(w http.ResponseWriter, r *http.Request, s *session, title, what string) error {
	p.render(w, r, s, http.StatusOK, "unavailable", title, what, nil)
	return nil
}

func errUnavailable(what string) error {
	return leadrouter.Errorf(leadrouter.EINTERNAL, "%s is not mounted", what)
}

// leadActions fills the lead page's forms: a partner may change the owner
// among its own users and ask to give the lead up.
func (p *Portal) leadActions(ctx context.Context, s *session, l leadrouter.Lead, data *leadData) error {
	if !s.actor.IsPartner() {
		owner, err := p.cfg.Lookup.OwnerContact(ctx, s.actor, l.Owner)
		if err != nil {
			return err
		}
		data.OwnerContact = owner
	}
	if p.cfg.Lifecycle == nil {
		return nil
	}
	if s.actor.Is(leadrouter.RoleSupport) {
		// When a partner asks, support files its reassignment request or
		// moves the lead among the partner's users.
		data.CanReassign = l.Owner.PartnerID != ""
		if l.Owner.PartnerID != "" {
			users, err := p.cfg.Lookup.PartnerUsers(ctx, s.actor, l.Owner.PartnerID)
			if err != nil {
				return err
			}
			data.Users, data.CanOwner = users, len(users) > 0
		}
		return nil
	}
	if !s.actor.IsPartner() {
		return nil
	}
	owned := l.Owner.PartnerID == s.actor.PartnerID || l.HandoffPartnerID == s.actor.PartnerID
	if !owned {
		return nil
	}
	users, err := p.cfg.Admin.Users(ctx, s.actor, leadrouter.RolePartner, 500, "")
	if err != nil {
		return err
	}
	data.Users, data.CanOwner = users.Items, true
	data.CanReassign = l.Owner.PartnerID == s.actor.PartnerID
	return nil
}

// changeOwner sets a lead's owner (a partner among its own users, the
// support desk among the owning partner's).
func (p *Portal) changeOwner(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	return p.onLead(w, r, s, "owner_changed", func(id string) error {
		_, err := p.cfg.Lifecycle.ChangeOwner(r.Context(), s.actor, id, lifecycle.ChangeOwnerInput{OwnerID: r.PostFormValue("owner_id"),
			Reason: r.PostFormValue("reason")})
		return err
	})
}

// requestReassignment asks to give a lead up (a partner, or the support
// desk on the owning partner's behalf).
func (p *Portal) requestReassignment(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	id := r.PathValue("id")
	in := lifecycle.ReassignmentInput{Reason: r.PostFormValue("reason")}
	if !s.actor.IsPartner() {
		l, _, err := p.cfg.Lookup.Lead(r.Context(), s.actor, id)
		if err != nil {
			return err
		}
		in.PartnerID = l.Owner.PartnerID
	}
	return p.onLead(w, r, s, "reassign_asked", func(id string) error {
		_, err := p.cfg.Lifecycle.RequestReassignment(r.Context(), s.actor, id, in)
		return err
	})
}

type opportunityRow struct {
	httpapi.OpportunityView
	PartnerName string
	// Consented says whether the person agreed to their details being
	// shared (the hand-off queue warns before handing off without it).
	Consented bool
	// Conflict is set when more than one partner claims the lead.
	Conflict bool
}

type opportunitiesData struct {
	Items    []opportunityRow
	Partners []leadrouter.Partner
	Admin    bool
	// OpenConflicts counts the open channel conflicts the viewer may see
	// (the hand-off queue shows it).
	OpenConflicts int
	// Stages are the policy's deal stages (the partner's deal form).
	Stages []string
}

// listOpportunities returns the opportunities actor may see with their
// leads, through the redacting view.
func (p *Portal) listOpportunities(ctx context.Context, actor leadrouter.Actor, f store.OpportunityFilter) (opportunitiesData, error) {
	var data opportunitiesData
	f.Limit = 200
	page, leads, names, err := p.cfg.Lookup.Opportunities(ctx, actor, f)
	if err != nil {
		return data, err
	}
	for _, o := range page.Items {
		row := opportunityRow{OpportunityView: httpapi.NewOpportunityView(actor, o, leads[o.ID]), Consented: leads[o.ID].Consent.Share}
		if pid := row.ReservedPartnerID; pid != "" && actor.IsStaff() {
			row.PartnerName = names.Partner(pid)
		}
		data.Items = append(data.Items, row)
		httpapi.RecordOpportunityReads(p.cfg.ReadLog, actor, store.ChannelPortal, row.OpportunityView)
	}
	if actor.Is(leadrouter.RoleAdmin) {
		partners, err := p.cfg.Admin.Partners(ctx, actor, 500, "")
		data.Partners, data.Admin = partners.Items, true
		return data, err
	}
	return data, nil
}

// opportunities lists a partner's opportunities (those handed off to it).
func (p *Portal) opportunities(w http.ResponseWriter, r *http.Request, s *session) error {
	data, err := p.listOpportunities(r.Context(), s.actor, store.OpportunityFilter{})
	if err != nil {
		return err
	}
	data.Stages = p.policy().DealStages
	p.render(w, r, s, http.StatusOK, "opportunities", "Opportunities", data, nil)
	return nil
}

// handoffs is the PAM's hand-off queue: opportunities waiting for hand-off
// to their reserved partner.
func (p *Portal) handoffs(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.handoffsPage(w, r, s, http.StatusOK, nil)
}

func (p *Portal) handoffsPage(w http.ResponseWriter, r *http.Request, s *session, status int, formErr error) error {
	if p.cfg.Lifecycle == nil {
		return p.unavailable(w, r, s, "Hand-off queue", msg("Opportunity hand-off"))
	}
	data, err := p.listOpportunities(r.Context(), s.actor, store.OpportunityFilter{Status: leadrouter.OppHandoffPending})
	if err != nil {
		return err
	}
	conflicted := p.conflictedLeads(r.Context(), s)
	for i := range data.Items {
		data.Items[i].Conflict = conflicted[data.Items[i].LeadID]
	}
	data.OpenConflicts = len(conflicted)
	p.render(w, r, s, status, "handoffs", "Hand-off queue", data, formErr)
	return nil
}

// handoff hands an opportunity to a partner: its reserved partner, or for
// an admin any partner with a written reason.
func (p *Portal) handoff(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	in := lifecycle.HandoffInput{PartnerID: r.PostFormValue("partner_id"), OverrideReason: strings.TrimSpace(r.PostFormValue("override_reason"))}
	// Without the person's consent the partner gets the company but not
	// the person: the queue says so, and the PAM confirms it.
	_, lead, err := p.cfg.Lookup.Opportunity(r.Context(), s.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !lead.Consent.Share && r.PostFormValue("without_consent") != "yes" {
		var v leadrouter.Validation
		v.Add("without_consent", "%s", msg("the person has not agreed to their details being shared: tick the box to hand off the company without them, or record their consent on the lead first"))
		return p.handoffsPage(w, r, s, http.StatusUnprocessableEntity, v.Err())
	}
	if _, _, err := p.cfg.Lifecycle.Handoff(r.Context(), s.actor, r.PathValue("id"), in); err != nil {
		return p.handoffsPage(w, r, s, statusOf(err), err)
	}
	http.Redirect(w, r, "/portal/handoffs?done=handed_off", http.StatusSeeOther)
	return nil
}

type reassignmentsData struct {
	Items []leadrouter.ReassignmentQueueItem
	// Owners are the new owners an admin may name, grouped: the vendor's
	// sales users, then each active partner with its users.
	Owners []ownerGroup
}

// ownerGroup is one <optgroup> of the resolve form's owner list. PartnerID
// is the partner the group stands for ("" for the vendor's users): a
// request's own form leaves out the partner giving the lead up.
type ownerGroup struct {
	Label     string
	PartnerID string
	Choices   []ownerChoice
}

// ownerChoice is one owner_id the resolve form offers.
type ownerChoice struct {
	ID, Label string
}

// ownerGroups lists who an admin may name as a lead's new owner (W8): the
// sales users, and every active partner followed by its users. Suspended
// partners, which the lifecycle refuses as owners, and their users are
// left out.
func ownerGroups(ctx context.Context, people *admin.Service, actor leadrouter.Actor) ([]ownerGroup, error) {
	sales := ownerGroup{Label: msg("Vendor sales")}
	if err := eachPage(func(cursor string) (store.Page[leadrouter.User], error) {
		return people.Users(ctx, actor, leadrouter.RoleSales, 500, cursor)
	}, func(u leadrouter.User) {
		sales.Choices = append(sales.Choices, ownerChoice{ID: u.ID, Label: u.Name + " (sales)"})
	}); err != nil {
		return nil, err
	}
	groups := []ownerGroup{sales}
	byPartner := map[string]int{}
	if err := eachPage(func(cursor string) (store.Page[leadrouter.Partner], error) {
		return people.Partners(ctx, actor, 500, cursor)
	}, func(p leadrouter.Partner) {
		if p.Status != leadrouter.PartnerActive {
			return
		}
		byPartner[p.ID] = len(groups)
		groups = append(groups, ownerGroup{Label: p.Name, PartnerID: p.ID,
			Choices: []ownerChoice{{ID: p.ID, Label: p.Name + " (the partner)"}}})
	}); err != nil {
		return nil, err
	}
	if err := eachPage(func(cursor string) (store.Page[leadrouter.User], error) {
		return people.Users(ctx, actor, leadrouter.RolePartner, 500, cursor)
	}, func(u leadrouter.User) {
		if i, ok := byPartner[u.PartnerID]; ok {
			groups[i].Choices = append(groups[i].Choices, ownerChoice{ID: u.ID, Label: u.Name + " (" + groups[i].Label + " user)"})
		}
	}); err != nil {
		return nil, err
	}
	return groups, nil
}

// eachPage calls fn on every item of a paged list, page after page.
func eachPage[T any](list func(cursor string) (store.Page[T], error), fn func(T)) error {
	cursor := ""
	for {
		page, err := list(cursor)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			fn(item)
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// reassignments is the admin's queue of open reassignment requests.
func (p *Portal) reassignments(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return p.unavailable(w, r, s, "Reassignment requests", msg("Reassignment"))
	}
	ctx := r.Context()
	var data reassignmentsData
	page, err := p.cfg.Lookup.ReassignmentRequests(ctx, s.actor, leadrouter.ReassignmentOpen, 200, "")
	if err != nil {
		return err
	}
	data.Items = page.Items
	if data.Owners, err = ownerGroups(ctx, p.cfg.Admin, s.actor); err != nil {
		return err
	}
	for _, it := range data.Items {
		// The queue shows each lead's contact (admins only).
		p.cfg.ReadLog.Record(s.actor, store.ChannelPortal, store.ReadKindLead, it.Lead.ID, it.Lead.ID)
	}
	p.render(w, r, s, http.StatusOK, "reassignments", "Reassignment requests", data, nil)
	return nil
}

// resolveReassignment names a new owner (a sales user, a partner or a
// partner's user: the lifecycle resolves the id) or re-runs routing
// without the partner that gave the lead up.
func (p *Portal) resolveReassignment(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	if _, _, err := p.cfg.Lifecycle.ResolveReassignment(r.Context(), s.actor, r.PathValue("id"), lifecycle.ResolveInput{OwnerID: r.PostFormValue("owner_id")}); err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/admin/reassignments?done=reassign_resolved", http.StatusSeeOther)
	return nil
}

// filedRequest is a reassignment request the support desk filed, as its
// page shows it.
type filedRequest struct {
	leadrouter.ReassignmentQueueItem
	// NewOwner names who has the lead since the request was resolved.
	NewOwner string
}

// filedRequests lets the support desk follow the reassignment requests it
// filed on partners' behalf: open ones, and how the resolved ones ended.
func (p *Portal) filedRequests(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	page, err := p.cfg.Lookup.ReassignmentRequests(ctx, s.actor, "", 200, "")
	if err != nil {
		return err
	}
	var owners []leadrouter.Owner
	for i := range page.Items {
		o := &page.Items[i].Request.NewOwner
		if o.Kind == leadrouter.OwnerPartner && o.PartnerID == "" {
			o.PartnerID = o.ID // stored as kind and id
		}
		owners = append(owners, *o)
	}
	names, err := p.cfg.Lookup.Owners(ctx, s.actor, owners...)
	if err != nil {
		return err
	}
	var items []filedRequest
	for _, it := range page.Items {
		items = append(items, filedRequest{ReassignmentQueueItem: it, NewOwner: names.Owner(it.Request.NewOwner)})
	}
	p.render(w, r, s, http.StatusOK, "filed_requests", "Your reassignment requests", items, nil)
	return nil
}
