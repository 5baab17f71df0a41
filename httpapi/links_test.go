package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestLinksOfSuspendedPartner: the link builder answers a suspended
// partner's users (and staff asking for it) 409 with a problem saying why,
// since its links record nothing; other partners still get 404, and the
// partner gets links again once reactivated.
func TestLinksOfSuspendedPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := t.Context()
		db := storetest.MustOpen(t, engine)
		f := lifecycletest.MustFixture(t, db)
		s := httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)})
		s.MountLinks([]string{"www.vendor.example"})
		srv := httptest.NewServer(s.Handler(1 << 20))
		t.Cleanup(srv.Close)
		path := "/api/v1/partners/" + f.P1.ID + "/links?url=" + url.QueryEscape("https://www.vendor.example/pricing")
		get := func(who string) (int, string, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+f.Tokens[who])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), body
		}
		setStatus := func(status leadrouter.PartnerStatus) {
			t.Helper()
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := admin.UpdatePartner(ctx, tx, leadrouter.System, f.P1.ID, leadrouter.PartnerUpdate{Status: &status})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}

		if code, _, body := get("p1a"); code != http.StatusOK || !strings.Contains(body["url"].(string), "pid="+string(f.P1.PID)) {
			t.Fatalf("active partner's link: %d %v", code, body)
		}
		setStatus(leadrouter.PartnerSuspended)
		for _, who := range []string{"p1a", "admin", "pam1"} {
			code, ctype, body := get(who)
			detail, _ := body["detail"].(string)
			if code != http.StatusConflict || ctype != "application/problem+json" || !strings.Contains(detail, "suspended") ||
				!strings.Contains(detail, "record no touches and no clicks") || body["url"] != nil || body["html"] != nil {
				t.Fatalf("%s asks for a suspended partner's link: %d %s %v", who, code, ctype, body)
			}
		}
		if code, _, body := get("p2a"); code != http.StatusNotFound {
			t.Fatalf("another partner asks for P1's link: %d %v", code, body)
		}
		setStatus(leadrouter.PartnerActive)
		if code, _, body := get("p1a"); code != http.StatusOK {
			t.Fatalf("reactivated partner's link: %d %v", code, body)
		}
	})
}
