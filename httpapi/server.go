// Package httpapi is leadrouter's JSON API: routes, request and response
// DTOs, bearer-token authentication, and the one place where errors become
// RFC 9457 problem documents.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
)

// Server serves the JSON API.
type Server struct {
	db      *store.DB
	lookup  *lookup.Service
	logger  *slog.Logger
	metrics *Metrics
	mux     *http.ServeMux
	// tokens caches recent token checks for a few seconds (one database
	// round trip less per request).
	tokens tokenCache
	// reads is the read log of contact details shown (nil: none kept).
	reads *store.ReadLog
	// apiRoutes records every route registered with Handle or
	// HandlePublic, for the OpenAPI document.
	apiRoutes []route
	// docs holds each route's Doc by pattern (see Document).
	docs map[string]Doc
	// OnPartnersChanged runs after a partner is created or changed (the
	// tracking directory refreshes its PID snapshot).
	OnPartnersChanged func()
	// admin runs the administrative use cases.
	admin *admin.Service
	// draining is set when the server is shutting down (see Drain).
	draining atomic.Bool
}

// Drain marks the server as shutting down: /healthz answers 503
// "draining" so a load balancer stops sending, and every request that
// arrives from now on is answered 503 with Retry-After and Connection:
// close; requests already being served finish as usual.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// Config is what the API needs from its surroundings.
type Config struct {
	DB          *store.DB
	Logger      *slog.Logger
	Metrics     *Metrics
	MaxBodySize int64
	// ReadLog records who saw contact details (nil: nobody is recorded).
	ReadLog *store.ReadLog
	// Admin runs the administrative use cases (partners, users, tokens,
	// accounts, webhook subscriptions).
	Admin *admin.Service
	// Lookup runs the reads the API shares with the portal.
	Lookup *lookup.Service
}

// New returns an API server with the core routes registered; other
// surfaces add theirs with Handle before the server starts.
func New(cfg Config) *Server {
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
		if cfg.DB != nil {
			cfg.Metrics.watchStore(cfg.DB)
		}
	}
	if cfg.Admin == nil {
		cfg.Admin = &admin.Service{DB: cfg.DB}
	}
	if cfg.Lookup == nil {
		cfg.Lookup = lookup.New(cfg.DB)
	}
	s := &Server{lookup: cfg.Lookup, admin: cfg.Admin, db: cfg.DB, logger: cfg.Logger, metrics: cfg.Metrics, mux: http.NewServeMux(), reads: cfg.ReadLog}
	s.routes()
	return s
}

// HandlerFunc is an API handler: it returns an error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error

// Handle registers an authenticated API route. roles lists who may call it
// (none: any signed-in user); everyone else gets 403, no token 401.
func (s *Server) Handle(pattern string, h HandlerFunc, roles ...leadrouter.Role) {
	s.apiRoutes = append(s.apiRoutes, route{pattern: pattern, roles: roles})
	if strings.HasPrefix(pattern, "GET ") {
		h = s.knownParams(pattern, h)
	}
	s.mux.Handle(pattern, s.authenticated(h, roles))
}

// knownParams refuses a read whose query names a parameter its route does
// not document (a misspelt or unsupported filter would otherwise be
// ignored and answer everything): 422, every unknown name at once.
func (s *Server) knownParams(pattern string, h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		if r.URL.RawQuery == "" {
			return h(w, r, actor)
		}
		known := map[string]bool{}
		var names []string
		for _, p := range s.docs[pattern].Query {
			known[p.Name] = true
			names = append(names, p.Name)
		}
		var v leadrouter.Validation
		for name := range r.URL.Query() {
			if !known[name] {
				if len(names) == 0 {
					v.Add(name, "is not a parameter of this route (it takes none)")
				} else {
					v.Add(name, "is not a parameter of this route (known: %s)", strings.Join(names, ", "))
				}
			}
		}
		sort.Slice(v.Fields, func(i, j int) bool { return v.Fields[i].Field < v.Fields[j].Field })
		if err := v.Err(); err != nil {
			return err
		}
		return h(w, r, actor)
	}
}

// HandlePublic registers a route without authentication. A pattern with a
// method ("GET /healthz") is listed in the OpenAPI document; one without
// (a whole subtree such as "/portal/") is mounted only.
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	if method, _, ok := strings.Cut(pattern, " "); ok && method != "" && !strings.HasPrefix(method, "/") {
		s.apiRoutes = append(s.apiRoutes, route{pattern: pattern, public: true})
	}
	s.mux.Handle(pattern, h)
}

// Handler returns the API with its middleware (request ids, body limit,
// access logs, metrics).
func (s *Server) Handler(maxBody int64) http.Handler {
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	return observe(s.drainGate(s.mux), s.logger, s.metrics, maxBody)
}

// drainGate answers requests that arrive after Drain with 503, Retry-After
// and Connection: close (healthz says "draining" itself).
func (s *Server) drainGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.draining.Load() {
			next.ServeHTTP(&closeIfDraining{ResponseWriter: w, s: s}, r)
			return
		}
		w.Header().Set("Connection", "close")
		// Read what the client sent (bodies are size-limited): a socket
		// closed with unread bytes is reset, and a slow client would
		// lose the answer to that reset.
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		WriteError(w, r, s.logger, leadrouter.Errorf(leadrouter.EUNAVAILABLE, "The server is shutting down. Please try again."))
	})
}

// closeIfDraining adds Connection: close to the answer of a request that
// was running when Drain was called, so its client does not send another
// one on that connection.
type closeIfDraining struct {
	http.ResponseWriter
	s       *Server
	checked bool
}

func (w *closeIfDraining) check() {
	if !w.checked {
		w.checked = true
		if w.s.draining.Load() {
			w.Header().Set("Connection", "close")
		}
	}
}

func (w *closeIfDraining) WriteHeader(code int) { w.check(); w.ResponseWriter.WriteHeader(code) }
func (w *closeIfDraining) Write(b []byte) (int, error) {
	w.check()
	return w.ResponseWriter.Write(b)
}
func (w *closeIfDraining) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// retryBackoff is how long a safe request waits before its one retry.
var retryBackoff = 300 * time.Millisecond

// RetryUnavailable runs fn and, when it failed because the database was
// away (EUNAVAILABLE), runs it once more after a short back-off, so that a
// brief failover or restart is not seen by the client. Only for work that
// is safe to repeat: a read, or a write with an Idempotency-Key.
func RetryUnavailable(ctx context.Context, fn func() error) error {
	err := fn()
	if isUnavailable(err) && backOff(ctx) {
		err = fn()
	}
	return err
}

func isUnavailable(err error) bool {
	return leadrouter.ErrorCode(store.Unavailable(err)) == leadrouter.EUNAVAILABLE
}

// backOff waits retryBackoff; false when ctx ended first.
func backOff(ctx context.Context) bool {
	t := time.NewTimer(retryBackoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// safeToRetry reports whether r may be run twice: a read.
func safeToRetry(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// writeWatch remembers whether the handler wrote anything (then it is too
// late to run it again).
type writeWatch struct {
	http.ResponseWriter
	wrote bool
}

func (w *writeWatch) WriteHeader(code int) { w.wrote = true; w.ResponseWriter.WriteHeader(code) }
func (w *writeWatch) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
func (w *writeWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Mux returns the router, for mounting other surfaces.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// DB returns the store behind the API.
func (s *Server) DB() *store.DB { return s.db }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.logger }

// Metrics returns the server's collectors.
func (s *Server) Metrics() *Metrics { return s.metrics }

func (s *Server) routes() {
	s.Document("GET /healthz", Doc{Summary: "Check that the server and its database answer", Response: health{},
		Errors: []int{http.StatusServiceUnavailable}})
	s.HandlePublic("GET /healthz", http.HandlerFunc(s.healthz))
	s.Document("GET /metrics", Doc{Summary: "Prometheus metrics (text exposition format)", NoJSON: true,
		ResponseTypes: []string{"text/plain; version=0.0.4"}})
	s.HandlePublic("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	s.Document("GET /api/v1/openapi.json", Doc{Summary: "This OpenAPI document, generated from the registered routes"})
	s.HandlePublic("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, s.logger, leadrouter.Errorf(leadrouter.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path))
	})

	s.Document("POST /api/v1/partners", Doc{Summary: "Create a partner", Body: partnerRequest{},
		Success: []int{http.StatusCreated}, Response: leadrouter.Partner{}, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/partners", s.createPartner, leadrouter.RoleAdmin)
	// The support desk reads partners too (SPEC: read-only on everything
	// else), to tell a caller who owns a lead.
	s.Document("GET /api/v1/partners", Doc{Summary: "List partners", Query: pageQuery(),
		Response: store.Page[leadrouter.Partner]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/partners", s.listPartners, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RoleSupport)
	s.Document("GET /api/v1/partners/{id}", Doc{Summary: "Read a partner", Response: leadrouter.Partner{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/partners/{id}", s.getPartner, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RoleSupport, leadrouter.RolePartner)
	s.Document("PATCH /api/v1/partners/{id}", Doc{Summary: "Change a partner (only the fields given)", Body: partnerPatch{},
		BodyEnums: map[string][]string{"status": {string(leadrouter.PartnerActive), string(leadrouter.PartnerSuspended)}},
		Response:  leadrouter.Partner{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("PATCH /api/v1/partners/{id}", s.patchPartner, leadrouter.RoleAdmin, leadrouter.RolePAM)

	s.Document("POST /api/v1/users", Doc{Summary: "Create a user and its first API token", Body: userRequest{},
		BodyEnums: map[string][]string{"role": roleNames()},
		Success:   []int{http.StatusCreated}, Response: userCreated{}, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/users", s.createUser, leadrouter.RoleAdmin)
	s.Document("GET /api/v1/users", Doc{Summary: "List the users the caller may see",
		Query:    pageQuery(Param{Name: "role", Description: "only users with this role", Enum: roleNames()}),
		Response: store.Page[leadrouter.User]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/users", s.listUsers)
	s.Document("GET /api/v1/users/{id}", Doc{Summary: "Read a user", Response: leadrouter.User{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/users/{id}", s.getUser)
	s.Document("GET /api/v1/me", Doc{Summary: "Read the calling user", Response: leadrouter.User{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/me", s.me)
	s.Document("GET /api/v1/users/{id}/tokens", Doc{Summary: "List a user's API tokens (never their secrets)",
		Response: itemList[leadrouter.Token]{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}})
	s.Handle("GET /api/v1/users/{id}/tokens", s.listTokens)
	s.Document("POST /api/v1/users/{id}/tokens", Doc{Summary: "Issue an API token (its secret is shown this once)",
		Success: []int{http.StatusCreated}, Response: tokenIssued{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}})
	s.Handle("POST /api/v1/users/{id}/tokens", s.issueToken)
	s.Document("DELETE /api/v1/tokens/{id}", Doc{Summary: "Revoke an API token", Response: leadrouter.Token{},
		Errors: []int{http.StatusForbidden, http.StatusNotFound}})
	s.Handle("DELETE /api/v1/tokens/{id}", s.revokeToken)

	s.Document("POST /api/v1/accounts", Doc{Summary: "Create an account", Body: accountRequest{},
		Success: []int{http.StatusCreated}, Response: leadrouter.Account{}, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/accounts", s.createAccount, leadrouter.RoleAdmin)
	s.Document("GET /api/v1/accounts", Doc{Summary: "List the accounts the caller may see", Query: pageQuery(),
		Response: store.Page[leadrouter.Account]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/accounts", s.listAccounts)
	s.Document("GET /api/v1/accounts/{id}", Doc{Summary: "Read an account", Response: leadrouter.Account{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/accounts/{id}", s.getAccount)
	s.Document("GET /api/v1/accounts/{id}/timeline", Doc{Summary: "An account's timeline of events",
		Response: itemList[TimelineItem]{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/accounts/{id}/timeline", s.accountTimeline, staffRoles()...)
}

// StaffRoles are the vendor's own roles.
func StaffRoles() []leadrouter.Role { return staffRoles() }

func staffRoles() []leadrouter.Role {
	return []leadrouter.Role{leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RoleRelations, leadrouter.RoleSupport, leadrouter.RoleSales}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		WriteProblem(w, r, Problem{Type: "https://leadrouter.dev/problems/draining", Title: "Draining", Status: http.StatusServiceUnavailable, Detail: "The server is shutting down."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2e9)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.logger.WarnContext(ctx, "healthz: database does not answer", "err", err)
		WriteProblem(w, r, Problem{Type: "https://leadrouter.dev/problems/unavailable", Title: "Database unavailable", Status: http.StatusServiceUnavailable, Detail: "The database does not answer."})
		return
	}
	WriteJSON(w, http.StatusOK, health{Status: "ok", Database: string(s.db.Engine())})
}

// health is the answer of GET /healthz.
type health struct {
	Database string `json:"database"`
	Status   string `json:"status"`
}

// authenticated resolves the bearer token into an actor, checks the role and
// runs h, rendering any error it returns.
func (s *Server) authenticated(h HandlerFunc, roles []leadrouter.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="leadrouter"`)
			WriteError(w, r, s.logger, leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "A bearer token is required."))
			return
		}
		var user leadrouter.User
		err := RetryUnavailable(r.Context(), func() (err error) {
			user, err = s.tokens.authenticate(r.Context(), s.db, strings.TrimSpace(token))
			return err
		})
		if isUnavailable(err) {
			WriteError(w, r, s.logger, err)
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="leadrouter", error="invalid_token"`)
			WriteError(w, r, s.logger, err)
			return
		}
		actor := user.Actor()
		ctx := leadrouter.NewContextWithActor(r.Context(), actor)
		r = r.WithContext(ctx)
		if len(roles) > 0 {
			if err := actor.Require(roles...); err != nil {
				WriteError(w, r, s.logger, err)
				return
			}
		}
		// A read that failed because the database was away is run once
		// more (see RetryUnavailable), unless it already wrote.
		ww := &writeWatch{ResponseWriter: w}
		err = h(ww, r, actor)
		if isUnavailable(err) && safeToRetry(r) && !ww.wrote && backOff(r.Context()) {
			err = h(ww, r, actor)
		}
		if err != nil {
			WriteError(ww, r, s.logger, err)
		}
	})
}

// pageParams reads limit and cursor from the query. A cursor is the
// next_cursor of an earlier page: the id of an item of the list, whose ids
// begin with idPrefix ("lead", "ptr", …); anything else is a field error,
// not an empty page.
func pageParams(r *http.Request, idPrefix string) (int, string, error) {
	q := r.URL.Query()
	var v leadrouter.Validation
	limit := parseLimit(&v, q.Get("limit"))
	cursor := q.Get("cursor")
	if cursor != "" && !leadrouter.ValidID(idPrefix, cursor) {
		v.Add("cursor", "is not a cursor of this list (use the next_cursor of the page before)")
	}
	return limit, cursor, v.Err()
}

// parseLimit reads a page size (0, the default, when raw is empty).
func parseLimit(v *leadrouter.Validation, raw string) int {
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 500 {
		v.Add("limit", "must be a whole number from 1 to 500")
		return 0
	}
	return n
}

// tokenCache remembers valid tokens (by hash) for tokenTTL, bounded in size.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedUser
}

type cachedUser struct {
	user    leadrouter.User
	expires time.Time
}

const (
	tokenTTL        = 5 * time.Second
	tokenCacheLimit = 10000
)

// forget drops a token (by the hash of its secret) at once: this process
// stops accepting a revoked token immediately, others within tokenTTL.
func (c *tokenCache) forget(hash string) {
	c.mu.Lock()
	delete(c.entries, hash)
	c.mu.Unlock()
}

func (c *tokenCache) authenticate(ctx context.Context, db *store.DB, token string) (leadrouter.User, error) {
	key := store.HashSecret(token)
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.user, nil
	}
	c.mu.Unlock()
	user, err := db.Authenticate(ctx, token)
	if err != nil {
		return user, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= tokenCacheLimit {
		c.entries = map[string]cachedUser{}
	}
	c.entries[key] = cachedUser{user: user, expires: now.Add(tokenTTL)}
	c.mu.Unlock()
	return user, nil
}
