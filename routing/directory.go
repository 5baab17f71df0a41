package routing

import (
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// Directory is who routing may assign to: partners, the users of each
// queue, and the queue that owns PID-reserved leads. Build it with
// NewDirectory, which indexes Partners and QueueUsers once (do not change
// them afterwards); a Directory literal works too but is indexed again on
// every Route.
type Directory struct {
	// Partners are every partner, active or suspended: routing reads
	// their ID, PID, Name, Countries (the territory), Status (only active
	// partners get leads), Weight (the share under the weighted strategy,
	// 1-1000; 0 counts as 1) and DailyCap (leads a day from rotations; a
	// rule's daily_cap overrides it).
	Partners []leadrouter.Partner
	// QueueUsers maps a queue name to its users' ids ("inside-sales" →
	// the sales users).
	QueueUsers map[string][]string
	// VendorNurtureQueue owns PID-reserved leads (default
	// marketing-nurture) unless the reserve_pid rule names a queue.
	VendorNurtureQueue string

	index *dirIndex
}

// maxWeight bounds a partner's weight.
const maxWeight = 1000

// dirIndex is the directory prepared for routing many leads.
type dirIndex struct {
	partners   []leadrouter.Partner // sorted by ID, unique, countries upper-cased
	byID       map[string]int32
	byPID      map[string]int32 // upper-cased PID
	territory  [numCountries]*territory
	queueUsers map[string][]string // sorted by ID
}

// territory is the partners of one country.
type territory struct {
	all      []int32 // every partner of the country, by ID (suspended too)
	active   []int32 // the rotation: active partners, by ID
	weighted []int32 // smooth weighted round robin over active (indexes into active)
}

// NewDirectory returns a directory of partners and queue users, indexed
// for routing. Candidates are ordered by ID so that rotations are stable.
func NewDirectory(partners []leadrouter.Partner, queueUsers map[string][]string) Directory {
	d := Directory{Partners: partners, QueueUsers: queueUsers}
	d.index = buildIndex(&d)
	return d
}

// indexed returns the directory's index, building it if needed.
func (d *Directory) indexed() *dirIndex {
	if d.index == nil {
		d.index = buildIndex(d)
	}
	return d.index
}

func buildIndex(d *Directory) *dirIndex {
	ix := &dirIndex{byID: make(map[string]int32, len(d.Partners)), byPID: make(map[string]int32, len(d.Partners)),
		queueUsers: make(map[string][]string, len(d.QueueUsers))}
	partners := slices.Clone(d.Partners)
	slices.SortStableFunc(partners, func(a, b leadrouter.Partner) int { return strings.Compare(a.ID, b.ID) })
	partners = slices.CompactFunc(partners, func(a, b leadrouter.Partner) bool { return a.ID == b.ID })
	for i := range partners {
		p := &partners[i]
		p.Weight = min(max(p.Weight, 1), maxWeight)
		countries := make([]string, 0, len(p.Countries))
		for _, c := range p.Countries {
			c = strings.ToUpper(strings.TrimSpace(c))
			if countryIndex(c) >= 0 && !slices.Contains(countries, c) {
				countries = append(countries, c)
			}
		}
		p.Countries = countries
		ix.byID[p.ID] = int32(i)
		if p.PID != "" {
			ix.byPID[strings.ToUpper(string(p.PID))] = int32(i)
		}
		for _, c := range countries {
			ci := countryIndex(c)
			t := ix.territory[ci]
			if t == nil {
				t = &territory{}
				ix.territory[ci] = t
			}
			t.all = append(t.all, int32(i))
			if active(p) {
				t.active = append(t.active, int32(i))
			}
		}
	}
	ix.partners = partners
	for _, t := range ix.territory {
		if t == nil {
			continue
		}
		weights := make([]int, len(t.active))
		for j, pi := range t.active {
			weights[j] = partners[pi].Weight
		}
		t.weighted = weightedSequence(weights)
	}
	for queue, users := range d.QueueUsers {
		sorted := slices.Clone(users)
		slices.Sort(sorted)
		ix.queueUsers[queue] = slices.Compact(sorted)
	}
	return ix
}

// nameOf is a partner's name by id, for the words of a trace: the id when
// the partner is unknown or has no name.
func (ix *dirIndex) nameOf(id string) string {
	if pt := ix.partner(id); pt != nil && pt.Name != "" {
		return pt.Name
	}
	return id
}

// partner returns the partner with id, or nil.
func (ix *dirIndex) partner(id string) *leadrouter.Partner {
	if i, ok := ix.byID[id]; ok {
		return &ix.partners[i]
	}
	return nil
}

// active reports whether partner p may get leads (a suspended one is
// always skipped).
func active(p *leadrouter.Partner) bool { return p.Status == leadrouter.PartnerActive }

// weightedSequence is the smooth weighted round-robin order over
// 0…len(weights)-1: each index appears weights[i] times per cycle, spread
// out as evenly as possible (weights 2,1 give 0,1,0), so any run of n
// consecutive positions gives index i about n·w/Σw of them. Ties go to the
// lower index, which keeps the order stable.
func weightedSequence(weights []int) []int32 {
	total := 0
	for _, w := range weights {
		total += w
	}
	current := make([]int, len(weights))
	seq := make([]int32, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		seq = append(seq, int32(best))
	}
	return seq
}
