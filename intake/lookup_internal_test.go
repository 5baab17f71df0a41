package intake

import (
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// TestLiveRegistration: /matches lists the registrations that stand, not
// rejected or expired ones.
func TestLiveRegistration(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		status  leadrouter.RegistrationStatus
		expires string
		want    bool
	}{
		{leadrouter.RegistrationPending, "", true},
		{leadrouter.RegistrationApproved, "2027-03-01T00:00:00Z", true},
		{leadrouter.RegistrationApproved, "2026-12-01T00:00:00Z", false},
		{leadrouter.RegistrationRejected, "", false},
		{leadrouter.RegistrationExpired, "2026-11-01T00:00:00Z", false},
	} {
		got := liveRegistration(store.MatchCandidate{Kind: "registration", Status: string(c.status), Expires: c.expires}, now)
		if got != c.want {
			t.Errorf("%s until %q: live = %v, want %v", c.status, c.expires, got, c.want)
		}
	}
}
