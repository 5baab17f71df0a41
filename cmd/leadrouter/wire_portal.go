package main

import (
	"context"

	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/portal"
	"github.com/leadrouter/leadrouter/registration"
)

// mountPortal serves the web portal under /portal with whichever workflow
// services are mounted.
func mountPortal(ctx context.Context, m *Main) error {
	cfg := portal.Config{
		DB: m.DB, Logger: m.Logger, SiteHosts: m.SiteHosts, ReadLog: m.ReadLog, Admin: m.Admin, Lookup: m.Lookup,
		Secure: m.secure(),
		OnPartnersChanged: func() {
			if m.API.OnPartnersChanged != nil {
				m.API.OnPartnersChanged()
			}
		},
	}
	if m.Intake != nil {
		cfg.Intake = m.Intake
	}
	// The lifecycle and registration services are stateless over the
	// store: the portal gets its own instances of the same use cases (the
	// registration expiry job runs once, from wire_registration.go).
	lc := &lifecycle.Service{DB: m.DB, Assignments: m.Assignments}
	if m.Router != nil {
		cfg.Router = m.Router
		lc.Reroute, lc.Policy = m.Router.Reroute, m.Router
	}
	cfg.Lifecycle = lc
	if m.Notifier != nil {
		cfg.Notifications = m.Notifier
	}
	if m.Conflicts != nil {
		cfg.Conflicts = m.Conflicts
	}
	if m.Assignments != nil {
		cfg.Assignments = m.Assignments
	}
	cfg.Registrations = &registration.Service{DB: m.DB, ExpiryDays: m.registrationDays(), Logger: m.Logger}
	p, err := portal.New(cfg)
	if err != nil {
		return err
	}
	h := p.Handler()
	mux := m.API.Mux()
	mux.Handle("/portal/", h)
	mux.Handle("/portal", h)
	return nil
}
