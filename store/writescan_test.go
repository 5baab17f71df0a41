package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/match"
)

// TestWritesScanNoTable: no statement the writer runs for a new lead, nor
// the creation of an account, contact, opportunity, partner, user or
// webhook, reads
// a whole table (migration 0025). SQLite checks a foreign key from the
// parent's side too: a statement that may write several rows (a multi-row
// INSERT, one with RETURNING) or a DEFERRABLE key has each new parent
// looked up in every table that refers to it, through an index on the
// referring column if there is one, else by reading that whole table, for
// every row written. conflicts.lead_id (deferred, with only a partial
// index) made every stored lead read all conflicts, which at 1M leads was
// 7 of the 10 seconds of a stored load; contacts.lead_id had no index;
// a new consent wording read all leads and consent records. Partners and
// users have triggers, so creating one counts as a multi-row write: a
// partner read all reassignment requests and forms, a user all sessions
// (migration 0026; TestForeignKeysIndexed checks every key). The test
// reads each statement's program (EXPLAIN) for a loop over a table from
// its first row. PostgreSQL checks keys from the parent's side only when
// a parent's key is deleted or changed, so there is nothing to check there.
func TestWritesScanNoTable(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "scan.db"), Options{MatchKeys: match.Keys{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	statements := map[string]string{
		"leads":          insertLeads + valueRows(columnsOf(insertLeads), 2),
		"consents":       insertConsents + valueRows(columnsOf(insertConsents), 2),
		"company tokens": insertTokens + valueRows(columnsOf(insertTokens), 2) + tokensOnConflict,
		"events":         insertEvents + valueRows(columnsOf(insertEvents), 2),
		"assignments":    insertAssignments + valueRows(columnsOf(insertAssignments), 2),
		"notifications":  insertNotifications + valueRows(columnsOf(insertNotifications), 2),
		"timeline heads": insertHeads + valueRows(columnsOf(insertHeads), 2),
		"a wording":      insertWording,
		"a lead":         insertLeads + valueRows(columnsOf(insertLeads), 1),
		"an account":     insertAccount,
		"a contact":      insertContact,
		"an opportunity": insertOpportunity,
		"a partner":      insertPartner,
		"a user":         insertUser,
		"a webhook":      insertWebhook + webhookCursorEnd + `)`,
		"a conflict":     insertConflict,
		"its partners":   insertConflictPartners + valueRows(2, 2),
	}
	err = db.View(ctx, func(tx *Tx) error {
		roots := map[int64]string{}
		rows, err := tx.Query(ctx, `SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			var root int64
			if err := rows.Scan(&name, &root); err != nil {
				return err
			}
			roots[root] = name
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for what, q := range statements {
			scans, err := fullScans(ctx, tx, q, roots)
			if err != nil {
				return err
			}
			if len(scans) > 0 {
				t.Errorf("writing %s reads all of %v", what, scans)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fullScans are the tables and indexes q's program reads from their first
// row (a Rewind on a cursor opened on them).
func fullScans(ctx context.Context, tx *Tx, q string, roots map[int64]string) ([]string, error) {
	rows, err := tx.Query(ctx, `EXPLAIN `+q, make([]any, strings.Count(q, "?"))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	opened := map[int64]string{}
	var scans []string
	for rows.Next() {
		var addr, p1, p2, p3 int64
		var op string
		var p4, p5, comment sql.NullString
		if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
			return nil, err
		}
		switch op {
		case "OpenRead", "OpenWrite":
			opened[p1] = roots[p2]
		case "Rewind":
			// sqlite_sequence holds a row for each AUTOINCREMENT table;
			// directory_version has one row (its triggers count the
			// partners' and users' changes).
			if name := opened[p1]; name != "" && name != "sqlite_sequence" && name != "directory_version" {
				scans = append(scans, name)
			}
		}
	}
	return scans, rows.Err()
}

// columnsOf counts the columns an "INSERT INTO t (a, b, …) VALUES "
// names.
func columnsOf(insert string) int {
	_, cols, _ := strings.Cut(insert, "(")
	cols, _, _ = strings.Cut(cols, ")")
	return strings.Count(cols, ",") + 1
}
