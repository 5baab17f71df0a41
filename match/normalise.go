package match

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormaliseCompany returns the exact-match key of a company name: lower-case,
// accents folded, punctuation removed, "&" and "+" spelt "and", a leading
// "The" and legal forms of many countries (Inc, LLC, Ltd, GmbH, S.A., Pty Ltd,
// sp. z o.o., 株式会社, …) dropped, words separated by single spaces.
//
// "The Pop Cynthia Project, Inc." and "pop cynthia project" give the same key;
// a name made only of legal forms gives "". NormaliseCompany is idempotent.
func NormaliseCompany(name string) string {
	key, repass := normaliseOnce(name)
	// Trimming a CJK legal form off a word can leave a one-letter word next to
	// another one, which the next pass would join: run to the fixpoint so that
	// the key of a key is itself.
	for repass {
		var next string
		next, repass = normaliseOnce(key)
		if next == key {
			break
		}
		key = next
	}
	return key
}

// span is one word of a words buffer: words[start:end].
type span struct{ start, end int }

// normaliseOnce runs the pipeline once; repass reports that a word was cut
// inside (a CJK legal form), after which a second pass may change the key.
func normaliseOnce(name string) (key string, repass bool) {
	var foldBuf, mergeBuf, wordBuf [192]byte
	var spanBuf [32]span
	folded := appendFolded(foldBuf[:0], name)
	merged := appendMergedSingles(mergeBuf[:0], folded)
	words, spans := appendExpandedWords(wordBuf[:0], spanBuf[:0], merged)
	lo, hi, repass := trimNameForms(words, spans)
	if lo >= hi {
		return "", false
	}
	return string(words[spans[lo].start:spans[hi-1].end]), repass
}

// nameWords runs the normalisation pipeline without dropping legal forms and
// returns the words; it builds the legal-form tables, so that they are spelt
// exactly as the names they are compared with.
func nameWords(name string) []string {
	folded := appendFolded(nil, name)
	merged := appendMergedSingles(nil, folded)
	words, spans := appendExpandedWords(nil, nil, merged)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = string(words[s.start:s.end])
	}
	return out
}

// appendFolded appends the lower-cased, accent-folded form of s to dst: word
// characters are kept, "&" and "+" become " and ", apostrophes vanish
// ("O'Reilly" → "oreilly"), a web suffix glued to a word is dropped
// ("Amazon.com" → "amazon"), and anything else becomes a space.
func appendFolded(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '.' {
				if n := webSuffixLen(s, i, dst); n > 0 {
					i += n
					continue
				}
			}
			dst = appendFoldedASCII(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		dst = appendFoldedRune(dst, r)
	}
	return dst
}

// appendFoldedASCII appends the folded form of one ASCII character.
func appendFoldedASCII(dst []byte, c byte) []byte {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return append(dst, c)
	case 'A' <= c && c <= 'Z':
		return append(dst, c+('a'-'A'))
	case c == '\'' || c == '`':
		return dst
	case c == '&' || c == '+':
		return append(dst, " and "...)
	default:
		return append(dst, ' ')
	}
}

// appendFoldedRune appends the folded form of one non-ASCII rune: its
// compatibility decomposition without combining marks, lower-cased, with the
// letters that do not decompose spelt out (ß → ss, æ → ae, ø → o, ł → l, …).
func appendFoldedRune(dst []byte, r rune) []byte {
	if isApostrophe(r) {
		return dst
	}
	var src [utf8.UTFMax]byte
	n := utf8.EncodeRune(src[:], unicode.ToLower(r))
	dec := norm.NFKD.Properties(src[:n]).Decomposition()
	if dec == nil {
		dec = src[:n] // no decomposition (or Hangul, which stays composed)
	}
	for len(dec) > 0 {
		q, size := utf8.DecodeRune(dec)
		dec = dec[size:]
		if unicode.Is(unicode.Mn, q) || isApostrophe(q) {
			continue
		}
		q = unicode.ToLower(q)
		switch {
		case q < utf8.RuneSelf:
			dst = appendFoldedASCII(dst, byte(q))
		case foldedLetters[q] != "":
			dst = append(dst, foldedLetters[q]...)
		case unicode.IsLetter(q) || unicode.IsDigit(q) || unicode.IsMark(q):
			dst = utf8.AppendRune(dst, q)
		default:
			dst = append(dst, ' ')
		}
	}
	return dst
}

// isApostrophe reports whether r is one of the apostrophes that vanish from
// names ("McDonald’s" → "mcdonalds").
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u2018', '\u2019', '\u02bc', '\u00b4', '\u2032':
		return true
	}
	return false
}

// foldedLetters spells the Latin letters that have no decomposition.
var foldedLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d",
	'ł': "l", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ĸ': "k",
}

// webSuffixLen returns the length of ".com" (or .net, .org, .io, .ai) at s[i]
// when it is glued to a preceding word and ends one, else 0.
func webSuffixLen(s string, i int, folded []byte) int {
	if len(folded) == 0 || folded[len(folded)-1] == ' ' {
		return 0
	}
	j := i + 1
	for j < len(s) && isASCIILetter(s[j]) {
		j++
	}
	if j < len(s) && (isASCIIAlnum(s[j]) || s[j] >= utf8.RuneSelf) {
		return 0
	}
	switch lowerASCII(s[i+1 : j]) {
	case "com", "net", "org", "io", "ai":
		return j - i
	}
	return 0
}

// lowerASCII lower-cases a short ASCII word; it allocates only when the word
// has capitals, which is rare for web suffixes.
func lowerASCII(w string) string {
	for k := 0; k < len(w); k++ {
		if 'A' <= w[k] && w[k] <= 'Z' {
			b := []byte(w)
			for m := range b {
				if 'A' <= b[m] && b[m] <= 'Z' {
					b[m] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return w
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || '0' <= c && c <= '9' }

// appendMergedSingles appends the words of folded separated by single spaces,
// joining runs of one-letter words: "J. P. Morgan" → "jp morgan",
// "S.A." → "sa", "A/S" → "as".
func appendMergedSingles(dst []byte, folded []byte) []byte {
	inRun := false
	for rest := folded; ; {
		word, next, ok := nextWord(rest)
		if !ok {
			break
		}
		rest = next
		single := utf8.RuneCount(word) == 1
		if !(single && inRun) && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, word...)
		inRun = single
	}
	return dst
}

// appendExpandedWords appends the words of merged to dst, spelling out common
// abbreviations ("intl" → "international"), and records where each word is.
func appendExpandedWords(dst []byte, spans []span, merged []byte) ([]byte, []span) {
	for rest := merged; ; {
		word, next, ok := nextWord(rest)
		if !ok {
			break
		}
		rest = next
		if long, ok := abbreviations[string(word)]; ok {
			word = []byte(long) // rare; the allocation does not matter
		}
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		spans = append(spans, span{len(dst), len(dst) + len(word)})
		dst = append(dst, word...)
	}
	return dst, spans
}

// nextWord returns the first space-separated word of b and what follows it.
func nextWord(b []byte) (word, rest []byte, ok bool) {
	start := 0
	for start < len(b) && b[start] == ' ' {
		start++
	}
	if start == len(b) {
		return nil, nil, false
	}
	end := start
	for end < len(b) && b[end] != ' ' {
		end++
	}
	return b[start:end], b[end:], true
}

// abbreviations spells out the abbreviations that are common in company names.
var abbreviations = map[string]string{
	"intl":   "international",
	"intnl":  "international",
	"mfg":    "manufacturing",
	"natl":   "national",
	"bros":   "brothers",
	"assoc":  "associates",
	"assn":   "association",
	"svcs":   "services",
	"mgmt":   "management",
	"univ":   "university",
	"grp":    "group",
	"hldgs":  "holdings",
	"hldg":   "holding",
	"ctr":    "center",
	"centre": "center",
}

// trimNameForms returns the range [lo, hi) of the words that remain after
// dropping legal forms at either end, a trailing "and" and a leading "the",
// repeatedly. It may shorten the first or last span (a CJK legal form glued to
// the name), in which case repass is true.
func trimNameForms(words []byte, spans []span) (lo, hi int, repass bool) {
	word := func(i int) []byte { return words[spans[i].start:spans[i].end] }
	hi = len(spans)
	removed := false
	for lo < hi {
		last := word(hi - 1)
		switch n := legalSuffixWords(words, spans, lo, hi); {
		case string(last) == "and":
			hi--
		case n > 0:
			hi -= n
		case hi-lo > 1 && isMisspeltLegalWord(last):
			hi--
		case cjkSuffixLen(last) == len(last):
			hi--
		case cjkSuffixLen(last) > 0:
			spans[hi-1].end -= cjkSuffixLen(last)
			repass = true
		case hi-lo > 1 && (string(word(lo)) == "the" || legalPrefixes[string(word(lo))]):
			lo++
		case cjkPrefixLen(word(lo)) == len(word(lo)):
			lo++
		case cjkPrefixLen(word(lo)) > 0:
			spans[lo].start += cjkPrefixLen(word(lo))
			repass = true
		case removed && hi-lo == 1 && string(last) == "the":
			lo++ // "The Company": once the legal form is gone, "the" is no name
		default:
			return lo, hi, repass
		}
		removed = true
	}
	return lo, hi, repass
}

// legalSuffixWords returns how many words at the end of words[lo:hi] form a
// legal suffix (the longest one), or 0.
func legalSuffixWords(words []byte, spans []span, lo, hi int) int {
	last := words[spans[hi-1].start:spans[hi-1].end]
	for _, suffix := range legalSuffixes.byLastWord[string(last)] {
		if len(suffix) > hi-lo {
			continue
		}
		matched := true
		for k, w := range suffix {
			s := spans[hi-len(suffix)+k]
			if string(words[s.start:s.end]) != w {
				matched = false
				break
			}
		}
		if matched {
			return len(suffix)
		}
	}
	return 0
}

// isMisspeltLegalWord reports whether w is one edit away from a long legal
// word ("Corporaton", "Limted"), which a typed name often is.
func isMisspeltLegalWord(w []byte) bool {
	if len(w) < 6 {
		return false
	}
	for _, legal := range misspeltLegalWords {
		if abs(len(legal)-len(w)) <= 1 && editDistance(string(w), legal, 1) <= 1 {
			return true
		}
	}
	return false
}

var misspeltLegalWords = [...]string{
	"corporation", "incorporated", "limited", "company", "compagnie",
	"gesellschaft", "aktiengesellschaft",
}

// cjkSuffixLen returns the length of a CJK legal form ending w, or 0.
func cjkSuffixLen(w []byte) int {
	for _, form := range cjkLegalForms {
		if len(w) >= len(form) && string(w[len(w)-len(form):]) == form {
			return len(form)
		}
	}
	return 0
}

// cjkPrefixLen returns the length of a CJK legal form starting w, or 0.
func cjkPrefixLen(w []byte) int {
	for _, form := range cjkLegalForms {
		if len(w) >= len(form) && string(w[:len(form)]) == form {
			return len(form)
		}
	}
	return 0
}

// legalSuffixTable indexes the legal suffixes by their last word, longest
// first, so that trimming looks at a handful of candidates only.
type legalSuffixTable struct {
	byLastWord map[string][][]string
}

// legalSuffixes is built once from legalSuffixNames and never changed.
var legalSuffixes = buildLegalSuffixes(legalSuffixNames)

func buildLegalSuffixes(names []string) legalSuffixTable {
	t := legalSuffixTable{byLastWord: make(map[string][][]string)}
	seen := make(map[string]bool)
	for _, name := range names {
		words := nameWords(name)
		if len(words) == 0 {
			continue
		}
		key := string(appendJoined(nil, words))
		if seen[key] {
			continue
		}
		seen[key] = true
		last := words[len(words)-1]
		t.byLastWord[last] = append(t.byLastWord[last], words)
	}
	for _, list := range t.byLastWord {
		// Longest first, so that "gmbh and co kg" wins over "kg".
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && len(list[j]) > len(list[j-1]); j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
	}
	return t
}

func appendJoined(dst []byte, words []string) []byte {
	for i, w := range words {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return dst
}
