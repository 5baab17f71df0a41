package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/store"
)

// notificationPage is the inbox: a page of notifications and the count of
// unread ones.
type notificationPage struct {
	store.Page[notify.Item]
	Unread int `json:"unread"`
}

// MountNotifications registers the inbox and the notification preferences
// of the signed-in user (SPEC W13).
func (s *Server) MountNotifications(n *notify.Notifier) {
	s.Document("GET /api/v1/notifications", Doc{Summary: "The caller's notifications, newest first, with the count of unread ones",
		Query:    pageQuery(Param{Name: "unread", Description: "true: only unread ones", Enum: []string{"true", "false"}}),
		Response: notificationPage{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/notifications", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "ntf")
		v := leadrouter.Validation{Fields: leadrouter.ErrorFields(err)}
		unread := r.URL.Query().Get("unread")
		if unread != "" && unread != "true" && unread != "false" {
			v.Add("unread", "must be true or false")
		}
		if err := v.Err(); err != nil {
			return err
		}
		page, count, err := n.Inbox(r.Context(), actor, unread == "true", limit, cursor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, notificationPage{Page: page, Unread: count})
		return nil
	})

	s.Document("POST /api/v1/notifications/{id}/read", Doc{Summary: "Mark one of the caller's notifications read",
		Response: leadrouter.Notification{}, Errors: []int{http.StatusNotFound}})
	s.Handle("POST /api/v1/notifications/{id}/read", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		no, err := n.MarkRead(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, no)
		return nil
	})

	s.Document("GET /api/v1/me/notification-preferences", Doc{Summary: "The caller's delivery per kind of notification (now, digest or off) and language",
		Response: notify.Preferences{}})
	s.Handle("GET /api/v1/me/notification-preferences", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		p, err := n.Preferences(r.Context(), actor)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, p)
		return nil
	})

	s.Document("PUT /api/v1/me/notification-preferences", Doc{Summary: "Change the caller's delivery for the kinds given and, if given, the language (en or de)",
		Body: notify.Preferences{}, Response: notify.Preferences{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("PUT /api/v1/me/notification-preferences", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var in notify.Preferences
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		p, err := n.SetPreferences(r.Context(), actor, in)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, p)
		return nil
	})
}
