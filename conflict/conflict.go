// Package conflict settles channel conflicts (SPEC W14): when more than one
// partner has a claim on a new lead (its credited PID, the partner owning
// its account or hierarchy, an approved unexpired registration of its
// company, an open lead or opportunity of another partner at the same
// account), the policy's precedence decides the owner and a conflict record
// keeps every claim and why it did or did not prevail. Partner Relations
// resolves it, and may give the lead to another claimant. Partners learn
// only whether their own claim prevailed, never who else claimed.
package conflict

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// Policy is the routing policy in force (routing/live.Router).
type Policy interface {
	Policy() (*routing.Policy, int64, string)
}

// Assignments keeps a partner's assignment in step when a resolution
// gives the lead to another partner.
type Assignments interface {
	LeadOwnerChanged(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, rule string) error
}

// Service decides and settles conflicts.
type Service struct {
	DB          *store.DB
	Policy      Policy
	Assignments Assignments
}

func (s *Service) policy() *routing.Policy {
	if s.Policy != nil {
		if p, _, _ := s.Policy.Policy(); p != nil {
			return p
		}
	}
	return routing.DefaultPolicy()
}

// Claims gathers the partners' claims on a lead from what is stored: its
// credited PID, its account's owner, live registrations of its company,
// other partners' open records at the account. Capture gathers them with
// its other reads, before the writer; explain shows them.
func (s *Service) Claims(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, accountOwnerPartnerID string) ([]leadrouter.Claim, error) {
	var claims []leadrouter.Claim
	add := func(c leadrouter.Claim) {
		if c.PartnerID == "" {
			return
		}
		for _, have := range claims {
			if have.PartnerID == c.PartnerID && have.Kind == c.Kind {
				return
			}
		}
		claims = append(claims, c)
	}
	add(leadrouter.Claim{PartnerID: lead.CreditedPartnerID, Kind: leadrouter.ClaimPID})
	add(leadrouter.Claim{PartnerID: accountOwnerPartnerID, Kind: leadrouter.ClaimAccountOwner, Ref: lead.AccountID})
	companyKey := match.NormaliseCompany(lead.Company)
	domain := ""
	if d := match.EmailDomain(lead.Email); d != "" && !match.IsFreeMail(d) {
		domain = d
	}
	regDomain := ""
	if domain != "" {
		regDomain, _ = match.RegistrableDomain(domain)
	}
	found, err := tx.ClaimsFor(ctx, store.ClaimsQuery{AccountID: lead.AccountID, Domain: domain, RegistrableDomain: regDomain,
		CompanyKey: companyKey, ExcludeLeadID: lead.ID})
	if err != nil {
		return nil, err
	}
	for _, r := range found.Registrations {
		add(leadrouter.Claim{PartnerID: r.PartnerID, Kind: leadrouter.ClaimRegistration, Ref: r.Ref})
	}
	for _, r := range found.Records {
		add(leadrouter.Claim{PartnerID: r.PartnerID, Kind: leadrouter.ClaimOpenRecord, Ref: r.Ref})
	}
	return claims, nil
}

// holderOf is the partner routing gave the lead to: its owner, or the
// partner it is reserved for.
func holderOf(l leadrouter.Lead) string {
	if l.Owner.PartnerID != "" {
		return l.Owner.PartnerID
	}
	return l.ReservedPartnerID
}

// Decide looks for a conflict on a new lead routed as lead says, given the
// claims gathered before (Claims; the partner routing chose is a claim
// too): with claims of more than one partner, the policy's precedence
// names the owner (changing lead's owner or reservation when routing chose
// another claimant) and the conflict is returned, to be opened with Open
// once the lead is written. No conflict: nil.
func (s *Service) Decide(lead *leadrouter.Lead, gathered []leadrouter.Claim, now time.Time) *leadrouter.Conflict {
	claims := slices.Clone(gathered)
	if holder := holderOf(*lead); holder != "" && !slices.ContainsFunc(claims, func(c leadrouter.Claim) bool { return c.PartnerID == holder }) {
		claims = append(claims, leadrouter.Claim{PartnerID: holder, Kind: leadrouter.ClaimRouted, Ref: lead.RoutedRule})
	}
	partners := map[string]bool{}
	for _, c := range claims {
		partners[c.PartnerID] = true
	}
	if len(partners) < 2 {
		return nil
	}
	precedence := s.policy().Precedence
	holder := holderOf(*lead)
	winner, winnerKind := holder, leadrouter.ClaimKind("")
	for _, kind := range precedence {
		if i := slices.IndexFunc(claims, func(c leadrouter.Claim) bool { return c.Kind == kind }); i >= 0 {
			winner, winnerKind = claims[i].PartnerID, kind
			break
		}
	}
	order := make([]string, len(precedence))
	for i, k := range precedence {
		order[i] = string(k)
	}
	for i := range claims {
		c := &claims[i]
		c.Prevailed = c.PartnerID == winner
		switch {
		case c.Prevailed && winnerKind != "":
			c.Why = fmt.Sprintf("prevails: %s comes first in the policy's precedence (%s)", winnerKind, strings.Join(order, ", "))
		case c.Prevailed:
			c.Why = "prevails: no claim in the policy's precedence, so the routing rule's choice stands"
		case c.Kind == leadrouter.ClaimOpenRecord:
			c.Why = "does not prevail: another partner's open lead or opportunity at the account never decides the owner; Partner Relations may reassign"
		case c.Kind == leadrouter.ClaimRouted:
			c.Why = fmt.Sprintf("does not prevail: the routing rule chose it, but a %s claim comes first", winnerKind)
		default:
			c.Why = fmt.Sprintf("does not prevail: %s comes before %s in the policy's precedence (%s)", winnerKind, c.Kind, strings.Join(order, ", "))
		}
	}
	if winner != holder {
		switch winnerKind {
		case leadrouter.ClaimPID:
			lead.ReservedPartnerID = winner
		default:
			lead.Owner, lead.ReservedPartnerID = leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: winner, PartnerID: winner}, ""
		}
		lead.RoutedRule = "precedence:" + string(winnerKind)
	}
	return &leadrouter.Conflict{ID: leadrouter.NewID("cfl"), LeadID: lead.ID, Status: leadrouter.ConflictOpen, Claims: claims,
		WinnerID: winner, CreatedAt: now}
}

// Open records a conflict Decide returned, on the lead's timeline too.
func (s *Service) Open(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, c *leadrouter.Conflict) error {
	if c == nil {
		return nil
	}
	if err := tx.InsertConflict(ctx, *c); err != nil {
		return err
	}
	_, err := tx.AppendEvent(ctx, c.LeadID, leadrouter.EventConflictOpened, actor, map[string]any{
		"conflict_id": c.ID, "winner_partner_id": c.WinnerID, "claims": c.Claims})
	return err
}

// ListRoles may read conflicts: relations, admins and support all, a PAM
// those of its partners.
var ListRoles = []leadrouter.Role{leadrouter.RoleRelations, leadrouter.RoleAdmin, leadrouter.RoleSupport, leadrouter.RolePAM}

// ResolveRoles may resolve conflicts.
var ResolveRoles = []leadrouter.Role{leadrouter.RoleRelations, leadrouter.RoleAdmin}

// List is a page of the conflicts actor may see, in status ("" for all).
func (s *Service) List(ctx context.Context, actor leadrouter.Actor, status leadrouter.ConflictStatus, limit int, cursor string) (store.Page[leadrouter.Conflict], error) {
	if err := actor.Require(ListRoles...); err != nil {
		return store.Page[leadrouter.Conflict]{}, err
	}
	if status != "" && status != leadrouter.ConflictOpen && status != leadrouter.ConflictResolved {
		return store.Page[leadrouter.Conflict]{}, &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
			Fields: []leadrouter.FieldError{{Field: "status", Message: "must be open or resolved"}}}
	}
	var page store.Page[leadrouter.Conflict]
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.Conflicts(ctx, actor, status, limit, cursor)
		return err
	})
	return page, err
}

// ResolveInput is Partner Relations' decision: the partner that keeps (or
// gets) the lead, one of the claimants (empty: the one that prevailed),
// and why.
type ResolveInput struct {
	OwnerPartnerID string
	Reason         string
}

// Resolve settles a conflict. Naming another claimant gives it the lead
// (an open lead only: a converted one follows its hand-off); the timeline
// and every claimant learn the outcome, each partner only of its own
// claim.
func (s *Service) Resolve(ctx context.Context, actor leadrouter.Actor, id string, in ResolveInput) (leadrouter.Conflict, error) {
	if err := actor.Require(ResolveRoles...); err != nil {
		return leadrouter.Conflict{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var v leadrouter.Validation
	if in.Reason == "" {
		v.Add("reason", "is required: say why")
	} else if len(in.Reason) > 2000 {
		v.Add("reason", "is longer than 2000 characters")
	}
	if err := v.Err(); err != nil {
		return leadrouter.Conflict{}, err
	}
	var c leadrouter.Conflict
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Conflict(ctx, actor, id); err != nil {
			return err
		}
		if c.Status != leadrouter.ConflictOpen {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The conflict is resolved already.")
		}
		winner := c.WinnerID
		if in.OwnerPartnerID != "" {
			if !slices.ContainsFunc(c.Claims, func(cl leadrouter.Claim) bool { return cl.PartnerID == in.OwnerPartnerID }) {
				return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
					Fields: []leadrouter.FieldError{{Field: "owner_partner_id", Message: "must be one of the partners with a claim"}}}
			}
			winner = in.OwnerPartnerID
		}
		if winner != c.WinnerID {
			if err := s.giveLead(ctx, tx, actor, c.LeadID, winner, in.Reason); err != nil {
				return err
			}
		}
		for i := range c.Claims {
			c.Claims[i].Prevailed = c.Claims[i].PartnerID == winner
			c.Claims[i].Why = "Partner Relations decided: " + in.Reason
		}
		c.WinnerID, c.ResolvedBy, c.Resolution = winner, actor.UserID, in.Reason
		if err := tx.ResolveConflict(ctx, c); err != nil {
			return err
		}
		now := tx.Now()
		c.Status, c.ResolvedAt = leadrouter.ConflictResolved, &now
		_, err = tx.AppendEvent(ctx, c.LeadID, leadrouter.EventConflictResolved, actor, map[string]any{
			"conflict_id": c.ID, "winner_partner_id": winner, "reason": in.Reason, "claims": c.Claims})
		return err
	})
	return c, err
}

// giveLead makes partnerID the owner of an open lead.
func (s *Service) giveLead(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, leadID, partnerID, reason string) error {
	lead, err := tx.LeadForUpdate(ctx, leadrouter.System, leadID)
	if err != nil {
		return err
	}
	if !lead.Status.Open() {
		return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is %s: its opportunity follows its hand-off; reassign that instead.", lead.Status)
	}
	old := lead.Owner
	lead.Owner = leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: partnerID, PartnerID: partnerID}
	if lead.ReservedPartnerID != "" && lead.ReservedPartnerID != partnerID {
		lead.ReservedPartnerID = ""
	}
	lead.RoutedRule = "conflict"
	if err := tx.UpdateLead(ctx, &lead); err != nil {
		return err
	}
	owner := func(o leadrouter.Owner) map[string]any {
		return map[string]any{"kind": o.Kind, "id": o.ID, "partner_id": o.PartnerID}
	}
	if _, err := tx.AppendEvent(ctx, lead.ID, leadrouter.EventOwnerChanged, actor, map[string]any{
		"old_owner": owner(old), "new_owner": owner(lead.Owner), "reason": "conflict resolved: " + reason, "rule": "conflict"}); err != nil {
		return err
	}
	if s.Assignments != nil {
		return s.Assignments.LeadOwnerChanged(ctx, tx, actor, lead, lead.RoutedRule)
	}
	return nil
}
