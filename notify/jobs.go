package notify

import (
	"context"
	"encoding/json"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/job"
	"github.com/leadrouter/leadrouter/store"
)

const (
	sendBatch   = 50
	sendLease   = 2 * time.Minute
	maxAttempts = 12
)

// backoff is the wait before try attempts+1: 30s doubling up to an hour.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts, 7)
	return min(d, time.Hour)
}

// SendDue sends the e-mail of every notification due for it and returns
// how many went out. Each is claimed under a lease (another process skips
// it), sent with the notification's id as its Message-ID, and marked sent
// afterwards: a crash in between sends it once more with the same
// Message-ID, and nothing is lost.
func (n *Notifier) SendDue(ctx context.Context) (int, error) {
	if n.Mailer == nil {
		return 0, nil
	}
	sent := 0
	for {
		batch, err := n.DB.ClaimOutgoing(ctx, sendBatch, sendLease)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		for _, o := range batch {
			var msg Message
			err := n.DB.View(ctx, func(tx *store.Tx) error {
				d, err := n.compose(ctx, tx, o.Notification, o.To)
				if err != nil {
					return err
				}
				msg = Message{ID: o.ID, To: o.To.Email, ToName: o.To.Name, Lang: o.To.Lang}
				msg.Subject, msg.Text, msg.HTML, err = Render(o.Kind, o.To.Lang, d)
				return err
			})
			if err == nil {
				err = n.Mailer.Send(ctx, msg)
			}
			if ctx.Err() != nil {
				return sent, ctx.Err() // the lease runs out; another run sends it
			}
			permanent := err != nil && (IsPermanent(err) || o.Attempts+1 >= maxAttempts)
			if err != nil && n.Logger != nil {
				n.Logger.Warn("send notification", "id", o.ID, "attempt", o.Attempts+1, "permanent", permanent, "err", err)
			}
			if ferr := n.DB.FinishOutgoing(ctx, o, err, permanent, backoff(o.Attempts)); ferr != nil {
				return sent, ferr
			}
			if err == nil {
				sent++
			}
		}
		if len(batch) < sendBatch {
			return sent, nil
		}
	}
}

// nextDigest is the next digest time after now: DigestHour UTC of the next
// day it has not passed.
func (n *Notifier) nextDigest(now time.Time) time.Time {
	hour := n.DigestHour
	if hour <= 0 || hour > 23 {
		hour = 7
	}
	t := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC)
	if !t.After(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// Digests gathers the notifications waiting for each user's daily digest
// into one message, for the users whose digest time has come.
func (n *Notifier) Digests(ctx context.Context) (int, error) {
	return n.DB.ClaimDigests(ctx, sendBatch, n.nextDigest, func(userID string, items []leadrouter.Notification) leadrouter.Notification {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		raw, _ := json.Marshal(data{Items: ids})
		return leadrouter.Notification{ID: leadrouter.NewID("ntf"), Data: raw}
	})
}

// WarnExpiring tells partners of their approved registrations expiring in
// 14 and in 3 days, once each.
func (n *Notifier) WarnExpiring(ctx context.Context) (int, error) {
	total := 0
	for _, w := range []struct{ days, level int }{{14, 1}, {3, 2}} {
		err := n.DB.Update(ctx, func(tx *store.Tx) error {
			regs, err := tx.ClaimExpiringRegistrations(ctx, tx.Now().AddDate(0, 0, w.days), w.level, 200)
			if err != nil {
				return err
			}
			for _, reg := range regs {
				days := 1
				if reg.ExpiresAt != nil {
					days = max(1, int(reg.ExpiresAt.Sub(tx.Now()).Hours()/24+0.5))
				}
				ev := leadrouter.Event{Subject: reg.ID, Actor: leadrouter.System.Label()}
				if err := n.toPartner(ctx, tx, ev, leadrouter.NotifyRegistrationExpiring, reg.PartnerID,
					data{RegistrationID: reg.ID, PartnerID: reg.PartnerID, DaysLeft: days}); err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Run runs the jobs every n.Every until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	job.Every(ctx, n.Every, n.Logger, job.Job{Name: "warn of expiring registrations", Run: n.WarnExpiring},
		job.Job{Name: "gather digests", Run: n.Digests}, job.Job{Name: "send notifications", Run: n.SendDue})
}
