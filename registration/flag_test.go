package registration

import (
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

func TestAssess(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	const me, other = "ptr_me", "ptr_other"
	p := Prospect{Company: "Globex Corporation", CompanyKey: match.NormaliseCompany("Globex Corporation"), Host: "globex.com", Domain: "globex.com"}
	p.setContactEmail("bill@sales.initech.com")
	account := func(owner, name string, domains ...string) store.ProspectAccount {
		return store.ProspectAccount{ID: "acc_1", Name: name, NameKey: match.NormaliseCompany(name), Domains: domains, RootID: "acc_1", OwnerPartnerID: owner, Via: "domain"}
	}
	reg := func(partner string, status leadrouter.RegistrationStatus, expires *time.Time) leadrouter.Registration {
		return leadrouter.Registration{ID: "reg_1", PartnerID: partner, Company: "Globex", CompanyKey: "globex", Domain: "globex.com", Status: status, ExpiresAt: expires}
	}
	lead := func(ownerKind leadrouter.OwnerKind, ownerPartner, reserved string, status leadrouter.LeadStatus, company string) store.ProspectLead {
		l := store.ProspectLead{ID: "lead_1", Status: status, Company: company, CompanyKey: match.NormaliseCompany(company), OwnerKind: ownerKind,
			OwnerID: "q", OwnerPartnerID: ownerPartner, ReservedPartnerID: reserved}
		if ownerKind == leadrouter.OwnerPartner {
			l.OwnerID = ownerPartner
		}
		return l
	}
	claimed := reg(other, leadrouter.RegistrationApproved, &past)
	claimed.AccountID = "acc_1"
	claimed.Conflicts = []leadrouter.RegistrationConflict{{Kind: "account", ID: "acc_1", Effect: leadrouter.EffectClaimed}}

	tests := []struct {
		name      string
		ev        Evidence
		flag      leadrouter.RegistrationFlag
		reason    string
		action    leadrouter.Effect // account action for green
		duplicate bool
	}{
		{name: "nothing", flag: leadrouter.FlagGreen, reason: ReasonClear},
		{name: "another partner's account", ev: Evidence{Accounts: []store.ProspectAccount{account(other, "Globex", "globex.com")}}, flag: leadrouter.FlagRed, reason: ReasonAccountOwned},
		{name: "own account", ev: Evidence{Accounts: []store.ProspectAccount{account(me, "Globex", "globex.com")}}, flag: leadrouter.FlagGreen, reason: ReasonOwnRecords, action: leadrouter.EffectOwn},
		{name: "unowned account is claimed", ev: Evidence{Accounts: []store.ProspectAccount{account("", "Globex", "globex.com")}}, flag: leadrouter.FlagGreen, reason: ReasonClear, action: leadrouter.EffectClaimed},
		{name: "ownership lapsed with its registration", ev: Evidence{Accounts: []store.ProspectAccount{account(other, "Globex", "globex.com")},
			OwnerRegistrations: map[string][]leadrouter.Registration{"acc_1": {claimed}}}, flag: leadrouter.FlagGreen, action: leadrouter.EffectClaimed},
		{name: "hierarchy owned by another partner", ev: Evidence{Accounts: []store.ProspectAccount{account("", "Globex", "globex.com")},
			Hierarchy: map[string][]store.ProspectAccount{"acc_1": {account("", "Globex", "globex.com"), {ID: "acc_2", Name: "Globex Labs", RootID: "acc_1", OwnerPartnerID: other}}}},
			flag: leadrouter.FlagRed, reason: ReasonAccountOwned},
		{name: "near-match account", ev: Evidence{Accounts: []store.ProspectAccount{{ID: "acc_9", Name: "Globbex Corp", NameKey: "globbex", RootID: "acc_9", Via: "tokens"}}},
			flag: leadrouter.FlagYellow, reason: ReasonNearMatch},
		{name: "lead in the vendor's queue", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", "", leadrouter.StatusNew, "Globex")}}, flag: leadrouter.FlagYellow, reason: ReasonOpenLead},
		{name: "lead reserved for me", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", me, leadrouter.StatusNurturing, "Globex")}}, flag: leadrouter.FlagGreen, reason: ReasonOwnRecords},
		{name: "my lead reserved for another", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerPartner, me, other, leadrouter.StatusMQL, "Globex")}}, flag: leadrouter.FlagYellow, reason: ReasonOpenLead},
		{name: "closed lead", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", "", leadrouter.StatusDisqualified, "Globex")}}, flag: leadrouter.FlagGreen, reason: ReasonClear},
		{name: "own near-match lead", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerPartner, me, "", leadrouter.StatusNew, "Globbex")}}, flag: leadrouter.FlagGreen, reason: ReasonClear},
		{name: "another's pending registration", ev: Evidence{Registrations: []leadrouter.Registration{reg(other, leadrouter.RegistrationPending, nil)}}, flag: leadrouter.FlagYellow, reason: ReasonRegistrationPending},
		{name: "another's approved registration", ev: Evidence{Registrations: []leadrouter.Registration{reg(other, leadrouter.RegistrationApproved, &future)}}, flag: leadrouter.FlagRed, reason: ReasonRegistrationApproved},
		{name: "another's lapsed registration", ev: Evidence{Registrations: []leadrouter.Registration{reg(other, leadrouter.RegistrationApproved, &past)}}, flag: leadrouter.FlagGreen, reason: ReasonClear},
		{name: "my live registration", ev: Evidence{Registrations: []leadrouter.Registration{reg(me, leadrouter.RegistrationApproved, &future)}}, flag: leadrouter.FlagGreen, reason: ReasonOwnRegistration, duplicate: true},
		{name: "another's opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandedOff, PartnerID: other}}}, flag: leadrouter.FlagRed, reason: ReasonOpportunity},
		{name: "opportunity reserved for another", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandoffPending, ReservedPartnerID: other}}}, flag: leadrouter.FlagRed, reason: ReasonOpportunity},
		{name: "vendor's opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppOpen}}}, flag: leadrouter.FlagRed, reason: ReasonVendorOpportunity},
		{name: "vendor's opportunity and my lead", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppOpen}},
			Leads: []store.ProspectLead{lead(leadrouter.OwnerPartner, me, "", leadrouter.StatusNew, "Globex")}}, flag: leadrouter.FlagRed, reason: ReasonVendorOpportunity},
		{name: "another's account by the contact's e-mail domain", ev: Evidence{Accounts: []store.ProspectAccount{{ID: "acc_5", Name: "Initech", NameKey: "initech",
			Domains: []string{"initech.com"}, RootID: "acc_5", OwnerPartnerID: other, Via: "email_domain"}}}, flag: leadrouter.FlagRed, reason: ReasonAccountOwned},
		{name: "lead in the vendor's queue by the contact's e-mail domain", ev: Evidence{Leads: []store.ProspectLead{{ID: "lead_5", Status: leadrouter.StatusNew,
			Company: "Initech", CompanyKey: "initech", Email: "peter@initech.com", OwnerKind: leadrouter.OwnerQueue, OwnerID: "q", Via: "email_domain"}}},
			flag: leadrouter.FlagYellow, reason: ReasonOpenLead},
		{name: "another's registration of the contact's e-mail domain", ev: Evidence{Registrations: []leadrouter.Registration{{ID: "reg_5", PartnerID: other,
			Company: "Initech", CompanyKey: "initech", Domain: "initech.com", Status: leadrouter.RegistrationApproved, ExpiresAt: &future}}},
			flag: leadrouter.FlagRed, reason: ReasonRegistrationApproved},
		{name: "my pending registration", ev: Evidence{Registrations: []leadrouter.Registration{reg(me, leadrouter.RegistrationPending, nil)}}, flag: leadrouter.FlagGreen, reason: ReasonOwnRegistrationPending, duplicate: true},
		{name: "my opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandedOff, PartnerID: me}}}, flag: leadrouter.FlagGreen, reason: ReasonOwnRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(p, me, tt.ev, now)
			var kinds []string
			for _, r := range a.Reasons {
				kinds = append(kinds, r.Kind)
				if strings.Contains(r.Message, other) || strings.Contains(r.Message, "ptr_") {
					t.Errorf("reason names a partner: %q", r.Message)
				}
			}
			wantMessagesFit(t, a.Reasons, a.Flag, a.Flag.Status())
			if a.Flag != tt.flag {
				t.Fatalf("flag = %s, want %s (reasons %v, conflicts %+v)", a.Flag, tt.flag, kinds, a.Conflicts)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(kinds, ","), tt.reason) {
				t.Errorf("reasons %v lack %s", kinds, tt.reason)
			}
			if tt.action != "" && (a.Account == nil || a.AccountAction != tt.action) {
				t.Errorf("account %+v action %q, want %s", a.Account, a.AccountAction, tt.action)
			}
			if (a.Duplicate != "") != tt.duplicate {
				t.Errorf("duplicate = %q", a.Duplicate)
			}
		})
	}
}

func TestProspectHostsAndLocks(t *testing.T) {
	p := Prospect{Company: "Acme Widgets", CompanyKey: "acme widgets", Host: "emea.sales.acme.co.uk", Domain: "acme.co.uk"}
	p.setContactEmail("olivia@uk.initech.com")
	if got := strings.Join(p.hosts(), " "); got != "emea.sales.acme.co.uk sales.acme.co.uk acme.co.uk" {
		t.Errorf("hosts = %s", got)
	}
	if got := strings.Join(p.emailHosts(), " "); got != "uk.initech.com initech.com" || p.EmailDomain != "initech.com" {
		t.Errorf("e-mail hosts = %s (domain %s)", got, p.EmailDomain)
	}
	keys := strings.Join(p.lockKeys(), " ")
	for _, want := range []string{"domain:acme.co.uk", "domain:initech.com", "company:acme widgets", "token:acme"} {
		if !strings.Contains(keys, want) {
			t.Errorf("lock keys %s lack %s", keys, want)
		}
	}
	// Free mail says nothing about the company: no domain to match or lock.
	p.setContactEmail("olivia@gmail.com")
	if p.EmailDomain != "" || p.EmailHost != "" || len(p.emailHosts()) != 0 || strings.Contains(strings.Join(p.lockKeys(), " "), "gmail") {
		t.Errorf("free-mail contact: %+v, locks %v", p, p.lockKeys())
	}
}

// wantMessagesFit checks that every reason's message says what its flag and
// status allow, and nothing else.
func wantMessagesFit(t *testing.T, reasons []leadrouter.RegistrationReason, flag leadrouter.RegistrationFlag, status leadrouter.RegistrationStatus) {
	t.Helper()
	for _, r := range reasons {
		m := r.Message
		review := strings.Contains(m, "will review") || strings.Contains(m, "will check")
		mayDo := strings.Contains(m, "you may solicit") || strings.Contains(m, "You may solicit")
		dont := strings.Contains(strings.ToLower(m), "do not solicit")
		var bad bool
		switch {
		case r.Kind == ReasonOwnRegistration:
			bad = review || dont
		case r.Kind == ReasonOwnRegistrationPending:
			bad = !review || mayDo
		case status == leadrouter.RegistrationPending:
			bad = !review || mayDo
		case status == leadrouter.RegistrationApproved && flag == leadrouter.FlagYellow:
			bad = review || dont || !mayDo || !strings.Contains(m, "approved your registration")
		case status == leadrouter.RegistrationApproved:
			bad = review || dont || !mayDo
		case status == leadrouter.RegistrationRejected && flag == leadrouter.FlagRed:
			bad = review || mayDo || !dont
		case status == leadrouter.RegistrationRejected:
			bad = review || mayDo || !dont || !strings.Contains(m, "rejected your registration")
		case status == leadrouter.RegistrationExpired:
			bad = review || mayDo || !strings.Contains(m, "expired")
		}
		if bad {
			t.Errorf("%s/%s reason %s says %q", flag, status, r.Kind, m)
		}
	}
}

func TestReasonsFitFlagAndStatus(t *testing.T) {
	all := []string{ReasonAccountOwned, ReasonOpportunity, ReasonVendorOpportunity, ReasonRegistrationApproved, ReasonOpenLead,
		ReasonRegistrationPending, ReasonNearMatch, ReasonOwnRecords, ReasonClear}
	for _, tt := range []struct {
		flag   leadrouter.RegistrationFlag
		status leadrouter.RegistrationStatus
	}{
		{leadrouter.FlagRed, leadrouter.RegistrationRejected},
		{leadrouter.FlagYellow, leadrouter.RegistrationPending},
		{leadrouter.FlagYellow, leadrouter.RegistrationApproved},
		{leadrouter.FlagYellow, leadrouter.RegistrationRejected},
		{leadrouter.FlagYellow, leadrouter.RegistrationExpired},
		{leadrouter.FlagGreen, leadrouter.RegistrationApproved},
		{leadrouter.FlagGreen, leadrouter.RegistrationExpired},
	} {
		got := Reasons(all, tt.flag, tt.status)
		if len(got) != len(all) {
			t.Fatalf("%s/%s: %d reasons for %d kinds", tt.flag, tt.status, len(got), len(all))
		}
		if got[0].Kind != ReasonAccountOwned {
			t.Errorf("red reasons are not listed first: %v", got)
		}
		wantMessagesFit(t, got, tt.flag, tt.status)
	}

	// A stored registration is said again for its effective status; a kind
	// this version does not know keeps its stored message.
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Minute)
	reg := leadrouter.Registration{Flag: leadrouter.FlagYellow, Status: leadrouter.RegistrationApproved, ExpiresAt: &past, Reasons: []leadrouter.RegistrationReason{
		{Kind: ReasonOpenLead, Message: "Someone else is working a lead. Partner Relations will review your registration."},
		{Kind: "retired_kind", Message: "Kept as stored."},
	}}
	got := PartnerReasons(reg, now)
	if len(got) != 2 || got[1].Message != "Kept as stored." {
		t.Fatalf("partner reasons = %v", got)
	}
	wantMessagesFit(t, got[:1], reg.Flag, leadrouter.RegistrationExpired)
}
