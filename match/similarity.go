package match

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// NearMatchThreshold is the score from which two company names are probably
// the same company: a possible duplicate to show, a yellow flag for a
// registration.
const NearMatchThreshold = 0.85

// CertainThreshold is the score from which two company names are certainly the
// same company: the same key, or the same words spaced or ordered differently.
const CertainThreshold = 0.95

// Scores that Similarity gives to names that are not the same key.
const (
	// sameWordsScore is for the same words in another order or spacing
	// ("Coca Cola" and "CocaCola"): certain, yet not identical.
	sameWordsScore = 0.97
	// fuzzyCap bounds every other score below CertainThreshold: a typo or a
	// missing word is never certain.
	fuzzyCap = 0.94
	// acronymScore is for an acronym of the other name ("IBM"): just a near
	// match, for a person to confirm.
	acronymScore = 0.86
	// gluedTypoScore is for names one typo apart once spaces are ignored
	// ("Pricewaterhouse Cooper" and "PricewaterhouseCoopers").
	gluedTypoScore = 0.9
	// minTokenSim is the least similarity for two words to be paired.
	minTokenSim = 0.8
	// genericPenalty and stopPenalty are taken off for each unpaired generic
	// word ("group", "software") and small word ("of", "and").
	genericPenalty = 0.04
	stopPenalty    = 0.02
)

// Similarity scores how likely two normalised company names (keys from
// NormaliseCompany) name the same company, from 0 to 1. Identical non-empty
// keys score 1, an empty key 0. It is symmetric, robust to typos, word order,
// spacing and missing generic words ("Group", "Holdings", "Software"), and
// keeps apart names that share a word but differ in a distinctive one
// ("Acme" and "Acme Bank", "United Airlines" and "United Airways").
func Similarity(a, b string) float64 {
	var ta, tb nameTokens
	ta.set(a)
	tb.set(b)
	return similarity(&ta, &tb)
}

// SameCompany scores two raw company names with Similarity over their keys and
// says whether they are certainly the same company (score ≥ CertainThreshold).
func SameCompany(a, b string) (score float64, certain bool) {
	score = Similarity(NormaliseCompany(a), NormaliseCompany(b))
	return score, score >= CertainThreshold
}

// maxTypoComparisons bounds the pairs of words that Similarity compares letter
// by letter, so that hostile names of many alike words cost little; names
// people write need a handful.
const maxTypoComparisons = 48

// maxNameTokens bounds the words of a name that Similarity compares; longer
// names are compared on their first words.
const maxNameTokens = 16

// tokenClass is how much a word says about which company a name means.
type tokenClass uint8

const (
	classFull    tokenClass = iota // a distinctive word: "acme", "bank", "airlines"
	classGeneric                   // a word many companies use: "group", "software"
	classStop                      // a small word: "and", "of", "de"
)

// nameTokens is a key split into words, ready for comparison; it lives on the
// stack and points into the key.
type nameTokens struct {
	key   string
	n     int
	full  int
	tok   [maxNameTokens]string
	class [maxNameTokens]tokenClass
	runes [maxNameTokens]int    // length of each word in runes
	mask  [maxNameTokens]uint64 // letterMask of each word
}

// set splits key on spaces and classifies its words.
func (t *nameTokens) set(key string) {
	t.key, t.n, t.full = key, 0, 0
	for i := 0; i < len(key) && t.n < maxNameTokens; {
		for i < len(key) && key[i] == ' ' {
			i++
		}
		start := i
		for i < len(key) && key[i] != ' ' {
			i++
		}
		if start == i {
			break
		}
		word := key[start:i]
		class := classify(word)
		if class == classFull {
			t.full++
		}
		t.tok[t.n], t.class[t.n] = word, class
		t.runes[t.n], t.mask[t.n] = utf8.RuneCountInString(word), letterMask(word)
		t.n++
	}
}

// similarity is Similarity over prepared names. It orders its arguments by key
// first, so that it is exactly symmetric.
func similarity(x, y *nameTokens) float64 {
	if x.n == 0 || y.n == 0 {
		return 0
	}
	if x.key == y.key {
		return 1
	}
	if x.key > y.key {
		x, y = y, x
	}
	// A name made only of generic or small words ("Global Solutions") is
	// compared on all its words.
	promote := x.full == 0 || y.full == 0
	classOf := func(t *nameTokens, i int) tokenClass {
		if promote {
			return classFull
		}
		return t.class[i]
	}

	var pairX, pairY [maxNameTokens]int8
	var simX [maxNameTokens]float64
	for i := range pairX {
		pairX[i], pairY[i] = -1, -1
	}
	pair := func(i, j int, sim float64) {
		pairX[i], pairY[j], simX[i] = int8(j), int8(i), sim
	}
	// Equal words first, then the closest remaining pair, greedily.
	for i := 0; i < x.n; i++ {
		for j := 0; j < y.n; j++ {
			if pairY[j] < 0 && x.tok[i] == y.tok[j] {
				pair(i, j, 1)
				break
			}
		}
	}
	var sims [maxNameTokens][maxNameTokens]float32
	budget := maxTypoComparisons
	for i := 0; i < x.n && budget > 0; i++ {
		for j := 0; pairX[i] < 0 && j < y.n && budget > 0; j++ {
			if pairY[j] < 0 && mayBeTypo(x.runes[i], y.runes[j], x.mask[i], y.mask[j]) {
				sims[i][j] = float32(wordSimilarity(x.tok[i], y.tok[j]))
				budget--
			}
		}
	}
	for {
		best, bestI, bestJ := float32(0), -1, -1
		for i := 0; i < x.n; i++ {
			for j := 0; pairX[i] < 0 && j < y.n; j++ {
				if pairY[j] < 0 && sims[i][j] > best {
					best, bestI, bestJ = sims[i][j], i, j
				}
			}
		}
		if bestI < 0 || best < minTokenSim {
			break
		}
		pair(bestI, bestJ, float64(best))
	}

	// Weighted Dice over distinctive words, less a penalty for each unpaired
	// generic or small word.
	var fullX, fullY, pairedFullX, pairedFullY int
	var matched, penalty float64
	allExact := x.n == y.n
	for i := 0; i < x.n; i++ {
		cx := classOf(x, i)
		if cx == classFull {
			fullX++
		}
		j := pairX[i]
		if j < 0 {
			allExact = false
			penalty += unpairedPenalty(cx)
			continue
		}
		if simX[i] < 1 {
			allExact = false
		}
		cy := classOf(y, int(j))
		if cx == classFull {
			matched += simX[i]
			if cy == classFull {
				pairedFullX++
			}
		}
		if cy == classFull {
			matched += simX[i]
		}
	}
	for j := 0; j < y.n; j++ {
		cy := classOf(y, j)
		if cy == classFull {
			fullY++
		}
		if pairY[j] < 0 {
			allExact = false
			penalty += unpairedPenalty(cy)
		} else if cy == classFull && classOf(x, int(pairY[j])) == classFull {
			pairedFullY++
		}
	}
	dice := 0.0
	if fullX+fullY > 0 {
		dice = matched / float64(fullX+fullY)
	}
	// One name is the other plus a word ("Pop Cynthia" and "Pop Cynthia
	// Project"): likely the same when the shorter has two distinctive words.
	if (fullX < fullY && pairedFullX == fullX && fullX >= 2) ||
		(fullY < fullX && pairedFullY == fullY && fullY >= 2) {
		dice = max(dice, (1+dice)/2)
	}
	score := dice - penalty
	if allExact {
		score = sameWordsScore
	} else {
		score = min(score, fuzzyCap)
	}

	switch {
	case gluedEqual(x.key, y.key):
		score = max(score, sameWordsScore)
	case x.n != y.n && gluedDistance(x.key, y.key, 1) <= 1:
		score = max(score, gluedTypoScore)
	}
	if isAcronymOf(x, y) || isAcronymOf(y, x) {
		score = max(score, acronymScore)
	}
	return min(max(score, 0), 1)
}

func unpairedPenalty(c tokenClass) float64 {
	switch c {
	case classGeneric:
		return genericPenalty
	case classStop:
		return stopPenalty
	}
	return 0
}

// letterMask has a bit for each letter of word (its code modulo 64). One edit
// changes at most two bits, so words whose masks differ in more than four are
// more than two edits apart.
func letterMask(word string) uint64 {
	var m uint64
	for _, r := range word {
		m |= 1 << (uint(r) & 63)
	}
	return m
}

// mayBeTypo is the cheap test that rules out most pairs of words before
// wordSimilarity compares them letter by letter.
func mayBeTypo(runesA, runesB int, maskA, maskB uint64) bool {
	return min(runesA, runesB) >= 4 && abs(runesA-runesB) <= 2 && bits.OnesCount64(maskA^maskB) <= 4
}

// wordSimilarity scores two words: 1 when equal, 0.8–0.9 when one is a typo of
// the other, else 0. Short words must be closer than long ones.
func wordSimilarity(a, b string) float64 {
	if a == b {
		return 1
	}
	var bufA, bufB [maxWordRunes]rune
	ra, okA := decodeRunes(bufA[:0], a)
	rb, okB := decodeRunes(bufB[:0], b)
	if !okA || !okB {
		return 0
	}
	shorter := min(len(ra), len(rb))
	if shorter < 4 || abs(len(ra)-len(rb)) > 2 {
		return 0
	}
	if isAdjacentSwap(ra, rb) || squeezedEqual(ra, rb) {
		return 0.9 // "Oracel", "Gogle": the commonest slips
	}
	switch d := editDistanceRunes(ra, rb, 2); {
	case d == 1 && shorter >= 8:
		return 0.9
	case d == 1 && shorter >= 6:
		return 0.86
	case d == 1 && ra[0] == rb[0]:
		return 0.8
	case d == 2 && shorter >= 9:
		return 0.8
	}
	return 0
}

// isAcronymOf reports whether short is one word of 3 to 8 letters spelling the
// initials of the words of long that are not small words ("ibm" and
// "international business machines").
func isAcronymOf(short, long *nameTokens) bool {
	if short.n != 1 || long.n < 3 {
		return false
	}
	letters := short.tok[0]
	if n := utf8.RuneCountInString(letters); n < 3 || n > 8 {
		return false
	}
	k := 0
	for i := 0; i < long.n; i++ {
		if long.class[i] == classStop {
			continue
		}
		initial, _ := utf8.DecodeRuneInString(long.tok[i])
		letter, size := utf8.DecodeRuneInString(letters[k:])
		if size == 0 || letter != initial || !unicode.IsLetter(letter) {
			return false
		}
		k += size
	}
	return k == len(letters)
}

// classify says how much a word tells about which company a name means. Small
// words are those of the languages of common company names; generic words are
// those many companies add to their name and people often leave out, so that
// a missing one costs little and a different one is no evidence. A switch,
// not a map: Similarity classifies every word it sees.
func classify(word string) tokenClass {
	switch word {
	case "and", "of", "the", "for", "a", "an", "at", "in", "on", "de", "des",
		"du", "la", "le", "les", "el", "los", "las", "del", "der", "die", "das",
		"und", "et", "y", "e", "di", "da", "do", "dos", "van", "von", "den", "het",
		"en", "og", "och", "i":
		return classStop
	case "group", "groupe", "gruppe", "grupo", "gruppo", "holding", "holdings",
		"international", "global", "worldwide", "usa", "us", "uk", "eu", "europe",
		"emea", "apac", "americas", "solutions", "solution", "services", "service",
		"systems", "system", "technologies", "technology", "tech", "software",
		"consulting", "consultancy", "consultants", "industries", "enterprises",
		"labs", "laboratories", "networks", "digital", "partners", "associates",
		"ventures", "management", "manufacturing", "products", "trading",
		"corporate":
		return classGeneric
	}
	return classFull
}
