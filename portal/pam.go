package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/lifecycle"
)

// The vendor's people work a lead on its page (W5, W6): qualify it after
// the call, with the consent wording read to the person shown on the page
// and recorded as it was shown; record a consent given or withdrawn later;
// disqualify it with a reason; convert a qualified lead. The hand-off
// queue then shows whether the person consented.

// qualifyWording is what the caller reads to the person when qualifying a
// lead, in the caller's language; the portal records exactly the text it
// showed with the answer.
var qualifyWording = msg("May we pass your name, e-mail address and phone number to an authorised partner of ours near you, who will contact you about your project?")

// disqualifyReasons are the reasons the disqualify form suggests (any
// other may be written).
var disqualifyReasons = []string{
	msg("No project or budget"), msg("Student or job seeker"), msg("Competitor"), msg("Unreachable after several attempts"), msg("Spam or a made-up person"),
}

// leadWork is what the lead page offers the vendor's people.
type leadWork struct {
	CanQualify, CanDisqualify, CanConvert, CanConsent bool
	Wording                                           string
	Reasons                                           []string
}

func (p *Portal) leadWorkFor(r *http.Request, s *session, l leadrouter.Lead) *leadWork {
	if p.cfg.Lifecycle == nil || s.actor.IsPartner() {
		return nil
	}
	w := &leadWork{Wording: p.wordsFor(r, s).T(qualifyWording), Reasons: disqualifyReasons}
	qualify := s.actor.Is(lifecycle.QualifyRoles...)
	w.CanQualify = qualify && l.Status.Open() && l.Status != leadrouter.StatusQualified
	w.CanDisqualify = qualify && l.Status.Open()
	w.CanConvert = qualify && l.Status == leadrouter.StatusQualified
	w.CanConsent = s.actor.Is(lifecycle.ConsentRoles...) && l.Status != leadrouter.StatusDisqualified
	if !w.CanQualify && !w.CanDisqualify && !w.CanConvert && !w.CanConsent {
		return nil
	}
	return w
}

// yesNo reads a yes/no radio: nil when neither was chosen.
func yesNo(v string) *bool {
	switch v {
	case "yes":
		t := true
		return &t
	case "no":
		f := false
		return &f
	}
	return nil
}

// qualifyLead records the call's outcome: qualified, with the consent
// answer to the wording the page showed.
func (p *Portal) qualifyLead(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	share := yesNo(r.PostFormValue("consent"))
	in := lifecycle.QualifyInput{ConsentShare: share, Note: r.PostFormValue("note"), IP: clientip.Addr(r)}
	if share != nil && *share {
		in.ConsentText = p.wordsFor(r, s).T(qualifyWording)
	}
	return p.onLead(w, r, s, "qualified", func(id string) error {
		_, err := p.cfg.Lifecycle.Qualify(r.Context(), s.actor, id, in)
		return err
	})
}

// recordConsent records a consent given (to the page's wording) or
// withdrawn after qualification.
func (p *Portal) recordConsent(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	share := yesNo(r.PostFormValue("consent"))
	in := lifecycle.ConsentInput{Share: share, Source: r.PostFormValue("source"), IP: clientip.Addr(r)}
	if share != nil && *share {
		in.Text = p.wordsFor(r, s).T(qualifyWording)
	}
	return p.onLead(w, r, s, "consent_recorded", func(id string) error {
		_, err := p.cfg.Lifecycle.RecordConsent(r.Context(), s.actor, id, in)
		return err
	})
}

// disqualifyLead closes an open lead with a reason.
func (p *Portal) disqualifyLead(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	return p.onLead(w, r, s, "disqualified", func(id string) error {
		_, err := p.cfg.Lifecycle.Disqualify(r.Context(), s.actor, id, r.PostFormValue("reason"))
		return err
	})
}

// convertLead turns a qualified lead into an opportunity (with its
// account and contact); a reserved lead's opportunity waits in its PAM's
// hand-off queue.
func (p *Portal) convertLead(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Lifecycle == nil {
		return errUnavailable("lifecycle")
	}
	in := lifecycle.ConvertInput{OpportunityName: r.PostFormValue("opportunity_name")}
	var v leadrouter.Validation
	if a := strings.TrimSpace(r.PostFormValue("amount")); a != "" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(a, ",", ""), 64)
		if err != nil {
			v.Add("amount", "must be a number such as 25000 or 25000.50")
		} else {
			in.Amount = &f
		}
	}
	id := r.PathValue("id")
	if err := v.Err(); err != nil {
		return p.leadPage(w, r, s, statusOf(err), err)
	}
	conv, err := p.cfg.Lifecycle.Convert(r.Context(), s.actor, id, in)
	if err != nil {
		return p.leadPage(w, r, s, statusOf(err), err)
	}
	if conv.Opportunity.Status == leadrouter.OppHandoffPending && s.actor.Is(leadrouter.RolePAM, leadrouter.RoleAdmin) {
		http.Redirect(w, r, "/portal/handoffs?done=converted", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/portal/leads/"+id+"?done=converted", http.StatusSeeOther)
	return nil
}

// onLead runs one of the lead page's forms: on success back to the lead
// with the notice done; refused for its input (EINVALID, ECONFLICT) the
// lead page again with every problem next to the forms; any other error
// (403, 404) as an error page.
func (p *Portal) onLead(w http.ResponseWriter, r *http.Request, s *session, done string, act func(id string) error) error {
	id := r.PathValue("id")
	if err := act(id); err != nil {
		if c := leadrouter.ErrorCode(err); c == leadrouter.EINVALID || c == leadrouter.ECONFLICT {
			return p.leadPage(w, r, s, statusOf(err), err)
		}
		return err
	}
	http.Redirect(w, r, "/portal/leads/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}
