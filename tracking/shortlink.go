package tracking

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
)

// shortLink is the W1 short link, /go/{pid}?to=URL.
type shortLink struct {
	cfg         Config
	cookieAttrs string
	secureAttrs string
}

// NewShortLinkHandler returns the handler of "GET /go/{pid}": it redirects
// (302) to the to parameter ("/" if absent) without its pid parameters,
// recording the touch and the click like the redirect when the PID belongs
// to an active partner. A target outside Config.SiteHosts is a 400 problem,
// never a redirect.
func NewShortLinkHandler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	return &shortLink{cfg: cfg, cookieAttrs: cfg.cookieAttributes(), secureAttrs: cfg.secureAttributes()}
}

// ServeHTTP implements http.Handler.
func (h *shortLink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rawPID := r.PathValue("pid")
	if rawPID == "" { // mounted without a {pid} wildcard
		rawPID = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	to := "/"
	if values, ok := r.URL.Query()["to"]; ok {
		to = values[len(values)-1]
	}
	target, err := AllowedTarget(to, h.cfg.SiteHosts)
	if err != nil {
		h.cfg.Logger.DebugContext(r.Context(), "short link refused", slog.String("to", to), slog.Any("err", err))
		writeProblem(w, http.StatusBadRequest, leadrouter.ErrorMessage(err))
		return
	}
	target = stripTargetPID(target)

	header := w.Header()
	header.Set("Location", target)
	header.Set("Cache-Control", "no-store")
	var pid pidBuf
	if pid.parse(rawPID) {
		if partnerID, ok := h.cfg.Directory.lookup(pid.bytes()); ok {
			now := h.cfg.Now()
			s := h.cfg.Codec.getScratch()
			cookie := append(s.out[:0], CookieName...)
			cookie = append(cookie, '=')
			cookie = s.appendValueWithTouch(cookie, firstCookieValue(r), 'l', now.Unix(), pid.bytes(), []byte(landingOf(target)))
			cookie = append(cookie, h.cfg.attrsFor(r, h.cookieAttrs, h.secureAttrs)...)
			header.Set("Set-Cookie", string(cookie))
			s.out = cookie[:0]
			h.cfg.Codec.putScratch(s)
			if h.cfg.Clicks != nil {
				h.cfg.Clicks.AddFrom(partnerID, clientip.Addr(r), pid.bytes(), now)
			}
		}
	}
	w.WriteHeader(http.StatusFound)
}

// stripTargetPID removes the pid parameters from the query of a target URL.
func stripTargetPID(target string) string {
	beforeFragment, fragment, hasFragment := strings.Cut(target, "#")
	base, query, hasQuery := strings.Cut(beforeFragment, "?")
	if !hasQuery {
		return target
	}
	if query = stripPID(query); query != "" {
		base += "?" + query
	}
	if hasFragment {
		base += "#" + fragment
	}
	return base
}

// landingOf returns what a touch records of a short link's target: the
// target without its fragment.
func landingOf(target string) string {
	landing, _, _ := strings.Cut(target, "#")
	return landing
}

// AllowedTarget validates the to parameter of a short link and returns the
// target to redirect to. It accepts a path on this host ("/pricing?x=1",
// not "//host" nor "/\host") or an absolute http(s) URL whose host is one of
// siteHosts (compared case-insensitively; a site host without a port
// allows any port). Everything else is an EINVALID
// error: other hosts and look-alikes ("vendor.com.evil.example"),
// userinfo, other schemes ("javascript:"), backslashes, control
// characters, spaces and non-ASCII bytes (percent-encode them).
func AllowedTarget(raw string, siteHosts []string) (target string, err error) {
	if raw == "" {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL is empty.")
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL may only hold printable ASCII characters without spaces or backslashes (percent-encode the others).")
		}
	}
	if raw[0] == '/' {
		if len(raw) > 1 && raw[1] == '/' {
			return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL must be a path on this site or an absolute URL of one of its hosts, not %q.", raw)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL %q is not a valid path.", raw)
		}
		return raw, nil
	}

	scheme, rest, found := strings.Cut(raw, ":")
	scheme = strings.ToLower(scheme)
	if !found || (scheme != "http" && scheme != "https") || !strings.HasPrefix(rest, "//") {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL must be a path on this site (starting with /) or an http(s):// URL of one of its hosts.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL %q is not a valid URL.", raw)
	}
	authority, _, _ := strings.Cut(rest[2:], "/")
	authority, _, _ = strings.Cut(authority, "?")
	authority, _, _ = strings.Cut(authority, "#")
	if u.User != nil || strings.ContainsAny(authority, "@%") {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "The target URL may not carry user information or encoded characters in its host.")
	}
	if !hostAllowed(scheme, u.Host, siteHosts) {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "The host %q is not one of the site's hosts.", u.Host)
	}
	return raw, nil
}

// hostAllowed reports whether host (host or host:port of a URL with the
// given scheme) is one of siteHosts. A site host without a port allows any
// port of that host; one with a port only that port (the scheme's default
// port filled in on both sides).
func hostAllowed(scheme, host string, siteHosts []string) bool {
	defaultPort := "443"
	if scheme == "http" {
		defaultPort = "80"
	}
	hostname, port := splitHostPort(host)
	if port == "" {
		port = defaultPort
	}
	for _, site := range siteHosts {
		siteName, sitePort := splitHostPort(siteHost(site))
		if siteName == "" || !strings.EqualFold(hostname, siteName) {
			continue
		}
		if sitePort == "" || sitePort == port {
			return true
		}
	}
	return false
}

// siteHost returns a --site-hosts entry as host[:port], tolerating a
// scheme and a trailing slash.
func siteHost(site string) string {
	site = strings.TrimSpace(site)
	if i := strings.Index(site, "://"); i >= 0 {
		site = site[i+3:]
	}
	return strings.TrimSuffix(site, "/")
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), ""
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// writeProblem answers with an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}
