package portal

import (
	"context"
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/conflict"
	"github.com/leadrouter/leadrouter/store"
)

// Conflicts lists and resolves channel conflicts (conflict.Service).
type Conflicts interface {
	List(ctx context.Context, actor leadrouter.Actor, status leadrouter.ConflictStatus, limit int, cursor string) (store.Page[leadrouter.Conflict], error)
	Resolve(ctx context.Context, actor leadrouter.Actor, id string, in conflict.ResolveInput) (leadrouter.Conflict, error)
}

type conflictRowView struct {
	leadrouter.Conflict
	Company string
	Claims  []claimView
}

type claimView struct {
	leadrouter.Claim
	PartnerName string
}

type conflictsData struct {
	Items      []conflictRowView
	CanResolve bool
}

// conflicts is Partner Relations' queue of open channel conflicts: each
// claim with its partner and why it did or did not prevail.
func (p *Portal) conflicts(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Conflicts == nil {
		return p.unavailable(w, r, s, "Conflicts", msg("Channel conflicts"))
	}
	ctx := r.Context()
	page, err := p.cfg.Conflicts.List(ctx, s.actor, leadrouter.ConflictOpen, 200, "")
	if err != nil {
		return err
	}
	var partnerIDs []string
	for _, c := range page.Items {
		for _, cl := range c.Claims {
			partnerIDs = append(partnerIDs, cl.PartnerID)
		}
	}
	names, err := p.cfg.Lookup.People(ctx, s.actor, partnerIDs, nil)
	if err != nil {
		return err
	}
	data := conflictsData{CanResolve: s.actor.Is(leadrouter.RoleRelations) || s.actor.Is(leadrouter.RoleAdmin)}
	for _, c := range page.Items {
		row := conflictRowView{Conflict: c}
		if l, _, err := p.cfg.Lookup.Lead(ctx, s.actor, c.LeadID); err == nil {
			row.Company = l.Company
		}
		for _, cl := range c.Claims {
			row.Claims = append(row.Claims, claimView{Claim: cl, PartnerName: names.Partner(cl.PartnerID)})
		}
		data.Items = append(data.Items, row)
	}
	p.render(w, r, s, http.StatusOK, "conflicts", "Channel conflicts", data, nil)
	return nil
}

// resolveConflict settles a conflict, giving the lead to the chosen
// claimant.
func (p *Portal) resolveConflict(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Conflicts == nil {
		return errUnavailable("conflicts")
	}
	in := conflict.ResolveInput{OwnerPartnerID: r.PostFormValue("owner_partner_id"), Reason: r.PostFormValue("reason")}
	if _, err := p.cfg.Conflicts.Resolve(r.Context(), s.actor, r.PathValue("id"), in); err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/conflicts?done=conflict_resolved", http.StatusSeeOther)
	return nil
}

// openConflicts counts the open conflicts s may see (0 when conflicts are
// not mounted or cannot be read: the count is a hint on other pages).
func (p *Portal) openConflicts(ctx context.Context, s *session) int {
	return len(p.conflictedLeads(ctx, s))
}

// conflictedLeads are the leads with an open channel conflict the viewer
// may see.
func (p *Portal) conflictedLeads(ctx context.Context, s *session) map[string]bool {
	out := map[string]bool{}
	if p.cfg.Conflicts == nil {
		return out
	}
	page, err := p.cfg.Conflicts.List(ctx, s.actor, leadrouter.ConflictOpen, 500, "")
	if err != nil {
		return out
	}
	for _, c := range page.Items {
		out[c.LeadID] = true
	}
	return out
}
