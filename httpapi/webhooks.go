package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// webhookRequest is the body of POST /api/v1/webhooks.
type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// MountWebhooks registers POST/GET /api/v1/webhooks (admin).
func (s *Server) MountWebhooks() {
	s.Document("POST /api/v1/webhooks", Doc{Summary: "Subscribe a URL to events", Body: webhookRequest{},
		Success: []int{http.StatusCreated}, Response: store.Webhook{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/webhooks", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req webhookRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		var h store.Webhook
		if err := s.db.Update(r.Context(), func(tx *store.Tx) error {
			var err error
			h, err = tx.CreateWebhook(r.Context(), actor, req.URL, req.Events)
			return err
		}); err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, h)
		return nil
	}, leadrouter.RoleAdmin)
	s.Document("GET /api/v1/webhooks", Doc{Summary: "List the webhooks and the outbox's counts: {items, outbox: {pending, delivered}}"})
	s.Handle("GET /api/v1/webhooks", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var hooks []store.Webhook
		if err := s.db.View(r.Context(), func(tx *store.Tx) error {
			var err error
			hooks, err = tx.Webhooks(r.Context())
			return err
		}); err != nil {
			return err
		}
		pending, delivered, err := s.db.OutboxStats(r.Context())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"items": hooks, "outbox": map[string]int64{"pending": pending, "delivered": delivered}})
		return nil
	}, leadrouter.RoleAdmin)
}
