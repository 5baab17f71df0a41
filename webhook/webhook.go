// Package webhook delivers the events subscribers asked for: each
// subscription reads the events table behind a cursor of its own (see
// store.DB.ClaimDeliveries), so what a change announces is written in the
// change's transaction and nothing more; events are sent signed
// (HMAC-SHA256) and numbered, in order per subscription, retried with
// exponential back-off until the receiver answers 2xx. Requests reach only the addresses the
// deliverer's egress policy allows (Deliverer.Egress), checked on the
// resolved address at connect time, and follow no redirect.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadrouter/leadrouter/egress"
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

// Deliverer sends the events. Each subscription is a queue delivered in
// order: its next event is sent once the one before was delivered, and a
// failed event is retried (after Backoff) before anything queued behind it.
// Subscriptions are independent: up to Concurrency of them are delivered
// at once, each request bounded by Timeout, so a slow or dead receiver
// holds up only its own queue. Several server processes may run a
// Deliverer on one database: a subscription is leased to one of them at a
// time (see store.DB.ClaimDeliveries). Delivery is at least once: a crash
// or a lost lease between a send and its record sends the event again,
// under the same sequence number.
type Deliverer struct {
	DB *store.DB
	// Client sends the requests (default: the client of Egress, which refuses special-purpose addresses at connect time and
	// follows no redirect; Timeout applies either way).
	Client *http.Client
	// Egress is which addresses requests may reach (the zero policy: no
	// loopback, private, link-local or other special-purpose address).
	Egress egress.Policy
	Logger *slog.Logger
	// Every is how often an idle deliverer looks for due events (default
	// 1s); while there is work it claims again as soon as it has room.
	Every time.Duration
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// Concurrency is how many subscriptions are delivered at once
	// (default 16).
	Concurrency int
	// Batch is how many events of one subscription are sent in a row
	// before it yields its place to the others (default 100).
	Batch int
	// Lease is how long a claimed subscription stays with this deliverer
	// without news from it (default 8s): the holder renews it every
	// quarter of it while it works, and a crashed process's subscriptions
	// move on once it runs out. A holder that could not renew for three
	// quarters of it stops sending, so two holders never overlap.
	Lease time.Duration
	// Now is the time signatures carry (default time.Now).
	Now func() time.Time

	rounds, sent, failed atomic.Int64
}

// Stats counts what a Deliverer did.
type Stats struct {
	// Rounds counts claims for due subscriptions.
	Rounds int64
	// Sent and Failed count requests answered 2xx and the others.
	Sent, Failed int64
}

// Stats returns the counts so far.
func (d *Deliverer) Stats() Stats {
	return Stats{Rounds: d.rounds.Load(), Sent: d.sent.Load(), Failed: d.failed.Load()}
}

// DefaultLease is a Deliverer's default Lease.
const DefaultLease = 8 * time.Second

// Backoff is the wait before attempt n+1: 5s doubling, at most an hour.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 0; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// settings are a Deliverer's fields with their defaults applied.
type settings struct {
	every, timeout, lease time.Duration
	concurrency, batch    int
	client                *http.Client
	now                   func() time.Time
	logger                *slog.Logger
}

func (d *Deliverer) settings() settings {
	s := settings{every: d.Every, timeout: d.Timeout, lease: d.Lease, concurrency: d.Concurrency, batch: d.Batch, client: d.Client, now: d.Now, logger: d.Logger}
	if s.every <= 0 {
		s.every = time.Second
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.concurrency <= 0 {
		s.concurrency = 16
	}
	if s.batch <= 0 {
		s.batch = 100
	}
	if s.client == nil {
		s.client = d.Egress.Client(s.timeout)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	return s
}

// Run delivers until ctx ends, then waits for the requests in flight to be
// abandoned and their subscriptions released, so it returns promptly and
// before the database may be closed.
func (d *Deliverer) Run(ctx context.Context) {
	s := d.settings()
	var workers sync.WaitGroup
	defer workers.Wait()
	// done receives one value per finished subscription: whether it
	// stopped with events left (its Batch ran out). inFlight values at
	// most, so a worker never waits to report.
	done := make(chan bool, s.concurrency)
	inFlight := 0
	ticker := time.NewTicker(s.every)
	defer ticker.Stop()
	claim := true
	for {
		if free := s.concurrency - inFlight; claim && free > 0 && ctx.Err() == nil {
			heads, err := d.claim(ctx, s, free)
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("webhook delivery: claim", "err", err)
			}
			for _, head := range heads {
				inFlight++
				workers.Add(1)
				go func() {
					defer workers.Done()
					_, more := d.deliverQueue(ctx, s, head)
					done <- more
				}()
			}
			// A claim that filled every free place may have left due
			// subscriptions behind: claim again as soon as a place frees.
			// Otherwise nothing else is due until new events arrive:
			// look again at the next tick.
			claim = len(heads) == free
		}
		select {
		case <-ctx.Done():
			return
		case more := <-done:
			inFlight--
			claim = claim || more
		case <-ticker.C:
			claim = true
		}
	}
}

// DeliverDue runs one round and waits for it: it claims up to Concurrency
// due subscriptions, sends each one's due events in order (up to Batch),
// and returns how many were delivered.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	s := d.settings()
	heads, err := d.claim(ctx, s, s.concurrency)
	if err != nil {
		return 0, err
	}
	var workers sync.WaitGroup
	var delivered atomic.Int64
	for _, head := range heads {
		workers.Go(func() {
			n, _ := d.deliverQueue(ctx, s, head)
			delivered.Add(int64(n))
		})
	}
	workers.Wait()
	return int(delivered.Load()), nil
}

func (d *Deliverer) claim(ctx context.Context, s settings, limit int) ([]store.Delivery, error) {
	d.rounds.Add(1)
	return d.DB.ClaimDeliveries(ctx, limit, s.lease)
}

// deliverQueue sends head and then the events queued behind it in the same
// subscription, one at a time, until one fails, the queue is empty, Batch
// were sent, or ctx ends. It returns how many were delivered and whether
// it stopped because of Batch (events may be left).
func (d *Deliverer) deliverQueue(parent context.Context, s settings, head store.Delivery) (delivered int, more bool) {
	// The lease is renewed while the queue is worked on; once it is lost
	// (or cannot be renewed in time) ctx ends and sending stops.
	ctx, cancel := context.WithCancel(parent)
	var heartbeat sync.WaitGroup
	heartbeat.Go(func() { d.heartbeat(ctx, cancel, s, head) })
	defer heartbeat.Wait()
	defer cancel()
	item := head
	for sent := 1; ; sent++ {
		err := d.send(ctx, s, item)
		// The outcome is recorded even when ctx has just ended, so that
		// a delivered event is not sent again.
		recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err != nil && ctx.Err() != nil {
			// Shutting down, not the receiver's fault: hand the event
			// back without counting an attempt.
			if rerr := d.DB.ReleaseDelivery(recordCtx, item); rerr != nil {
				s.logger.Warn("webhook delivery: release", "webhook", item.WebhookID, "err", rerr)
			}
			cancel()
			return delivered, false
		}
		next := s.lease
		if sent >= s.batch || ctx.Err() != nil {
			next = 0
		}
		following, ok, ferr := d.DB.FinishDelivery(recordCtx, item, err, Backoff(item.Attempts), next)
		cancel()
		if err == nil {
			d.sent.Add(1)
			delivered++
		} else {
			d.failed.Add(1)
			s.logger.Info("webhook delivery failed; will retry", "id", item.ID, "webhook", item.WebhookID, "sequence", item.Sequence,
				"event", item.Event, "attempt", item.Attempts+1, "retry_in", Backoff(item.Attempts), "err", err)
		}
		if ferr != nil {
			// The lease runs out and the event is sent again.
			s.logger.Warn("webhook delivery: record outcome", "id", item.ID, "webhook", item.WebhookID, "err", ferr)
			return delivered, false
		}
		if !ok {
			return delivered, err == nil && next == 0 && ctx.Err() == nil
		}
		item = following
	}
}

// heartbeat renews head's lease (which covers the queue's later heads
// too) every quarter of it until ctx ends. When the lease is lost, or has
// not been renewed for three quarters of it, it calls stop.
func (d *Deliverer) heartbeat(ctx context.Context, stop context.CancelFunc, s settings, head store.Delivery) {
	every := s.lease / 4
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	renewed := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		rctx, cancel := context.WithTimeout(ctx, every)
		held, err := d.DB.RenewLease(rctx, head, s.lease)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && held:
			renewed = time.Now()
		case err == nil:
			s.logger.Warn("webhook delivery: lease lost; stopping", "webhook", head.WebhookID)
			stop()
			return
		default:
			s.logger.Warn("webhook delivery: renew lease", "webhook", head.WebhookID, "err", err)
			if time.Since(renewed) >= s.lease-every {
				stop()
				return
			}
		}
	}
}

// send POSTs item's body, with its sequence number added, signed.
func (d *Deliverer) send(ctx context.Context, s settings, item store.Delivery) error {
	body, err := Body(item)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, item.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leadrouter-webhooks/1")
	req.Header.Set("X-Leadrouter-Event", item.Event)
	req.Header.Set("X-Leadrouter-Delivery", strconv.FormatInt(item.ID, 10))
	req.Header.Set("X-Leadrouter-Sequence", strconv.FormatInt(item.Sequence, 10))
	req.Header.Set("X-Leadrouter-Signature", Sign(item.Secret, body, s.now()))
	resp, err := s.client.Do(req)
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

// Body is the JSON document POSTed for item: its payload (event, subject,
// at, actor, data) with its "sequence" number.
func Body(item store.Delivery) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item.Payload, &fields); err != nil {
		return nil, fmt.Errorf("delivery %d: payload: %w", item.ID, err)
	}
	fields["sequence"] = json.RawMessage(strconv.FormatInt(item.Sequence, 10))
	return json.Marshal(fields)
}
