package registration

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// lockFor reads a registration, locks its prospect's keys (before any other
// lock, as Register does) and reads it again locked.
func lockFor(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, id string) (leadrouter.Registration, error) {
	reg, err := tx.Registration(ctx, actor, id)
	if err != nil {
		return reg, err
	}
	if err := tx.LockRegistrationKeys(ctx, prospectOf(reg).lockKeys()); err != nil {
		return reg, err
	}
	return tx.RegistrationForUpdate(ctx, actor, id)
}

// Approve decides a pending (yellow) registration in the partner's favour,
// with the same effect and expiry as a green one, or grants a requested
// extension (the expiry moves by one period). Partner Relations or an admin
// only, with a reason. The search runs again first: when the prospect is
// now red (another partner holds it, or anyone but the partner works an
// open opportunity there), approval is refused with ECONFLICT.
func (s *Service) Approve(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
	if err := actor.Require(leadrouter.RoleRelations, leadrouter.RoleAdmin); err != nil {
		return leadrouter.Registration{}, err
	}
	reason, err := requireReason(reason)
	if err != nil {
		return leadrouter.Registration{}, err
	}
	var reg leadrouter.Registration
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if reg, err = lockFor(ctx, tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		switch {
		case reg.Status == leadrouter.RegistrationPending:
			a, err := search(ctx, tx, prospectOf(reg), reg.PartnerID, reg.ID)
			if err != nil {
				return err
			}
			if a.Flag == leadrouter.FlagRed {
				var kinds []string
				for _, r := range a.Reasons {
					kinds = append(kinds, r.Kind)
				}
				return leadrouter.Errorf(leadrouter.ECONFLICT, "The prospect is now taken (%s); reject this registration instead.", strings.Join(kinds, ", "))
			}
			if a.Duplicate != "" {
				return leadrouter.Errorf(leadrouter.ECONFLICT, "The partner already holds a live registration for this prospect (%s).", a.Duplicate)
			}
			reg.Conflicts = a.Conflicts
			accountEvent, err := s.grant(ctx, tx, actor, &reg, a)
			if err != nil {
				return err
			}
			if err := namePartners(ctx, tx, reg.Conflicts); err != nil {
				return err
			}
			reg.Decided(actor.Label(), now, reason)
			reg.Reasons = restate(reg.Reasons, reg.Flag, reg.Status)
			if err := tx.UpdateRegistration(ctx, &reg); err != nil {
				return err
			}
			return s.record(ctx, tx, actor, reg, DecisionApproved, reason, a.AccountIDs, a.LeadIDs, accountEvent)
		case reg.Status == leadrouter.RegistrationApproved && reg.ExtensionRequested:
			if reg.EffectiveStatus(now) != leadrouter.RegistrationApproved {
				return leadrouter.Errorf(leadrouter.ECONFLICT, "The registration expired before its extension was decided.")
			}
			expires := reg.ExpiresAt.AddDate(0, 0, s.period())
			reg.ExpiresAt, reg.ExtensionRequested, reg.Extended = &expires, false, true
			reg.Decided(actor.Label(), now, reason)
			if err := tx.UpdateRegistration(ctx, &reg); err != nil {
				return err
			}
			return s.record(ctx, tx, actor, reg, DecisionExtensionApproved, reason, nil, nil, nil)
		}
		return leadrouter.Errorf(leadrouter.ECONFLICT, "Only a pending registration or an extension request can be approved; this registration is %s.", reg.EffectiveStatus(now))
	})
	return reg, err
}

// Reject decides a pending registration against the partner, or refuses a
// requested extension (the registration keeps its expiry). Partner
// Relations or an admin only, with a reason.
func (s *Service) Reject(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
	if err := actor.Require(leadrouter.RoleRelations, leadrouter.RoleAdmin); err != nil {
		return leadrouter.Registration{}, err
	}
	reason, err := requireReason(reason)
	if err != nil {
		return leadrouter.Registration{}, err
	}
	var reg leadrouter.Registration
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if reg, err = lockFor(ctx, tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		switch {
		case reg.Status == leadrouter.RegistrationPending:
			reg.Status = leadrouter.RegistrationRejected
			reg.Decided(actor.Label(), now, reason)
			reg.Reasons = restate(reg.Reasons, reg.Flag, reg.Status)
			if err := tx.UpdateRegistration(ctx, &reg); err != nil {
				return err
			}
			accounts, leads := matchedSubjects(reg)
			return s.record(ctx, tx, actor, reg, DecisionRejected, reason, accounts, leads, nil)
		case reg.Status == leadrouter.RegistrationApproved && reg.ExtensionRequested:
			reg.ExtensionRequested = false
			reg.Decided(actor.Label(), now, reason)
			if err := tx.UpdateRegistration(ctx, &reg); err != nil {
				return err
			}
			return s.record(ctx, tx, actor, reg, DecisionExtensionRejected, reason, nil, nil, nil)
		}
		return leadrouter.Errorf(leadrouter.ECONFLICT, "Only a pending registration or an extension request can be rejected; this registration is %s.", reg.EffectiveStatus(now))
	})
	return reg, err
}

// RequestExtension asks Partner Relations to extend an approved, unexpired
// registration by one period. A partner may ask once per registration.
func (s *Service) RequestExtension(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error) {
	if err := actor.Require(leadrouter.RolePartner); err != nil {
		return leadrouter.Registration{}, err
	}
	reason, err := requireReason(reason)
	if err != nil {
		return leadrouter.Registration{}, err
	}
	var reg leadrouter.Registration
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if reg, err = tx.RegistrationForUpdate(ctx, actor, id); err != nil {
			return err
		}
		if err := reg.MayRequestExtension(tx.Now()); err != nil {
			return err
		}
		asked, err := HasDecision(ctx, tx, reg.ID, DecisionExtensionAsked)
		if err != nil {
			return err
		}
		if asked {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "An extension of this registration was asked for already; a registration may be extended once.")
		}
		reg.ExtensionRequested = true
		if err := tx.UpdateRegistration(ctx, &reg); err != nil {
			return err
		}
		_, err = tx.AppendEvent(ctx, reg.ID, leadrouter.EventRegistration, actor, map[string]any{
			"decision": DecisionExtensionAsked, "flag": reg.Flag, "status": reg.Status, "partner_id": reg.PartnerID, "reason": reason})
		return err
	})
	return reg, err
}

// ExpireDue marks every approved registration whose expiry has passed as
// expired, releasing the account ownership it gave its partner (unless
// another live registration of that partner holds the account), and records
// it on the timelines. It returns how many it expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	const batch = 100
	total := 0
	for {
		n := 0
		err := s.DB.Update(ctx, func(tx *store.Tx) error {
			due, err := tx.DueRegistrations(ctx, batch)
			if err != nil {
				return err
			}
			n = len(due)
			for i := range due {
				if err := s.expire(ctx, tx, &due[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

func (s *Service) expire(ctx context.Context, tx *store.Tx, reg *leadrouter.Registration) error {
	action := reg.AccountAction()
	reg.Status, reg.ExtensionRequested = leadrouter.RegistrationExpired, false
	reg.Reasons = restate(reg.Reasons, reg.Flag, reg.Status)
	if err := tx.UpdateRegistration(ctx, reg); err != nil {
		return err
	}
	var accountEvent map[string]any
	if reg.AccountID != "" && (action == leadrouter.EffectClaimed || action == leadrouter.EffectCreated) {
		acc, err := tx.ProspectAccount(ctx, reg.AccountID)
		if err != nil {
			return err
		}
		if acc.OwnerPartnerID == reg.PartnerID {
			others, err := tx.RegistrationsOfAccount(ctx, reg.PartnerID, reg.AccountID)
			if err != nil {
				return err
			}
			held := false
			for _, o := range others {
				if o.ID != reg.ID && o.EffectiveStatus(tx.Now()) == leadrouter.RegistrationApproved {
					held = true
				}
			}
			if !held {
				if err := tx.SetAccountOwner(ctx, reg.AccountID, reg.PartnerID, ""); err != nil {
					return err
				}
				accountEvent = map[string]any{"account_id": reg.AccountID, "account_released": true}
			}
		}
	}
	accounts := []string{}
	if accountEvent != nil {
		accounts = append(accounts, reg.AccountID)
	}
	return s.recordExpiry(ctx, tx, *reg, accounts, accountEvent)
}

func (s *Service) recordExpiry(ctx context.Context, tx *store.Tx, reg leadrouter.Registration, accountIDs []string, accountEvent map[string]any) error {
	saved := reg.AccountID
	if accountEvent == nil {
		// Only an account whose ownership lapsed hears of the expiry.
		reg.AccountID = ""
	}
	err := s.record(ctx, tx, leadrouter.System, reg, DecisionExpired, "", accountIDs, nil, accountEvent)
	reg.AccountID = saved
	return err
}

// Run marks lapsed registrations expired every ExpireEvery until ctx ends.
// Checks treat lapsed registrations as absent before Run gets to them.
func (s *Service) Run(ctx context.Context) {
	every := s.ExpireEvery
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			if s.Logger != nil {
				s.Logger.Warn("expire registrations", "err", err)
			}
		} else if n > 0 && s.Logger != nil {
			s.Logger.Info("registrations expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Timeline reads a subject's timeline, oldest first (*store.Tx is one).
type Timeline interface {
	Timeline(ctx context.Context, subject string) ([]leadrouter.Event, error)
}

// HasDecision reports whether registration id's timeline holds an event
// whose data has "decision" equal to decision (say, that an extension was
// asked for once already).
func HasDecision(ctx context.Context, tl Timeline, id, decision string) (bool, error) {
	events, err := tl.Timeline(ctx, id)
	if err != nil {
		return false, err
	}
	_, ok := LatestDecision(events, decision)
	return ok, nil
}

// LatestDecision finds the latest event of a registration's timeline whose
// data has "decision" equal to decision and returns its reason.
func LatestDecision(events []leadrouter.Event, decision string) (reason string, ok bool) {
	for _, e := range events {
		var data struct {
			Decision string `json:"decision"`
			Reason   string `json:"reason"`
		}
		if json.Unmarshal(e.Data, &data) == nil && data.Decision == decision {
			reason, ok = data.Reason, true
		}
	}
	return reason, ok
}
