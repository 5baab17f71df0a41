package match

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxCompanyTokens bounds how many tokens CompanyTokens returns, since each one
// becomes an index row.
const MaxCompanyTokens = 16

// CompanyTokens returns the index keys under which a company name is stored
// for near-miss lookup, at most MaxCompanyTokens, most selective first; a
// query fetches the candidates sharing any of them and ranks them with
// Similarity. They are the distinctive words of the key ("acme", "bank"), the
// words glued together ("cocacola"), the acronym of three or more words
// ("ibm"), each word with doubled letters made single ("acenture"), and for
// words of five or more letters their first four letters ("micr*") and last
// four ("*soft"), which find one-typo variants. The exact key
// (NormaliseCompany) is indexed apart.
func CompanyTokens(name string) []string {
	key := NormaliseCompany(name)
	if key == "" {
		return nil
	}
	var words nameTokens
	words.set(key)
	tokens := make([]string, 0, MaxCompanyTokens)
	add := func(token string) {
		if len(tokens) < MaxCompanyTokens && !slices.Contains(tokens, token) {
			tokens = append(tokens, token)
		}
	}

	var lookup [maxNameTokens]string
	n := lookupWords(&words, &lookup)
	for _, word := range lookup[:n] {
		add(word)
	}
	if n == 0 {
		add(key) // only short words: "3m", "at and t"
	}
	if words.n > 1 {
		add(strings.ReplaceAll(key, " ", ""))
	}
	if acronym := acronymOf(&words); acronym != "" {
		add(acronym)
	}
	for _, word := range lookup[:n] {
		if squeezed := squeezeDoubles(word); squeezed != word {
			add(squeezed) // "accenture" is found as "acenture"
		}
	}
	for _, word := range lookup[:n] {
		if utf8.RuneCountInString(word) >= 5 {
			add(firstRunes(word, 4) + "*")
		}
	}
	for _, word := range lookup[:n] {
		if utf8.RuneCountInString(word) >= 5 {
			if ending := lastRunes(word, 4); !commonEndings[ending] {
				add("*" + ending)
			}
		}
	}
	return tokens
}

// acronymOf returns the initials of the words of a name that are not small
// words, when there are 3 to 8 of them, else "".
func acronymOf(words *nameTokens) string {
	var initials [8 * utf8.UTFMax]byte
	n, size := 0, 0
	for i := 0; i < words.n; i++ {
		if words.class[i] == classStop {
			continue
		}
		if n == 8 {
			return ""
		}
		r, _ := utf8.DecodeRuneInString(words.tok[i])
		size = len(utf8.AppendRune(initials[:size], r))
		n++
	}
	if n < 3 {
		return ""
	}
	return string(initials[:size])
}

// squeezeDoubles returns word with every run of a repeated letter made single.
func squeezeDoubles(word string) string {
	var b strings.Builder
	var prev rune = -1
	for i, r := range word {
		if r == prev {
			if b.Len() == 0 {
				b.WriteString(word[:i])
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteRune(r)
		}
		prev = r
	}
	if b.Len() == 0 {
		return word
	}
	return b.String()
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func lastRunes(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

// commonEndings are word endings shared by so many names that an index row
// for them would fetch too many candidates.
var commonEndings = map[string]bool{
	"tion": true, "sion": true, "ions": true, "ment": true, "ness": true,
	"ings": true, "ance": true, "ence": true, "able": true, "ship": true,
	"ical": true, "ture": true, "ated": true, "ting": true, "ring": true,
	"ling": true, "ally": true, "ines": true, "ders": true, "ters": true,
	"ices": true, "ries": true,
}

// lookupWords fills lookup with the words of a name that are indexed as
// tokens: the distinctive ones, or the generic ones of a name that has none
// ("Global Solutions"), of three letters or more; it returns how many.
func lookupWords(words *nameTokens, lookup *[maxNameTokens]string) int {
	n := 0
	for _, wanted := range [...]tokenClass{classFull, classGeneric} {
		for i := 0; i < words.n; i++ {
			if words.class[i] == wanted && utf8.RuneCountInString(words.tok[i]) >= 3 {
				lookup[n] = words.tok[i]
				n++
			}
		}
		if n > 0 {
			break
		}
	}
	return n
}

// CompanyWords returns the words of a company name that CompanyTokens
// indexes as they are ("Pop Cynthia" → pop, cynthia), for finding the
// names that contain all of them; nil when it has none.
func CompanyWords(name string) []string {
	key := NormaliseCompany(name)
	if key == "" {
		return nil
	}
	var words nameTokens
	words.set(key)
	var lookup [maxNameTokens]string
	n := lookupWords(&words, &lookup)
	return slices.Clone(lookup[:n])
}
