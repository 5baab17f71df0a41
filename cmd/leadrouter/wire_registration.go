package main

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
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

// seedDemoConflicts makes the demo's three channel conflicts: a lead at
// Acme through Berlin's PID link while Austin owns the Acme account (the
// PID prevails); a lead through Berlin's link at a company Relations
// approved Munich's registration of (the registration prevails); a second
// contact at Kaffee Haus, which Berlin works, routed to Munich in turn (an
// open record never decides: Relations may give it to Berlin).
func seedDemoConflicts(ctx context.Context, m *Main, reg *registration.Service, ids demo.IDs) error {
	if m.Intake == nil || m.Conflicts == nil {
		return nil
	}
	munich := leadrouter.Actor{UserID: ids.Users["max@munich-erp.example"], Role: leadrouter.RolePartner, PartnerID: ids.Partners[demo.PIDMunich]}
	if _, err := reg.Register(ctx, munich, registration.Input{Company: "Lindwurm Brauerei GmbH", Domain: "lindwurm.example", Country: "DE",
		Note: "Met the brewmaster at the Munich trade fair."}); err != nil {
		return fmt.Errorf("demo registration Lindwurm: %w", err)
	}
	support := leadrouter.Actor{UserID: ids.Users["support@vendor.example"], Name: "Sam Support", Role: leadrouter.RoleSupport}
	for _, l := range []intake.Submission{
		{FirstName: "Wile", LastName: "Coyote", Email: "wile@acme.example", Company: "Acme Corporation", Country: "US", PID: demo.PIDBerlin},
		{FirstName: "Hans", LastName: "Wurm", Email: "hans@lindwurm.example", Company: "Lindwurm Brauerei GmbH", Country: "DE", PID: demo.PIDBerlin},
		{FirstName: "Petra", LastName: "Sommer", Email: "petra@kaffee-haus.example", Company: "Kaffee Haus GmbH", Country: "DE"},
	} {
		l.Source, l.Campaign = leadrouter.SourceWebForm, "demo"
		if _, err := m.Intake.Capture(ctx, support, l, nil); err != nil {
			return fmt.Errorf("demo lead %s: %w", l.Email, err)
		}
	}
	return nil
}
