package leadrouter_test

import (
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

// TestRegistrationRules: the effective status, whether a registration
// still holds its prospect, its account action, the status a flag starts
// in, and when an extension may be asked for.
func TestRegistrationRules(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	approved := leadrouter.Registration{Status: leadrouter.RegistrationApproved, ExpiresAt: &future}
	lapsed := leadrouter.Registration{Status: leadrouter.RegistrationApproved, ExpiresAt: &past}
	pending := leadrouter.Registration{Status: leadrouter.RegistrationPending}
	rejected := leadrouter.Registration{Status: leadrouter.RegistrationRejected}

	if s := lapsed.EffectiveStatus(now); s != leadrouter.RegistrationExpired {
		t.Errorf("lapsed: %s", s)
	}
	for _, c := range []struct {
		name   string
		r      leadrouter.Registration
		active bool
	}{{"approved", approved, true}, {"lapsed", lapsed, false}, {"pending", pending, true}, {"rejected", rejected, false}} {
		if c.r.Active(now) != c.active {
			t.Errorf("%s: active = %v", c.name, !c.active)
		}
	}

	for flag, want := range map[leadrouter.RegistrationFlag]leadrouter.RegistrationStatus{
		leadrouter.FlagGreen: leadrouter.RegistrationApproved, leadrouter.FlagYellow: leadrouter.RegistrationPending, leadrouter.FlagRed: leadrouter.RegistrationRejected,
	} {
		if got := flag.Status(); got != want {
			t.Errorf("%s starts %s, want %s", flag, got, want)
		}
	}

	claimed := approved
	claimed.AccountID = "acc_1"
	claimed.Conflicts = []leadrouter.RegistrationConflict{{Kind: "lead", ID: "acc_1", Effect: leadrouter.EffectCreated},
		{Kind: "account", ID: "acc_1", Effect: leadrouter.EffectClaimed}}
	if a := claimed.AccountAction(); a != leadrouter.EffectClaimed {
		t.Errorf("account action = %q", a)
	}
	if a := approved.AccountAction(); a != "" {
		t.Errorf("no account: action = %q", a)
	}

	asked, extended := approved, approved
	asked.ExtensionRequested, extended.Extended = true, true
	if err := approved.MayRequestExtension(now); err != nil {
		t.Errorf("approved: %v", err)
	}
	for name, r := range map[string]leadrouter.Registration{"lapsed": lapsed, "pending": pending, "asked": asked, "extended": extended} {
		if err := r.MayRequestExtension(now); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Errorf("%s: %v, want ECONFLICT", name, err)
		}
	}

	var r leadrouter.Registration
	r.Decided("usr_1", now, "fine")
	if r.DecidedBy != "usr_1" || r.DecidedAt == nil || !r.DecidedAt.Equal(now) || r.DecisionReason != "fine" {
		t.Errorf("decided: %+v", r)
	}
}
