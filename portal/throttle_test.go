package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// guessInParallel posts n sign-ins of email (email(i) when set), par at a
// time, each from its own browser, and returns the statuses by count;
// every 429 must carry Retry-After.
func guessInParallel(t *testing.T, tp *testPortal, n, par int, email func(i int) string) map[int]int {
	t.Helper()
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = tp.MustClient(t)
		clients[i].Get("/portal/login")
	}
	sem := make(chan struct{}, par)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pg := clients[i].Post("/portal/login", url.Values{"email": {email(i)}, "password": {"guess-" + strconv.Itoa(i)}})
			mu.Lock()
			defer mu.Unlock()
			statuses[pg.Status]++
			if pg.Status == http.StatusTooManyRequests && pg.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		}()
	}
	wg.Wait()
	return statuses
}

// TestSignInGuessesInParallel: 100 wrong passwords for one account, 50 at
// a time, through the real handler: a guess spends the budget before its
// password is checked, so at most 10 are checked (answered 401) and the
// rest are 429, and the shared counter says 10; the right password then
// waits too, as the README says.
func TestSignInGuessesInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		const account = "pam@vendor.example"
		statuses := guessInParallel(t, tp, 100, 50, func(int) string { return account })
		if statuses[http.StatusUnauthorized] > 10 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 100 {
			t.Fatalf("statuses %v: more than 10 guesses were checked", statuses)
		}
		c, err := tp.DB.RateWindowCount(context.Background(), "signin-account:"+account, 15*time.Minute)
		if err != nil || c.Recent() != statuses[http.StatusUnauthorized] {
			t.Fatalf("counted %+v (%v), checked %d", c, err, statuses[http.StatusUnauthorized])
		}
		right := tp.MustClient(t)
		right.Get("/portal/login")
		if pg := right.Post("/portal/login", url.Values{"email": {account}, "password": {demo.Password}}); pg.Status != http.StatusTooManyRequests {
			t.Fatalf("right password after the failures: %d", pg.Status)
		}
	})
}

// TestSignInGuessesFromOneAddress: 60 wrong passwords for 60 different
// accounts, 30 at a time, from one address: at most 20 are checked. A
// right password gives back what it spent, so sign-ins that succeed never
// use up the budget.
func TestSignInGuessesFromOneAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		for i := 0; i < 25; i++ {
			tp.MustClient(t).MustSignIn("anna@berlin-systems.example")
		}
		statuses := guessInParallel(t, tp, 60, 30, func(i int) string { return "nobody" + strconv.Itoa(i) + "@example.com" })
		if statuses[http.StatusUnauthorized] > 20 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 60 {
			t.Fatalf("statuses %v: more than 20 guesses from one address were checked", statuses)
		}
		if statuses[http.StatusUnauthorized] < 20 {
			t.Fatalf("statuses %v: the 25 right sign-ins spent the budget", statuses)
		}
	})
}
