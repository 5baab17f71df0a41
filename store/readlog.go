package store

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
)

// ReadChannel is the surface through which contact details were shown.
type ReadChannel string

// The channels of the read log.
const (
	ChannelAPI    ReadChannel = "api"
	ChannelPortal ReadChannel = "portal"
	ChannelExport ReadChannel = "export"
)

// The kinds of record whose contact details the read log names.
const (
	ReadKindLead        = "lead"
	ReadKindTimeline    = "lead_timeline"
	ReadKindOpportunity = "opportunity"
)

// ContactRead is one entry of the read log: who (user, role, partner) saw
// the contact details (name, e-mail, phone) of a lead unredacted, on which
// record (kind and id: the lead itself, its timeline or the opportunity
// converted from it), when and through which channel.
type ContactRead struct {
	ID        int64       `json:"id"`
	At        time.Time   `json:"at"`
	UserID    string      `json:"user_id"`
	Role      string      `json:"role"`
	PartnerID string      `json:"partner_id,omitempty"`
	Channel   ReadChannel `json:"channel"`
	Kind      string      `json:"kind"`
	RecordID  string      `json:"record_id"`
	LeadID    string      `json:"lead_id"`
}

// contactReadColumns is how many values one row of contact_reads takes.
const contactReadColumns = 8

// InsertContactReads writes reads in multi-row INSERTs of at most batch
// rows each, in one transaction.
func (db *DB) InsertContactReads(ctx context.Context, reads []ContactRead) error {
	if len(reads) == 0 {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		for start := 0; start < len(reads); start += readLogBatch {
			chunk := reads[start:min(start+readLogBatch, len(reads))]
			var q strings.Builder
			q.WriteString(`INSERT INTO contact_reads (read_at, user_id, role, partner_id, channel, kind, record_id, lead_id) VALUES `)
			args := make([]any, 0, len(chunk)*contactReadColumns)
			for i, r := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, r.At.UTC(), r.UserID, r.Role, r.PartnerID, string(r.Channel), r.Kind, r.RecordID, r.LeadID)
			}
			if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("write %d contact reads: %w", len(chunk), err)
			}
		}
		return nil
	})
}

// ContactReadsOfLead returns the read log of a lead's contact details,
// newest first: at most limit entries (clamped like other lists) older
// than the entry cursor names (the next_cursor of the page before).
func (tx *Tx) ContactReadsOfLead(ctx context.Context, leadID string, limit int, cursor string) (Page[ContactRead], error) {
	limit = clampLimit(limit)
	before := int64(1<<63 - 1)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return Page[ContactRead]{}, &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "cursor", Message: "is not a cursor of this list (use the next_cursor of the page before)"}}}
		}
		before = n
	}
	rows, err := tx.Query(ctx, `SELECT id, read_at, user_id, role, partner_id, channel, kind, record_id, lead_id FROM contact_reads
		WHERE lead_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, leadID, before, limit+1)
	if err != nil {
		return Page[ContactRead]{}, fmt.Errorf("read contact reads: %w", err)
	}
	defer rows.Close()
	page := Page[ContactRead]{Items: []ContactRead{}}
	for rows.Next() {
		var r ContactRead
		if err := rows.Scan(&r.ID, &r.At, &r.UserID, &r.Role, &r.PartnerID, (*string)(&r.Channel), &r.Kind, &r.RecordID, &r.LeadID); err != nil {
			return Page[ContactRead]{}, err
		}
		r.At = r.At.UTC()
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return Page[ContactRead]{}, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
	}
	return page, nil
}

// readLogBatch is the most rows one INSERT of the read log carries, and
// how many waiting entries make the flusher write before its tick.
const readLogBatch = 200

// readLogBuffer is how many entries wait in the channel for the flusher.
const readLogBuffer = 4096

// ReadLog records contact reads off the request path: Record hands an
// entry to a buffered channel, and Run, a background worker, writes what
// has gathered every interval (or as soon as a batch is full) in
// multi-row INSERTs. Close, after the HTTP server has stopped, writes what
// remains. A nil *ReadLog records nothing.
type ReadLog struct {
	db      *DB
	every   time.Duration
	logger  *slog.Logger
	entries chan ContactRead
	// mu serialises flushes; pending holds the entries taken from the
	// channel and not yet written (kept for the next flush on error).
	mu      sync.Mutex
	pending []ContactRead
}

// NewReadLog returns a read log writing to db every interval (default one
// second).
func NewReadLog(db *DB, every time.Duration, logger *slog.Logger) *ReadLog {
	if every <= 0 {
		every = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ReadLog{db: db, every: every, logger: logger, entries: make(chan ContactRead, readLogBuffer)}
}

// Record notes that actor saw, through channel, the contact details of
// lead leadID on the record kind/recordID. It does not wait for the
// database; only when the buffer is full does it wait for the flusher
// (a read is never dropped from the log).
func (l *ReadLog) Record(actor leadrouter.Actor, channel ReadChannel, kind, recordID, leadID string) {
	if l == nil {
		return
	}
	l.entries <- ContactRead{At: time.Now().UTC(), UserID: actor.UserID, Role: string(actor.Role), PartnerID: actor.PartnerID,
		Channel: channel, Kind: kind, RecordID: recordID, LeadID: leadID}
}

// Run writes the gathered entries every interval, and whenever a batch is
// full, until ctx is done; failures are logged and retried on the next
// flush. Call Close after ctx is done to write what remains.
func (l *ReadLog) Run(ctx context.Context) {
	ticker := time.NewTicker(l.every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-l.entries:
			l.mu.Lock()
			l.pending = append(l.pending, e)
			full := len(l.pending) >= readLogBatch
			l.mu.Unlock()
			if full {
				l.flushLogged(ctx)
			}
		case <-ticker.C:
			l.flushLogged(ctx)
		}
	}
}

func (l *ReadLog) flushLogged(ctx context.Context) {
	if err := l.Flush(ctx); err != nil && ctx.Err() == nil {
		l.logger.ErrorContext(ctx, "writing the read log", slog.Any("err", err))
	}
}

// Flush writes every entry recorded so far. On error the entries are kept
// for the next flush.
func (l *ReadLog) Flush(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for more := true; more; {
		select {
		case e := <-l.entries:
			l.pending = append(l.pending, e)
		default:
			more = false
		}
	}
	if len(l.pending) == 0 {
		return nil
	}
	if err := l.db.InsertContactReads(ctx, l.pending); err != nil {
		return fmt.Errorf("store: flushing %d contact reads: %w", len(l.pending), err)
	}
	l.pending = l.pending[:0]
	return nil
}

// Close writes the entries not yet written; call it once the HTTP server
// has stopped serving.
func (l *ReadLog) Close(ctx context.Context) error {
	return l.Flush(ctx)
}
