package tracking

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakePartners is a PartnerSource whose partners tests change.
type fakePartners struct {
	mu       sync.Mutex
	partners []PartnerInfo
	err      error
}

func (f *fakePartners) ActivePartners(context.Context) ([]PartnerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return append([]PartnerInfo(nil), f.partners...), nil
}

func (f *fakePartners) set(partners ...PartnerInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partners = partners
}

// fakeClicks is a ClickStore that adds up what it is given and can be told
// to fail.
type fakeClicks struct {
	mu     sync.Mutex
	totals map[string]int64 // partnerID + " " + day -> count
	calls  int
	fail   bool
}

var errStoreDown = errors.New("store down")

func (f *fakeClicks) AddClicks(_ context.Context, counts []ClickCount) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail {
		return errStoreDown
	}
	if f.totals == nil {
		f.totals = map[string]int64{}
	}
	for _, c := range counts {
		f.totals[c.PartnerID+" "+c.Day] += c.Count
	}
	return nil
}

func (f *fakeClicks) setFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *fakeClicks) total(key string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.totals[key]
}

func (f *fakeClicks) sum() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, c := range f.totals {
		n += c
	}
	return n
}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// testSecret is the --secret of the tests.
var testSecret = []byte("test-secret-0123456789abcdef0123")

// fixture is a Config over fakes with two active partners (BERLIN01,
// PARIS002) and a suspended one (OSLO0003).
type fixture struct {
	cfg      Config
	partners *fakePartners
	clicks   *fakeClicks
}

// MustFixture returns a fixture whose directory has been refreshed.
func MustFixture(tb testing.TB) *fixture {
	tb.Helper()
	partners := &fakePartners{partners: []PartnerInfo{
		{ID: "ptr_berlin", PID: "BERLIN01", Active: true},
		{ID: "ptr_paris", PID: "paris002", Active: true},
		{ID: "ptr_oslo", PID: "OSLO0003", Active: false},
	}}
	dir := NewDirectory(partners, time.Hour, nil)
	if err := dir.Refresh(context.Background()); err != nil {
		tb.Fatal(err)
	}
	clicks := &fakeClicks{}
	return &fixture{
		cfg: Config{
			Codec:     NewCodec(testSecret),
			Directory: dir,
			Clicks:    NewClickCounter(clicks, time.Hour, nil),
			SiteHosts: []string{"www.vendor.example", "shop.vendor.example:8443"},
			Secure:    true,
			Now:       func() time.Time { return testNow },
		},
		partners: partners,
		clicks:   clicks,
	}
}

// nextHandler stands for what the middleware wraps.
var nextHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Next", "yes")
	w.WriteHeader(http.StatusTeapot)
})

// cookieOf returns the lr_ref cookie a response sets, nil if none.
func cookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	return nil
}
