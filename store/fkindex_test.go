package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestForeignKeysIndexed: every column that refers to another table's row
// leads an index of its table (migrations 0025 and 0026). SQLite checks a
// foreign key from the parent's side when a parent is deleted or its key
// changed, and also when it is inserted by a statement that may write
// several rows or fires a trigger; without an index on the referring
// column that check reads the child table whole, for each parent row (at
// 1M leads, every stored lead read all conflicts). PostgreSQL checks on
// delete and key change only, but its schema is kept alike.
func TestForeignKeysIndexed(t *testing.T) {
	// Keys nothing checks from the parent's side, each parent being
	// inserted alone (TestWritesScanNoTable) and never deleted:
	exempt := []string{
		// a consent wording: an index would cost every lead an entry
		// (see migration 0026);
		"consents(wording) -> wordings",
		"leads(consent_wording) -> wordings",
		// an account: likewise, for every lead with one
		// (leads_partner_account holds only partners' open leads);
		"leads(account_id) -> accounts",
		// a subscription (deleting one sets deleted_at): the outbox takes
		// no rows since migration 0017, and an index would cover the
		// delivered rows an older install keeps.
		"outbox(webhook_id) -> webhooks",
	}
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var keys []string
		err := db.View(ctx, func(tx *store.Tx) error {
			var err error
			if engine == store.Postgres {
				keys, err = unindexedKeysPostgres(ctx, tx)
			} else {
				keys, err = unindexedKeysSQLite(ctx, tx)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, k := range keys {
			if !slices.Contains(exempt, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			t.Errorf("foreign keys without an index on the referring columns:\n%s", strings.Join(missing, "\n"))
		}
		for _, e := range exempt {
			if !slices.Contains(keys, e) {
				t.Errorf("%s is exempt but is indexed or gone: take it off the list", e)
			}
		}
	})
}

// unindexedKeysSQLite lists the foreign keys of the SQLite schema whose
// referring columns lead no index (the primary key's included) of their
// table that holds every row with a reference, as "table(columns) ->
// parent".
func unindexedKeysSQLite(ctx context.Context, tx *store.Tx) ([]string, error) {
	tables, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, table := range tables {
		// Each index's columns, and for a partial one the condition it
		// holds rows under.
		var indexes [][]string
		var conds []string
		names, err := queryStrings(ctx, tx, `SELECT name FROM pragma_index_list(?)`, table)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			cols, err := queryStrings(ctx, tx, `SELECT coalesce(name, '') FROM pragma_index_info(?) ORDER BY seqno`, name)
			if err != nil {
				return nil, err
			}
			def, err := queryStrings(ctx, tx, `SELECT coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND name = ?`, name)
			if err != nil {
				return nil, err
			}
			cond := ""
			if len(def) == 1 {
				sql := strings.Join(strings.Fields(def[0]), " ") // a WHERE may start a line
				if i := strings.LastIndex(strings.ToUpper(sql), " WHERE "); i >= 0 {
					cond = sql[i+len(" WHERE "):]
				}
			}
			indexes = append(indexes, cols)
			conds = append(conds, cond)
		}
		// A rowid alias or a WITHOUT ROWID table's key is no index_list entry.
		pk, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table)
		if err != nil {
			return nil, err
		}
		indexes = append(indexes, pk)
		conds = append(conds, "")
		type key struct {
			cols   []string
			parent string
		}
		var fks []*key
		rows, err := tx.Query(ctx, `SELECT id, "from", "table" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		if err != nil {
			return nil, err
		}
		last := int64(-1)
		for rows.Next() {
			var id int64
			var from, parent string
			if err := rows.Scan(&id, &from, &parent); err != nil {
				rows.Close()
				return nil, err
			}
			if id != last {
				fks = append(fks, &key{parent: parent})
				last = id
			}
			fks[len(fks)-1].cols = append(fks[len(fks)-1].cols, from)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, fk := range fks {
			found := false
			for i, ix := range indexes {
				found = found || startsWith(ix, fk.cols) && serves(conds[i], fk.cols)
			}
			if !found {
				missing = append(missing, fmt.Sprintf("%s(%s) -> %s", table, strings.Join(fk.cols, ", "), fk.parent))
			}
		}
	}
	return missing, nil
}

// startsWith reports whether the index columns ix start with cols, in any
// order.
func startsWith(ix, cols []string) bool {
	if len(ix) < len(cols) {
		return false
	}
	for _, c := range ix[:len(cols)] {
		if !slices.Contains(cols, c) {
			return false
		}
	}
	return true
}

// serves reports whether a partial index's condition cond (empty for a
// whole index) holds every row a lookup of cols by equality can find:
// only "col IS NOT NULL" conditions do. A partial index on other terms
// (conflicts_one_open, of open conflicts) cannot serve the check, which
// is what left conflicts.lead_id without one until migration 0025.
func serves(cond string, cols []string) bool {
	if cond == "" {
		return true
	}
	for _, term := range strings.Split(cond, " AND ") {
		col, ok := strings.CutSuffix(term, " IS NOT NULL")
		if !ok || !slices.Contains(cols, col) {
			return false
		}
	}
	return true
}

// unindexedKeysPostgres is unindexedKeysSQLite for the PostgreSQL schema
// the connection works in.
func unindexedKeysPostgres(ctx context.Context, tx *store.Tx) ([]string, error) {
	return queryStrings(ctx, tx, `
		SELECT c.conrelid::regclass::text || '(' ||
		       array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
		                             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), ', ') ||
		       ') -> ' || c.confrelid::regclass::text
		FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
		WHERE c.contype = 'f' AND ns.nspname = current_schema()
		  AND NOT EXISTS (
		      SELECT 1 FROM pg_index i
		      WHERE i.indrelid = c.conrelid
		        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
		        AND cardinality((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) = cardinality(c.conkey)
		        -- a partial index serves only if it holds every row with a
		        -- reference (serves, above)
		        AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) =
		             '(' || (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]) || ' IS NOT NULL)'))
		ORDER BY 1`)
}

func queryStrings(ctx context.Context, tx *store.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
