package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestExpiredSessionsGoAtSignIn: a session never signed out expires, and
// is deleted when its user next signs in; other users' sessions and the
// user's live ones stay.
func TestExpiredSessionsGoAtSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var ann, bob leadrouter.User
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			if ann, _, err = tx.InsertUser(ctx, leadrouter.NewUser{Email: "ann@vendor.example", Name: "Ann", Role: leadrouter.RoleSales}); err != nil {
				return err
			}
			bob, _, err = tx.InsertUser(ctx, leadrouter.NewUser{Email: "bob@vendor.example", Name: "Bob", Role: leadrouter.RoleSales})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		start := db.Now()
		at := func(d time.Duration) { db.Now = func() time.Time { return start.Add(d) } }
		session := func(u leadrouter.User, ttl time.Duration) string {
			id, _, err := db.CreateSession(ctx, u.ID, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		rows := func(u leadrouter.User) int {
			var n int
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		old := session(ann, time.Hour)
		long := session(ann, 24*time.Hour)
		session(bob, time.Hour)
		at(2 * time.Hour)
		if _, err := db.SessionByID(ctx, old); leadrouter.ErrorCode(err) != leadrouter.EUNAUTHORIZED {
			t.Fatalf("an expired session signs in: %v", err)
		}
		if n := rows(ann); n != 2 {
			t.Fatalf("before Ann signs in again she has %d sessions stored, want 2", n)
		}
		fresh := session(ann, time.Hour)
		if n := rows(ann); n != 2 {
			t.Fatalf("after Ann signs in again she has %d sessions stored, want 2 (the expired one deleted)", n)
		}
		for _, id := range []string{long, fresh} {
			if _, err := db.SessionByID(ctx, id); err != nil {
				t.Fatalf("a live session was lost: %v", err)
			}
		}
		if n := rows(bob); n != 1 {
			t.Fatalf("Bob's expired session went with Ann's sign-in: %d stored", n)
		}
	})
}
