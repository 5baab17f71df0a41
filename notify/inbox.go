package notify

import (
	"context"
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Item is a notification as its recipient's inbox shows it.
type Item struct {
	leadrouter.Notification
	Title string `json:"title"`
	Link  string `json:"link"`
}

// Inbox is a page of actor's own notifications (unread ones only with
// unread), each with its title in the reader's language.
func (n *Notifier) Inbox(ctx context.Context, actor leadrouter.Actor, unread bool, limit int, cursor string) (store.Page[Item], int, error) {
	var out store.Page[Item]
	var count int
	if actor.UserID == "" {
		return out, 0, leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "Sign in to read notifications.")
	}
	err := n.DB.View(ctx, func(tx *store.Tx) error {
		page, err := tx.Notifications(ctx, actor.UserID, unread, limit, cursor)
		if err != nil {
			return err
		}
		if count, err = tx.UnreadNotifications(ctx, actor.UserID); err != nil {
			return err
		}
		to, err := recipient(ctx, tx, actor)
		if err != nil {
			return err
		}
		out = store.Page[Item]{Items: make([]Item, 0, len(page.Items)), NextCursor: page.NextCursor}
		for _, no := range page.Items {
			d, _ := n.compose(ctx, tx, no, to)
			out.Items = append(out.Items, Item{Notification: no, Title: n.title(ctx, tx, no, to), Link: d.Link})
		}
		return nil
	})
	return out, count, err
}

func recipient(ctx context.Context, tx *store.Tx, actor leadrouter.Actor) (store.Recipient, error) {
	rs, err := tx.Recipients(ctx, leadrouter.NotifyDigest, "", "", actor.UserID)
	if err != nil || len(rs) == 0 {
		return store.Recipient{UserID: actor.UserID, Role: actor.Role, PartnerID: actor.PartnerID, Lang: "en"}, err
	}
	return rs[0], nil
}

// MarkRead marks one of actor's notifications read (another user's: 404).
func (n *Notifier) MarkRead(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Notification, error) {
	var no leadrouter.Notification
	err := n.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		no, err = tx.MarkNotificationRead(ctx, actor.UserID, id)
		return err
	})
	return no, err
}

// Preferences is a user's choice per kind (every kind listed, defaults
// filled in) and language.
type Preferences struct {
	Kinds    map[leadrouter.NotificationKind]leadrouter.DeliveryMode `json:"kinds"`
	Language string                                                  `json:"language"`
	// TimeZone is the IANA zone the user reads dates in ("" for the
	// partner's zone, or UTC); nil on input leaves it as it is.
	TimeZone *string `json:"time_zone"`
}

// Preferences reads actor's own preferences.
func (n *Notifier) Preferences(ctx context.Context, actor leadrouter.Actor) (Preferences, error) {
	var p Preferences
	err := n.DB.View(ctx, func(tx *store.Tx) error {
		modes, lang, err := tx.NotificationPrefs(ctx, actor.UserID)
		if err != nil {
			return err
		}
		_, zone, err := tx.UserSettings(ctx, actor.UserID)
		if err != nil {
			return err
		}
		p = Preferences{Kinds: map[leadrouter.NotificationKind]leadrouter.DeliveryMode{}, Language: lang, TimeZone: &zone}
		for _, k := range leadrouter.NotificationKinds() {
			p.Kinds[k] = leadrouter.DefaultDelivery(k)
			if m, ok := modes[k]; ok {
				p.Kinds[k] = m
			}
		}
		return nil
	})
	return p, err
}

// SetPreferences changes actor's own preferences: the kinds given (each
// now, digest or off) and, if given, the language (en or de). Every bad
// entry is reported at once.
func (n *Notifier) SetPreferences(ctx context.Context, actor leadrouter.Actor, in Preferences) (Preferences, error) {
	var v leadrouter.Validation
	for k, m := range in.Kinds {
		if !k.Valid() {
			v.Add("kinds."+string(k), "is not a kind of notification")
		} else if !m.Valid() {
			v.Add("kinds."+string(k), "must be now, digest or off")
		}
	}
	if in.Language != "" && in.Language != "auto" && !slices.Contains(leadrouter.Languages(), in.Language) {
		v.Add("language", "must be en, de or auto (the portal follows the browser's language)")
	}
	if in.TimeZone != nil && *in.TimeZone != "" {
		if _, err := leadrouter.ParseTimeZone(*in.TimeZone); err != nil {
			v.Add("time_zone", "%s", leadrouter.ErrorMessage(err))
		}
	}
	if err := v.Err(); err != nil {
		return Preferences{}, err
	}
	if err := n.DB.Update(ctx, func(tx *store.Tx) error {
		if in.TimeZone != nil {
			if err := tx.SetUserTimeZone(ctx, actor.UserID, strings.TrimSpace(*in.TimeZone)); err != nil {
				return err
			}
		}
		return tx.SetNotificationPrefs(ctx, actor.UserID, in.Kinds, in.Language)
	}); err != nil {
		return Preferences{}, err
	}
	return n.Preferences(ctx, actor)
}
