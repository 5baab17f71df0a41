// Package clientip says who a request came from and whether it reached the
// service over HTTPS: from the peer's address, and from X-Forwarded-For and
// X-Forwarded-Proto only when the peer is a trusted proxy (--trusted-proxies).
// Every place that needs the client's address (sign-in throttle, form rate
// limit, consent records, access log) asks Addr.
package clientip

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies is the set of trusted proxies; the zero value trusts none.
type Proxies struct {
	prefixes []netip.Prefix
}

// ParseProxies reads a comma-separated list of addresses and CIDRs
// ("10.0.0.0/8, 192.0.2.7, ::1"); it names every value it cannot read.
func ParseProxies(list string) (Proxies, error) {
	var p Proxies
	var bad []string
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if strings.Contains(v, "/") {
			prefix, err := netip.ParsePrefix(v)
			if err != nil {
				bad = append(bad, v)
				continue
			}
			p.prefixes = append(p.prefixes, prefix.Masked())
			continue
		}
		addr, err := netip.ParseAddr(v)
		if err != nil || addr.Zone() != "" {
			bad = append(bad, v)
			continue
		}
		addr = addr.Unmap()
		p.prefixes = append(p.prefixes, netip.PrefixFrom(addr, addr.BitLen()))
	}
	if len(bad) > 0 {
		return Proxies{}, fmt.Errorf("not an address or CIDR: %s", strings.Join(bad, ", "))
	}
	return p, nil
}

// Empty reports whether no proxy is trusted.
func (p Proxies) Empty() bool { return len(p.prefixes) == 0 }

// trusts reports whether addr is a trusted proxy.
func (p Proxies) trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, prefix := range p.prefixes {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// Client is what Resolve learnt about one request.
type Client struct {
	// Addr is the client's address: the peer's, or, when the peer is a
	// trusted proxy, the right-most address of X-Forwarded-For that is not
	// a trusted proxy.
	Addr string
	// HTTPS is true when the request came over TLS, or through a trusted
	// proxy that says X-Forwarded-Proto: https.
	HTTPS bool
}

// Resolve works out r's client from the peer and, when the peer is
// trusted, the forwarding headers.
func (p Proxies) Resolve(r *http.Request) Client {
	c := Client{Addr: peer(r), HTTPS: r.TLS != nil}
	addr, err := netip.ParseAddr(c.Addr)
	if err != nil || !p.trusts(addr) {
		return c
	}
	if proto := lastValue(r.Header.Values("X-Forwarded-Proto")); proto != "" {
		c.HTTPS = strings.EqualFold(proto, "https")
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // a proxy we trust did not write this: keep the last trusted hop
		}
		c.Addr = hop.Unmap().String()
		if !p.trusts(hop) {
			break
		}
	}
	return c
}

// peer is the address of the connection's other end without its port.
func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil && (addr.Is4In6() || addr.Zone() != "") {
		return addr.Unmap().WithZone("").String()
	}
	// RemoteAddr's host is already in canonical form: no copy (the
	// redirect path counts its allocations).
	return host
}

// forwardedFor splits the X-Forwarded-For headers into hops, left to right
// (several headers are one list in the order they came).
func forwardedFor(headers []string) []string {
	var hops []string
	for _, h := range headers {
		for _, v := range strings.Split(h, ",") {
			v = strings.TrimSpace(v)
			if strings.HasPrefix(v, "[") { // [::1]:port or [::1]
				if host, _, err := net.SplitHostPort(v); err == nil {
					v = host
				} else {
					v = strings.Trim(v, "[]")
				}
			} else if host, _, err := net.SplitHostPort(v); err == nil && strings.Count(v, ":") == 1 {
				v = host // 192.0.2.1:4711
			}
			hops = append(hops, v)
		}
	}
	return hops
}

// lastValue is the right-most comma-separated value of the headers (the
// one the nearest proxy wrote).
func lastValue(headers []string) string {
	if len(headers) == 0 {
		return ""
	}
	values := strings.Split(headers[len(headers)-1], ",")
	return strings.TrimSpace(values[len(values)-1])
}

type clientKey struct{}

// Middleware resolves every request's client once, for Addr and HTTPS to
// read further down. secure says every request is to be treated as HTTPS
// (--public-url https://…); then, and whenever a request came over HTTPS,
// responses carry Strict-Transport-Security.
func Middleware(p Proxies, secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.Empty() && !secure && r.TLS == nil {
			// Nothing to resolve: From falls back to the peer, and the
			// request is not copied (the redirect path stays lean).
			next.ServeHTTP(w, r)
			return
		}
		c := p.Resolve(r)
		c.HTTPS = c.HTTPS || secure
		if c.HTTPS {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
	})
}

// From returns the client Middleware resolved for r; without the
// middleware, the peer (proxies trusted: none).
func From(r *http.Request) Client {
	if c, ok := r.Context().Value(clientKey{}).(Client); ok {
		return c
	}
	return Proxies{}.Resolve(r)
}

// Addr is the client address of r (see Client.Addr).
func Addr(r *http.Request) string { return From(r).Addr }

// HTTPS reports whether r reached the service over HTTPS (see Middleware).
func HTTPS(r *http.Request) bool { return From(r).HTTPS }
