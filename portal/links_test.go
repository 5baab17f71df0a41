package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestLinkBuilderSuspendedPartner: a suspended partner's users get the
// reason instead of the link builder's form or a link (409), and links
// again once the partner is reactivated.
func TestLinkBuilderSuspendedPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		anna := tp.MustClient(t)
		anna.MustSignIn("anna@berlin-systems.example")
		admin := tp.MustClient(t)
		admin.MustSignIn("admin@vendor.example")
		berlin := tp.IDs.Partners[demo.PIDBerlin]
		setStatus := func(status string) {
			t.Helper()
			admin.Get("/portal/admin/partners")
			if pg := admin.Post("/portal/admin/partners/"+berlin+"/status", url.Values{"status": {status}}); pg.Status != http.StatusSeeOther {
				t.Fatalf("set Berlin %s: %d\n%s", status, pg.Status, pg.Body)
			}
		}
		build := "/portal/links?url=" + url.QueryEscape("https://www.vendor.example/pricing")
		if pg := anna.Get(build); pg.Status != http.StatusOK || !strings.Contains(pg.Body, `id="link"`) {
			t.Fatalf("active partner's link: %d\n%s", pg.Status, pg.Body)
		}

		setStatus("suspended")
		for _, path := range []string{build, "/portal/links"} {
			pg := anna.Get(path)
			if pg.Status != http.StatusConflict || !strings.Contains(pg.Body, `class="error" role="alert"`) ||
				!strings.Contains(pg.Body, "is suspended: links with its PID BERLIN01 record no touches and no clicks") ||
				!strings.Contains(pg.Body, `id="suspended"`) || strings.Contains(pg.Body, `id="link"`) || strings.Contains(pg.Body, `id="url"`) ||
				strings.Contains(pg.Body, "pid=BERLIN01") {
				t.Fatalf("GET %s while suspended: %d\n%s", path, pg.Status, pg.Body)
			}
		}

		setStatus("active")
		if pg := anna.Get(build); pg.Status != http.StatusOK || !strings.Contains(pg.Body, "pid=BERLIN01") {
			t.Fatalf("reactivated partner's link: %d\n%s", pg.Status, pg.Body)
		}
	})
}
