package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/conflict"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/tracking"
)

// Main is a running server: what main() starts and end-to-end tests drive.
type Main struct {
	Config Config
	Logger *slog.Logger
	Stdout io.Writer

	DB *store.DB
	// Admin runs partners, users, tokens, accounts and webhook
	// subscriptions for the API and the portal.
	Admin *admin.Service
	// Lookup runs the reads the API and the portal share.
	Lookup    *lookup.Service
	API       *httpapi.Server
	Directory *tracking.Directory
	Clicks    *tracking.ClickCounter
	// ReadLog records who saw contact details (API and portal), written
	// in batches by a worker.
	ReadLog *store.ReadLog
	Codec   *tracking.Codec
	Router  *live.Router
	Intake  *intake.Service
	// Assignments runs partners' answers, deals and their jobs.
	Assignments *assignment.Service
	// Notifier writes, shows and sends notifications.
	Notifier *notify.Notifier
	// Conflicts decides and settles channel conflicts.
	Conflicts *conflict.Service
	// SiteHosts are the vendor site's hosts (--site-hosts plus upstream).
	SiteHosts []string
	// DemoCredentials are the demo users' tokens, when --demo seeded them.
	DemoCredentials []demo.Credential

	listener net.Listener
	// passwordCost is the bcrypt cost of new passwords (0: the default;
	// tests lower it).
	passwordCost int
	server       *http.Server
	front        *tracking.FrontServer
	cancel       context.CancelFunc
	workCtx      context.Context
	workers      sync.WaitGroup
	closers      []func(context.Context) error
	// conns counts the open client connections (for the draining phase of
	// Close).
	conns atomic.Int64
	// closing is set by Close; the serve loop's end is then expected.
	closing atomic.Bool
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	m := &Main{Logger: slog.New(slog.DiscardHandler), Stdout: io.Discard}
	bindServeFlags(flagSetDiscard(), &m.Config)
	return m
}

// URL is the base URL the server listens on.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	return "http://" + m.listener.Addr().String()
}

// Run opens and migrates the database, seeds demo data when asked, starts
// the background workers and begins serving; it returns once listening.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	keyFile, logFile := auditPaths(cfg.DB)
	if cfg.AuditKeyFile != "" {
		keyFile = cfg.AuditKeyFile
	}
	if cfg.AuditLog != "" {
		logFile = cfg.AuditLog
	}
	auditKey, created, err := audit.LoadKey(keyFile, true)
	if err != nil {
		return err
	}
	if created {
		m.Logger.Warn("made a new audit key: keep it outside the database and its backups", "file", keyFile)
	}
	// Notifications are written by a hook in the transaction of each
	// change; the notifier is made before the store that runs it.
	m.Notifier = &notify.Notifier{Logger: m.Logger, Every: cfg.NotifyEvery}
	if cfg.smtp != nil {
		if m.Notifier.Mailer, err = notify.NewMailer(*cfg.smtp, cfg.MailFrom); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, cfg.DB, store.Options{SQLiteSynchronous: cfg.SQLiteSync, AuditKey: auditKey, MatchKeys: match.Keys{},
		BcryptCost: m.passwordCost, OnEvent: m.Notifier.OnEvent})
	if err != nil {
		return err
	}
	m.DB, m.Notifier.DB = db, db
	if n, err := db.Migrate(ctx); err != nil {
		return err
	} else if n > 0 {
		m.Logger.Info("database migrated", "engine", db.Engine(), "applied", n)
	}
	secret := cfg.Secret
	if secret == "" {
		if secret, err = db.SettingOrCreate(ctx, "cookie_secret", func() string { return store.RandomHex(32) }); err != nil {
			return err
		}
	}
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel, m.workCtx = cancel, workCtx

	var seeded *demo.IDs
	if cfg.Demo {
		creds, ids, err := demo.Seed(ctx, db)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		m.DemoCredentials, seeded = creds, ids
	}

	listener, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr(), err)
	}
	m.listener = listener
	m.Notifier.PortalURL = cfg.PublicURL
	if m.Notifier.PortalURL == "" {
		m.Notifier.PortalURL = m.URL()
	}

	siteHosts := append([]string(nil), cfg.SiteHosts...)
	var upstream *url.URL
	if cfg.Upstream != "" {
		if upstream, err = url.Parse(cfg.Upstream); err != nil || upstream.Host == "" {
			return fmt.Errorf("--upstream %q is not an absolute URL", cfg.Upstream)
		}
		siteHosts = append(siteHosts, upstream.Hostname())
	}
	if len(siteHosts) == 0 {
		siteHosts = []string{"localhost", "127.0.0.1"}
	}

	m.Directory = tracking.NewDirectory(partnerSource{db}, cfg.PIDRefresh, m.Logger)
	if err := m.Directory.Refresh(ctx); err != nil {
		return err
	}
	m.Clicks = tracking.NewClickCounter(clickStore{db}, cfg.ClickFlush, m.Logger)
	m.Clicks.SetDedupe(cfg.ClickDedupe)
	m.goWork(func() { m.Directory.Run(workCtx) })
	m.goWork(func() { m.Clicks.Run(workCtx) })
	auditLog := &audit.Log{Path: logFile, Key: auditKey}
	m.goWork(func() { audit.Worker(workCtx, m.DB, auditLog, cfg.AuditEvery, m.Logger) })
	m.closers = append(m.closers, m.Clicks.Close)
	m.ReadLog = store.NewReadLog(db, time.Second, m.Logger)
	m.goWork(func() { m.ReadLog.Run(workCtx) })
	m.closers = append(m.closers, m.ReadLog.Close)

	m.SiteHosts = siteHosts
	m.Codec = tracking.NewCodec([]byte(secret))
	trackCfg := tracking.Config{
		Codec: m.Codec, Directory: m.Directory, Clicks: m.Clicks,
		CookieMaxAge: time.Duration(cfg.CookieDays) * 24 * time.Hour, Secure: m.secure(),
		SiteHosts: siteHosts, Logger: m.Logger,
	}

	m.Admin = &admin.Service{DB: db, Egress: m.egress()}
	m.Lookup = lookup.New(db)
	m.API = httpapi.New(httpapi.Config{DB: db, Logger: m.Logger, ReadLog: m.ReadLog, Admin: m.Admin, Lookup: m.Lookup})
	m.API.OnPartnersChanged = func() {
		if err := m.Directory.Refresh(context.Background()); err != nil {
			m.Logger.Warn("refresh PID directory", "err", err)
		}
	}
	m.API.MountLinks(siteHosts)
	// The workflows' surfaces, in order: capture and routing first (the
	// lifecycle reroutes with its router), the portal last (it serves
	// every workflow).
	if err := mountIntake(workCtx, m); err != nil {
		return err
	}
	mountAssignments(m)
	m.API.MountNotifications(m.Notifier)
	m.goWork(func() { m.Notifier.Run(workCtx) })
	mountLifecycle(m)
	mountRegistration(workCtx, m)
	mountWebhooks(m)
	if err := mountPortal(workCtx, m); err != nil {
		return err
	}
	if seeded != nil {
		// Demo data goes through the real workflows: leads are matched,
		// routed and on their timelines like any.
		if err := seedDemoLeads(ctx, m, *seeded); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		regs := &registration.Service{DB: m.DB, ExpiryDays: registration.DefaultExpiryDays}
		if err := seedDemoRegistrations(ctx, regs, *seeded); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if err := seedDemoAssignments(ctx, m, *seeded); err != nil {
			return fmt.Errorf("seed demo assignments: %w", err)
		}
		if err := seedDemoConflicts(ctx, m, regs, *seeded); err != nil {
			return fmt.Errorf("seed demo conflicts: %w", err)
		}
	}
	m.API.Document("GET /go/{pid}", httpapi.Doc{Summary: "A partner's short link: records the touch and redirects to the site",
		Query:   []httpapi.Param{{Name: "to", Description: "the page of the site to land on (default /)"}},
		Success: []int{http.StatusFound}, Errors: []int{http.StatusBadRequest}})
	m.API.HandlePublic("GET /go/{pid}", tracking.NewShortLinkHandler(trackCfg))
	mux := m.API.Mux()
	switch {
	case upstream != nil:
		mux.Handle("/", tracking.NewProxy(upstream))
	case cfg.Demo:
		mux.Handle("/", tracking.DemoSite())
	default:
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, r, m.Logger, leadrouter.Errorf(leadrouter.ENOTFOUND, "Nothing here. leadrouter serves /api/v1, /portal and /forms; start it with --upstream or --demo to serve a site."))
		})
	}
	if cfg.HTTPS() || !cfg.TrustedProxies.Empty() {
		// Whether a request came over HTTPS is known per request
		// (clientip.Middleware); the front server leaves these to net/http.
		trackCfg.SecureFor = clientip.HTTPS
	}
	redirect := tracking.NewMiddleware(trackCfg, m.API.Handler(cfg.MaxBody))
	handler := clientip.Middleware(cfg.TrustedProxies, cfg.HTTPS(), redirect)

	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew:
				m.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				m.conns.Add(-1)
			}
		},
	}
	if cfg.DebugAddr != "" {
		debug := http.NewServeMux()
		debug.HandleFunc("/debug/pprof/", pprof.Index)
		debug.HandleFunc("/debug/pprof/profile", pprof.Profile)
		debug.HandleFunc("/debug/pprof/trace", pprof.Trace)
		debugServer := &http.Server{Addr: cfg.DebugAddr, Handler: debug, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = debugServer.ListenAndServe() }()
		m.closers = append(m.closers, func(ctx context.Context) error { return debugServer.Shutdown(ctx) })
	}
	serve := m.server.Serve
	if cfg.FrontServer {
		m.front = &tracking.FrontServer{Redirect: redirect, Server: m.server}
		serve = m.front.Serve
	}
	go func() {
		if err := serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) && !m.closing.Load() {
			m.Logger.Error("serve", "err", err)
		}
	}()
	m.Logger.Info("leadrouter listening", "url", m.URL(), "db", db.Engine(), "demo", cfg.Demo, "upstream", cfg.Upstream)
	if cfg.Demo {
		demo.PrintCredentials(m.Stdout, m.URL(), m.DemoCredentials)
	}
	return nil
}

// secure reports whether every cookie is Secure whatever the request:
// --public-url https://…, or a listener that is not plain-HTTP loopback
// (see tracking.IsSecure).
func (m *Main) secure() bool {
	return m.Config.HTTPS() || m.listener == nil || tracking.IsSecure(m.listener.Addr().String())
}

// drain is the first phase of Close: /healthz answers 503 "draining" (a
// load balancer stops sending), every request that arrives is answered 503
// with Retry-After and Connection: close, the requests already running
// finish; it lasts until every client connection has closed or
// --shutdown-drain has passed. Closing the listener or an idle keep-alive
// connection at once would reset the clients whose request is on its way.
func (m *Main) drain(ctx context.Context) {
	if m.API == nil || m.server == nil {
		return
	}
	m.API.Drain()
	drain := m.Config.ShutdownDrain
	if drain <= 0 {
		return
	}
	deadline := time.NewTimer(drain)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	// No connection must be left for a while, not just for an instant:
	// clients answered "Connection: close" reconnect at once, and a
	// connection still in the listener's accept queue is not counted yet
	// (closing the listener would reset it).
	const quiet = 100 * time.Millisecond
	var idleSince time.Time
	for {
		if m.conns.Load() > 0 {
			idleSince = time.Time{}
		} else if idleSince.IsZero() {
			idleSince = time.Now()
		} else if time.Since(idleSince) >= quiet {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

func (m *Main) goWork(fn func()) {
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		fn()
	}()
}

// Close stops serving, stops the workers after flushing what they hold,
// and closes the database. Serving stops in two phases so that no client
// sees a connection reset: first it drains (see drain), then
// http.Server.Shutdown closes the listener and the idle connections and
// waits for the requests still running.
func (m *Main) Close() error {
	var errs []error
	wait := m.Config.ShutdownWait
	if wait <= 0 {
		wait = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m.closing.Store(true)
	m.drain(ctx)
	if m.front != nil {
		errs = append(errs, m.front.Shutdown(ctx))
	} else if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	} else if m.listener != nil {
		errs = append(errs, m.listener.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.workers.Wait()
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i](ctx))
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

// partnerSource adapts the store to the tracking directory.
type partnerSource struct{ db *store.DB }

func (s partnerSource) ActivePartners(ctx context.Context) ([]tracking.PartnerInfo, error) {
	all, err := s.db.PartnerDirectory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tracking.PartnerInfo, 0, len(all))
	for _, p := range all {
		out = append(out, tracking.PartnerInfo{ID: p.ID, PID: p.PID, Active: p.Active})
	}
	return out, nil
}

// clickStore adapts the store to the click counter.
type clickStore struct{ db *store.DB }

func (s clickStore) AddClicks(ctx context.Context, counts []tracking.ClickCount) error {
	out := make([]store.DayCount, len(counts))
	for i, c := range counts {
		out[i] = store.DayCount{PartnerID: c.PartnerID, Day: c.Day, Count: c.Count}
	}
	return s.db.AddClicks(ctx, out)
}
