package routing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// titleMatcher finds any of a list of words or phrases in a title, as
// whole words, ignoring case. Needles are grouped by their first byte so a
// title is scanned once.
type titleMatcher struct {
	needles []titleNeedle
	byFirst [utf8.RuneSelf][]int16 // ASCII first byte → needles
}

type titleNeedle struct {
	text   string // lower case, without the trailing *
	prefix bool   // a trailing * allowed any ending
}

func newTitleMatcher(words []string) titleMatcher {
	var m titleMatcher
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		n := titleNeedle{text: strings.TrimRight(w, "*"), prefix: strings.HasSuffix(w, "*")}
		if n.text == "" {
			continue
		}
		if c := n.text[0]; c < utf8.RuneSelf {
			m.byFirst[c] = append(m.byFirst[c], int16(len(m.needles)))
		}
		m.needles = append(m.needles, n)
	}
	return m
}

// match reports whether one of the needles occurs in title starting at a
// word start and, unless it allows any ending, ending at a word end.
func (m *titleMatcher) match(title string) bool {
	prevWord := false
	for i := 0; i < len(title); {
		c := title[i]
		if c < utf8.RuneSelf {
			if !prevWord {
				lower := c
				if 'A' <= c && c <= 'Z' {
					lower += 'a' - 'A'
				}
				for _, k := range m.byFirst[lower] {
					if m.needles[k].at(title, i) {
						return true
					}
				}
			}
			prevWord = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(title[i:])
		if !prevWord {
			for k := range m.needles {
				if m.needles[k].at(title, i) {
					return true
				}
			}
		}
		prevWord = isLetterOrDigit(r)
		i += size
	}
	return false
}

// at reports whether the needle matches title at offset i.
func (n *titleNeedle) at(title string, i int) bool {
	end, ok := hasPrefixFold(title[i:], n.text)
	return ok && (n.prefix || i+end == len(title) || !isWordRune(title[i+end:]))
}

// containsWordFold is titleMatcher for one needle.
func containsWordFold(s, needle string) bool {
	m := newTitleMatcher([]string{needle})
	return m.match(s)
}

// hasPrefixFold reports whether s starts with the lower-case prefix,
// ignoring case, and how many bytes of s the prefix covered.
func hasPrefixFold(s, prefix string) (int, bool) {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return 0, false
		}
		if pc, sc := prefix[j], s[i]; pc < utf8.RuneSelf && sc < utf8.RuneSelf {
			if 'A' <= sc && sc <= 'Z' {
				sc += 'a' - 'A'
			}
			if sc != pc {
				return 0, false
			}
			i, j = i+1, j+1
			continue
		}
		pr, psize := utf8.DecodeRuneInString(prefix[j:])
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != pr && unicode.ToLower(r) != pr {
			return 0, false
		}
		i, j = i+size, j+psize
	}
	return i, true
}

func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isLetterOrDigit(r)
}

func isLetterOrDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
