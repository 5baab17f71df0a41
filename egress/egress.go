// Package egress decides which addresses outbound requests (webhook
// deliveries) may reach: never loopback, private, link-local (cloud
// metadata included), unspecified, shared (CGNAT), multicast, broadcast or
// reserved addresses, however they are spelled, unless an operator allows
// a range by name. A URL is checked when it is stored (Policy.CheckURL)
// and the address a connection is about to be made to, after name
// resolution, when it is used (Policy.Client).
package egress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrRefused marks a target outside what a Policy allows.
var ErrRefused = errors.New("outbound address refused")

// refusedRanges are the ranges refused unless allowed, with why. The
// netip classifications (loopback, private, link-local, multicast,
// unspecified) are checked besides these.
var refusedRanges = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved or broadcast"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// Policy is what outbound requests may reach. Its zero value refuses every
// special-purpose address.
type Policy struct {
	// Allow lists ranges opened by the operator (--webhook-allow-cidr):
	// an address inside one is allowed whatever its kind.
	Allow []netip.Prefix
}

// ParseAllow parses a comma-separated list of CIDR ranges (a bare address
// is its own /32 or /128).
func ParseAllow(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR range", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check refuses addr unless it is a public unicast address or inside an
// allowed range. IPv4-mapped and NAT64/6to4-embedded IPv4 addresses are
// judged by the IPv4 address they carry.
func (p Policy) Check(addr netip.Addr) error {
	addr = addr.WithZone("")
	for _, a := range []netip.Addr{addr, addr.Unmap()} {
		for _, allowed := range p.Allow {
			if allowed.Contains(a) {
				return nil
			}
		}
	}
	if why := special(addr.Unmap()); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrRefused, addr, why)
	}
	if v4, ok := embeddedIPv4(addr); ok {
		if err := p.Check(v4); err != nil {
			return fmt.Errorf("%w (embedded in %s)", err, addr)
		}
	}
	return nil
}

// special names what kind of special-purpose address a is ("" for a
// public unicast address).
func special(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local (cloud metadata lives here)"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, r := range refusedRanges {
		if r.prefix.Contains(a) {
			return r.why
		}
	}
	return ""
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	nat64Loc  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address a NAT64 or 6to4 address reaches.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() || a.Is4In6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), nat64Loc.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// ParseHost reads host as an IP address the way resolvers do, odd
// spellings included: an IPv6 literal (with or without brackets or a
// zone), dotted IPv4, and the inet_aton forms (decimal 2130706433, hex
// 0x7f000001, octal 0177.0.0.1, short 127.1). ok is false for a host
// name. A host made of numeric parts that no resolver reads as an address
// (such as 1.2.3.4.5 or 256.1.1.1) is refused: it is neither a name nor
// an address.
func ParseHost(host string) (addr netip.Addr, ok bool, err error) {
	h := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return a, true, nil
	}
	if strings.Contains(h, ":") {
		return netip.Addr{}, false, fmt.Errorf("%w: %q is not a valid IPv6 address", ErrRefused, host)
	}
	parts := strings.Split(h, ".")
	numeric := true
	for _, p := range parts {
		if p == "" || p[0] < '0' || p[0] > '9' {
			numeric = false
		}
	}
	if !numeric || len(parts) > 4 {
		if numeric || isNumericLast(parts) {
			return netip.Addr{}, false, fmt.Errorf("%w: %q is neither a host name nor an address", ErrRefused, host)
		}
		return netip.Addr{}, false, nil
	}
	a, valid := atonIPv4(parts)
	if !valid {
		return netip.Addr{}, false, fmt.Errorf("%w: %q is neither a host name nor an address", ErrRefused, host)
	}
	return a, true, nil
}

// isNumericLast reports whether the last label of a name is numeric, which
// no top-level domain is (WHATWG URL parsing reads such hosts as IPv4).
func isNumericLast(parts []string) bool {
	last := parts[len(parts)-1]
	if last == "" {
		return false
	}
	_, ok := atonPart(last)
	return ok
}

// atonIPv4 reads 1 to 4 numeric parts as inet_aton does: the last part
// fills the remaining bytes.
func atonIPv4(parts []string) (netip.Addr, bool) {
	var vals []uint64
	for _, p := range parts {
		v, ok := atonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last > math.MaxUint32>>(8*(len(vals)-1)) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// atonPart reads one part: 0x-prefixed hex, 0-prefixed octal or decimal.
func atonPart(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		p, base = p[1:], 8
	}
	v, err := strconv.ParseUint(p, base, 64)
	return v, err == nil
}

// CheckURL checks a target URL before it is stored: absolute http(s), no
// credentials, and a host that is a name or an address Check allows.
// It returns the problem in words ("" when the URL is acceptable).
func (p Policy) CheckURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		return "must be an absolute http(s) URL"
	}
	if u.User != nil {
		return "must not carry credentials (user:password@)"
	}
	host := u.Hostname()
	if host == "" {
		return "must name a host"
	}
	if err := p.checkHost(host); err != nil {
		return "must not point at a loopback, private, link-local, metadata or other special-purpose address (" + err.Error() + ")"
	}
	return ""
}

func (p Policy) checkHost(host string) error {
	a, ok, err := ParseHost(host)
	if err != nil || !ok {
		return err
	}
	return p.Check(a)
}

// Control is a net.Dialer Control function refusing a connection to an
// address the policy does not allow: it runs on the resolved address,
// after name resolution, just before connecting.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read %q", ErrRefused, address)
	}
	return p.Check(ap.Addr())
}

// Client returns an HTTP client whose connections reach only addresses
// the policy allows (checked on the resolved address), that uses no
// proxy and follows no redirect (a 3xx is the answer).
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.Control}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// Odd spellings of addresses are judged as the address they
			// spell, whatever the resolver would make of them.
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if err := p.checkHost(host); err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
