package store_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestDatabaseAwayCodes has PostgreSQL raise the errors that mean it is
// away (admin shutdown, starting up, connection exception, too many
// connections): each leaves the store as EUNAVAILABLE, by its code; an
// ordinary failure stays internal.
func TestDatabaseAwayCodes(t *testing.T) {
	db := storetest.MustOpen(t, store.Postgres)
	ctx := context.Background()
	for code, want := range map[string]string{
		"57P01": leadrouter.EUNAVAILABLE, "57P03": leadrouter.EUNAVAILABLE, "08006": leadrouter.EUNAVAILABLE,
		"53300": leadrouter.EUNAVAILABLE, "22012": leadrouter.EINTERNAL,
	} {
		raise := func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "DO $$ BEGIN RAISE EXCEPTION 'away' USING ERRCODE = '"+code+"'; END $$")
			return err
		}
		if err := db.Update(ctx, raise); leadrouter.ErrorCode(err) != want || store.IsUnavailable(err) != (want == leadrouter.EUNAVAILABLE) {
			t.Errorf("Update, SQLSTATE %s: %v (code %s), want %s", code, err, leadrouter.ErrorCode(err), want)
		}
		if err := db.View(ctx, raise); leadrouter.ErrorCode(err) != want {
			t.Errorf("View, SQLSTATE %s: %v (code %s), want %s", code, err, leadrouter.ErrorCode(err), want)
		}
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("ping after: %v", err)
	}
}
