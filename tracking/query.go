package tracking

// This file holds the byte-level helpers of the redirect: finding and
// removing pid parameters in a raw query string, cleaning the path that
// becomes the Location, and validating PIDs. None of them allocates.

const (
	minPIDLen = 6
	maxPIDLen = 12

	// maxEncodedKey is the longest raw key that can still decode to "pid"
	// ("%70%69%64").
	maxEncodedKey = 9
	// maxEncodedPID is the longest raw value that can still decode to a PID.
	maxEncodedPID = 3 * maxPIDLen
)

// pidBuf holds an upper-cased PID without allocating.
type pidBuf struct {
	b [maxPIDLen]byte
	n int
}

// bytes returns the PID held.
func (p *pidBuf) bytes() []byte { return p.b[:p.n] }

// parsePID validates a decoded PID (6–12 of A-Z, a-z, 0-9) and stores it
// upper-cased in p.
func (p *pidBuf) parse(s string) bool {
	if len(s) < minPIDLen || len(s) > maxPIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		default:
			return false
		}
		p.b[i] = c
	}
	p.n = len(s)
	return true
}

// parseRaw validates a raw (possibly percent-encoded) query value as a PID.
func (p *pidBuf) parseRaw(raw string) bool {
	if !needsUnescape(raw) {
		return p.parse(raw)
	}
	if len(raw) > maxEncodedPID {
		return false
	}
	var scratch [maxEncodedPID]byte
	decoded, ok := unescapeQuery(scratch[:0], raw)
	if !ok || len(decoded) > maxPIDLen {
		return false
	}
	return p.parse(string(decoded)) // short and not escaping: no allocation
}

// ValidPID reports whether s is a well-formed PID: 6–12 characters of
// A-Z and 0-9, in any case.
func ValidPID(s string) bool {
	var p pidBuf
	return p.parse(s)
}

// isPIDKey reports whether a raw query key decodes to "pid" in any case.
func isPIDKey(key string) bool {
	if len(key) == 3 {
		return key[0]|0x20 == 'p' && key[1]|0x20 == 'i' && key[2]|0x20 == 'd'
	}
	if len(key) > maxEncodedKey || !needsUnescape(key) {
		return false
	}
	var scratch [maxEncodedKey]byte
	decoded, ok := unescapeQuery(scratch[:0], key)
	if !ok || len(decoded) != 3 {
		return false
	}
	return decoded[0]|0x20 == 'p' && decoded[1]|0x20 == 'i' && decoded[2]|0x20 == 'd'
}

// needsUnescape reports whether s holds a percent escape or a '+'.
func needsUnescape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return true
		}
	}
	return false
}

// unescapeQuery appends the query-decoded s to dst ('+' is a space), as
// url.QueryUnescape would; ok is false for a malformed escape.
func unescapeQuery(dst []byte, s string) (_ []byte, ok bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 >= len(s) {
				return dst, false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, false
			}
			dst = append(dst, hi<<4|lo)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// splitParam splits a raw "key=value" parameter; a parameter without '='
// has an empty value.
func splitParam(param string) (key, value string) {
	for i := 0; i < len(param); i++ {
		if param[i] == '=' {
			return param[:i], param[i+1:]
		}
	}
	return param, ""
}

// nextParam returns the parameter of rawQuery that starts at offset i and
// the offset after its '&' separator.
func nextParam(rawQuery string, i int) (param string, next int) {
	for j := i; j < len(rawQuery); j++ {
		if rawQuery[j] == '&' {
			return rawQuery[i:j], j + 1
		}
	}
	return rawQuery[i:], len(rawQuery)
}

// hasPIDParam reports whether rawQuery has a parameter whose decoded key is
// "pid" in any case.
func hasPIDParam(rawQuery string) bool {
	for i := 0; i < len(rawQuery); {
		var param string
		param, i = nextParam(rawQuery, i)
		if key, _ := splitParam(param); isPIDKey(key) {
			return true
		}
	}
	return false
}

// appendStripped appends rawQuery without its pid parameters to dst. Every
// other parameter is kept byte for byte and in order; empty parameters
// ("a=1&&b=2") carry nothing and are dropped. onPID, when not nil, sees the
// raw value of every pid parameter in order.
func appendStripped(dst []byte, rawQuery string, onPID func(rawValue string)) []byte {
	start := len(dst)
	for i := 0; i < len(rawQuery); {
		var param string
		param, i = nextParam(rawQuery, i)
		if param == "" {
			continue
		}
		if key, value := splitParam(param); isPIDKey(key) {
			if onPID != nil {
				onPID(value)
			}
			continue
		}
		if len(dst) > start {
			dst = append(dst, '&')
		}
		dst = append(dst, param...)
	}
	return dst
}

// stripPID returns rawQuery without its pid parameters; see appendStripped.
func stripPID(rawQuery string) string {
	if !hasPIDParam(rawQuery) {
		return rawQuery
	}
	return string(appendStripped(make([]byte, 0, len(rawQuery)), rawQuery, nil))
}

// appendCleanPath appends escapedPath to dst as a path that a browser can
// only resolve on this host: exactly one leading '/', whatever run of
// slashes and backslashes (raw or percent-encoded) it started with. A
// Location of "//evil.example/x" or "/\evil.example" would leave the site.
func appendCleanPath(dst []byte, escapedPath string) []byte {
	i := 0
	for i < len(escapedPath) {
		c := escapedPath[i]
		if c == '/' || c == '\\' {
			i++
			continue
		}
		if c == '%' && i+2 < len(escapedPath) {
			hi, lo := escapedPath[i+1], escapedPath[i+2]|0x20
			if (hi == '2' && lo == 'f') || (hi == '5' && lo == 'c') {
				i += 3
				continue
			}
		}
		break
	}
	dst = append(dst, '/')
	return append(dst, escapedPath[i:]...)
}
