package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// leadTokensCursor names the cursor of the lead company-token indexer.
const leadTokensCursor = "lead_company_tokens"

// IndexLeadCompanies writes the company tokens and the person tokens
// (personTokens: the support desk's search by name and phone) of up to
// limit leads stored
// after the indexer's cursor and advances the cursor past them, in this
// transaction: a crash before the commit leaves both as they were, so the
// next run indexes the same leads again and none is skipped. The cursor
// row is claimed first (FOR UPDATE SKIP LOCKED on PostgreSQL: a second
// process finds it taken and does nothing; SQLite has one writer), so two
// processes never index the same lead. It returns how many leads it read.
//
// The cursor follows commit order: on SQLite the leads' rowids (one writer
// hands them out in order); on PostgreSQL the writing transaction's id
// and the lead's id, reading only leads whose transaction is older than
// every one still running, so no lead can commit behind the cursor.
func (tx *Tx) IndexLeadCompanies(ctx context.Context, limit int) (int, error) {
	var position int64
	var afterID string
	err := tx.QueryRow(ctx, `SELECT position, after_id FROM index_cursors WHERE name = ?`+tx.skipLocked(), leadTokensCursor).Scan(&position, &afterID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // another process holds it
	} else if err != nil {
		return 0, fmt.Errorf("claim the company index cursor: %w", err)
	}
	var rows *sql.Rows
	if tx.db.engine == Postgres {
		rows, err = tx.Query(ctx, `SELECT tx::text::bigint AS position, id, company, first_name, last_name, phone_e164 FROM leads
			WHERE tx IS NOT NULL AND (tx, id) > (?::text::xid8, ?) AND tx < pg_snapshot_xmin(pg_current_snapshot())
			ORDER BY tx, id LIMIT ?`, strconv.FormatInt(position, 10), afterID, limit)
	} else {
		rows, err = tx.Query(ctx, `SELECT rowid, id, company, first_name, last_name, phone_e164 FROM leads WHERE rowid > ? ORDER BY rowid LIMIT ?`, position, limit)
	}
	if err != nil {
		return 0, fmt.Errorf("read leads to index: %w", err)
	}
	defer rows.Close()
	var tokens [][]any
	n := 0
	for rows.Next() {
		var id, company, first, last, phone string
		if err := rows.Scan(&position, &id, &company, &first, &last, &phone); err != nil {
			return 0, fmt.Errorf("read leads to index: %w", err)
		}
		afterID = id
		n++
		for _, tok := range tx.companyTokens(company) {
			tokens = append(tokens, []any{tok, "lead", id})
		}
		for _, tok := range personTokens(first, last, phone) {
			tokens = append(tokens, []any{tok, "lead", id})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read leads to index: %w", err)
	}
	rows.Close()
	if n == 0 {
		return 0, nil
	}
	for lo := 0; lo < len(tokens); lo += flushChunk {
		chunk := tokens[lo:min(lo+flushChunk, len(tokens))]
		args := make([]any, 0, 3*len(chunk))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, insertTokens+valueRows(3, len(chunk))+tokensOnConflict, args...); err != nil {
			return 0, fmt.Errorf("index company names: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE index_cursors SET position = ?, after_id = ? WHERE name = ?`, position, afterID, leadTokensCursor); err != nil {
		return 0, fmt.Errorf("advance the company index cursor: %w", err)
	}
	return n, nil
}

// LeadsToIndex returns how many stored leads the company-word indexer has
// not reached yet (on PostgreSQL, counting also those whose transaction is
// not yet behind every running one): the indexer's lag.
func (tx *Tx) LeadsToIndex(ctx context.Context) (int64, error) {
	q := `SELECT COUNT(*) FROM leads, index_cursors c WHERE c.name = ? AND leads.rowid > c.position`
	if tx.db.engine == Postgres {
		q = `SELECT COUNT(*) FROM leads, index_cursors c WHERE c.name = ? AND leads.tx IS NOT NULL
			AND (leads.tx, leads.id) > (c.position::text::xid8, c.after_id)`
	}
	var n int64
	if err := tx.QueryRow(ctx, q, leadTokensCursor).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the leads to index: %w", err)
	}
	return n, nil
}

// Person tokens index a lead by its person for the support desk's search
// (Tx.Search) without a scan: its first name, last name and "first last",
// lower case, each behind personNameToken, and its phone number (E.164)
// behind personPhoneToken. The prefixes keep them apart from company
// words, which are never read with one (the match lookup reads company
// words only). Names and phone numbers of a lead do not change after it
// is stored, so the indexer writes them once. Migration 0019 wrote them
// for the leads stored before.
const (
	personNameToken  = "n:"
	personPhoneToken = "p:"
)

// foldName is a name as its tokens hold it: trimmed, in lower case.
func foldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// personTokens are the person tokens of a lead or contact.
func personTokens(first, last, phoneE164 string) []string {
	first, last = foldName(first), foldName(last)
	var out []string
	for _, name := range []string{first, last, first + " " + last} {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(out, personNameToken+name) {
			out = append(out, personNameToken+name)
		}
	}
	if phoneE164 != "" {
		out = append(out, personPhoneToken+phoneE164)
	}
	return out
}

// LeadsToIndex is Tx.LeadsToIndex in a read of its own.
func (db *DB) LeadsToIndex(ctx context.Context) (n int64, err error) {
	err = db.View(ctx, func(tx *Tx) (err error) {
		n, err = tx.LeadsToIndex(ctx)
		return err
	})
	return n, err
}
