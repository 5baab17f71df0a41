package tracking

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestClickCounterFlush(t *testing.T) {
	store := &fakeClicks{}
	counter := NewClickCounter(store, time.Hour, nil)
	ctx := context.Background()
	day1 := time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)
	day2 := day1.Add(2 * time.Second)
	day3 := day2.Add(24 * time.Hour)

	counter.AddAt("ptr_a", day1)
	counter.AddAt("ptr_a", day1)
	counter.AddAt("ptr_b", day1)
	counter.AddAt("ptr_a", day2)
	counter.AddAt("ptr_a", day3) // same parity as day1: day1's count moves to pending
	if err := counter.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"ptr_a 2026-03-14": 2,
		"ptr_b 2026-03-14": 1,
		"ptr_a 2026-03-15": 1,
		"ptr_a 2026-03-16": 1,
	}
	if diff := cmp.Diff(want, store.totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	calls := store.calls
	if err := counter.Flush(ctx); err != nil || store.calls != calls {
		t.Errorf("an empty flush called the store (err %v)", err)
	}
}

func TestClickCounterKeepsCountsOnFailure(t *testing.T) {
	store := &fakeClicks{fail: true}
	counter := NewClickCounter(store, time.Hour, nil)
	ctx := context.Background()
	counter.AddAt("ptr_a", testNow)
	if err := counter.Flush(ctx); err == nil {
		t.Fatal("Flush hid the store's error")
	}
	counter.AddAt("ptr_a", testNow)
	if err := counter.Close(ctx); err == nil {
		t.Fatal("Close hid the store's error")
	}
	store.setFail(false)
	counter.AddAt("ptr_a", testNow)
	if err := counter.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.total("ptr_a 2026-03-14"); got != 3 {
		t.Errorf("stored %d clicks, want 3", got)
	}
}

// TestClickCounterGracefulShutdown counts from many goroutines while Run
// flushes (sometimes failing), then shuts down as leadrouter does: stop
// adding, stop Run, Close. Every click must be stored exactly once.
func TestClickCounterGracefulShutdown(t *testing.T) {
	store := &fakeClicks{}
	counter := NewClickCounter(store, time.Millisecond, nil)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		counter.Run(ctx)
	}()

	const goroutines, perGoroutine = 8, 5000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			partnerID := fmt.Sprintf("ptr_%d", g%3)
			for i := range perGoroutine {
				if i%1000 == 0 {
					store.setFail(i%2000 == 0)
				}
				counter.AddAt(partnerID, testNow)
			}
		})
	}
	wg.Wait()
	store.setFail(false)
	cancel()
	<-runDone
	if err := counter.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.sum(); got != goroutines*perGoroutine {
		t.Errorf("stored %d clicks, want %d", got, goroutines*perGoroutine)
	}
}

// TestClickCountsSurviveServerShutdown serves redirects over real HTTP,
// shuts the server down gracefully and closes the counter: the clicks the
// visitors got a 302 for are all stored.
func TestClickCountsSurviveServerShutdown(t *testing.T) {
	fx := MustFixture(t)
	store := &fakeClicks{}
	fx.cfg.Clicks = NewClickCounter(store, 5*time.Millisecond, nil)
	fx.cfg.Clicks.SetDedupe(0) // every redirect counts: this is about losing none
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		fx.cfg.Clicks.Run(ctx)
	}()
	server := httptest.NewServer(NewMiddleware(fx.cfg, nextHandler))
	client := server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	const visitors, clicksEach = 4, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	redirected := 0
	for range visitors {
		wg.Go(func() {
			for range clicksEach {
				resp, err := client.Get(server.URL + "/pricing?pid=BERLIN01")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusFound {
					mu.Lock()
					redirected++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	server.Close() // waits for the handlers
	cancel()
	<-runDone
	if err := fx.cfg.Clicks.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := store.total("ptr_berlin 2026-03-14"); got != int64(redirected) || redirected != visitors*clicksEach {
		t.Errorf("stored %d clicks for %d redirects, want %d", got, redirected, visitors*clicksEach)
	}
}

func TestClickCounterAddDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	counter := NewClickCounter(&fakeClicks{}, time.Hour, nil)
	counter.AddAt("ptr_a", testNow)
	if allocs := testing.AllocsPerRun(1000, func() { counter.AddAt("ptr_a", testNow) }); allocs != 0 {
		t.Errorf("AddAt allocates %.1f times", allocs)
	}
}
