package routing

// ScoreStep is one scoring rule that applied to a lead.
type ScoreStep struct {
	Label  string `json:"label"`  // the scoring rule's label
	Points int    `json:"points"` // the points it gave
}

// Score returns the lead's score under the policy (the lead's own Score
// plus the points of every scoring rule that holds, never below zero) and
// the rules that contributed.
func Score(p *Policy, lead Input) (int, []ScoreStep) {
	lv := p.view(&lead)
	steps := []ScoreStep{}
	return p.score(&lv, &steps), steps
}

// NurtureTrack returns the track of the first nurture entry that holds for
// the lead, or the default track.
func NurtureTrack(p *Policy, lead Input) string {
	lv := p.view(&lead)
	return p.track(&lv, p.score(&lv, nil))
}

// score sums the points; steps, when not nil, receives what applied.
func (p *Policy) score(lv *leadView, steps *[]ScoreStep) int {
	total := lv.OutsideScore
	if steps != nil && total != 0 {
		*steps = append(*steps, ScoreStep{Label: "score from outside the policy", Points: total})
	}
	for i := range p.Scoring.Rules {
		r := &p.Scoring.Rules[i]
		if r.When.eval(lv, 0) == condNone {
			total += r.Points
			if steps != nil {
				*steps = append(*steps, ScoreStep{Label: r.Label, Points: r.Points})
			}
		}
	}
	return max(total, 0)
}

func (p *Policy) track(lv *leadView, score int) string {
	for i := range p.Nurture {
		if p.Nurture[i].When.eval(lv, score) == condNone {
			return p.Nurture[i].Track
		}
	}
	return p.DefaultTrack
}
