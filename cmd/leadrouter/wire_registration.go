package main

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/registration"
)

// Prospect registration (W7): the API routes, the expiry job (running until
// the server's work context ends) and a few demo registrations.
func mountRegistration(ctx context.Context, m *Main) {
	svc := &registration.Service{DB: m.DB, ExpiryDays: m.registrationDays(), Logger: m.Logger}
	m.API.MountRegistrations(svc)
	m.goWork(func() { svc.Run(ctx) })
}

// seedDemoRegistrations registers demo prospects through the real workflow:
// a green one, a red one for the same prospect by another partner, and a
// yellow one (a lead the vendor works) waiting in Partner Relations' queue.
func seedDemoRegistrations(ctx context.Context, svc *registration.Service, ids demo.IDs) error {
	partner := func(email, pid string) leadrouter.Actor {
		return leadrouter.Actor{UserID: ids.Users[email], Role: leadrouter.RolePartner, PartnerID: ids.Partners[pid]}
	}
	for _, r := range []struct {
		actor leadrouter.Actor
		in    registration.Input
	}{
		{partner("tom@toronto-cloud.example", demo.PIDToronto), registration.Input{Company: "Northwind Traders", Domain: "northwind.example", Country: "CA"}},
		{partner("anna@berlin-systems.example", demo.PIDBerlin), registration.Input{Company: "Northwind Traders Inc.", Domain: "northwind.example", Country: "DE"}},
		{partner("amy@austin-var.example", demo.PIDAustin), registration.Input{Company: "The Pop Cynthia Project", Domain: "popcynthia.example", Country: "US",
			Note: "Cynthia asked us for a quote at a meetup."}},
	} {
		if r.actor.UserID == "" || r.actor.PartnerID == "" {
			continue
		}
		if _, err := svc.Register(ctx, r.actor, r.in); err != nil {
			return fmt.Errorf("demo registration %s: %w", r.in.Company, err)
		}
	}
	return nil
}

// registrationDays is how long an approved registration lasts: the routing
// policy's registration_days (default 90).
func (m *Main) registrationDays() int {
	if m.Router != nil {
		if p, _, _ := m.Router.Policy(); p != nil && p.RegistrationDays > 0 {
			return p.RegistrationDays
		}
	}
	return registration.DefaultExpiryDays
}
