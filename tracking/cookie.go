package tracking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
)

// CookieName is the name of the referral cookie.
const CookieName = "lr_ref"

// MaxTouches is how many touches the referral cookie keeps, newest last.
const MaxTouches = 3

// MaxLanding is the longest landing (path and query) kept per touch; longer
// ones are cut so that the cookie stays well under the browsers' 4 KB.
const MaxLanding = 256

// The cookie value is base64url (unpadded) of
//
//	version(1) record{1..3} tag(32)
//	record = kind(1) unix-seconds(uvarint) len(1) PID len(uvarint) landing
//
// and tag is HMAC-SHA256 over version and records under a key derived from
// the server's secret, so the secret's other uses cannot forge it.
const (
	cookieVersion = 1
	tagSize       = sha256.Size
	maxRecord     = 1 + binary.MaxVarintLen64 + 1 + maxPIDLen + 2 + MaxLanding
	maxPayload    = 1 + MaxTouches*maxRecord
	maxRaw        = maxPayload + tagSize
	// maxCookieValue bounds the cookie values worth decoding.
	maxCookieValue = (maxRaw*8 + 5) / 6
)

// Codec signs and verifies the lr_ref cookie.
type Codec struct {
	key  []byte
	pool sync.Pool // *codecScratch
}

// codecScratch is the per-request working memory of the redirect, pooled so
// that signing allocates nothing.
type codecScratch struct {
	mac     hash.Hash
	sum     [tagSize]byte
	encoded [maxCookieValue]byte
	decoded [maxRaw]byte
	payload [maxRaw]byte
	out     []byte
}

// NewCodec returns a Codec signing with a key derived from secret (the
// --secret bytes; at least 32 random bytes are recommended). It panics on an
// empty secret, which would let anyone forge cookies.
func NewCodec(secret []byte) *Codec {
	if len(secret) == 0 {
		panic("tracking: NewCodec with an empty secret")
	}
	derive := hmac.New(sha256.New, secret)
	derive.Write([]byte("leadrouter/tracking/lr_ref/v1"))
	c := &Codec{key: derive.Sum(nil)}
	c.pool.New = func() any {
		return &codecScratch{mac: hmac.New(sha256.New, c.key), out: make([]byte, 0, 1024)}
	}
	return c
}

func (c *Codec) getScratch() *codecScratch  { return c.pool.Get().(*codecScratch) }
func (c *Codec) putScratch(s *codecScratch) { c.pool.Put(s) }

// sign appends the tag of payload to payload.
func (s *codecScratch) sign(payload []byte) []byte {
	s.mac.Reset()
	s.mac.Write(payload)
	return s.mac.Sum(payload)
}

// verify decodes and authenticates a cookie value; the payload returned
// (version and records) lives in s.decoded.
func (s *codecScratch) verify(value string) (payload []byte, ok bool) {
	if len(value) == 0 || len(value) > maxCookieValue {
		return nil, false
	}
	encoded := s.encoded[:copy(s.encoded[:], value)] // []byte(value) would allocate
	n, err := base64.RawURLEncoding.Decode(s.decoded[:], encoded)
	if err != nil || n < 1+tagSize {
		return nil, false
	}
	payload, tag := s.decoded[:n-tagSize], s.decoded[n-tagSize:n]
	s.mac.Reset()
	s.mac.Write(payload)
	if !hmac.Equal(s.mac.Sum(s.sum[:0]), tag) {
		return nil, false
	}
	return payload, true
}

// recordBounds validates the records of a verified payload and returns
// their start offsets (starts[n] is the end of the last one).
func recordBounds(payload []byte) (starts [MaxTouches + 1]int, n int, ok bool) {
	if len(payload) < 1 || payload[0] != cookieVersion {
		return starts, 0, false
	}
	i := 1
	for i < len(payload) {
		if n == MaxTouches {
			return starts, 0, false
		}
		starts[n] = i
		if kindName(payload[i]) == "" {
			return starts, 0, false
		}
		i++
		_, w := binary.Uvarint(payload[i:])
		if w <= 0 {
			return starts, 0, false
		}
		i += w
		if i >= len(payload) {
			return starts, 0, false
		}
		pidLen := int(payload[i])
		i++
		if pidLen < minPIDLen || pidLen > maxPIDLen || i+pidLen > len(payload) {
			return starts, 0, false
		}
		for _, ch := range payload[i : i+pidLen] {
			if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
				return starts, 0, false
			}
		}
		i += pidLen
		landingLen, w := binary.Uvarint(payload[i:])
		if w <= 0 || landingLen > MaxLanding || uint64(len(payload)-i-w) < landingLen {
			return starts, 0, false
		}
		i += w + int(landingLen)
		n++
	}
	starts[n] = i
	return starts, n, n > 0
}

// appendRecord appends one touch record; pid must be a valid upper-case
// PID and landing at most MaxLanding bytes.
func appendRecord[Landing string | []byte](dst []byte, kind byte, at int64, pid []byte, landing Landing) []byte {
	dst = append(dst, kind)
	dst = binary.AppendUvarint(dst, uint64(max(at, 0)))
	dst = append(dst, byte(len(pid)))
	dst = append(dst, pid...)
	dst = binary.AppendUvarint(dst, uint64(len(landing)))
	return append(dst, landing...)
}

// appendValueWithTouch appends to dst the cookie value holding the newest
// touches of the cookie value old (if it verifies) followed by a new one.
// It is the redirect's hot path and allocates nothing.
func (s *codecScratch) appendValueWithTouch(dst []byte, old string, kind byte, at int64, pid, landing []byte) []byte {
	payload := append(s.payload[:0], cookieVersion)
	if old != "" {
		if previous, ok := s.verify(old); ok {
			if starts, n, ok := recordBounds(previous); ok {
				keepFrom := max(0, n-(MaxTouches-1))
				payload = append(payload, previous[starts[keepFrom]:starts[n]]...)
			}
		}
	}
	payload = appendRecord(payload, kind, at, pid, truncateLanding(landing))
	signed := s.sign(payload)
	return base64.RawURLEncoding.AppendEncode(dst, signed)
}

// Encode returns the signed cookie value holding the last MaxTouches of
// touches (touches with an invalid PID are skipped, landings cut to
// MaxLanding, an unknown Kind stored as leadrouter.TouchLink); "" when none is left.
func (c *Codec) Encode(touches []leadrouter.Touch) string {
	s := c.getScratch()
	defer c.putScratch(s)
	var kept []leadrouter.Touch
	for _, t := range touches {
		if ValidPID(t.PID) {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	kept = kept[max(0, len(kept)-MaxTouches):]
	payload := append(s.payload[:0], cookieVersion)
	for _, t := range kept {
		var pid pidBuf
		pid.parse(t.PID)
		payload = appendRecord(payload, kindCode(t.Kind), t.At.Unix(), pid.bytes(), truncateLanding(t.Landing))
	}
	return base64.RawURLEncoding.EncodeToString(s.sign(payload))
}

// Decode verifies a cookie value and returns its touches, oldest first; ok
// is false for a value that is malformed or not signed with this Codec's
// key.
func (c *Codec) Decode(value string) (touches []leadrouter.Touch, ok bool) {
	s := c.getScratch()
	defer c.putScratch(s)
	payload, ok := s.verify(value)
	if !ok {
		return nil, false
	}
	starts, n, ok := recordBounds(payload)
	if !ok {
		return nil, false
	}
	touches = make([]leadrouter.Touch, 0, n)
	for _, start := range starts[:n] {
		rec := payload[start:]
		kind := kindName(rec[0])
		at, w := binary.Uvarint(rec[1:])
		rec = rec[1+w:]
		pid := string(rec[1 : 1+rec[0]])
		rec = rec[1+rec[0]:]
		landingLen, w := binary.Uvarint(rec)
		landing := string(rec[w : w+int(landingLen)])
		touches = append(touches, leadrouter.Touch{PID: pid, At: time.Unix(int64(at), 0).UTC(), Landing: landing, Kind: kind})
	}
	return touches, true
}

// TouchesFromRequest returns the touches of the request's lr_ref cookie,
// oldest first, or nil when it is absent or fails verification.
func (c *Codec) TouchesFromRequest(r *http.Request) []leadrouter.Touch {
	for _, line := range r.Header["Cookie"] {
		for rest := line; rest != ""; {
			var value string
			var found bool
			value, rest, found = nextCookieValue(rest)
			if !found {
				continue
			}
			if touches, ok := c.Decode(value); ok {
				return touches
			}
		}
	}
	return nil
}

// nextCookieValue scans a Cookie header line for the next lr_ref pair and
// returns its value and the rest of the line. It does not allocate, unlike
// http.Request.Cookie, which parses every cookie of the request.
func nextCookieValue(line string) (value, rest string, found bool) {
	for line != "" {
		var part string
		part, line, _ = strings.Cut(line, ";")
		part = strings.TrimLeft(part, " \t")
		if len(part) > len(CookieName) && part[len(CookieName)] == '=' && part[:len(CookieName)] == CookieName {
			value = strings.TrimRight(part[len(CookieName)+1:], " \t")
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			return value, line, true
		}
	}
	return "", "", false
}

// firstCookieValue returns the first lr_ref value of the request, "" if
// none. Later values (another Path or Domain) are rarely valid and are not
// worth a second verification on the hot path.
func firstCookieValue(r *http.Request) string {
	for _, line := range r.Header["Cookie"] {
		if value, _, found := nextCookieValue(line); found {
			return value
		}
	}
	return ""
}

// truncateLanding cuts landing to MaxLanding bytes without splitting a
// percent escape.
func truncateLanding[Landing string | []byte](landing Landing) Landing {
	if len(landing) <= MaxLanding {
		return landing
	}
	cut := MaxLanding
	for i := cut - 2; i < cut; i++ {
		if landing[i] == '%' {
			cut = i
			break
		}
	}
	return landing[:cut]
}

// kindCode maps a Touch kind to its byte in the cookie.
func kindCode(kind leadrouter.TouchKind) byte {
	switch kind {
	case leadrouter.TouchCode:
		return 'c'
	case leadrouter.TouchEvent:
		return 'e'
	}
	return 'l'
}

// kindName maps a cookie byte to its Touch kind, "" if unknown.
func kindName(code byte) leadrouter.TouchKind {
	switch code {
	case 'l':
		return leadrouter.TouchLink
	case 'c':
		return leadrouter.TouchCode
	case 'e':
		return leadrouter.TouchEvent
	}
	return ""
}
