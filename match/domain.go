package match

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// NormaliseEmail returns the exact-match key of an e-mail address: trimmed and
// lower-cased, so that Bob@Acme.com and bob@acme.com are one address.
func NormaliseEmail(email string) string {
	return toLowerASCIIFast(strings.TrimSpace(email))
}

// EmailDomain returns the lower-cased part of an e-mail address after its last
// "@" (without a trailing dot), or "" when there is none.
func EmailDomain(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return toLowerASCIIFast(strings.TrimSuffix(email[at+1:], "."))
}

// RegistrableDomain returns the domain that a company registered (the public
// suffix plus one label) for a host name, an e-mail address or a URL:
// "sales.tyrell.co.uk" → "tyrell.co.uk", "bob@EMEA.Acme.com" → "acme.com",
// "https://www.acme.com/x" → "acme.com". Internationalised names come back in
// their ASCII (punycode) form. A top-level domain the public-suffix list
// does not know counts as a one-label suffix (the list's default rule), so
// acme.example and acme.internal are registrable. It reports false for
// garbage, IP addresses and bare public suffixes.
func RegistrableDomain(hostOrEmailOrURL string) (string, bool) {
	host := hostOf(strings.TrimSpace(hostOrEmailOrURL))
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return "", false
	}
	if !isASCII(host) {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", false
		}
		host = ascii
	}
	host = toLowerASCIIFast(host)
	if !isHostName(host) {
		return "", false // garbage, or an IP address: no label of a name is all digits at the end
	}
	// A top-level domain the list does not know (.example, .internal, a
	// new one) takes the list's default rule "*": its last label is the
	// suffix, so sales.acme.example → acme.example.
	suffix, _ := publicsuffix.PublicSuffix(host)
	// publicsuffix.EffectiveTLDPlusOne, from the one PublicSuffix lookup
	// already made (each lookup costs an allocation).
	if len(host) <= len(suffix) {
		return "", false // a bare public suffix: "co.uk"
	}
	dot := len(host) - len(suffix) - 1
	if host[dot] != '.' {
		return "", false
	}
	return host[strings.LastIndexByte(host[:dot], '.')+1:], true
}

// hostOf returns the host part of a URL, an e-mail address or a host with an
// optional port and path.
func hostOf(s string) string {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		return u.Hostname()
	}
	s = strings.TrimPrefix(s, "//")
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	if end := strings.IndexAny(s, "/?#"); end >= 0 {
		s = s[:end]
	}
	if colon := strings.IndexByte(s, ':'); colon >= 0 {
		if strings.IndexByte(s[colon+1:], ':') >= 0 || strings.HasPrefix(s, "[") {
			return "" // an IPv6 address
		}
		s = s[:colon]
	}
	return s
}

// isHostName reports whether host is a syntactically valid lower-case ASCII
// DNS name of at least two labels whose last label is not numeric.
func isHostName(host string) bool {
	if len(host) > 253 {
		return false
	}
	labels, labelLen, allDigits := 0, 0, true
	for i := 0; i <= len(host); i++ {
		if i == len(host) || host[i] == '.' {
			if labelLen == 0 || labelLen > 63 || host[i-1] == '-' || host[i-labelLen] == '-' {
				return false
			}
			labels++
			if i == len(host) {
				break
			}
			labelLen, allDigits = 0, true
			continue
		}
		c := host[i]
		switch {
		case 'a' <= c && c <= 'z' || c == '-':
			allDigits = false
		case '0' <= c && c <= '9':
		default:
			return false
		}
		labelLen++
	}
	return labels >= 2 && !allDigits
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// toLowerASCIIFast lower-cases s, allocating only when it has capitals.
func toLowerASCIIFast(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}
