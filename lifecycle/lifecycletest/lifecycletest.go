// Package lifecycletest builds the people and partners the lifecycle tests
// share: a user of every staff role, two PAMs, three partners (P1 and P3
// managed by PAM 1, P2 by PAM 2) with users, and leads stored directly.
package lifecycletest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
)

// Fixture holds the users (by short name), their API tokens and partners.
type Fixture struct {
	DB     *store.DB
	Users  map[string]leadrouter.User
	Tokens map[string]string
	P1     leadrouter.Partner
	P2     leadrouter.Partner
	P3     leadrouter.Partner
}

// UserNames are the fixture's users: staff by role (pam1 manages P1 and
// P3, pam2 manages P2), and partner users p1a, p1b (P1), p2a (P2), p3a (P3).
var UserNames = []string{"admin", "pam1", "pam2", "relations", "support", "sales", "p1a", "p1b", "p2a", "p3a"}

// MustFixture creates the fixture's users and partners in db.
func MustFixture(tb testing.TB, db *store.DB) *Fixture {
	tb.Helper()
	ctx := context.Background()
	f := &Fixture{DB: db, Users: map[string]leadrouter.User{}, Tokens: map[string]string{}}
	user := func(tx *store.Tx, name string, role leadrouter.Role, partnerID string) error {
		u, token, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{
			Email: name + "@users.example", Name: "User " + name, Role: role, PartnerID: partnerID})
		if err != nil {
			return fmt.Errorf("user %s: %w", name, err)
		}
		f.Users[name], f.Tokens[name] = u, token
		return nil
	}
	err := db.Update(ctx, func(tx *store.Tx) error {
		for name, role := range map[string]leadrouter.Role{"admin": leadrouter.RoleAdmin, "pam1": leadrouter.RolePAM, "pam2": leadrouter.RolePAM,
			"relations": leadrouter.RoleRelations, "support": leadrouter.RoleSupport, "sales": leadrouter.RoleSales} {
			if err := user(tx, name, role, ""); err != nil {
				return err
			}
		}
		var err error
		if f.P1, err = admin.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Alpha Resellers", PID: "ALPHA001", Countries: []string{"DE"}, PAMUserID: f.Users["pam1"].ID}); err != nil {
			return err
		}
		if f.P2, err = admin.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Bravo Systems", PID: "BRAVO002", Countries: []string{"FR"}, PAMUserID: f.Users["pam2"].ID}); err != nil {
			return err
		}
		if f.P3, err = admin.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Charlie Partners", PID: "CHARLIE3", Countries: []string{"ES"}, PAMUserID: f.Users["pam1"].ID}); err != nil {
			return err
		}
		for name, partnerID := range map[string]string{"p1a": f.P1.ID, "p1b": f.P1.ID, "p2a": f.P2.ID, "p3a": f.P3.ID} {
			if err := user(tx, name, leadrouter.RolePartner, partnerID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return f
}

// Actor returns the actor of the named fixture user.
func (f *Fixture) Actor(name string) leadrouter.Actor {
	u, ok := f.Users[name]
	if !ok {
		panic("lifecycletest: no user " + name)
	}
	return u.Actor()
}

// Partner returns P1, P2 or P3 by its short name.
func (f *Fixture) Partner(name string) leadrouter.Partner {
	switch name {
	case "P1":
		return f.P1
	case "P2":
		return f.P2
	case "P3":
		return f.P3
	}
	panic("lifecycletest: no partner " + name)
}

var leadCounter atomic.Int64

// Contact details every fixture lead carries, so tests can look for them
// in response bodies: FirstName, LastName, an e-mail starting with
// EmailLocal, and Phone.
const (
	FirstName  = "Zelda"
	LastName   = "Quixotic"
	EmailLocal = "zelda.quixotic"
	Phone      = "+1 555 0100 777"
)

// LeadOption adjusts a fixture lead before it is stored.
type LeadOption func(*leadrouter.Lead)

// OwnedBy makes the lead routed to a partner (rule account-owner).
func OwnedBy(p leadrouter.Partner) LeadOption {
	return func(l *leadrouter.Lead) {
		l.Owner = leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: p.ID, PartnerID: p.ID}
		l.RoutedRule = "account-owner"
	}
}

// ReservedFor makes the lead PID-credited to p: owned by the nurture
// queue, reserved for p.
func ReservedFor(p leadrouter.Partner) LeadOption {
	return func(l *leadrouter.Lead) {
		l.Owner = leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"}
		l.ReservedPartnerID, l.CreditedPartnerID, l.CreditedPID = p.ID, p.ID, string(p.PID)
		l.AttributionModel, l.RoutedRule = "last_touch", "pid"
	}
}

// Status sets the lead's status.
func Status(s leadrouter.LeadStatus) LeadOption { return func(l *leadrouter.Lead) { l.Status = s } }

// Consented records consent to share at capture.
func Consented(l *leadrouter.Lead) {
	now := l.CreatedAt
	l.Consent = leadrouter.Consent{Share: true, At: &now, Text: "You may share my details with a partner.", Source: "web_form"}
}

// EmailDomain sets the lead's e-mail domain.
func EmailDomain(domain string) LeadOption {
	return func(l *leadrouter.Lead) {
		l.Email = fmt.Sprintf("%s.%d@%s", EmailLocal, leadCounter.Add(1), domain)
	}
}

// MustLead stores a lead directly (as capture would have, without the
// capture workflow): status nurturing, owned by the inside-sales queue
// unless options say otherwise, with the fixture's contact details.
func (f *Fixture) MustLead(tb testing.TB, opts ...LeadOption) leadrouter.Lead {
	tb.Helper()
	n := leadCounter.Add(1)
	l := leadrouter.Lead{
		Status: leadrouter.StatusNurturing, FirstName: FirstName, LastName: LastName,
		Email: fmt.Sprintf("%s.%d@acme-widgets.example", EmailLocal, n), Phone: Phone,
		Company: "Acme Widgets", Title: "CTO", Country: "DE", Source: leadrouter.SourceAPI, Campaign: "test",
		Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, RoutedRule: "default", NurtureTrack: "general",
	}
	ctx := context.Background()
	err := f.DB.Update(ctx, func(tx *store.Tx) error {
		l.CreatedAt = tx.Now()
		for _, o := range opts {
			o(&l)
		}
		return tx.InsertLead(ctx, &l)
	})
	if err != nil {
		tb.Fatalf("insert lead: %v", err)
	}
	return l
}
