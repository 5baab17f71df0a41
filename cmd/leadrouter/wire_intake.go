package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
)

// seedDemoLeads stores the demo forms and submits the sample leads through
// capture, so they are matched, routed and on their timelines like any.
func seedDemoLeads(ctx context.Context, m *Main, ids demo.IDs) error {
	if err := demo.SeedForms(ctx, m.DB, ids); err != nil {
		return err
	}
	support := leadrouter.Actor{UserID: ids.Users["support@vendor.example"], Name: "Sam Support", Role: leadrouter.RoleSupport}
	for _, l := range demo.SampleLeads {
		sub := intake.Submission{FirstName: l.FirstName, LastName: l.LastName, Email: l.Email, Company: l.Company, Country: l.Country,
			Title: l.Title, Source: l.Source, PID: l.PID, Campaign: "demo"}
		if l.Source == leadrouter.SourceWebForm {
			sub.FormSlug, sub.FormKind = "demo-request", leadrouter.FormDemoRequest
		}
		if l.Consent {
			yes := true
			sub.ConsentShare, sub.ConsentText = &yes, demo.Forms[0].ConsentText
		}
		if _, err := m.Intake.Capture(ctx, support, sub, nil); err != nil {
			return fmt.Errorf("demo lead %s: %w", l.Email, err)
		}
	}
	return nil
}

// newRouter loads the routing policy: the --policy file when given (stored
// as a new version if it differs), else the newest stored one, else the
// built-in default.
func newRouter(ctx context.Context, db *store.DB, policyFile string) (*live.Router, error) {
	var src []byte
	if policyFile != "" {
		b, err := os.ReadFile(policyFile)
		if err != nil {
			return nil, fmt.Errorf("read --policy: %w", err)
		}
		src = b
	}
	return live.New(ctx, db, src, "cli")
}

func mountIntake(ctx context.Context, m *Main) error {
	router, err := newRouter(ctx, m.DB, m.Config.PolicyFile)
	if err != nil {
		return err
	}
	m.Router = router
	writer := intake.NewWriter(m.DB, 256)
	m.closers = append(m.closers, func(context.Context) error { writer.Close(); return nil })
	svc := &intake.Service{DB: m.DB, Writer: writer, Router: router, Attribution: m.Config.Attribution,
		Partners: m.Directory.Lookup}
	m.Intake = svc
	m.API.MountLeads(svc)
	m.API.MountRouting(router)
	previous := m.API.OnPartnersChanged
	m.API.OnPartnersChanged = func() {
		router.InvalidateDirectory()
		if previous != nil {
			previous()
		}
	}
	// --form-rate per address: per process at once in memory, and across
	// every process on the database.
	forms := &intake.FormHandler{Service: svc, Codec: m.Codec, SiteHosts: m.SiteHosts, Limiter: intake.NewRateLimiter(m.Config.FormRate),
		Shared: &intake.SharedLimiter{DB: m.DB, Prefix: "form:", Limit: m.Config.FormRate, Window: time.Minute},
		Logger: m.Logger, WriteError: func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, m.Logger, err) }}
	m.API.Document("POST /forms/{slug}", httpapi.Doc{Summary: "Submit a public form of the site (a lead capture)",
		Description: "Browsers are redirected (303) to the form's success URL, or shown an HTML page listing the problems with the problem's status; " +
			"clients sending Accept: application/json get {status, redirect} or a problem document.",
		Form: []httpapi.Param{{Name: "email", Required: true}, {Name: "first_name"}, {Name: "last_name"}, {Name: "phone"}, {Name: "company"},
			{Name: "company_size", Type: "integer"}, {Name: "title"}, {Name: "country"}, {Name: "campaign"}, {Name: "partner_code"},
			{Name: "landing_url"}, {Name: "utm_source"}, {Name: "utm_medium"}, {Name: "utm_campaign"}, {Name: "utm_term"}, {Name: "utm_content"},
			{Name: "consent_share", Description: "on, true, 1 or yes: the prospect agrees to be shared with a partner"}, {Name: "consent_text"},
			{Name: "website", Description: "the honeypot: leave empty"}},
		Success: []int{http.StatusSeeOther, http.StatusOK},
		Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
			http.StatusTooManyRequests}})
	m.API.HandlePublic("POST /forms/{slug}", forms)
	// The company tokens of new leads, written behind the writer.
	indexer := &intake.Indexer{DB: m.DB, Every: m.Config.IndexEvery, Logger: m.Logger}
	m.goWork(func() { indexer.Run(m.workCtx) })
	// Pick up policies stored by other server processes.
	m.goWork(func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-m.workCtx.Done():
				return
			case <-t.C:
				if err := router.Reload(m.workCtx); err != nil {
					m.Logger.Warn("reload routing policy", "err", err)
				}
			}
		}
	})
	return nil
}
