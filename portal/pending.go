package portal

import (
	"context"
	"net/http"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// unavailable renders a page whose workflow is not mounted on this server.
func (p *Portal) unavailable(w http.ResponseWriter, r *http.Request, s *session, title, what string) error {
	p.render(w, r, s, http.StatusOK, "unavailable", title, what, nil)
	return nil
}

func (p *Portal) handoffs(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Hand-off queue", "Opportunity hand-off")
}

func (p *Portal) approvals(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Approvals", "Prospect registration")
}

func (p *Portal) opportunities(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Opportunities", "Opportunities")
}

func (p *Portal) registrations(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Registrations", "Prospect registration")
}

func (p *Portal) register(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Registrations", "Prospect registration")
}

func (p *Portal) reassignments(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.unavailable(w, r, s, "Reassignment requests", "Reassignment")
}

func (p *Portal) leadActions(ctx context.Context, tx *store.Tx, s *session, l leadrouter.Lead, data *leadData) error {
	return nil
}

func (p *Portal) handedOffByMonth(ctx context.Context, tx *store.Tx, partnerID string, since time.Time, byMonth map[string]*monthStats) (bool, error) {
	return false, nil
}
