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
	account := func(owner, name string, domains ...string) store.ProspectAccount {
		return store.ProspectAccount{ID: "acc_1", Name: name, NameKey: match.NormaliseCompany(name), Domains: domains, RootID: "acc_1", OwnerPartnerID: owner, Via: "domain"}
	}
	reg := func(partner, status string, expires *time.Time) store.Registration {
		return store.Registration{ID: "reg_1", PartnerID: partner, Company: "Globex", CompanyKey: "globex", Domain: "globex.com", Status: status, ExpiresAt: expires}
	}
	lead := func(ownerKind, ownerPartner, reserved, status, company string) store.ProspectLead {
		l := store.ProspectLead{ID: "lead_1", Status: status, Company: company, CompanyKey: match.NormaliseCompany(company), OwnerKind: ownerKind,
			OwnerID: "q", OwnerPartnerID: ownerPartner, ReservedPartnerID: reserved}
		if ownerKind == leadrouter.OwnerPartner {
			l.OwnerID = ownerPartner
		}
		return l
	}
	claimed := reg(other, store.RegistrationApproved, &past)
	claimed.AccountID = "acc_1"
	claimed.Conflicts = []store.RegistrationConflict{{Kind: "account", ID: "acc_1", Effect: store.EffectClaimed}}

	tests := []struct {
		name      string
		ev        Evidence
		flag      string
		reason    string
		action    string // account action for green
		duplicate bool
	}{
		{name: "nothing", flag: store.FlagGreen, reason: ReasonClear},
		{name: "another partner's account", ev: Evidence{Accounts: []store.ProspectAccount{account(other, "Globex", "globex.com")}}, flag: store.FlagRed, reason: ReasonAccountOwned},
		{name: "own account", ev: Evidence{Accounts: []store.ProspectAccount{account(me, "Globex", "globex.com")}}, flag: store.FlagGreen, reason: ReasonOwnRecords, action: store.EffectOwn},
		{name: "unowned account is claimed", ev: Evidence{Accounts: []store.ProspectAccount{account("", "Globex", "globex.com")}}, flag: store.FlagGreen, reason: ReasonClear, action: store.EffectClaimed},
		{name: "ownership lapsed with its registration", ev: Evidence{Accounts: []store.ProspectAccount{account(other, "Globex", "globex.com")},
			OwnerRegistrations: map[string][]store.Registration{"acc_1": {claimed}}}, flag: store.FlagGreen, action: store.EffectClaimed},
		{name: "hierarchy owned by another partner", ev: Evidence{Accounts: []store.ProspectAccount{account("", "Globex", "globex.com")},
			Hierarchy: map[string][]store.ProspectAccount{"acc_1": {account("", "Globex", "globex.com"), {ID: "acc_2", Name: "Globex Labs", RootID: "acc_1", OwnerPartnerID: other}}}},
			flag: store.FlagRed, reason: ReasonAccountOwned},
		{name: "near-match account", ev: Evidence{Accounts: []store.ProspectAccount{{ID: "acc_9", Name: "Globbex Corp", NameKey: "globbex", RootID: "acc_9", Via: "tokens"}}},
			flag: store.FlagYellow, reason: ReasonNearMatch},
		{name: "lead in the vendor's queue", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", "", leadrouter.StatusNew, "Globex")}}, flag: store.FlagYellow, reason: ReasonOpenLead},
		{name: "lead reserved for me", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", me, leadrouter.StatusNurturing, "Globex")}}, flag: store.FlagGreen, reason: ReasonOwnRecords},
		{name: "my lead reserved for another", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerPartner, me, other, leadrouter.StatusMQL, "Globex")}}, flag: store.FlagYellow, reason: ReasonOpenLead},
		{name: "closed lead", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerQueue, "", "", leadrouter.StatusDisqualified, "Globex")}}, flag: store.FlagGreen, reason: ReasonClear},
		{name: "own near-match lead", ev: Evidence{Leads: []store.ProspectLead{lead(leadrouter.OwnerPartner, me, "", leadrouter.StatusNew, "Globbex")}}, flag: store.FlagGreen, reason: ReasonClear},
		{name: "another's pending registration", ev: Evidence{Registrations: []store.Registration{reg(other, store.RegistrationPending, nil)}}, flag: store.FlagYellow, reason: ReasonRegistrationPending},
		{name: "another's approved registration", ev: Evidence{Registrations: []store.Registration{reg(other, store.RegistrationApproved, &future)}}, flag: store.FlagRed, reason: ReasonRegistrationApproved},
		{name: "another's lapsed registration", ev: Evidence{Registrations: []store.Registration{reg(other, store.RegistrationApproved, &past)}}, flag: store.FlagGreen, reason: ReasonClear},
		{name: "my live registration", ev: Evidence{Registrations: []store.Registration{reg(me, store.RegistrationApproved, &future)}}, flag: store.FlagGreen, reason: ReasonOwnRegistration, duplicate: true},
		{name: "another's opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandedOff, PartnerID: other}}}, flag: store.FlagRed, reason: ReasonOpportunity},
		{name: "opportunity reserved for another", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandoffPending, ReservedPartnerID: other}}}, flag: store.FlagRed, reason: ReasonOpportunity},
		{name: "vendor's opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppOpen}}}, flag: store.FlagYellow, reason: ReasonVendorOpportunity},
		{name: "my opportunity", ev: Evidence{Opportunities: []store.ProspectOpportunity{{ID: "opp_1", Status: leadrouter.OppHandedOff, PartnerID: me}}}, flag: store.FlagGreen, reason: ReasonOwnRecords},
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
	if got := strings.Join(p.hosts(), " "); got != "emea.sales.acme.co.uk sales.acme.co.uk acme.co.uk" {
		t.Errorf("hosts = %s", got)
	}
	keys := strings.Join(p.lockKeys(), " ")
	for _, want := range []string{"domain:acme.co.uk", "company:acme widgets", "token:acme"} {
		if !strings.Contains(keys, want) {
			t.Errorf("lock keys %s lack %s", keys, want)
		}
	}
}
