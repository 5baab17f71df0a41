package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// logged flushes the read log and returns a lead's entries, newest first.
func (tp *testPortal) logged(tb testing.TB, leadID string) []store.ContactRead {
	tb.Helper()
	ctx := context.Background()
	if err := tp.Reads.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	var page store.Page[store.ContactRead]
	if err := tp.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.ContactReadsOfLead(ctx, leadID, 500, "")
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return page.Items
}

// TestPortalReadLog: a staff search and lead page each leave a portal
// read-log entry, a partner's redacted page none, and an admin's lead page
// lists who read the contact details.
func TestPortalReadLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		pieter := tp.Leads["pieter@brugge-logistics.example"] // routed to Brussels IT, no consent

		brussels := tp.MustClient(t)
		brussels.MustSignIn("eva@brussels-it.example")
		if pg := brussels.Get("/portal/leads/" + pieter.ID); pg.Status != http.StatusOK || strings.Contains(pg.Body, pieter.Email) {
			t.Fatalf("Brussels' redacted page: %d", pg.Status)
		}
		brussels.Get("/portal/leads")
		if got := tp.logged(t, pieter.ID); len(got) != 0 {
			t.Fatalf("redacted pages were logged: %+v", got)
		}

		support := tp.MustClient(t)
		support.MustSignIn("support@vendor.example")
		before := len(tp.logged(t, pieter.ID)) // its landing page may list the lead
		if pg := support.Get("/portal/leads?q=" + url.QueryEscape(pieter.Email)); pg.Status != http.StatusOK || !strings.Contains(pg.Body, pieter.Email) {
			t.Fatalf("support's search: %d", pg.Status)
		}
		if pg := support.Get("/portal/leads/" + pieter.ID); pg.Status != http.StatusOK || !strings.Contains(pg.Body, pieter.Email) {
			t.Fatalf("support's lead page: %d", pg.Status)
		}
		if pg := support.Get("/portal/leads/" + pieter.ID); strings.Contains(pg.Body, "Who read the contact details") {
			t.Error("support sees the read log")
		}
		got := tp.logged(t, pieter.ID)[:len(tp.logged(t, pieter.ID))-before]
		supportID := tp.IDs.Users["support@vendor.example"]
		if len(got) != 3 {
			t.Fatalf("read log = %+v, want the search and two pages", got)
		}
		for _, r := range got {
			if r.UserID != supportID || r.Role != "support" || r.Channel != store.ChannelPortal || r.Kind != store.ReadKindLead || r.RecordID != pieter.ID {
				t.Errorf("entry %+v", r)
			}
		}

		admin := tp.MustClient(t)
		admin.MustSignIn("admin@vendor.example")
		pg := admin.Get("/portal/leads/" + pieter.ID)
		_, reads, _ := strings.Cut(pg.Body, "Who read the contact details")
		if pg.Status != http.StatusOK || strings.Count(reads, "<td>Sam Support</td>") != 3+before || strings.Contains(pg.Body, supportID) {
			t.Fatalf("admin's lead page: %d\n%s", pg.Status, pg.Body)
		}
		if got := tp.logged(t, pieter.ID); len(got) != 4+before || got[0].UserID != tp.IDs.Users["admin@vendor.example"] {
			t.Errorf("the admin's read: %+v", got)
		}
	})
}
