package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Finding is one thing verification found wrong: the timeline (or record)
// and what is missing or changed.
type Finding struct {
	Subject string
	// N is the event concerned (0: the timeline or record as a whole).
	N       int64
	Problem string
}

func (f Finding) String() string {
	if f.N > 0 {
		return fmt.Sprintf("%s, event %d: %s", f.Subject, f.N, f.Problem)
	}
	return fmt.Sprintf("%s: %s", f.Subject, f.Problem)
}

// Report is the outcome of Verify.
type Report struct {
	Events, Timelines, Consents int64
	// Checkpointed is how many timelines the checkpoint state held.
	Checkpointed int
	Findings     []Finding
}

// maxFindings bounds a report: a wholesale rewrite need not be listed in
// full to be noticed.
const maxFindings = 1000

func (r *Report) add(f Finding) {
	if len(r.Findings) < maxFindings {
		r.Findings = append(r.Findings, f)
	}
}

// consentKey is what a consent record and its timeline event share.
type consentKey struct {
	lead, actor, text, source, ip string
	share                         bool
	at                            time.Time
	withIP                        bool
}

// consentEvent is the data of a consent event that identifies its record.
type consentEvent struct {
	Share  bool    `json:"share"`
	Text   string  `json:"text"`
	Source string  `json:"source"`
	IP     *string `json:"ip"`
}

// Verify checks every timeline of db: each event's hash under key (keyed
// hashes need the key; an unkeyed hash after a keyed one in a chain, or in
// a timeline the checkpoints never saw, is a rewrite), the links between
// events, the heads, every consent record against the consent event that
// recorded it, and, when st holds checkpoints, that every checkpointed
// timeline still has its events up to its checkpointed head, unchanged.
func Verify(ctx context.Context, db *store.DB, key []byte, st *State) (Report, error) {
	var r Report
	if st == nil {
		st = &State{Heads: map[string]store.Head{}}
	}
	r.Checkpointed = len(st.Heads)
	seen := map[string]int64{} // subject -> last n
	consents := map[consentKey]int{}
	var subject, prevHash string
	var prevN int64
	var keyedSeen, broken bool
	endChain := func() {
		if subject == "" {
			return
		}
		seen[subject] = prevN
		if ck, ok := st.Heads[subject]; ok && !broken && prevN < ck.N {
			r.add(Finding{subject, 0, fmt.Sprintf("events %d to %d were removed: the checkpoint of %s holds %d", prevN+1, ck.N, st.Last.Format(time.RFC3339), ck.N)})
		}
	}
	err := db.ScanEvents(ctx, func(e leadrouter.Event) error {
		r.Events++
		if e.Subject != subject {
			endChain()
			r.Timelines++
			subject, prevHash, prevN, keyedSeen, broken = e.Subject, "", 0, false, false
		}
		defer func() { prevHash, prevN = e.Hash, e.N }()
		if broken {
			return nil // one finding a timeline: the first break
		}
		ck, checkpointed := st.Heads[e.Subject]
		fail := func(problem string) { r.add(Finding{e.Subject, e.N, problem}); broken = true }
		switch {
		case e.N != prevN+1:
			fail(fmt.Sprintf("follows event %d: events are missing", prevN))
		case e.PrevHash != prevHash:
			fail("its link does not match the previous event's hash")
		case e.Keyed() && len(key) == 0:
			fail("its hash is keyed and no audit key was given")
		case !e.HashValid(key):
			fail("its content does not match its hash: edited")
		case !e.Keyed() && keyedSeen:
			fail("an unkeyed hash after keyed ones: the timeline was rewritten")
		case !e.Keyed() && len(key) > 0 && len(st.Roots) > 0 && (!checkpointed || e.N > ck.N):
			fail("an unkeyed hash the checkpoints never saw: written without the audit key")
		case checkpointed && e.N == ck.N && e.Hash != ck.Hash:
			fail(fmt.Sprintf("differs from the checkpoint of %s: the timeline was rewritten", st.Last.Format(time.RFC3339)))
		}
		keyedSeen = keyedSeen || e.Keyed()
		if e.Type == leadrouter.EventConsent && !broken {
			var c consentEvent
			if json.Unmarshal(e.Data, &c) == nil {
				k := consentKey{lead: e.Subject, actor: e.Actor, text: c.Text, source: c.Source, share: c.Share, at: e.At.UTC(), withIP: c.IP != nil}
				if c.IP != nil {
					k.ip = *c.IP
				}
				consents[k]++
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	endChain()
	// Heads ahead of their chains: a tail removed and its head left.
	if err := db.ScanHeads(ctx, func(h store.Head) error {
		last, ok := seen[h.Subject]
		switch {
		case !ok && h.N > 0:
			r.add(Finding{h.Subject, 0, fmt.Sprintf("the timeline had %d events and has none: deleted", h.N)})
		case h.N > last:
			r.add(Finding{h.Subject, 0, fmt.Sprintf("the chain ends at event %d but %d were written: trailing events removed", last, h.N)})
		}
		return nil
	}); err != nil {
		return r, err
	}
	// Checkpointed timelines that are gone altogether.
	var gone []string
	for s, h := range st.Heads {
		if _, ok := seen[s]; !ok && h.N > 0 {
			gone = append(gone, s)
		}
	}
	sort.Strings(gone)
	for _, s := range gone {
		r.add(Finding{s, 0, fmt.Sprintf("the timeline was deleted: the checkpoint of %s holds %d events", st.Last.Format(time.RFC3339), st.Heads[s].N)})
	}
	// Every consent record against the event that recorded it.
	if err := db.ScanConsents(ctx, func(c leadrouter.ConsentRecord) error {
		r.Consents++
		k := consentKey{lead: c.LeadID, actor: c.Actor, text: c.Text, source: c.Source, share: c.Share, at: c.At.UTC(), withIP: true, ip: c.IP}
		if consents[k] == 0 {
			k.withIP, k.ip = false, ""
		}
		if consents[k] == 0 {
			r.add(Finding{c.LeadID, 0, fmt.Sprintf("consent record %s matches no consent event on the timeline: edited or inserted", c.ID)})
			return nil
		}
		consents[k]--
		return nil
	}); err != nil {
		return r, err
	}
	var orphans []consentKey
	for k, n := range consents {
		for range n {
			orphans = append(orphans, k)
		}
	}
	sort.Slice(orphans, func(i, j int) bool { return orphans[i].lead < orphans[j].lead })
	for _, k := range orphans {
		r.add(Finding{k.lead, 0, fmt.Sprintf("the consent event of %s has no matching consent record: deleted or edited", k.at.Format(time.RFC3339Nano))})
	}
	return r, nil
}
