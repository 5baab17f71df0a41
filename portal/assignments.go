package portal

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// Assignments is the partner's answer and its deals (assignment.Service).
type Assignments interface {
	List(ctx context.Context, actor leadrouter.Actor, f store.AssignmentFilter) (store.Page[leadrouter.Assignment], error)
	Accept(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Assignment, error)
	Decline(ctx context.Context, actor leadrouter.Actor, id string, in assignment.DeclineInput) (leadrouter.Assignment, error)
	UpdateDeal(ctx context.Context, actor leadrouter.Actor, id string, in assignment.DealInput) (leadrouter.Opportunity, error)
	CloseDeal(ctx context.Context, actor leadrouter.Actor, id string, result leadrouter.OpportunityStatus, reason string) (leadrouter.Opportunity, error)
	Performance(ctx context.Context, actor leadrouter.Actor, partnerID string, from, to time.Time) (assignment.Performance, error)
}

type assignmentRow struct {
	leadrouter.Assignment
	// Company and Person name the lead (Person only with consent).
	Company, Person string
}

type assignmentsData struct {
	Pending  []assignmentRow
	Answered []assignmentRow
	Reasons  []string
}

func (p *Portal) policy() *routing.Policy {
	if p.cfg.Router != nil {
		if pol, _, _ := p.cfg.Router.Policy(); pol != nil {
			return pol
		}
	}
	return routing.DefaultPolicy()
}

// assignments lists what the partner has to answer, with accept and
// decline, and what it answered lately.
func (p *Portal) assignments(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Assignments == nil {
		return p.unavailable(w, r, s, "Assignments", msg("Partner answers"))
	}
	ctx := r.Context()
	page, err := p.cfg.Assignments.List(ctx, s.actor, store.AssignmentFilter{Limit: 200})
	if err != nil {
		return err
	}
	data := assignmentsData{Reasons: p.policy().DeclineReasons}
	for _, a := range page.Items {
		row := assignmentRow{Assignment: a}
		if l, _, err := p.cfg.Lookup.Lead(ctx, s.actor, a.LeadID); err == nil {
			row.Company = l.Company
			if leadrouter.ContactVisibleTo(s.actor, l) {
				row.Person = strings.TrimSpace(l.FirstName + " " + l.LastName)
			}
		}
		if a.Status == leadrouter.AssignmentPending {
			data.Pending = append(data.Pending, row)
		} else {
			data.Answered = append(data.Answered, row)
		}
	}
	p.render(w, r, s, http.StatusOK, "assignments", "Assignments", data, nil)
	return nil
}

// answer accepts or declines an assignment.
func (p *Portal) answer(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Assignments == nil {
		return errUnavailable("assignments")
	}
	id := r.PathValue("id")
	var err error
	done := "accepted"
	if r.PathValue("answer") == "decline" {
		done = "declined"
		_, err = p.cfg.Assignments.Decline(r.Context(), s.actor, id, assignment.DeclineInput{Reason: r.PostFormValue("reason"), Note: r.PostFormValue("note")})
	} else {
		_, err = p.cfg.Assignments.Accept(r.Context(), s.actor, id)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/assignments?done="+done, http.StatusSeeOther)
	return nil
}

// deal records the partner's news of a deal, or closes it.
func (p *Portal) deal(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Assignments == nil {
		return errUnavailable("assignments")
	}
	id := r.PathValue("id")
	var err error
	if result := r.PostFormValue("result"); result != "" {
		_, err = p.cfg.Assignments.CloseDeal(r.Context(), s.actor, id, leadrouter.OpportunityStatus(result), r.PostFormValue("reason"))
	} else {
		in := assignment.DealInput{}
		for _, f := range []struct {
			name string
			dst  **string
		}{{"stage", &in.Stage}, {"amount", &in.Amount}, {"currency", &in.Currency}, {"close_date", &in.CloseDate}} {
			if v := strings.TrimSpace(r.PostFormValue(f.name)); v != "" {
				*f.dst = &v
			}
		}
		_, err = p.cfg.Assignments.UpdateDeal(r.Context(), s.actor, id, in)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/opportunities?done=deal_saved", http.StatusSeeOther)
	return nil
}
