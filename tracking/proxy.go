package tracking

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// NewProxy returns a reverse proxy to the vendor's site at upstream, so that
// leadrouter can stand in front of it: requests are forwarded unchanged
// (with X-Forwarded-* headers), and redirects the site makes to its own
// absolute URL are made relative so that visitors stay on leadrouter's
// host. An unreachable upstream is a 502 problem.
func NewProxy(upstream *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			if location := resp.Header.Get("Location"); location != "" {
				resp.Header.Set("Location", relativeToUpstream(location, upstream))
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			slog.Default().ErrorContext(r.Context(), "proxying to the upstream site",
				slog.String("upstream", upstream.Host), slog.String("path", r.URL.Path), slog.Any("err", err))
			writeProblem(w, http.StatusBadGateway, "The site behind leadrouter did not answer.")
		},
	}
}

// relativeToUpstream turns an absolute URL on upstream's host into a path
// on this host; any other location is returned unchanged.
func relativeToUpstream(location string, upstream *url.URL) string {
	u, err := url.Parse(location)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, upstream.Host) {
		return location
	}
	relative := u.RequestURI()
	if !strings.HasPrefix(relative, "/") || strings.HasPrefix(relative, "//") {
		return location
	}
	if u.Fragment != "" {
		relative += "#" + u.EscapedFragment()
	}
	return relative
}
