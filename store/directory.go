package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/leadrouter/leadrouter"
)

// directoryCache keeps, from one batch of the intake writer to the next,
// the partners and notification recipients the batches read: the same
// few partners and their users, read again by every batch (on
// PostgreSQL each read is a round trip the one writer waits for). It
// holds what was read under one value of directory_version, which
// triggers advance on every change to partners, their domains and
// countries, users and notification preferences (migration 0015); a
// batch reads that value first and drops the cache when it moved.
//
// What a batch gets so is never older than the version it read, as a
// fresh read would be: an entry is read after its version was, and a
// change committed in between advances the version, so the next batch
// reads the entry again.
type directoryCache struct {
	mu         sync.Mutex
	version    int64
	partners   map[string]leadrouter.Partner
	recipients map[string][]Recipient
}

// directoryVersion returns the version this batch reads the directory
// cache under, reading it (and dropping a cache of an older one) on first
// use in the batch.
func (tx *Tx) directoryVersion(ctx context.Context) (int64, error) {
	d := tx.deferred
	if d.directory != 0 {
		return d.directory, nil
	}
	var n int64
	if err := tx.QueryRow(ctx, `SELECT n FROM directory_version WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read directory version: %w", translate(err))
	}
	n++ // 0 means "not read yet" in deferredWrites
	c := &tx.db.directory
	c.mu.Lock()
	if c.version != n {
		c.version, c.partners, c.recipients = n, map[string]leadrouter.Partner{}, map[string][]Recipient{}
	}
	c.mu.Unlock()
	d.directory = n
	return n, nil
}

// partner returns the partner the cache holds for version, if any.
func (c *directoryCache) partner(version int64, id string) (leadrouter.Partner, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.partners[id]
	if !ok || c.version != version {
		return p, false
	}
	return clonePartner(p), true
}

func (c *directoryCache) keepPartner(version int64, p leadrouter.Partner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == version {
		c.partners[p.ID] = clonePartner(p)
	}
}

func (c *directoryCache) recipientsOf(version int64, key string) ([]Recipient, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.recipients[key]
	if !ok || c.version != version {
		return nil, false
	}
	return slices.Clone(r), true
}

func (c *directoryCache) keepRecipients(version int64, key string, r []Recipient) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == version {
		c.recipients[key] = slices.Clone(r)
	}
}
