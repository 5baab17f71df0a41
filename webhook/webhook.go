// Package webhook delivers the outbox: notifications written in the same
// transaction as the change they announce, sent signed (HMAC-SHA256) and
// retried with exponential back-off until the receiver answers 2xx.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/leadrouter/leadrouter/store"
)

// Sign returns the signature header value of body under secret:
// "t=<unix>,v1=<hex hmac of "<unix>.<body>">", so receivers can reject
// replays older than they accept.
func Sign(secret string, body []byte, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body and secret.
func Verify(secret string, body []byte, header string, maxAge time.Duration, now time.Time) bool {
	var ts int64
	var sig string
	if _, err := fmt.Sscanf(header, "t=%d,v1=%s", &ts, &sig); err != nil {
		return false
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > maxAge || at.Sub(now) > maxAge {
		return false
	}
	want := Sign(secret, body, at)
	return hmac.Equal([]byte(want), []byte(header))
}

// Deliverer sends due outbox rows.
type Deliverer struct {
	DB     *store.DB
	Client *http.Client
	Logger *slog.Logger
	Every  time.Duration
	Now    func() time.Time
}

// Backoff is the wait before attempt n+1: 5s doubling, at most an hour.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 0; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	every := d.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
				d.Logger.Warn("webhook delivery", "err", err)
			}
		}
	}
}

// DeliverDue sends what is due now and returns how many were delivered.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	due, err := d.DB.ClaimDeliveries(ctx, 50, 2*time.Minute)
	if err != nil {
		return 0, err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	delivered := 0
	for _, item := range due {
		err := send(ctx, client, item, now())
		if ferr := d.DB.FinishDelivery(ctx, item.ID, err, Backoff(item.Attempts)); ferr != nil {
			return delivered, ferr
		}
		if err == nil {
			delivered++
		} else {
			d.Logger.Info("webhook delivery failed; will retry", "id", item.ID, "event", item.Event, "attempt", item.Attempts+1, "err", err)
		}
	}
	return delivered, nil
}

func send(ctx context.Context, client *http.Client, item store.Delivery, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, item.URL, bytes.NewReader(item.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leadrouter-webhooks/1")
	req.Header.Set("X-Leadrouter-Event", item.Event)
	req.Header.Set("X-Leadrouter-Delivery", strconv.FormatInt(item.ID, 10))
	req.Header.Set("X-Leadrouter-Signature", Sign(item.Secret, item.Payload, now))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}
