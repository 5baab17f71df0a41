package registration

import (
	"cmp"
	"slices"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// Prospect is the company a registration is about, normalised.
type Prospect struct {
	Company    string
	CompanyKey string
	// Host is the domain as given (www. removed); Domain its registrable
	// domain. Both are empty when the prospect has no domain.
	Host         string
	Domain       string
	ContactEmail string
	// EmailHost is the contact e-mail's domain, EmailDomain its registrable
	// domain; both are empty without a contact e-mail or for free mail.
	EmailHost   string
	EmailDomain string
}

// Evidence is everything the conflict search fetched about a prospect.
type Evidence struct {
	// Accounts are the accounts found directly (by domain, name, tokens) or
	// through a matched lead's or contact's account.
	Accounts []store.ProspectAccount
	// Hierarchy holds, per root id of a matched account, every account of
	// that hierarchy.
	Hierarchy map[string][]store.ProspectAccount
	Leads     []store.ProspectLead
	Contacts  []store.ProspectContact
	// Opportunities are the open opportunities at the matched accounts'
	// hierarchies and of the matched leads.
	Opportunities []store.ProspectOpportunity
	// Registrations are the live (pending or approved) registrations found.
	Registrations []leadrouter.Registration
	// OwnerRegistrations holds, per owned account, its owner's
	// registrations linked to it: ownership a registration gave lapses
	// with it.
	OwnerRegistrations map[string][]leadrouter.Registration
}

// Assessment is the outcome of a conflict search for one partner.
type Assessment struct {
	Flag      leadrouter.RegistrationFlag
	Reasons   []leadrouter.RegistrationReason
	Conflicts []leadrouter.RegistrationConflict
	// Account is the account a green (or approved) registration takes:
	// claimed when unowned, kept when the partner's own; nil means create
	// one.
	Account *store.ProspectAccount
	// AccountAction is "own" or "claimed" for Account.
	AccountAction leadrouter.Effect
	// Duplicate is the id of the partner's own live registration for the
	// same prospect, if any, and DuplicateStatus its status (approved or
	// pending).
	Duplicate       string
	DuplicateStatus leadrouter.RegistrationStatus
	// AccountIDs and LeadIDs are the matched accounts and open leads whose
	// timelines record the decision.
	AccountIDs []string
	LeadIDs    []string
}

// hit is how one candidate matched the prospect.
type hit struct {
	reasons []string
	score   float64
	certain bool
}

// rankHits scores every candidate with the match package: an exact e-mail,
// the same registrable domain or the same normalised name is certain, as is
// a name at least CertainThreshold similar; a name at least
// NearMatchThreshold similar is a near match.
func rankHits(p Prospect, ev Evidence) map[string]hit {
	var cands []match.Candidate
	for _, a := range ev.Accounts {
		cands = append(cands, match.Candidate{Kind: match.KindAccount, ID: a.ID, Company: a.Name, CompanyKey: a.NameKey, Domains: a.Domains})
	}
	for _, l := range ev.Leads {
		cands = append(cands, match.Candidate{Kind: match.KindLead, ID: l.ID, Email: l.Email, Company: l.Company, CompanyKey: l.CompanyKey})
	}
	for _, c := range ev.Contacts {
		cands = append(cands, match.Candidate{Kind: match.KindContact, ID: c.ID, Email: c.Email, Company: c.AccountName})
	}
	for _, r := range ev.Registrations {
		var domains []string
		if r.Domain != "" {
			domains = []string{r.Domain}
		}
		cands = append(cands, match.Candidate{Kind: match.KindRegistration, ID: r.ID, Company: r.Company, CompanyKey: r.CompanyKey, Domains: domains})
	}
	keys := map[string]string{}
	for _, c := range cands {
		keys[string(c.Kind)+":"+c.ID] = c.CompanyKey
	}
	out := map[string]hit{}
	for _, m := range match.Rank(match.Query{Email: p.ContactEmail, Company: p.Company, Domain: p.Host}, cands) {
		h := hit{reasons: m.Reasons, score: m.Score}
		for _, r := range m.Reasons {
			switch r {
			case match.ReasonEmail, match.ReasonDomain, match.ReasonCompany:
				h.certain = true
			case match.ReasonSimilarCompany:
				key := keys[string(m.Kind)+":"+m.ID]
				if key == "" {
					continue
				}
				if s := match.Similarity(p.CompanyKey, key); s >= match.CertainThreshold {
					h.certain, h.score = true, max(h.score, s)
				}
			}
		}
		out[string(m.Kind)+":"+m.ID] = h
	}
	// Records found through the exact domain and e-mail indexes are the
	// prospect even where Rank cannot tell a registrable domain (a
	// top-level domain the public-suffix list does not know).
	certain := func(key string) {
		h := out[key]
		if !h.certain {
			h.certain, h.score = true, max(h.score, match.DomainScore)
			if len(h.reasons) == 0 {
				h.reasons = []string{match.ReasonDomain}
			}
			out[key] = h
		}
	}
	for _, a := range ev.Accounts {
		if a.Via == "domain" || a.Via == "email_domain" {
			certain("account:" + a.ID)
		}
	}
	for _, l := range ev.Leads {
		if l.Via == "domain" || l.Via == "email_domain" {
			certain("lead:" + l.ID)
		}
	}
	for _, r := range ev.Registrations {
		if r.Domain != "" && (r.Domain == p.Domain || r.Domain == p.EmailDomain) {
			certain("registration:" + r.ID)
		}
	}
	return out
}

// certainAccount reports whether a found account is certainly the
// prospect: matched for certain, or the account of a matched lead or
// contact.
func certainAccount(a store.ProspectAccount, hits map[string]hit) bool {
	return a.Via == "lead" || a.Via == "contact" || hits["account:"+a.ID].certain
}

// effectiveOwner is the partner owning a, unless that ownership came from
// registrations of the owner that have all lapsed at now (then "", true).
func effectiveOwner(a store.ProspectAccount, ev Evidence, now time.Time) (owner string, lapsed bool) {
	if a.OwnerPartnerID == "" {
		return "", false
	}
	derived, live := false, false
	for _, r := range ev.OwnerRegistrations[a.ID] {
		if r.PartnerID != a.OwnerPartnerID {
			continue
		}
		action := r.AccountAction()
		if action == leadrouter.EffectClaimed || action == leadrouter.EffectCreated {
			derived = true
		}
		if action != "" && r.EffectiveStatus(now) == leadrouter.RegistrationApproved {
			live = true
		}
	}
	if derived && !live {
		return "", true
	}
	return a.OwnerPartnerID, false
}

// ownershipFromRegistration reports whether the owner's hold on a came from
// one of its registrations (live or lapsed).
func ownershipFromRegistration(a store.ProspectAccount, ev Evidence) bool {
	for _, r := range ev.OwnerRegistrations[a.ID] {
		if r.PartnerID == a.OwnerPartnerID {
			if action := r.AccountAction(); action == leadrouter.EffectClaimed || action == leadrouter.EffectCreated {
				return true
			}
		}
	}
	return false
}

// leadParty tells who holds an open lead from partnerID's point of view:
// own when it is owned by or reserved for partnerID and no one else.
func leadParty(l store.ProspectLead, partnerID string) (own bool, other string) {
	switch {
	case l.ReservedPartnerID != "" && l.ReservedPartnerID != partnerID:
		return false, "partner:" + l.ReservedPartnerID
	case l.OwnerKind == leadrouter.OwnerPartner && l.OwnerPartnerID != partnerID:
		return false, "partner:" + l.OwnerPartnerID
	case l.OwnerKind != leadrouter.OwnerPartner && (partnerID == "" || l.ReservedPartnerID != partnerID):
		return false, string(l.OwnerKind) + ":" + l.OwnerID
	}
	return true, ""
}

func matchOf(h hit, via string) []string {
	if len(h.reasons) > 0 {
		return slices.Clone(h.reasons)
	}
	return []string{via}
}

// Assess decides the flag a registration of prospect p by partnerID gets
// given the evidence, at now. partnerID "" assesses for no partner (every
// partner's record is someone else's). Pure: no I/O.
//
//   - red: an open opportunity of anyone but the partner (another
//     partner's, or the vendor's own), another partner's approved unexpired
//     registration, or account ownership (the matched account's, or when it
//     has no owner, any account's in its hierarchy);
//   - yellow: an open lead owned by or reserved for anyone else, another
//     partner's pending registration, or a near match (below
//     match.CertainThreshold) with anyone else's record;
//   - green: nothing, or only the partner's own records.
func Assess(p Prospect, partnerID string, ev Evidence, now time.Time) Assessment {
	hits := rankHits(p, ev)
	var a Assessment
	add := func(c leadrouter.RegistrationConflict) { a.Conflicts = append(a.Conflicts, c) }
	seenAccount := map[string]bool{}
	var claimable []store.ProspectAccount

	for _, acc := range ev.Accounts {
		h, matched := hits["account:"+acc.ID]
		if !matched && acc.Via != "lead" && acc.Via != "contact" {
			continue
		}
		seenAccount[acc.ID] = true
		c := leadrouter.RegistrationConflict{Kind: "account", ID: acc.ID, Name: acc.Name, Match: matchOf(h, acc.Via), Score: h.score,
			PartnerID: acc.OwnerPartnerID}
		if acc.OwnerPartnerID != "" {
			c.Owner = "partner:" + acc.OwnerPartnerID
		}
		owner, lapsed := effectiveOwner(acc, ev, now)
		if lapsed {
			c.Status = "ownership lapsed with its registration"
		}
		if !certainAccount(acc, hits) {
			if owner == partnerID && partnerID != "" {
				continue
			}
			c.Effect, c.Reason = leadrouter.EffectYellow, ReasonNearMatch
			add(c)
			a.AccountIDs = append(a.AccountIDs, acc.ID)
			continue
		}
		c.Certain = true
		if c.Score == 0 {
			c.Score = 1
		}
		a.AccountIDs = append(a.AccountIDs, acc.ID)
		switch {
		case owner != "" && owner == partnerID:
			c.Effect = leadrouter.EffectOwn
			claimable = append(claimable, acc)
		case owner != "":
			c.Effect, c.Reason = leadrouter.EffectRed, ReasonAccountOwned
		default:
			c.Effect = leadrouter.EffectNone
			hierarchyOwned := false
			for _, other := range ev.Hierarchy[acc.RootID] {
				if other.ID == acc.ID {
					continue
				}
				o, _ := effectiveOwner(other, ev, now)
				if o == "" || seenAccount[other.ID] {
					continue
				}
				seenAccount[other.ID] = true
				hc := leadrouter.RegistrationConflict{Kind: "account", ID: other.ID, Name: other.Name, Match: []string{"hierarchy"}, Score: 1,
					Certain: true, PartnerID: o, Owner: "partner:" + o}
				if o == partnerID {
					hc.Effect = leadrouter.EffectOwn
				} else {
					hc.Effect, hc.Reason, hierarchyOwned = leadrouter.EffectRed, ReasonAccountOwned, true
				}
				add(hc)
			}
			if !hierarchyOwned {
				claimable = append(claimable, acc)
			}
		}
		add(c)
	}

	for _, l := range ev.Leads {
		h, matched := hits["lead:"+l.ID]
		if !matched || !l.Status.Open() {
			continue
		}
		own, other := leadParty(l, partnerID)
		c := leadrouter.RegistrationConflict{Kind: "lead", ID: l.ID, Name: l.Company, Match: matchOf(h, l.Via), Score: h.score, Certain: h.certain,
			Status: string(l.Status), Owner: other}
		if own {
			c.Owner = "partner:" + partnerID
		}
		if l.ReservedPartnerID != "" && l.ReservedPartnerID != partnerID {
			c.PartnerID = l.ReservedPartnerID
		} else if l.OwnerKind == leadrouter.OwnerPartner {
			c.PartnerID = l.OwnerPartnerID
		}
		switch {
		case own && !h.certain:
			continue
		case own:
			c.Effect = leadrouter.EffectOwn
		case h.certain:
			c.Effect, c.Reason = leadrouter.EffectYellow, ReasonOpenLead
		default:
			c.Effect, c.Reason = leadrouter.EffectYellow, ReasonNearMatch
		}
		add(c)
		a.LeadIDs = append(a.LeadIDs, l.ID)
	}

	for _, ct := range ev.Contacts {
		h, matched := hits["contact:"+ct.ID]
		if !matched || !h.certain {
			continue
		}
		add(leadrouter.RegistrationConflict{Kind: "contact", ID: ct.ID, Name: ct.AccountName, Match: matchOf(h, "email"), Score: h.score, Certain: true,
			Effect: leadrouter.EffectNone, Status: "at account " + ct.AccountID})
	}

	for _, o := range ev.Opportunities {
		c := leadrouter.RegistrationConflict{Kind: "opportunity", ID: o.ID, Name: o.Name, Match: []string{"account"}, Score: 1, Certain: true, Status: string(o.Status)}
		holder := o.PartnerID
		if holder == "" {
			holder = o.ReservedPartnerID
		}
		c.PartnerID = holder
		switch {
		case holder != "" && holder == partnerID:
			c.Effect, c.Owner = leadrouter.EffectOwn, "partner:"+holder
		case holder != "":
			c.Effect, c.Reason, c.Owner = leadrouter.EffectRed, ReasonOpportunity, "partner:"+holder
		default:
			c.Effect, c.Reason, c.Owner = leadrouter.EffectRed, ReasonVendorOpportunity, "vendor"
		}
		add(c)
	}

	for _, r := range ev.Registrations {
		h, matched := hits["registration:"+r.ID]
		status := r.EffectiveStatus(now)
		if !matched || (status != leadrouter.RegistrationApproved && status != leadrouter.RegistrationPending) {
			continue
		}
		c := leadrouter.RegistrationConflict{Kind: "registration", ID: r.ID, Name: r.Company, Match: matchOf(h, "registration"), Score: h.score,
			Certain: h.certain, Status: string(status), PartnerID: r.PartnerID, Owner: "partner:" + r.PartnerID, ExpiresAt: r.ExpiresAt}
		switch {
		case r.PartnerID == partnerID && partnerID != "":
			if !h.certain {
				continue
			}
			c.Effect = leadrouter.EffectOwn
			if a.Duplicate == "" || status == leadrouter.RegistrationApproved {
				a.Duplicate, a.DuplicateStatus = r.ID, status
			}
		case !h.certain:
			c.Effect, c.Reason = leadrouter.EffectYellow, ReasonNearMatch
		case status == leadrouter.RegistrationApproved:
			c.Effect, c.Reason = leadrouter.EffectRed, ReasonRegistrationApproved
		default:
			c.Effect, c.Reason = leadrouter.EffectYellow, ReasonRegistrationPending
		}
		add(c)
	}

	kinds := map[string]bool{}
	red, yellow, own := false, false, false
	for _, c := range a.Conflicts {
		switch c.Effect {
		case leadrouter.EffectRed:
			red = true
		case leadrouter.EffectYellow:
			yellow = true
		case leadrouter.EffectOwn:
			own = true
		}
		if c.Reason != "" {
			kinds[c.Reason] = true
		}
	}
	switch {
	case red:
		a.Flag = leadrouter.FlagRed
	case yellow:
		a.Flag = leadrouter.FlagYellow
	default:
		a.Flag = leadrouter.FlagGreen
		if own {
			kinds[ReasonOwnRecords] = true
		} else {
			kinds[ReasonClear] = true
		}
	}
	switch a.DuplicateStatus {
	case leadrouter.RegistrationApproved:
		kinds[ReasonOwnRegistration] = true
	case leadrouter.RegistrationPending:
		kinds[ReasonOwnRegistrationPending] = true
	}
	found := make([]string, 0, len(kinds))
	for k := range kinds {
		found = append(found, k)
	}
	a.Reasons = Reasons(found, a.Flag, a.Flag.Status())
	slices.SortStableFunc(a.Conflicts, func(x, y leadrouter.RegistrationConflict) int {
		return cmp.Compare(effectOrder(x.Effect), effectOrder(y.Effect))
	})

	// The account to take: found by domain first, then by the contact's
	// e-mail, the contact e-mail's domain, a lead or name; the partner's
	// own or nobody's.
	slices.SortStableFunc(claimable, func(x, y store.ProspectAccount) int { return cmp.Compare(viaOrder(x.Via), viaOrder(y.Via)) })
	if len(claimable) > 0 {
		acc := claimable[0]
		a.Account = &acc
		a.AccountAction = leadrouter.EffectClaimed
		if owner, lapsed := effectiveOwner(acc, ev, now); owner == partnerID && !lapsed && !ownershipFromRegistration(acc, ev) {
			a.AccountAction = leadrouter.EffectOwn
		}
	}
	return a
}

func effectOrder(effect leadrouter.Effect) int {
	switch effect {
	case leadrouter.EffectRed:
		return 0
	case leadrouter.EffectYellow:
		return 1
	case leadrouter.EffectOwn:
		return 2
	}
	return 3
}

func viaOrder(via string) int {
	switch via {
	case "domain":
		return 0
	case "contact":
		return 1
	case "email_domain":
		return 2
	case "lead":
		return 3
	case "company":
		return 4
	}
	return 5
}
