package portal

import (
	"context"
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/store"
)

// Notifications is the inbox and the preferences (notify.Notifier).
type Notifications interface {
	Inbox(ctx context.Context, actor leadrouter.Actor, unread bool, limit int, cursor string) (store.Page[notify.Item], int, error)
	MarkRead(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Notification, error)
	Preferences(ctx context.Context, actor leadrouter.Actor) (notify.Preferences, error)
	SetPreferences(ctx context.Context, actor leadrouter.Actor, in notify.Preferences) (notify.Preferences, error)
}

type inboxData struct {
	Items  []notify.Item
	Unread int
}

// inbox lists the signed-in user's notifications, newest first.
func (p *Portal) inbox(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Notifications == nil {
		return p.unavailable(w, r, s, "Inbox", msg("Notifications"))
	}
	page, unread, err := p.cfg.Notifications.Inbox(r.Context(), s.actor, false, 100, "")
	if err != nil {
		return err
	}
	p.render(w, r, s, http.StatusOK, "notifications", "Inbox", inboxData{Items: page.Items, Unread: unread}, nil)
	return nil
}

// markRead marks one notification read and goes back to the inbox.
func (p *Portal) markRead(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Notifications == nil {
		return errUnavailable("notifications")
	}
	if _, err := p.cfg.Notifications.MarkRead(r.Context(), s.actor, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/portal/notifications", http.StatusSeeOther)
	return nil
}

type settingsData struct {
	Kinds    []kindSetting
	Language string // en or de, or auto: the portal follows the browser
	TimeZone string
}

type kindSetting struct {
	Kind  leadrouter.NotificationKind
	Label string
	Mode  leadrouter.DeliveryMode
}

// kindLabels name the kinds of notification on the settings page.
var kindLabels = map[leadrouter.NotificationKind]string{
	leadrouter.NotifyLeadAssigned: msg("A lead is assigned to your partner"), leadrouter.NotifyAnswerDue: msg("An answer is due soon"),
	leadrouter.NotifyLeadRerouted: msg("A lead moved on to someone else"), leadrouter.NotifyHandoffWaiting: msg("A hand-off waits for you"),
	leadrouter.NotifyRegistrationDecided: msg("A registration was decided"), leadrouter.NotifyRegistrationExpiring: msg("A registration expires soon"),
	leadrouter.NotifyReassignmentFiled: msg("A reassignment was requested"), leadrouter.NotifyReassignmentResolved: msg("A reassignment was resolved"),
	leadrouter.NotifyConflictOpened: msg("A channel conflict was opened"), leadrouter.NotifyConflictResolved: msg("A channel conflict was resolved"),
}

func (p *Portal) settingsPage(w http.ResponseWriter, r *http.Request, s *session, status int, prefs notify.Preferences, formErr error) error {
	data := settingsData{Language: prefs.Language}
	if s.lang == "" && r.Method == http.MethodGet {
		data.Language = "auto"
	}
	if prefs.TimeZone != nil {
		data.TimeZone = *prefs.TimeZone
	}
	for _, k := range leadrouter.NotificationKinds() {
		data.Kinds = append(data.Kinds, kindSetting{Kind: k, Label: kindLabels[k], Mode: prefs.Kinds[k]})
	}
	p.render(w, r, s, status, "settings", "Settings", data, formErr)
	return nil
}

// settings shows how the user is told of each kind of change.
func (p *Portal) settings(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Notifications == nil {
		return p.unavailable(w, r, s, "Settings", msg("Notifications"))
	}
	prefs, err := p.cfg.Notifications.Preferences(r.Context(), s.actor)
	if err != nil {
		return err
	}
	return p.settingsPage(w, r, s, http.StatusOK, prefs, nil)
}

// saveSettings stores the user's choices.
func (p *Portal) saveSettings(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Notifications == nil {
		return errUnavailable("notifications")
	}
	zone := r.PostFormValue("time_zone")
	in := notify.Preferences{Kinds: map[leadrouter.NotificationKind]leadrouter.DeliveryMode{}, Language: r.PostFormValue("language"), TimeZone: &zone}
	for _, k := range leadrouter.NotificationKinds() {
		if v := r.PostFormValue(string(k)); v != "" {
			in.Kinds[k] = leadrouter.DeliveryMode(v)
		}
	}
	if _, err := p.cfg.Notifications.SetPreferences(r.Context(), s.actor, in); err != nil {
		return p.settingsPage(w, r, s, statusOf(err), in, err)
	}
	http.Redirect(w, r, "/portal/settings?done=settings_saved", http.StatusSeeOther)
	return nil
}
