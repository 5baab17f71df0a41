package notify

import (
	"crypto/x509"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// TLSMode is how the connection to the relay is secured.
type TLSMode string

// The TLS modes, one per scheme of --smtp-url.
const (
	// TLSOpportunistic (smtp://) uses STARTTLS when the relay offers it
	// and sends in the clear otherwise.
	TLSOpportunistic TLSMode = "starttls-if-offered"
	// TLSRequired (smtp+starttls://) refuses a relay without STARTTLS.
	TLSRequired TLSMode = "starttls"
	// TLSImplicit (smtps://) speaks TLS from the first byte.
	TLSImplicit TLSMode = "tls"
)

// schemes maps each scheme of --smtp-url to its mode and default port.
var schemes = map[string]struct {
	mode TLSMode
	port int
}{
	"smtp":          {TLSOpportunistic, 587},
	"smtp+starttls": {TLSRequired, 587},
	"smtps":         {TLSImplicit, 465},
}

// SMTPConfig is where e-mail goes: the relay of --smtp-url.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
	// RootCAs, when set, are the certificates the relay's is checked
	// against (tests, a private CA); the system's otherwise.
	RootCAs *x509.CertPool
}

// String is the relay as a URL ParseSMTPURL reads, the password masked.
func (c SMTPConfig) String() string {
	scheme := "smtp"
	for name, s := range schemes {
		if s.mode == c.TLS {
			scheme = name
		}
	}
	userinfo := ""
	if c.Username != "" {
		userinfo = url.User(c.Username).String() + ":***@"
	}
	return scheme + "://" + userinfo + net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// ParseSMTPURL reads --smtp-url: smtp://user:pass@host:port (STARTTLS when
// the relay offers it; port 587 by default), smtp+starttls:// (STARTTLS
// required; 587) or smtps:// (TLS from the start; 465). The user and
// password are percent-decoded. Errors are EINVALID and never repeat the
// password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url is no URL (want smtp://user:pass@relay.example:587)")
	}
	scheme, ok := schemes[u.Scheme]
	if !ok {
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url: scheme %q is not smtp, smtp+starttls or smtps", u.Scheme)
	}
	c := SMTPConfig{Host: u.Hostname(), Port: scheme.port, TLS: scheme.mode}
	if c.Host == "" {
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url names no host (want %s://relay.example)", u.Scheme)
	}
	if !validHost(c.Host) {
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url: host %q is neither a name nor an IP address", c.Host)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url: port %q is not 1-65535", p)
		}
		c.Port = n
	}
	switch {
	case u.RawQuery != "" || u.ForceQuery:
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url takes no query parameters (got ?%s)", u.RawQuery)
	case u.Path != "" && u.Path != "/":
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url takes no path (got %q)", u.Path)
	case u.Fragment != "":
		return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url takes no fragment (got #%s)", u.Fragment)
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" && c.Password != "" {
			return SMTPConfig{}, leadrouter.Errorf(leadrouter.EINVALID, "--smtp-url names a password but no user")
		}
	}
	return c, nil
}

// validHost reports whether host is an IP address or a DNS name (letters,
// digits, '-', '_' and dots; at most 253 characters).
func validHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	if len(host) > 253 || strings.HasPrefix(host, ".") || strings.Contains(host, "..") {
		return false
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
