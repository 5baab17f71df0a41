package tracking

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// PartnerInfo is what the redirect needs to know about a partner.
type PartnerInfo struct {
	ID     string // the partner's ID
	PID    string // its PID, in any case
	Active bool   // false for a suspended partner, whose links record nothing
}

// PartnerSource lists the partners whose PIDs the redirect honours; the
// store implements it.
type PartnerSource interface {
	// ActivePartners returns the active partners; inactive ones it may
	// include are ignored.
	ActivePartners(ctx context.Context) ([]PartnerInfo, error)
}

// Directory answers PID lookups from an in-memory snapshot of the active
// partners, swapped atomically on every refresh, so that the redirect never
// queries the database.
type Directory struct {
	source   PartnerSource
	every    time.Duration
	logger   *slog.Logger
	snapshot atomic.Pointer[map[string]string] // upper-case PID -> partner ID
	refresh  sync.Mutex                        // one refresh at a time
}

// DefaultRefreshEvery is how often a Directory reloads when NewDirectory is
// given no interval: often enough that several server processes agree
// within seconds of a partner being suspended.
const DefaultRefreshEvery = 5 * time.Second

// NewDirectory returns an empty Directory over src that Run refreshes every
// interval (DefaultRefreshEvery if not positive). Call Refresh once before
// serving, and again after every partner change.
func NewDirectory(src PartnerSource, every time.Duration, logger *slog.Logger) *Directory {
	if every <= 0 {
		every = DefaultRefreshEvery
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Directory{source: src, every: every, logger: logger}
	empty := map[string]string{}
	d.snapshot.Store(&empty)
	return d
}

// Refresh reloads the active partners and swaps the snapshot. On error the
// previous snapshot stays in use.
func (d *Directory) Refresh(ctx context.Context) error {
	d.refresh.Lock()
	defer d.refresh.Unlock()
	partners, err := d.source.ActivePartners(ctx)
	if err != nil {
		return fmt.Errorf("tracking: loading active partners: %w", err)
	}
	next := make(map[string]string, len(partners))
	for _, p := range partners {
		var pid pidBuf
		if !p.Active || !pid.parse(p.PID) {
			continue
		}
		next[string(pid.bytes())] = p.ID
	}
	d.snapshot.Store(&next)
	return nil
}

// Run refreshes the snapshot at once and then every interval until ctx is
// done, logging failures and keeping the last good snapshot.
func (d *Directory) Run(ctx context.Context) {
	ticker := time.NewTicker(d.every)
	defer ticker.Stop()
	for {
		if err := d.Refresh(ctx); err != nil && ctx.Err() == nil {
			d.logger.ErrorContext(ctx, "refreshing the partner directory", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Lookup returns the ID of the active partner with the given PID (in any
// case); ok is false for a malformed, unknown or suspended PID.
func (d *Directory) Lookup(pid string) (partnerID string, ok bool) {
	var p pidBuf
	if !p.parse(pid) {
		return "", false
	}
	return d.lookup(p.bytes())
}

// lookup is Lookup for an upper-case PID; it does not allocate.
func (d *Directory) lookup(upperPID []byte) (partnerID string, ok bool) {
	partnerID, ok = (*d.snapshot.Load())[string(upperPID)]
	return partnerID, ok
}

// Len returns how many active partners the snapshot holds.
func (d *Directory) Len() int { return len(*d.snapshot.Load()) }
