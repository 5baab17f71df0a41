package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/intake"
)

const (
	// sessionCookie holds the portal session id; secureSessionCookie
	// holds it over HTTPS (the __Host- prefix: Secure, Path=/, no Domain,
	// so no other host or path can set it).
	sessionCookie       = "lr_session"
	secureSessionCookie = "__Host-lr_session"
	// loginCSRFCookie holds the pre-session CSRF token of the sign-in form
	// (double submit: the form carries the same value).
	loginCSRFCookie = "lr_login_csrf"
	cookiePath      = "/portal"
)

// session is the signed-in user of one request.
type session struct {
	id    string
	csrf  string
	actor leadrouter.Actor
	email string
	lang  string // the portal language the user chose, "" for the browser's
	zone  string // the zone dates are shown in, "" for UTC
}

// handlerFunc is a page handler for a signed-in user; it returns an error
// instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// auth resolves the session cookie, checks the role and, on every request
// that is not a GET or HEAD, the CSRF token. Without a session a GET is
// redirected to the sign-in page and anything else is refused with 403.
func (p *Portal) auth(h handlerFunc, roles ...leadrouter.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead
		s, ok := p.session(r)
		if !ok {
			if !safe {
				p.renderError(w, r, nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "The form has expired or did not come from this site. Please sign in and try again."))
				return
			}
			target := "/portal/login"
			if next := r.URL.RequestURI(); next != "/portal" && next != "/portal/" && safeNext(next) != "" {
				target += "?next=" + url.QueryEscape(next)
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if !safe && !tokenEqual(r.PostFormValue("csrf"), s.csrf) {
			p.renderError(w, r, s, leadrouter.Errorf(leadrouter.EFORBIDDEN, "The form's security token is missing or wrong. Reload the page and try again."))
			return
		}
		if len(roles) > 0 && !s.actor.Is(roles...) {
			p.renderError(w, r, s, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Your role (%s) may not open this page.", s.actor.Role))
			return
		}
		r = r.WithContext(leadrouter.NewContextWithActor(r.Context(), s.actor))
		if err := h(w, r, s); err != nil {
			p.renderError(w, r, s, err)
		}
	})
}

// session returns the live session of the request's cookie.
func (p *Portal) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(p.sessionCookie(r, "", 0).Name)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, false
	}
	stored, err := p.db.SessionByID(r.Context(), c.Value)
	if err != nil {
		return nil, false
	}
	return &session{id: c.Value, csrf: stored.CSRF, actor: stored.User.Actor(), email: stored.User.Email, lang: stored.Lang, zone: stored.TimeZone}, true
}

func tokenEqual(given, want string) bool {
	return given != "" && want != "" && subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1
}

// safeNext returns next when it is a path inside the portal, "" otherwise:
// never another host (//evil, /\evil, https://…), never outside /portal.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/portal") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	clean := path.Clean(u.Path)
	if clean != "/portal" && !strings.HasPrefix(clean, "/portal/") {
		return ""
	}
	if clean == "/portal/login" {
		return ""
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery}).String()
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// secure reports whether r's cookies are Secure: always but on plain-HTTP
// loopback, and whenever r came over HTTPS (clientip.HTTPS).
func (p *Portal) secure(r *http.Request) bool { return p.cfg.Secure || clientip.HTTPS(r) }

func (p *Portal) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: cookiePath, MaxAge: maxAge, HttpOnly: true, Secure: p.secure(r), SameSite: http.SameSiteLaxMode}
}

// sessionCookie is the session cookie for r: __Host-lr_session when
// Secure, lr_session (Path=/portal) on plain-HTTP loopback.
func (p *Portal) sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	c := p.cookie(r, sessionCookie, value, maxAge)
	if c.Secure {
		c.Name, c.Path = secureSessionCookie, "/"
	}
	return c
}

type loginData struct {
	Next  string
	Email string
}

// loginForm shows the sign-in form (or sends a signed-in user home).
func (p *Portal) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.session(r); ok {
		target := safeNext(r.URL.Query().Get("next"))
		if target == "" {
			target = "/portal"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	p.renderLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))}, nil)
}

func (p *Portal) renderLogin(w http.ResponseWriter, r *http.Request, status int, data loginData, formErr error) {
	token := ""
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		token = c.Value
	} else {
		token = randomToken()
		http.SetCookie(w, p.cookie(r, loginCSRFCookie, token, 3600))
	}
	w.Header().Set("Cache-Control", "no-store")
	p.render(w, r, &session{csrf: token}, status, "login", "Sign in", data, formErr)
}

// login checks the form's CSRF token against its cookie, then the e-mail
// and password, and starts a session.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !tokenEqual(r.PostFormValue("csrf"), c.Value) {
		p.renderError(w, r, nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "The sign-in form has expired or did not come from this site. Reload it and try again."))
		return
	}
	data := loginData{Next: safeNext(r.PostFormValue("next")), Email: strings.TrimSpace(r.PostFormValue("email"))}
	// Failed sign-ins are throttled per client address and per account
	// (password guessing from one place, or against one user from many).
	// A guess spends one of both budgets before the password is checked,
	// so guesses sent at once are never checked more often than the budget
	// allows; a right password gives its two back.
	ip, account := clientip.Addr(r), strings.ToLower(data.Email)
	var spent []intake.Spent
	refund := func() {
		for i, s := range spent {
			[]*intake.SharedLimiter{p.failedByAddr, p.failedByAccount}[i].Return(r.Context(), s)
		}
	}
	for _, l := range []struct {
		limiter *intake.SharedLimiter
		key     string
	}{{p.failedByAddr, ip}, {p.failedByAccount, account}} {
		s, ok, wait := l.limiter.Take(r.Context(), l.key)
		if !ok {
			refund() // a refused guess is not checked, so it spends nothing
			secs := int(wait.Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			p.log.Warn("portal sign-in throttled", "email", data.Email, "remote", ip)
			p.renderLogin(w, r, http.StatusTooManyRequests, data,
				leadrouter.Errorf(leadrouter.ERATELIMIT, "Too many failed sign-ins; try again in %s.", waitText(secs)))
			return
		}
		spent = append(spent, s)
	}
	user, err := p.db.CheckPassword(r.Context(), data.Email, r.PostFormValue("password"))
	if err != nil {
		p.log.Info("portal sign-in failed", "email", data.Email, "remote", ip)
		p.renderLogin(w, r, http.StatusUnauthorized, data, err)
		return
	}
	refund()
	id, _, err := p.db.CreateSession(r.Context(), user.ID, p.cfg.SessionTTL)
	if err != nil {
		p.renderError(w, r, nil, err)
		return
	}
	http.SetCookie(w, p.sessionCookie(r, id, int(p.cfg.SessionTTL.Seconds())))
	http.SetCookie(w, p.cookie(r, loginCSRFCookie, "", -1))
	p.log.Info("portal sign-in", "user", user.ID, "role", user.Role)
	target := data.Next
	if target == "" {
		target = "/portal"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// logout ends the session.
func (p *Portal) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := p.db.DeleteSession(r.Context(), s.id); err != nil {
		return err
	}
	http.SetCookie(w, p.sessionCookie(r, "", -1))
	http.Redirect(w, r, "/portal/login", http.StatusSeeOther)
	return nil
}

// home shows the signed-in role's home page.
func (p *Portal) home(w http.ResponseWriter, r *http.Request, s *session) error {
	switch s.actor.Role {
	case leadrouter.RolePartner:
		return p.dashboard(w, r, s)
	case leadrouter.RolePAM:
		return p.handoffs(w, r, s)
	case leadrouter.RoleRelations:
		return p.approvals(w, r, s)
	case leadrouter.RoleAdmin:
		return p.adminHome(w, r, s)
	default: // support, sales
		return p.leads(w, r, s)
	}
}

// waitText says secs as people do: "40 seconds", "3 minutes".
func waitText(secs int) string {
	switch {
	case secs == 1:
		return "1 second"
	case secs < 90:
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}
