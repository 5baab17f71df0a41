package intake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestCompactEventsReadAsTheDecision: capture stores its routing decision
// as codes and lead_created without the lead's fields, and the timeline
// reads them back as the live decision and the lead had them: the same
// sentences, candidates and skips (a suspended partner, a self-referral
// passed over), the same creation fields.
func TestCompactEventsReadAsTheDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, router, db := newRoutedService(t, engine)
		mustPartner(t, db, leadrouter.NewPartner{Name: "Alpen Partner GmbH", Countries: []string{"DE"}})
		self := mustPartner(t, db, leadrouter.NewPartner{Name: "Selbst AG", Countries: []string{"DE"}, Domains: []string{"selbst.example"}})
		gone := mustPartner(t, db, leadrouter.NewPartner{Name: "Ruhend KG", Countries: []string{"DE"}})
		reserved := mustPartner(t, db, leadrouter.NewPartner{Name: "Reserve Ltd", Countries: []string{"GB"}})
		suspended := leadrouter.PartnerSuspended
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.UpdatePartner(ctx, tx, admin, gone.ID, leadrouter.PartnerUpdate{Status: &suspended})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		router.InvalidateDirectory()
		if err := db.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertWebhook(ctx, leadrouter.Webhook{ID: "wh_compact", URL: "https://hooks.example/in", Secret: "s", Active: true,
				Events: []string{"lead.created", "lead.routed"}, CreatedAt: tx.Now()})
		}); err != nil {
			t.Fatal(err)
		}
		yes := true
		subs := []intake.Submission{
			{FirstName: "Ada", LastName: "Lovelace", Email: "ada@analytical.example", Company: "Analytical Engines", Country: "DE", Source: leadrouter.SourceAPI,
				Campaign: "spring", LandingURL: "https://www.vendor.example/x", UTM: map[string]string{"utm_source": "news"}, ConsentShare: &yes, ConsentText: "Share it."},
			{FirstName: "Sam", LastName: "Self", Email: "sam@selbst.example", Company: "Selbst AG", Country: "DE", Source: leadrouter.SourceAPI, PID: string(self.PID)},
			{FirstName: "Res", LastName: "Erved", Email: "res@buyer.example", Company: "Buyer plc", Country: "GB", Source: leadrouter.SourceAPI, PID: string(reserved.PID)},
			{FirstName: "Us", LastName: "Lead", Email: "us@faraway.example", Company: "Far Away Inc", Country: "US", Source: leadrouter.SourceAPI},
		}
		read := lookup.New(db)
		for _, sub := range subs {
			res, err := svc.Capture(ctx, admin, sub, nil)
			if err != nil {
				t.Fatal(err)
			}
			l := res.Lead
			// lead_created as capture stored it before it was compact.
			verbose := map[string]any{"first_name": l.FirstName, "last_name": l.LastName, "email": l.Email, "phone": l.Phone,
				"company": l.Company, "country": l.Country, "source": l.Source, "campaign": sub.Campaign, "utm": sub.UTM,
				"landing_url": sub.LandingURL, "credited_pid": l.CreditedPID, "attribution_model": l.AttributionModel}
			published, _ := json.Marshal(verbose)
			tl, err := read.Timeline(ctx, admin, res.Lead.ID)
			if err != nil {
				t.Fatal(err)
			}
			var stored []leadrouter.Event
			if err := db.View(ctx, func(tx *store.Tx) error {
				stored, err = tx.Timeline(ctx, res.Lead.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for i, e := range tl.Events {
				switch e.Type {
				case leadrouter.EventRouted:
					if strings.Contains(string(stored[i].Data), `"reason"`) || strings.Contains(string(stored[i].Data), "GmbH") {
						t.Errorf("%s: the stored decision has words: %s", sub.Email, stored[i].Data)
					}
					var got struct {
						Rule   string                 `json:"rule"`
						Policy *int64                 `json:"policy_version"`
						Trace  []leadrouter.RouteStep `json:"trace"`
					}
					if err := json.Unmarshal(e.Data, &got); err != nil {
						t.Fatal(err)
					}
					want, _ := json.Marshal(res.Decision.Trace)
					have, _ := json.Marshal(got.Trace)
					if diff := cmp.Diff(string(want), string(have)); diff != "" || got.Rule != res.Decision.Rule || got.Policy == nil {
						t.Errorf("%s: the stored decision reads otherwise than the live one (-live +read):\n%s", sub.Email, diff)
					}
					before, _ := json.Marshal(map[string]any{"rule": res.Decision.Rule, "owner": res.Decision.Owner, "reserved_partner_id": res.Decision.ReservedPartnerID, "trace": res.Decision.Trace})
					if got, hook := outboxData(t, db, "lead.routed", l.ID), leadrouter.WebhookData(before); string(got) != string(hook) {
						t.Errorf("%s: lead.routed subscribers got %s, want %s", sub.Email, got, hook)
					}
				case leadrouter.EventCreated:
					if strings.Contains(string(stored[i].Data), sub.Email) || strings.Contains(string(stored[i].Data), "source") {
						t.Errorf("%s: lead_created repeats the lead: %s", sub.Email, stored[i].Data)
					}
					if diff := cmp.Diff(string(published), string(e.Data)); diff != "" {
						t.Errorf("%s: lead_created reads otherwise than before (-before +read):\n%s", sub.Email, diff)
					}
					if got, want := outboxData(t, db, "lead.created", l.ID), leadrouter.WebhookData(published); string(got) != string(want) {
						t.Errorf("%s: lead.created subscribers got %s, want %s", sub.Email, got, want)
					}
				}
			}
		}
		// Events written before they were compact read as they were stored.
		oldRouted := `{"owner":{"kind":"queue","id":"inside-sales"},"reserved_partner_id":"","rule":"default","trace":[{"rule":"default","matched":true,"fired":true,"reason":"words of an older release","chosen":"inside-sales"}]}`
		oldCreated := `{"company":"Then Inc","email":"then@old.example","source":"web_form"}`
		var leadID string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM leads WHERE email = 'us@faraway.example'`).Scan(&leadID); err != nil {
				return err
			}
			_, err := tx.AppendEvents(ctx, leadID, admin, store.NewEvent{Type: leadrouter.EventRouted, Data: json.RawMessage(oldRouted)},
				store.NewEvent{Type: leadrouter.EventCreated, Data: json.RawMessage(oldCreated)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		tl, err := read.Timeline(ctx, admin, leadID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(tl.Events); n < 2 || string(tl.Events[n-2].Data) != oldRouted || string(tl.Events[n-1].Data) != oldCreated {
			t.Errorf("verbose events read otherwise than stored: %+v", tl.Events)
		}

		// The words the live decisions had, for the record: a suspended
		// candidate, a self-referral passed over, a reservation.
		all := ""
		if err := db.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM leads ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				all += id + " "
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		text := ""
		for _, id := range strings.Fields(all) {
			tl, err := read.Timeline(ctx, admin, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tl.Events {
				text += string(e.Data)
			}
		}
		for _, want := range []string{`"skipped":"suspended"`, `"skipped":"excluded (self-referral: `, "reserved for Reserve Ltd when it converts",
			"queue inside-sales has no users: the lead waits in the queue", "position 0 gives Alpen Partner GmbH"} {
			if !strings.Contains(text, want) {
				t.Errorf("no timeline reads %q:\n%s", want, text)
			}
		}
	})
}

// outboxData is the data of what the webhook subscribers of event get
// for lead id.
func outboxData(t *testing.T, db *store.DB, event, id string) json.RawMessage {
	t.Helper()
	ctx := context.Background()
	var payloads []string
	if err := db.View(ctx, func(tx *store.Tx) error {
		pubs, err := tx.Publications(ctx)
		for _, p := range pubs {
			if p.Event == event {
				payloads = append(payloads, string(p.Payload))
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		var body struct {
			Subject string          `json:"subject"`
			Data    json.RawMessage `json:"data"`
		}
		if json.Unmarshal([]byte(p), &body) == nil && body.Subject == id {
			return body.Data
		}
	}
	t.Fatalf("no %s payload for %s", event, id)
	return nil
}
