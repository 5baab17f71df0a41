package httpapi

import (
	"net/http"
	"strconv"

	"github.com/leadrouter/leadrouter"
)

// webhookRequest is the body of POST /api/v1/webhooks.
type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// webhookPatch is the body of PATCH /api/v1/webhooks/{id}.
type webhookPatch struct {
	// Active false pauses the subscription (its events keep queueing),
	// true resumes it.
	Active *bool `json:"active"`
}

// outboxCountUpTo is how many events after each subscription's cursor GET
// /api/v1/webhooks reads to count its pending ones: enough for any
// subscription that is keeping up, and a bound on the request's cost for
// one paused for long (beyond it the count is a lower bound).
const outboxCountUpTo = 100_000

// MountWebhooks registers POST/GET /api/v1/webhooks and PATCH/DELETE
// /api/v1/webhooks/{id} (admin).
func (s *Server) MountWebhooks() {
	s.Document("POST /api/v1/webhooks", Doc{Summary: "Subscribe a URL to events", Body: webhookRequest{},
		Success: []int{http.StatusCreated}, Response: leadrouter.Webhook{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/webhooks", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req webhookRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		var h leadrouter.Webhook
		var err error
		if h, err = s.admin.CreateWebhook(r.Context(), actor, req.URL, req.Events); err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, h)
		return nil
	}, leadrouter.RoleAdmin)
	s.Document("GET /api/v1/webhooks", Doc{Summary: "List the webhooks and the outbox's counts: {items, outbox: {pending, pending_exact, delivered, held_back}}; pending counts among the first " + strconv.Itoa(outboxCountUpTo) + " events after each subscription's cursor (pending_exact false: it is a lower bound); held_back: events no subscription may read yet because an older transaction is still running (PostgreSQL)"})
	s.Handle("GET /api/v1/webhooks", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		hooks, err := s.admin.Webhooks(r.Context(), actor)
		if err != nil {
			return err
		}
		counts, err := s.db.OutboxStats(r.Context(), outboxCountUpTo)
		if err != nil {
			return err
		}
		heldBack, err := s.db.EventsHeldBack(r.Context())
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"items": hooks, "outbox": map[string]any{"pending": counts.Pending, "pending_exact": counts.PendingExact, "delivered": counts.Delivered, "held_back": heldBack}})
		return nil
	}, leadrouter.RoleAdmin)
	s.Document("PATCH /api/v1/webhooks/{id}", Doc{Summary: "Pause (active false) or resume (active true) a subscription; a paused one keeps its queue, sent in order once resumed",
		Body: webhookPatch{}, Response: leadrouter.Webhook{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("PATCH /api/v1/webhooks/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req webhookPatch
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		if req.Active == nil {
			var v leadrouter.Validation
			v.Add("active", "is required: false pauses, true resumes")
			return v.Err()
		}
		var h leadrouter.Webhook
		var err error
		if h, err = s.admin.SetWebhookActive(r.Context(), actor, r.PathValue("id"), *req.Active); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, h)
		return nil
	}, leadrouter.RoleAdmin)
	s.Document("DELETE /api/v1/webhooks/{id}", Doc{Summary: "Delete a subscription: nothing more is queued to it and its pending deliveries are dropped",
		Success: []int{http.StatusNoContent}, Errors: []int{http.StatusNotFound}})
	s.Handle("DELETE /api/v1/webhooks/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		if err := s.admin.DeleteWebhook(r.Context(), actor, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}, leadrouter.RoleAdmin)
}
