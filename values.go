package leadrouter

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"

	"github.com/biter777/countries"
	"github.com/nyaruka/phonenumbers"
)

// PID is a partner's public referral code: 6–12 characters of A-Z0-9,
// stored upper-case; parsing is case-insensitive.
type PID string

// ParsePID validates and upper-cases s.
func ParsePID(s string) (PID, error) {
	s = strings.TrimSpace(s)
	if len(s) < 6 || len(s) > 12 {
		return "", Errorf(EINVALID, "A PID has 6 to 12 characters.")
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		default:
			return "", Errorf(EINVALID, "A PID has only letters A-Z and digits 0-9.")
		}
	}
	return PID(b), nil
}

const pidAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I: easy to type

// NewPID returns a random 8-character PID (40 random bits); uniqueness is
// enforced by the store, which retries on a collision.
func NewPID() PID {
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	b := make([]byte, 8)
	for i, r := range raw {
		b[i] = pidAlphabet[int(r)%len(pidAlphabet)]
	}
	return PID(b)
}

// ParseEmail validates an e-mail address and returns it trimmed and
// lower-cased.
func ParseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", Errorf(EINVALID, "An e-mail address is required.")
	}
	if len(s) > 254 {
		return "", Errorf(EINVALID, "The e-mail address is too long.")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", Errorf(EINVALID, "%q is not an e-mail address.", s)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at+1:], ".") {
		return "", Errorf(EINVALID, "%q is not an e-mail address.", s)
	}
	return s, nil
}

// ParseCountry accepts an ISO 3166-1 alpha-2 or alpha-3 code or an English
// country name and returns the alpha-2 code. Only countries ISO 3166-1
// assigns today are accepted: not the pseudo-codes and aliases
// github.com/biter777/countries also knows (None, International, XX, XW,
// Kosovo's user-assigned XK, the withdrawn AN and YU, …).
func ParseCountry(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EINVALID, "A country is required.")
	}
	upper := strings.ToUpper(s)
	if upper == "UK" {
		return "GB", nil
	}
	c := countries.ByName(s)
	ok := isISOCountry(c)
	// A two- or three-letter input is a code: it must be the country's own
	// code, not one of the library's aliases (XW and XS mean GB there).
	switch len(upper) {
	case 2:
		ok = ok && upper == c.Alpha2()
	case 3:
		ok = ok && upper == c.Alpha3()
	}
	if !ok {
		return "", Errorf(EINVALID, "%q is not a known country (use ISO 3166 alpha-2, alpha-3 or the English name).", s)
	}
	return c.Alpha2(), nil
}

// isISOCountry reports whether c is a country ISO 3166-1 assigns: the
// library numbers its pseudo-countries from 900 up and still lists two
// withdrawn codes.
func isISOCountry(c countries.CountryCode) bool {
	switch c {
	case countries.ANT, countries.YUG: // Netherlands Antilles, Yugoslavia
		return false
	}
	return c > 0 && c < 900 && c.IsValid()
}

// ParseDomain validates a host name and returns it lower-cased without a
// trailing dot or "www." prefix.
func ParseDomain(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimPrefix(s, "www.")
	if len(s) < 3 || len(s) > 253 || !strings.Contains(s, ".") {
		return "", Errorf(EINVALID, "%q is not a domain name.", s)
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", Errorf(EINVALID, "%q is not a domain name.", s)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", Errorf(EINVALID, "%q is not a domain name.", s)
			}
		}
	}
	return s, nil
}

// PhoneE164 returns the E.164 form of phone when it parses (using country as
// the default region), or "".
func PhoneE164(phone, country string) string {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return ""
	}
	n, err := phonenumbers.Parse(phone, country)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

var idCounter atomic.Uint32

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns an opaque, unique identifier with a readable prefix
// ("lead", "ptr", …). IDs sort by creation time, which cursor pagination
// relies on.
func NewID(prefix string) string {
	var b [15]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(time.Now().UnixMicro()))
	binary.BigEndian.PutUint32(b[8:12], idCounter.Add(1))
	_, _ = rand.Read(b[12:15])
	return prefix + "_" + idEncoding.EncodeToString(b[1:])
}

// NewSecret returns prefix followed by 160 random bits (lower-case base32):
// API tokens, session ids, webhook signing secrets.
func NewSecret(prefix string) string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// ValidID reports whether s has the shape of an identifier NewID(prefix)
// returns, such as a list's cursor (the id of a page's last item).
func ValidID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != idEncoding.EncodedLen(14) {
		return false
	}
	_, err := idEncoding.DecodeString(rest)
	return err == nil
}
