package match

// maxWordRunes bounds the words that wordSimilarity compares letter by letter.
const maxWordRunes = 32

// decodeRunes appends the runes of s to dst; ok is false when they do not fit.
func decodeRunes(dst []rune, s string) ([]rune, bool) {
	for _, r := range s {
		if len(dst) == cap(dst) {
			return dst, false
		}
		dst = append(dst, r)
	}
	return dst, true
}

// isAdjacentSwap reports whether a and b differ by two neighbouring letters
// swapped.
func isAdjacentSwap(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i+1 >= len(a) || a[i] != b[i+1] || a[i+1] != b[i] {
		return false
	}
	for k := i + 2; k < len(a); k++ {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// squeezedEqual reports whether a and b are equal once doubled letters are
// single ("google" and "gogle").
func squeezedEqual(a, b []rune) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] != b[j] {
			return false
		}
		c := a[i]
		for i < len(a) && a[i] == c {
			i++
		}
		for j < len(b) && b[j] == c {
			j++
		}
	}
	return i == len(a) && j == len(b)
}

// editDistance is editDistanceRunes over strings of at most maxGluedRunes
// runes; longer strings that differ are reported as too far.
func editDistance(a, b string, limit int) int {
	if a == b {
		return 0
	}
	var bufA, bufB [maxGluedRunes]rune
	ra, okA := decodeRunes(bufA[:0], a)
	rb, okB := decodeRunes(bufB[:0], b)
	if !okA || !okB {
		return limit + 1
	}
	return editDistanceRunes(ra, rb, limit)
}

// maxGluedRunes bounds the strings compared letter by letter.
const maxGluedRunes = 64

// editDistanceRunes returns the optimal-string-alignment distance of a and b
// (insertions, deletions, substitutions and swaps of neighbours), or limit+1
// once it is certain to exceed limit. It fills only the band of cells within
// limit of the diagonal. Both must be at most maxGluedRunes long.
func editDistanceRunes(a, b []rune, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	far := limit + 1
	var rows [3][maxGluedRunes + 2]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b)+1; j++ {
		prev[j], prev2[j] = min(j, far), far
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-limit), min(len(b), i+limit)
		cur[lo-1] = far
		if lo == 1 {
			cur[0] = min(i, far)
		}
		if hi+1 <= len(b) {
			cur[hi+1] = far
		}
		rowMin := far
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = min(d, far)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= far {
			return far
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// gluedEqual reports whether a and b are equal once spaces are removed.
func gluedEqual(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && a[i] == ' ' {
			i++
		}
		for j < len(b) && b[j] == ' ' {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}

// gluedDistance is the edit distance of a and b once spaces are removed, for
// strings of 8 to maxGluedRunes runes; others count as limit+1.
func gluedDistance(a, b string, limit int) int {
	var bufA, bufB [maxGluedRunes]rune
	ra, okA := decodeRunesGlued(bufA[:0], a)
	rb, okB := decodeRunesGlued(bufB[:0], b)
	if !okA || !okB || min(len(ra), len(rb)) < 8 {
		return limit + 1
	}
	return editDistanceRunes(ra, rb, limit)
}

func decodeRunesGlued(dst []rune, s string) ([]rune, bool) {
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if len(dst) == cap(dst) {
			return dst, false
		}
		dst = append(dst, r)
	}
	return dst, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
