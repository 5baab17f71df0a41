package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestRateWindowsSharedByProcesses: two handles on one database (two
// server processes) count into the same windows, also when they hit at
// once; reading counts nothing; pruning forgets old windows.
func TestRateWindowsSharedByProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		a, b := storetest.MustOpenURL(t, url), storetest.MustOpenURL(t, url)
		const window = time.Hour
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.HitRateWindow(ctx, "form:203.0.113.7", window); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		c, err := b.RateWindowCount(ctx, "form:203.0.113.7", window)
		if err != nil {
			t.Fatal(err)
		}
		// The 20 hits may straddle a window boundary; together they are 20.
		if c.Recent() != 20 || !c.Ends.After(time.Now()) {
			t.Fatalf("count %+v, want 20 recent hits", c)
		}
		if c, err := a.HitRateWindow(ctx, "form:198.51.100.1", window); err != nil || c.Recent() != 1 {
			t.Fatalf("another key: %+v %v", c, err)
		}
		if _, err := a.HitRateWindow(ctx, "signin:eva@partner.example", window); err != nil {
			t.Fatal(err)
		}
		if err := a.PruneRateWindows(ctx, "form:", time.Now().Add(2*window)); err != nil {
			t.Fatal(err)
		}
		if c, err := a.RateWindowCount(ctx, "form:203.0.113.7", window); err != nil || c.Recent() != 0 {
			t.Fatalf("after pruning: %+v %v", c, err)
		}
		if c, err := a.RateWindowCount(ctx, "signin:eva@partner.example", window); err != nil || c.Recent() != 1 {
			t.Fatalf("pruning form: keys took another use's: %+v %v", c, err)
		}
	})
}

// TestTakeRateWindowNeverOverspends: 60 takes at once from two handles on
// one database (two server processes) against a budget of 10 get exactly
// 10; a hit given back makes room for one more.
func TestTakeRateWindowNeverOverspends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		a, b := storetest.MustOpenURL(t, url), storetest.MustOpenURL(t, url)
		const window, limit = time.Hour, 10
		var mu sync.Mutex
		var taken []store.RateCount
		var wg sync.WaitGroup
		for i := 0; i < 60; i++ {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, ok, err := db.TakeRateWindow(ctx, "signin-account:eva@partner.example", window, limit)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					taken = append(taken, c)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(taken) != limit {
			t.Fatalf("%d takes got through, want %d", len(taken), limit)
		}
		if _, ok, err := a.TakeRateWindow(ctx, "signin-account:eva@partner.example", window, limit); ok || err != nil {
			t.Fatalf("a take beyond the budget: %v %v", ok, err)
		}
		if err := b.ReturnRateWindow(ctx, "signin-account:eva@partner.example", window, taken[0].Ends); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := a.TakeRateWindow(ctx, "signin-account:eva@partner.example", window, limit); !ok || err != nil {
			t.Fatalf("after giving one back: %v %v", ok, err)
		}
		if c, err := a.RateWindowCount(ctx, "signin-account:eva@partner.example", window); err != nil || c.Recent() != limit {
			t.Fatalf("count %+v %v, want %d", c, err, limit)
		}
	})
}
