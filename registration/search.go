package registration

import (
	"context"
	"strings"

	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// lockKeys are the registration_locks rows that serialise searches on one
// prospect: its registrable domain, its company key and its company tokens
// (so that near matches registered at the same moment see each other too).
func (p Prospect) lockKeys() []string {
	var keys []string
	if p.Domain != "" {
		keys = append(keys, "domain:"+p.Domain)
	}
	if p.CompanyKey != "" {
		keys = append(keys, "company:"+p.CompanyKey)
		for _, t := range match.CompanyTokens(p.Company) {
			keys = append(keys, "token:"+t)
		}
	}
	return keys
}

// hosts are the host and its parent domains down to the registrable one:
// an account may hold a subdomain (emea.acme.com) as its domain.
func (p Prospect) hosts() []string {
	if p.Host == "" {
		return nil
	}
	var out []string
	for h := p.Host; len(h) >= len(p.Domain) && strings.Contains(h, "."); {
		out = append(out, h)
		if h == p.Domain {
			break
		}
		_, h, _ = strings.Cut(h, ".")
	}
	return out
}

// gather runs the conflict search for p: the direct candidates through the
// store's indexes, then the accounts of matched leads and contacts, the
// hierarchies of matched accounts, their open opportunities and those of
// matched leads, and the registrations behind the ownership of the accounts
// found. excludeID leaves out the registration being decided.
func gather(ctx context.Context, tx *store.Tx, p Prospect, excludeID string) (Evidence, error) {
	cands, err := tx.ProspectCandidates(ctx, store.ProspectQuery{
		Hosts: p.hosts(), Domain: p.Domain, CompanyKey: p.CompanyKey, Tokens: match.CompanyTokens(p.Company),
		ContactEmail: p.ContactEmail, ExcludeID: excludeID,
	})
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Accounts: cands.Accounts, Leads: cands.Leads, Contacts: cands.Contacts, Registrations: cands.Registrations,
		Hierarchy: map[string][]store.ProspectAccount{}, OwnerRegistrations: map[string][]store.Registration{}}
	hits := rankHits(p, ev)

	have := map[string]bool{}
	for _, a := range ev.Accounts {
		have[a.ID] = true
	}
	link := func(id, via string) error {
		if id == "" || have[id] {
			return nil
		}
		have[id] = true
		a, err := tx.ProspectAccount(ctx, id)
		if err != nil {
			return err
		}
		a.Via = via
		ev.Accounts = append(ev.Accounts, a)
		return nil
	}
	var certainLeads []string
	for _, l := range ev.Leads {
		if hits["lead:"+l.ID].certain {
			certainLeads = append(certainLeads, l.ID)
			if err := link(l.AccountID, "lead"); err != nil {
				return ev, err
			}
		}
	}
	for _, c := range ev.Contacts {
		if hits["contact:"+c.ID].certain {
			if err := link(c.AccountID, "contact"); err != nil {
				return ev, err
			}
		}
	}

	seenOpp := map[string]bool{}
	addOpps := func(opps []store.ProspectOpportunity) {
		for _, o := range opps {
			if !seenOpp[o.ID] {
				seenOpp[o.ID] = true
				ev.Opportunities = append(ev.Opportunities, o)
			}
		}
	}
	owned := map[string]store.ProspectAccount{}
	for _, a := range ev.Accounts {
		if a.OwnerPartnerID != "" {
			owned[a.ID] = a
		}
		if !certainAccount(a, hits) {
			continue
		}
		if _, done := ev.Hierarchy[a.RootID]; done {
			continue
		}
		family, err := tx.AccountHierarchy(ctx, a.RootID)
		if err != nil {
			return ev, err
		}
		ev.Hierarchy[a.RootID] = family
		for _, member := range family {
			if member.OwnerPartnerID != "" {
				owned[member.ID] = member
			}
			opps, err := tx.OpenOpportunitiesOfAccount(ctx, member.ID)
			if err != nil {
				return ev, err
			}
			addOpps(opps)
		}
	}
	for _, id := range certainLeads {
		opps, err := tx.OpenOpportunityOfLead(ctx, id)
		if err != nil {
			return ev, err
		}
		addOpps(opps)
	}
	for id, a := range owned {
		regs, err := tx.RegistrationsOfAccount(ctx, a.OwnerPartnerID, id)
		if err != nil {
			return ev, err
		}
		if len(regs) > 0 {
			ev.OwnerRegistrations[id] = regs
		}
	}
	return ev, nil
}

// namePartners fills in the partner names of conflicts (staff may see
// them).
func namePartners(ctx context.Context, tx *store.Tx, conflicts []store.RegistrationConflict) error {
	var ids []string
	for _, c := range conflicts {
		if c.PartnerID != "" {
			ids = append(ids, c.PartnerID)
		}
	}
	names, err := tx.PartnerNames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range conflicts {
		conflicts[i].PartnerName = names[conflicts[i].PartnerID]
	}
	return nil
}
