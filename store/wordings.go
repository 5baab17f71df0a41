package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Consent wording is stored once (migration 0021): leads and consent
// records refer to a row of wordings by id, NULL for the empty text. A
// form's sentence is the same for every lead that agreed through it, so
// after its first use the writer finds its id in memory.

// wordingCache maps wording texts to the ids of committed rows. A row is
// never changed nor deleted, so an id once committed stays right; the
// cache is emptied when it grows past wordingCacheLimit.
type wordingCache struct {
	mu  sync.Mutex
	ids map[string]int64
}

const wordingCacheLimit = 1024

func (c *wordingCache) get(text string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[text]
	return id, ok
}

func (c *wordingCache) keep(text string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || len(c.ids) >= wordingCacheLimit {
		c.ids = map[string]int64{}
	}
	c.ids[text] = id
}

// wordingID returns the id of the wording text, storing the text when it
// is new; nil for the empty text. The cache learns the id once the
// transaction commits (not if the batch item that stored it fails: its
// after-commit functions are dropped with its rows).
func (tx *Tx) wordingID(ctx context.Context, text string) (any, error) {
	if text == "" {
		return nil, nil
	}
	if id, ok := tx.db.wordings.get(text); ok {
		return id, nil
	}
	var id int64
	find, args := `SELECT id FROM wordings WHERE text = ? ORDER BY id LIMIT 1`, []any{text}
	if tx.db.engine == Postgres {
		find, args = `SELECT id FROM wordings WHERE md5(text) = md5(CAST(? AS text)) AND text = ? ORDER BY id LIMIT 1`, []any{text, text}
	}
	err := tx.QueryRow(ctx, find, args...).Scan(&id)
	if isNoRows(err) {
		id, err = tx.storeWording(ctx, text)
	}
	if err != nil {
		return nil, fmt.Errorf("store consent wording: %w", translate(err))
	}
	tx.AfterCommit(func() { tx.db.wordings.keep(text, id) })
	return id, nil
}

// insertWording is the statement that stores a new wording.
const insertWording = `INSERT INTO wordings (text) VALUES (?)`

// storeWording stores a new wording and returns its id. On SQLite
// without RETURNING: that makes the INSERT a statement that may write
// several rows, and SQLite then checks the new id against every table
// that refers to wordings, reading all of leads and consents for it
// (their wording columns have no index: nothing else looks a lead up by
// its wording).
func (tx *Tx) storeWording(ctx context.Context, text string) (id int64, err error) {
	if tx.db.engine == Postgres {
		err = tx.QueryRow(ctx, insertWording+` RETURNING id`, text).Scan(&id)
		return id, err
	}
	res, err := tx.Exec(ctx, insertWording, text)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// wordingText is the SQL of the text of the wording whose id is in column
// (the empty text for NULL).
func wordingText(column string) string {
	return `COALESCE((SELECT text FROM wordings WHERE wordings.id = ` + column + `), '')`
}

// consentColumns are a consent record's columns, in scanConsent's order.
var consentColumns = `id, lead_id, share, ` + wordingText("consents.wording") + `, source, ip, actor, at`

func scanConsent(s interface{ Scan(...any) error }) (leadrouter.ConsentRecord, error) {
	var c leadrouter.ConsentRecord
	var at dbTime
	err := s.Scan(&c.ID, &c.LeadID, &c.Share, &c.Text, &c.Source, &c.IP, &c.Actor, &at)
	c.At = time.Time(at)
	return c, err
}
