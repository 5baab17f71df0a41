// Package portal owns leadrouter's server-rendered web portal (W10): pages
// for partners, the support desk, PAMs, Partner Relations and admins under
// /portal, signed in with e-mail and password into an HttpOnly session
// cookie, every state-changing form carrying a CSRF token. Templates are
// embedded and parsed at start; pages work without JavaScript. Redaction of
// what partners see is the httpapi views' job, reused here unchanged.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
	"golang.org/x/text/message/catalog"
)

//go:embed templates/*.html templates/parts/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

//go:embed static/copy.js
var copyJS []byte

// Capturer submits an enquiry as a lead (intake.Service).
type Capturer interface {
	Capture(ctx context.Context, actor leadrouter.Actor, sub intake.Submission, idem *intake.Idempotency) (intake.Result, error)
}

// Policy reads, replaces and explains the routing policy (live.Router).
type Policy interface {
	Policy() (*routing.Policy, int64, string)
	Explain(ctx context.Context, sub intake.Submission, policySrc string) (leadrouter.Decision, error)
	Replace(ctx context.Context, src, by string) (int64, error)
}

// Config is what the portal needs from its surroundings. Services that are
// not mounted stay nil and their pages say so.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// SiteHosts are the vendor site's hosts, for the link builder.
	SiteHosts []string
	// Secure marks cookies Secure (everything but plain-HTTP loopback).
	Secure bool
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration

	// Admin runs the administrative use cases (default: on DB).
	Admin *admin.Service
	// Lookup runs the reads the portal shares with the API (default: on DB).
	Lookup        *lookup.Service
	Intake        Capturer
	Router        Policy
	Lifecycle     Lifecycle
	Registrations Registrations
	// Notifications is the inbox and the preferences (nil: not mounted).
	Notifications Notifications
	// Conflicts lists and resolves channel conflicts (nil: not mounted).
	Conflicts Conflicts
	// Assignments is the partner's answer and its deals (nil: not
	// mounted).
	Assignments Assignments
	// ReadLog records who saw contact details on the portal's pages (nil:
	// nobody is recorded).
	ReadLog *store.ReadLog
	// OnPartnersChanged runs after a partner is created or suspended.
	OnPartnersChanged func()
}

// Portal serves the pages.
type Portal struct {
	cfg   Config
	db    *store.DB
	log   *slog.Logger
	pages map[string]*template.Template
	// catalog holds the portal's words in every language (locales/).
	catalog catalog.Catalog
	mux     *http.ServeMux
	// failedByAddr and failedByAccount count failed sign-ins, in the
	// database: every server process spends the same budget.
	failedByAddr, failedByAccount *intake.SharedLimiter
}

// New parses every template (failing fast on any error) and registers the
// routes.
func New(cfg Config) (*Portal, error) {
	if cfg.DB == nil {
		return nil, errors.New("portal: a database is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Admin == nil {
		cfg.Admin = &admin.Service{DB: cfg.DB}
	}
	if cfg.Lookup == nil {
		cfg.Lookup = lookup.New(cfg.DB)
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	pages, err := parseTemplates(templateFS)
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog(localeFS)
	if err != nil {
		return nil, err
	}
	p := &Portal{cfg: cfg, catalog: cat, db: cfg.DB, log: cfg.Logger, pages: pages, mux: http.NewServeMux(),
		// 20 failures per address and 10 per account every 15 minutes.
		failedByAddr:    &intake.SharedLimiter{DB: cfg.DB, Prefix: "signin-addr:", Limit: 20, Window: 15 * time.Minute},
		failedByAccount: &intake.SharedLimiter{DB: cfg.DB, Prefix: "signin-account:", Limit: 10, Window: 15 * time.Minute}}
	p.routes()
	return p, nil
}

// parseTemplates parses the layout with each page into its own set.
func parseTemplates(fsys fs.FS) (map[string]*template.Template, error) {
	// Every page sees the layout and the shared parts (a page's sections
	// that live in files of their own: templates/parts).
	base, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(fsys, "templates/layout.html", "templates/parts/*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: parse layout: %w", err)
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if pages[name], err = clone.ParseFS(fsys, file); err != nil {
			return nil, fmt.Errorf("portal: parse %s: %w", file, err)
		}
		if pages[name].Lookup("content") == nil {
			return nil, fmt.Errorf("portal: %s defines no \"content\" template", file)
		}
	}
	return pages, nil
}

// Handler returns everything under /portal/, wrapped in cross-origin
// protection (browsers' Sec-Fetch-Site / Origin checked on POSTs).
func (p *Portal) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Cross-origin requests are not allowed."))
	}))
	return securityHeaders(cop.Handler(p.mux))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func (p *Portal) routes() {
	m := p.mux
	m.HandleFunc("GET /portal/static/copy.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(copyJS)
	})
	m.HandleFunc("GET /portal/static/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(styleCSS)
	})
	m.HandleFunc("GET /portal/login", p.loginForm)
	m.HandleFunc("POST /portal/login", p.login)
	m.Handle("POST /portal/logout", p.auth(p.logout))
	m.Handle("GET /portal", p.auth(p.home))
	m.Handle("GET /portal/{$}", p.auth(p.home))

	anyone := leadrouter.Roles
	partner := []leadrouter.Role{leadrouter.RolePartner}

	// Everyone: the inbox and how to be told.
	m.Handle("GET /portal/notifications", p.auth(p.inbox, anyone...))
	m.Handle("POST /portal/notifications/{id}/read", p.auth(p.markRead, anyone...))
	m.Handle("GET /portal/settings", p.auth(p.settings, anyone...))
	m.Handle("POST /portal/settings", p.auth(p.saveSettings, anyone...))
	m.Handle("GET /portal/conflicts", p.auth(p.conflicts, leadrouter.RoleRelations, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RoleSupport))
	m.Handle("POST /portal/conflicts/{id}/resolve", p.auth(p.resolveConflict, leadrouter.RoleRelations, leadrouter.RoleAdmin))

	// Leads: partners see their own (redacted), staff search everything.
	m.Handle("GET /portal/leads", p.auth(p.leads, anyone...))
	m.Handle("GET /portal/leads.csv", p.auth(p.exportLeads, anyone...))
	m.Handle("GET /portal/opportunities.csv", p.auth(p.exportOpportunities, leadrouter.RolePartner, leadrouter.RolePAM, leadrouter.RoleAdmin))
	m.Handle("GET /portal/assignments.csv", p.auth(p.exportAssignments, anyone...))
	m.Handle("GET /portal/registrations.csv", p.auth(p.exportRegistrations, anyone...))
	m.Handle("GET /portal/leads/{id}", p.auth(p.lead, anyone...))

	// Partner pages.
	m.Handle("GET /portal/dashboard", p.auth(p.dashboard, partner...))
	m.Handle("GET /portal/links", p.auth(p.links, partner...))

	// The vendor's people work a lead on its page.
	m.Handle("POST /portal/leads/{id}/qualify", p.auth(p.qualifyLead, lifecycle.QualifyRoles...))
	m.Handle("POST /portal/leads/{id}/disqualify", p.auth(p.disqualifyLead, lifecycle.QualifyRoles...))
	m.Handle("POST /portal/leads/{id}/convert", p.auth(p.convertLead, lifecycle.QualifyRoles...))
	m.Handle("POST /portal/leads/{id}/consent", p.auth(p.recordConsent, lifecycle.ConsentRoles...))
	m.Handle("POST /portal/leads/{id}/owner", p.auth(p.changeOwner, lifecycle.OwnerRoles...))
	m.Handle("POST /portal/leads/{id}/reassignment", p.auth(p.requestReassignment, leadrouter.RolePartner, leadrouter.RoleSupport))
	m.Handle("GET /portal/opportunities", p.auth(p.opportunities, partner...))
	m.Handle("GET /portal/assignments", p.auth(p.assignments, partner...))
	m.Handle("POST /portal/assignments/{id}/{answer}", p.auth(p.answer, partner...))
	m.Handle("POST /portal/opportunities/{id}/deal", p.auth(p.deal, partner...))
	m.Handle("GET /portal/registrations", p.auth(p.registrations, partner...))
	m.Handle("POST /portal/registrations", p.auth(p.register, partner...))
	m.Handle("POST /portal/registrations/{id}/extend", p.auth(p.extend, partner...))

	// PAM and Partner Relations.
	m.Handle("GET /portal/handoffs", p.auth(p.handoffs, leadrouter.RolePAM, leadrouter.RoleAdmin))
	m.Handle("POST /portal/opportunities/{id}/handoff", p.auth(p.handoff, leadrouter.RolePAM, leadrouter.RoleAdmin))
	m.Handle("GET /portal/approvals", p.auth(p.approvals, leadrouter.RoleRelations, leadrouter.RoleAdmin))
	m.Handle("POST /portal/approvals/{id}/{decision}", p.auth(p.decide, leadrouter.RoleRelations, leadrouter.RoleAdmin))

	// Support desk.
	m.Handle("GET /portal/enquiry", p.auth(p.enquiryForm, leadrouter.RoleSupport, leadrouter.RoleAdmin, leadrouter.RoleSales))
	m.Handle("GET /portal/reassignment-requests", p.auth(p.filedRequests, leadrouter.RoleSupport))
	m.Handle("POST /portal/enquiry", p.auth(p.enquiry, leadrouter.RoleSupport, leadrouter.RoleAdmin, leadrouter.RoleSales))

	// Admin.
	admin := []leadrouter.Role{leadrouter.RoleAdmin}
	m.Handle("GET /portal/admin/partners", p.auth(p.adminPartners, admin...))
	m.Handle("POST /portal/admin/partners", p.auth(p.createPartner, admin...))
	m.Handle("POST /portal/admin/partners/{id}/status", p.auth(p.partnerStatus, admin...))
	m.Handle("GET /portal/admin/users", p.auth(p.adminUsers, admin...))
	m.Handle("POST /portal/admin/users", p.auth(p.createUser, admin...))
	m.Handle("GET /portal/admin/reassignments", p.auth(p.reassignments, admin...))
	m.Handle("POST /portal/admin/reassignments/{id}/resolve", p.auth(p.resolveReassignment, admin...))
	m.Handle("GET /portal/admin/routing", p.auth(p.routing, admin...))
	m.Handle("POST /portal/admin/routing", p.auth(p.replacePolicy, admin...))
	m.Handle("POST /portal/admin/routing/explain", p.auth(p.explain, admin...))

	m.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, nil, leadrouter.Errorf(leadrouter.ENOTFOUND, "No such page."))
	})
}
