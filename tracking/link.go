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

	page := stripTargetPID(target)
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
