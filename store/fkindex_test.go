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
	// A consent wording is never deleted and is inserted alone, so
	// nothing checks it from its side; an index on these would cost every
	// lead an entry (see migration 0026).
	exempt := []string{"consents(wording) -> wordings", "leads(consent_wording) -> wordings"}
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
// table, as "table(columns) -> parent".
func unindexedKeysSQLite(ctx context.Context, tx *store.Tx) ([]string, error) {
	tables, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, table := range tables {
		var indexes [][]string
		names, err := queryStrings(ctx, tx, `SELECT name FROM pragma_index_list(?)`, table)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			cols, err := queryStrings(ctx, tx, `SELECT coalesce(name, '') FROM pragma_index_info(?) ORDER BY seqno`, name)
			if err != nil {
				return nil, err
			}
			indexes = append(indexes, cols)
		}
		// A rowid alias or a WITHOUT ROWID table's key is no index_list entry.
		pk, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table)
		if err != nil {
			return nil, err
		}
		indexes = append(indexes, pk)
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
			if !slices.ContainsFunc(indexes, func(ix []string) bool { return leads(ix, fk.cols) }) {
				missing = append(missing, fmt.Sprintf("%s(%s) -> %s", table, strings.Join(fk.cols, ", "), fk.parent))
			}
		}
	}
	return missing, nil
}

// leads reports whether the index columns ix start with cols, in any order.
func leads(ix, cols []string) bool {
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
		        AND cardinality((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) = cardinality(c.conkey))
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
