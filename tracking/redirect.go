package tracking

import (
	"log/slog"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter/clientip"
)

// DefaultCookieMaxAge is how long the referral cookie lives when
// Config.CookieMaxAge is not set (--cookie-days 90).
const DefaultCookieMaxAge = 90 * 24 * time.Hour

// Config is what the redirect and the short link need.
type Config struct {
	Codec        *Codec        // signs the lr_ref cookie
	Directory    *Directory    // resolves PIDs to active partners
	Clicks       *ClickCounter // counts clicks; nil counts nothing
	CookieMaxAge time.Duration // lifetime of lr_ref; DefaultCookieMaxAge if not positive
	Secure       bool          // set Secure on lr_ref; see IsSecure
	// SecureFor, when set, decides Secure per request instead (also true
	// when Secure is); the front server leaves such requests to net/http.
	SecureFor func(*http.Request) bool
	SiteHosts []string         // hosts the short link may send to: --site-hosts plus the upstream's host
	Now       func() time.Time // the clock; time.Now if nil
	Logger    *slog.Logger     // for the rare errors; discarded if nil
}

// cookieAttributes returns the attributes following the lr_ref value.
func (cfg Config) cookieAttributes() string {
	maxAge := cfg.CookieMaxAge
	if maxAge <= 0 {
		maxAge = DefaultCookieMaxAge
	}
	attrs := "; Path=/; Max-Age=" + strconv.FormatInt(int64(maxAge/time.Second), 10) + "; HttpOnly"
	if cfg.Secure {
		attrs += "; Secure"
	}
	return attrs + "; SameSite=Lax"
}

// secureAttributes is cookieAttributes with Secure.
func (cfg Config) secureAttributes() string {
	cfg.Secure = true
	return cfg.cookieAttributes()
}

// attrsFor picks the cookie attributes for r: secure ones when
// SecureFor says r came over HTTPS.
func (cfg Config) attrsFor(r *http.Request, plain, secure string) string {
	if cfg.SecureFor != nil && cfg.SecureFor(r) {
		return secure
	}
	return plain
}

// withDefaults fills in the optional fields.
func (cfg Config) withDefaults() Config {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Codec == nil || cfg.Directory == nil {
		panic("tracking: Config needs a Codec and a Directory")
	}
	return cfg
}

// redirector is the W1 redirect.
type redirector struct {
	cfg         Config
	cookieAttrs string
	secureAttrs string // cookieAttrs with Secure, for Config.SecureFor
	next        http.Handler
}

// NewMiddleware returns a handler answering every GET or HEAD of a site
// path (see sitePath) whose query has a pid parameter (any case) with a 302 to the same path and
// query without it, recording the touch in lr_ref and counting the click
// when the PID belongs to an active partner; every other request goes to
// next.
func NewMiddleware(cfg Config, next http.Handler) http.Handler {
	cfg = cfg.withDefaults()
	return &redirector{cfg: cfg, cookieAttrs: cfg.cookieAttributes(), secureAttrs: cfg.secureAttributes(), next: next}
}

// pidMatch is the last pid parameter naming an active partner.
type pidMatch struct {
	dir       *Directory
	pid       pidBuf
	partnerID string
	found     bool
}

// visit is appendStripped's onPID: it keeps the PID if it names an active
// partner.
func (m *pidMatch) visit(rawValue string) {
	var pid pidBuf
	if !pid.parseRaw(rawValue) {
		return
	}
	if partnerID, ok := m.dir.lookup(pid.bytes()); ok {
		m.pid, m.partnerID, m.found = pid, partnerID, true
	}
}

// ServeHTTP implements http.Handler.
func (h *redirector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !hasPIDParam(r.URL.RawQuery) || !sitePath(r.URL.Path) {
		h.next.ServeHTTP(w, r)
		return
	}
	s := h.cfg.Codec.getScratch()
	defer h.cfg.Codec.putScratch(s)
	buf, locationEnd, found := h.appendRedirectAttrs(s, r.URL.EscapedPath(), r.URL.RawQuery, firstCookieValue(r), clientip.Addr(r), h.cfg.attrsFor(r, h.cookieAttrs, h.secureAttrs))

	// One string holds both header values and one slice all three
	// headers, so that the redirect costs two allocations of its own.
	headers := string(buf)
	values := make([]string, 3)
	values[0] = headers[:locationEnd]
	values[1] = "no-store"
	header := w.Header()
	header["Location"] = values[0:1:1]
	header["Cache-Control"] = values[1:2:2]
	if found {
		values[2] = headers[locationEnd:]
		if earlier := header["Set-Cookie"]; len(earlier) > 0 { // set by a wrapping handler
			header["Set-Cookie"] = append(earlier, values[2])
		} else {
			header["Set-Cookie"] = values[2:3:3]
		}
	}
	w.WriteHeader(http.StatusFound)
}

// appendRedirect is the redirect of a request for escapedPath?rawQuery
// carrying lr_ref value cookie from client: it returns s's buffer holding the Location
// (buf[:locationEnd]) followed, when the query names an active partner, by
// the Set-Cookie value (buf[locationEnd:]), and counts the click (once
// per client and PID within the click counter's dedupe window). Both the
// net/http handler and the front server (see FrontServer) answer with it.
func (h *redirector) appendRedirect(s *codecScratch, escapedPath, rawQuery, cookie, client string) (buf []byte, locationEnd int, found bool) {
	return h.appendRedirectAttrs(s, escapedPath, rawQuery, cookie, client, h.cookieAttrs)
}

// appendRedirectAttrs is appendRedirect with the cookie's attributes.
func (h *redirector) appendRedirectAttrs(s *codecScratch, escapedPath, rawQuery, cookie, client, attrs string) (buf []byte, locationEnd int, found bool) {
	// The Location: the cleaned path, then the query without pid.
	match := pidMatch{dir: h.cfg.Directory}
	buf = appendCleanPath(s.out[:0], escapedPath)
	pathEnd := len(buf)
	buf = append(buf, '?')
	buf = appendStripped(buf, rawQuery, match.visit)
	if len(buf) == pathEnd+1 {
		buf = buf[:pathEnd] // nothing left after the '?'
	}
	locationEnd = len(buf)

	if match.found {
		now := h.cfg.Now()
		buf = append(buf, CookieName...)
		buf = append(buf, '=')
		buf = s.appendValueWithTouch(buf, cookie, 'l', now.Unix(), match.pid.bytes(), buf[:locationEnd])
		buf = append(buf, attrs...)
		if h.cfg.Clicks != nil {
			h.cfg.Clicks.AddFrom(match.partnerID, client, match.pid.bytes(), now)
		}
	}
	s.out = buf[:0] // keep a grown buffer for the next request
	return buf, locationEnd, match.found
}

// servicePaths are leadrouter's own paths: a pid there is no referral,
// so it is neither redirected nor counted.
var servicePaths = [...]string{"/api", "/portal", "/forms", "/healthz", "/metrics"}

// sitePath reports whether the request path p (unescaped, as net/http's
// Request.URL.Path) belongs to the vendor's site rather than to one of
// leadrouter's own paths (/api/, /portal/, /forms/, /healthz, /metrics),
// judged on the cleaned path so /x/../api/ is the API too.
func sitePath(p string) bool {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	p = path.Clean(p) // allocates only for a path that is not clean
	for _, s := range servicePaths {
		if strings.HasPrefix(p, s) && (len(p) == len(s) || p[len(s)] == '/') {
			return false
		}
	}
	return true
}

// clientAddr is the client address the front server deduplicates clicks
// on: the peer's IP (remoteAddr is "ip:port"). The front server answers
// only when no proxy is trusted (see FrontServer); net/http's path takes
// the client from clientip, which honours --trusted-proxies.
func clientAddr(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// IsSecure reports whether lr_ref should carry Secure for a server
// listening on addr: false only for plain-HTTP loopback addresses
// ("localhost:8080", "127.0.0.1:8080", "[::1]:8080"), where browsers would
// otherwise drop the cookie; any other address is assumed to be reached
// over HTTPS, directly or through a proxy.
func IsSecure(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return false
	}
	return true
}
