package tracking

import (
	"html"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// BuildLink returns a partner's referral link to the page rawURL: the URL
// with pid=PID added (existing parameters kept in order, any previous pid
// replaced) and an HTML snippet to paste into the partner's site. rawURL
// must be allowed by AllowedTarget; a relative path is resolved against the
// first site host (over http for a loopback host, https otherwise).
func BuildLink(rawURL, pid string, siteHosts []string) (link, snippet string, err error) {
	var upperPID pidBuf
	if !upperPID.parse(pid) {
		return "", "", leadrouter.Errorf(leadrouter.EINVALID, "%q is not a PID (6 to 12 letters and digits).", pid)
	}
	target, err := AllowedTarget(strings.TrimSpace(rawURL), siteHosts)
	if err != nil {
		return "", "", err
	}
	if strings.HasPrefix(target, "/") {
		if len(siteHosts) == 0 {
			return "", "", leadrouter.Errorf(leadrouter.EINVALID, "No site host is configured to resolve %q against.", target)
		}
		host := siteHost(siteHosts[0])
		scheme := "https://"
		if !IsSecure(host) {
			scheme = "http://"
		}
		target = scheme + host + target
	}

	page := escapeURLBytes(stripTargetPID(target))
	beforeFragment, fragment, hasFragment := strings.Cut(page, "#")
	separator := "?"
	if strings.Contains(beforeFragment, "?") {
		separator = "&"
	}
	link = beforeFragment + separator + "pid=" + string(upperPID.bytes())
	if hasFragment {
		link += "#" + fragment
	}
	snippet = `<a href="` + html.EscapeString(link) + `">` + html.EscapeString(page) + `</a>`
	return link, snippet, nil
}

// escapeURLBytes percent-encodes every byte that may not appear in a URL
// as written (RFC 3986: quotes, angle brackets, spaces, controls, non-ASCII
// and the like), so the link a partner copies is one token whatever the
// page's address held; everything else is kept byte for byte.
func escapeURLBytes(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if urlByte(c) {
			if b.Len() > 0 {
				b.WriteByte(c)
			}
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 16)
			b.WriteString(s[:i])
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// urlByte reports whether c may appear in a URL unescaped: unreserved,
// reserved and '%' of RFC 3986.
func urlByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}
