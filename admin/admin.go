// Package admin holds the use cases of running the channel program that
// the API and the portal share: partners, users and their tokens,
// accounts, and webhook subscriptions. Each runs in one transaction; the
// surfaces call one function per action and never open a transaction.
package admin

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Service runs the administrative use cases.
type Service struct {
	DB *store.DB
	// Egress decides which webhook targets may be subscribed (nil: none).
	Egress leadrouter.EgressPolicy
}

// read runs fn in a read-only transaction and returns what it returned.
func read[T any](ctx context.Context, db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// write runs fn in a transaction and returns what it returned.
func write[T any](ctx context.Context, db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// CreatePartner issues the partner's PID and stores it (admin).
func (s *Service) CreatePartner(ctx context.Context, actor leadrouter.Actor, in leadrouter.NewPartner) (leadrouter.Partner, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.Partner{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Partner, error) { return CreatePartner(ctx, tx, actor, in) })
}

// ValidateNewPartner checks a new partner's fields, the records they name
// included, and lists every offending field.
func (s *Service) ValidateNewPartner(ctx context.Context, in *leadrouter.NewPartner) error {
	return s.DB.View(ctx, func(tx *store.Tx) error { return ValidateNewPartner(ctx, tx, in) })
}

// ValidatePartnerUpdate checks a partner update's fields like
// ValidateNewPartner.
func (s *Service) ValidatePartnerUpdate(ctx context.Context, upd *leadrouter.PartnerUpdate) error {
	return s.DB.View(ctx, func(tx *store.Tx) error { return ValidatePartnerUpdate(ctx, tx, upd) })
}

// UpdatePartner changes a partner: an admin anything, a PAM only the
// status of its own partners (another's is not found).
func (s *Service) UpdatePartner(ctx context.Context, actor leadrouter.Actor, id string, upd leadrouter.PartnerUpdate) (leadrouter.Partner, error) {
	if err := actor.Require(leadrouter.RoleAdmin, leadrouter.RolePAM); err != nil {
		return leadrouter.Partner{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Partner, error) {
		if actor.Role == leadrouter.RolePAM {
			if err := ValidatePartnerUpdate(ctx, tx, &upd); err != nil {
				return leadrouter.Partner{}, err
			}
			if p, err := tx.Partner(ctx, actor, id); err != nil {
				return p, err
			}
			if upd.Name != nil || upd.Tier != nil || upd.PAMUserID != nil || upd.Countries != nil || upd.Weight != nil || upd.DailyCap != nil {
				return leadrouter.Partner{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "A PAM may only change a partner's status.")
			}
		}
		return UpdatePartner(ctx, tx, actor, id, upd)
	})
}

// Partner reads one partner as actor may see it (ENOTFOUND otherwise).
func (s *Service) Partner(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Partner, error) {
	return read(ctx, s.DB, func(tx *store.Tx) (leadrouter.Partner, error) { return tx.Partner(ctx, actor, id) })
}

// Partners lists the partners actor may see.
func (s *Service) Partners(ctx context.Context, actor leadrouter.Actor, limit int, cursor string) (store.Page[leadrouter.Partner], error) {
	return read(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.Partner], error) {
		return tx.Partners(ctx, actor, limit, cursor)
	})
}

// CreateUser stores a user and returns it with its first token (admin).
func (s *Service) CreateUser(ctx context.Context, actor leadrouter.Actor, in leadrouter.NewUser) (leadrouter.User, string, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.User{}, "", err
	}
	var token string
	u, err := write(ctx, s.DB, func(tx *store.Tx) (leadrouter.User, error) {
		u, t, err := CreateUser(ctx, tx, in)
		token = t
		return u, err
	})
	return u, token, err
}

// User reads one user as actor may see it.
func (s *Service) User(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.User, error) {
	return read(ctx, s.DB, func(tx *store.Tx) (leadrouter.User, error) { return tx.User(ctx, actor, id) })
}

// Users lists the users actor may see, of role if given.
func (s *Service) Users(ctx context.Context, actor leadrouter.Actor, role leadrouter.Role, limit int, cursor string) (store.Page[leadrouter.User], error) {
	return read(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.User], error) {
		return tx.Users(ctx, actor, role, limit, cursor)
	})
}

// Tokens lists a user's tokens, never their secrets (the user or an admin).
func (s *Service) Tokens(ctx context.Context, actor leadrouter.Actor, userID string) ([]leadrouter.Token, error) {
	if !mayManageTokens(actor, userID) {
		return nil, leadrouter.Errorf(leadrouter.ENOTFOUND, "User not found.")
	}
	return read(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.Token, error) {
		if _, err := tx.User(ctx, leadrouter.System, userID); err != nil {
			return nil, err
		}
		return tx.Tokens(ctx, userID)
	})
}

// IssueToken issues a token for a user and returns its secret, shown once.
func (s *Service) IssueToken(ctx context.Context, actor leadrouter.Actor, userID string) (leadrouter.Token, string, error) {
	var secret string
	t, err := write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Token, error) {
		t, sec, err := IssueToken(ctx, tx, actor, userID)
		secret = sec
		return t, err
	})
	return t, secret, err
}

// RevokeToken revokes a token and returns it with the hash under which it
// is cached.
func (s *Service) RevokeToken(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Token, string, error) {
	var hash string
	t, err := write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Token, error) {
		t, h, err := RevokeToken(ctx, tx, actor, id)
		hash = h
		return t, err
	})
	return t, hash, err
}

// CreateAccount stores an account or division (admin).
func (s *Service) CreateAccount(ctx context.Context, actor leadrouter.Actor, in leadrouter.NewAccount) (leadrouter.Account, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.Account{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Account, error) { return CreateAccount(ctx, tx, actor, in) })
}

// Account reads one account as actor may see it.
func (s *Service) Account(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Account, error) {
	return read(ctx, s.DB, func(tx *store.Tx) (leadrouter.Account, error) { return tx.Account(ctx, actor, id) })
}

// Accounts lists the accounts actor may see.
func (s *Service) Accounts(ctx context.Context, actor leadrouter.Actor, limit int, cursor string) (store.Page[leadrouter.Account], error) {
	return read(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.Account], error) {
		return tx.Accounts(ctx, actor, limit, cursor)
	})
}

// AccountTimeline is an account's timeline, if actor may see the account.
func (s *Service) AccountTimeline(ctx context.Context, actor leadrouter.Actor, id string) ([]leadrouter.Event, error) {
	return read(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.Event, error) {
		if _, err := tx.Account(ctx, actor, id); err != nil {
			return nil, err
		}
		return tx.Timeline(ctx, id)
	})
}

// CreateWebhook subscribes a URL to events (admin).
func (s *Service) CreateWebhook(ctx context.Context, actor leadrouter.Actor, rawURL string, events []string) (leadrouter.Webhook, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.Webhook{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Webhook, error) {
		return CreateWebhook(ctx, tx, s.Egress, rawURL, events)
	})
}

// Webhooks lists the subscriptions (admin).
func (s *Service) Webhooks(ctx context.Context, actor leadrouter.Actor) ([]leadrouter.Webhook, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return nil, err
	}
	return read(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.Webhook, error) { return tx.Webhooks(ctx) })
}

// SetWebhookActive pauses or resumes a subscription (admin).
func (s *Service) SetWebhookActive(ctx context.Context, actor leadrouter.Actor, id string, active bool) (leadrouter.Webhook, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.Webhook{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Webhook, error) { return tx.SetWebhookActive(ctx, id, active) })
}

// DeleteWebhook deletes a subscription and drops its pending deliveries
// (admin).
func (s *Service) DeleteWebhook(ctx context.Context, actor leadrouter.Actor, id string) error {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error { return tx.DeleteWebhook(ctx, id) })
}

// CreateForm stores a public form (admin).
func (s *Service) CreateForm(ctx context.Context, actor leadrouter.Actor, f leadrouter.Form) (leadrouter.Form, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return leadrouter.Form{}, err
	}
	return write(ctx, s.DB, func(tx *store.Tx) (leadrouter.Form, error) { return CreateForm(ctx, tx, f) })
}

// Forms lists the public forms (staff).
func (s *Service) Forms(ctx context.Context, actor leadrouter.Actor) ([]leadrouter.Form, error) {
	if !actor.IsStaff() {
		return nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only staff may list forms.")
	}
	return read(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.Form, error) { return tx.Forms(ctx) })
}
