package routing

import "strings"

// numCountries is the number of two-letter codes AA…ZZ.
const numCountries = 26 * 26

// countryIndex maps a two-letter code (any case) to 0…675, or -1.
func countryIndex(s string) int {
	if len(s) != 2 {
		return -1
	}
	a, b := s[0]|0x20, s[1]|0x20
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return -1
	}
	return int(a-'a')*26 + int(b-'a')
}

// countryCode is the upper-case code of an index.
func countryCode(i int) string {
	return string([]byte{byte('A' + i/26), byte('A' + i%26)})
}

// countrySet is a set of country indexes.
type countrySet [(numCountries + 63) / 64]uint64

func newCountrySet(codes []string) countrySet {
	var s countrySet
	for _, c := range codes {
		if i := countryIndex(c); i >= 0 {
			s[i/64] |= 1 << (i % 64)
		}
	}
	return s
}

func (s *countrySet) has(i int) bool { return i >= 0 && s[i/64]&(1<<(i%64)) != 0 }

// countryCodes is "AAAB…ZZ": code i is countryCodes[2i:2i+2].
var countryCodes = func() string {
	var b strings.Builder
	for i := range numCountries {
		b.WriteString(countryCode(i))
	}
	return b.String()
}()
