package registration

import (
	"context"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// lockKeys are the registration_locks rows that serialise searches on one
// prospect: its registrable domain (and its contact e-mail's), its company
// key and its company tokens (so that near matches registered at the same
// moment see each other too).
func (p Prospect) lockKeys() []string {
	var keys []string
	if p.Domain != "" {
		keys = append(keys, "domain:"+p.Domain)
	}
	if p.EmailDomain != "" && p.EmailDomain != p.Domain {
		keys = append(keys, "domain:"+p.EmailDomain)
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
	return hostChain(p.Host, p.Domain)
}

// emailHosts are the contact e-mail's host and its parent domains down to
// the registrable one (none for free mail).
func (p Prospect) emailHosts() []string {
	return hostChain(p.EmailHost, p.EmailDomain)
}

func hostChain(host, domain string) []string {
	if host == "" {
		return nil
	}
	var out []string
	for h := host; len(h) >= len(domain) && strings.Contains(h, "."); {
		out = append(out, h)
		if h == domain {
			break
		}
		_, h, _ = strings.Cut(h, ".")
	}
	return out
}

// Source is what the conflict search reads, through indexes only
// (store.Tx implements it; the tests give it an in-memory fake).
type Source interface {
	ProspectCandidates(ctx context.Context, q store.ProspectQuery) (store.ProspectCandidates, error)
	ProspectAccounts(ctx context.Context, ids []string) ([]store.ProspectAccount, error)
	AccountHierarchy(ctx context.Context, rootID string) ([]store.ProspectAccount, error)
	OpenOpportunitiesAt(ctx context.Context, accountIDs, leadIDs []string) ([]store.ProspectOpportunity, error)
	OwnerRegistrationsAt(ctx context.Context, owners map[string]string) (map[string][]leadrouter.Registration, error)
	Now() time.Time
}

// gather runs the conflict search for p: the direct candidates through the
// store's indexes (by domain, company and the contact e-mail's domain), then the accounts of matched leads and contacts, the
// hierarchies of matched accounts, their open opportunities and those of
// matched leads, and the registrations behind the ownership of the accounts
// found. excludeID leaves out the registration being decided.
func gather(ctx context.Context, tx Source, p Prospect, excludeID string) (Evidence, error) {
	cands, err := tx.ProspectCandidates(ctx, store.ProspectQuery{
		Hosts: p.hosts(), Domain: p.Domain, CompanyKey: p.CompanyKey, Tokens: match.CompanyTokens(p.Company),
		EmailHosts: p.emailHosts(), EmailDomain: p.EmailDomain, ExcludeID: excludeID,
	})
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Accounts: cands.Accounts, Leads: cands.Leads, Contacts: cands.Contacts, Registrations: cands.Registrations,
		Hierarchy: map[string][]store.ProspectAccount{}}
	hits := rankHits(p, ev)

	have := map[string]bool{}
	for _, a := range ev.Accounts {
		have[a.ID] = true
	}
	// The accounts of the certain leads and contacts, found through them,
	// read in one statement.
	var linked []string
	via := map[string]string{}
	link := func(id, how string) {
		if id != "" && !have[id] {
			have[id] = true
			linked = append(linked, id)
			via[id] = how
		}
	}
	var certainLeads []string
	for _, l := range ev.Leads {
		if hits["lead:"+l.ID].certain {
			certainLeads = append(certainLeads, l.ID)
			link(l.AccountID, "lead")
		}
	}
	for _, c := range ev.Contacts {
		if hits["contact:"+c.ID].certain {
			link(c.AccountID, "contact")
		}
	}
	accounts, err := tx.ProspectAccounts(ctx, linked)
	if err != nil {
		return ev, err
	}
	if len(accounts) != len(linked) {
		return ev, leadrouter.Errorf(leadrouter.ENOTFOUND, "Account not found.")
	}
	for _, a := range accounts {
		a.Via = via[a.ID]
		ev.Accounts = append(ev.Accounts, a)
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
	owners := map[string]string{} // owned account → its owner
	var members []string
	for _, a := range ev.Accounts {
		if a.OwnerPartnerID != "" {
			owners[a.ID] = a.OwnerPartnerID
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
				owners[member.ID] = member.OwnerPartnerID
			}
			members = append(members, member.ID)
		}
	}
	// The open opportunities at the hierarchies' accounts and of the
	// certain leads, in one statement; then in that order, each once.
	opps, err := tx.OpenOpportunitiesAt(ctx, members, certainLeads)
	if err != nil {
		return ev, err
	}
	atAccount, ofLead := map[string][]store.ProspectOpportunity{}, map[string][]store.ProspectOpportunity{}
	for _, o := range opps {
		atAccount[o.AccountID] = append(atAccount[o.AccountID], o)
		ofLead[o.LeadID] = append(ofLead[o.LeadID], o)
	}
	for _, id := range members {
		addOpps(atAccount[id])
	}
	for _, id := range certainLeads {
		addOpps(ofLead[id])
	}
	if ev.OwnerRegistrations, err = tx.OwnerRegistrationsAt(ctx, owners); err != nil {
		return ev, err
	}
	return ev, nil
}

// namePartners fills in the partner names of conflicts (staff may see
// them).
func namePartners(ctx context.Context, tx *store.Tx, conflicts []leadrouter.RegistrationConflict) error {
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

// refuseOwnCompany answers EINVALID (naming "domain") when p is partnerID's
// own company: its domain, or its contact e-mail's, is one of the partner's
// own domains or a subdomain of one. A partner registers prospects, not
// itself.
func refuseOwnCompany(ctx context.Context, tx *store.Tx, partnerID string, p Prospect) error {
	domains, err := tx.PartnerDomains(ctx, partnerID)
	if err != nil || len(domains) == 0 {
		return err
	}
	own := map[string]bool{}
	for _, d := range domains {
		own[d] = true
	}
	isOwn := func(hosts []string) bool {
		for _, h := range hosts {
			if own[h] {
				return true
			}
		}
		return false
	}
	var v leadrouter.Validation
	switch {
	case isOwn(p.hosts()):
		v.Add("domain", "%s is your own company's domain; register a prospect, not your own company", p.Host)
	case isOwn(p.emailHosts()):
		v.Add("domain", "the contact e-mail's domain %s is your own company's; register a prospect, not your own company", p.EmailHost)
		v.Add("contact_email", "is at your own company's domain %s; give the prospect's contact", p.EmailHost)
	}
	return v.Err()
}

// search is the conflict search Register, Check and Approve share: the
// records the prospect's domain, company and its contact e-mail's domain
// find, assessed for partnerID. excludeID leaves out the
// registration being decided.
func search(ctx context.Context, tx Source, p Prospect, partnerID, excludeID string) (Assessment, error) {
	// The contact e-mail contributes only its company's domain (nothing
	// for free mail): matched as a person it would tell a partner whether
	// someone is known (the answer to a known and to an unknown address
	// must be the same).
	p.ContactEmail = ""
	ev, err := gather(ctx, tx, p, excludeID)
	if err != nil {
		return Assessment{}, err
	}
	return Assess(p, partnerID, ev, tx.Now()), nil
}

// duplicateError tells a partner registering a prospect it already holds
// what its own registration's status is and what it may do.
func duplicateError(a Assessment) error {
	if a.DuplicateStatus == leadrouter.RegistrationPending {
		return leadrouter.Errorf(leadrouter.ECONFLICT,
			"Your registration for this company (%s) is already pending; Partner Relations will review it.", a.Duplicate)
	}
	return leadrouter.Errorf(leadrouter.ECONFLICT,
		"You already hold an approved registration for this company (%s); ask for an extension of it when it runs out.", a.Duplicate)
}
